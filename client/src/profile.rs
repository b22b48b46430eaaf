//! Server profiles: where a server is and how to reach it. Kept in `servers.toml` in the
//! user's config directory; never secrets (tokens and passwords go to the OS keychain).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::tls::Trust;
use crate::{Error, Result};

/// One Antimony server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerProfile {
    /// A name the user picks (unique among profiles).
    pub name: String,
    /// The origin, e.g. `https://lab.example.org` (no path).
    pub origin: String,
    /// The REST base when it is not `<origin>/api` (e.g. `http://host:3000` for a server
    /// reached directly, without Traefik).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_base: Option<String>,
    /// The user name last logged in with (not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// How its TLS certificate is trusted (`https` origins).
    #[serde(default, skip_serializing_if = "Trust::is_system")]
    pub tls: Trust,
}

impl ServerProfile {
    /// A profile for `origin`, checked and normalised: `http` or `https` (any case), a host,
    /// no user name or password (they would end up in a file), no path, query or fragment.
    pub fn new(name: impl Into<String>, origin: &str) -> Result<Self> {
        let url = checked_url(origin)?;
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Profile(format!(
                "{:?} must be an origin, without a path",
                origin.trim()
            )));
        }
        let name = name.into();
        if name.trim().is_empty() {
            return Err(Error::Profile("a profile needs a name".into()));
        }
        Ok(ServerProfile {
            name,
            origin: url.origin().ascii_serialization(),
            rest_base: None,
            user: None,
            tls: Trust::System,
        })
    }

    /// The same profile talking to REST at `base` instead of `<origin>/api`. A base that is
    /// not a plain http(s) URL is refused.
    pub fn with_rest_base(mut self, base: &str) -> Result<Self> {
        let url = checked_url(base)?;
        self.rest_base = Some(url.as_str().trim_end_matches('/').to_owned());
        Ok(self)
    }

    /// The same profile with another TLS trust.
    pub fn with_trust(mut self, tls: Trust) -> Self {
        self.tls = tls;
        self
    }

    /// True for `https` origins.
    pub fn uses_tls(&self) -> bool {
        self.origin.starts_with("https://")
    }

    /// The REST base URL.
    pub fn rest_base(&self) -> String {
        self.rest_base
            .clone()
            .unwrap_or_else(|| format!("{}/api", self.origin))
    }

    /// The URL of a REST path (which starts with `/`).
    pub fn rest_url(&self, path: &str) -> String {
        format!("{}{path}", self.rest_base())
    }

    /// The Socket.IO URL of a namespace: the origin, path `/socket.io/`.
    pub fn socket_url(&self, namespace: &str) -> String {
        format!("{}{namespace}", self.origin)
    }
}

/// An `http(s)` URL without user info (`https://user:secret@host` is refused: profiles are
/// files, and secrets belong in the keychain).
fn checked_url(text: &str) -> Result<reqwest::Url> {
    let text = text.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(text).map_err(|e| {
        Error::Profile(format!(
            "{:?} is not a URL: {e}",
            text.chars().take(200).collect::<String>()
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::Profile(format!(
            "{text:?} must be an http:// or https:// address"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Profile(
            "the address must not carry a user name or password: they would be saved in a \
             file; log in with `antimony login` (or the app) instead"
                .into(),
        ));
    }
    Ok(url)
}

/// The profiles file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profiles {
    /// The profile in use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// Every profile.
    #[serde(default)]
    pub servers: Vec<ServerProfile>,
}

impl Profiles {
    /// The default file: `servers.toml` in the user's config directory.
    pub fn default_path() -> Result<PathBuf> {
        directories::ProjectDirs::from("org", "antimony", "antimony")
            .map(|dirs| dirs.config_dir().join("servers.toml"))
            .ok_or_else(|| Error::Profile("no home directory to keep profiles in".into()))
    }

    /// Reads the file; a missing file is no profiles.
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text)
                .map_err(|e| Error::Profile(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::default()),
            Err(source) => Err(Error::Io {
                context: format!("reading {}", path.display()),
                source,
            }),
        }
    }

    /// Writes the file (through a temporary file, so it is never half written).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = toml::to_string_pretty(self).map_err(|e| Error::Profile(e.to_string()))?;
        let io = |context: String| move |source| Error::Io { context, source };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        }
        let temp = path.with_extension("toml.tmp");
        std::fs::write(&temp, text).map_err(io(format!("writing {}", temp.display())))?;
        std::fs::rename(&temp, path).map_err(io(format!("writing {}", path.display())))
    }

    /// Adds a profile; the first one becomes current.
    pub fn add(&mut self, profile: ServerProfile) -> Result<()> {
        if self.get(&profile.name).is_some() {
            return Err(Error::Profile(format!(
                "a server named {:?} exists already",
                profile.name
            )));
        }
        if self.current.is_none() {
            self.current = Some(profile.name.clone());
        }
        self.servers.push(profile);
        Ok(())
    }

    /// Removes a profile; if it was current, none is.
    pub fn remove(&mut self, name: &str) -> Result<ServerProfile> {
        let index = self
            .servers
            .iter()
            .position(|p| p.name == name)
            .ok_or_else(|| Error::Profile(format!("no server named {name:?}")))?;
        if self.current.as_deref() == Some(name) {
            self.current = None;
        }
        Ok(self.servers.remove(index))
    }

    /// Makes a profile current.
    pub fn use_server(&mut self, name: &str) -> Result<()> {
        self.get(name)
            .ok_or_else(|| Error::Profile(format!("no server named {name:?}")))?;
        self.current = Some(name.to_owned());
        Ok(())
    }

    /// A profile by name.
    pub fn get(&self, name: &str) -> Option<&ServerProfile> {
        self.servers.iter().find(|p| p.name == name)
    }

    /// A profile by name, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut ServerProfile> {
        self.servers.iter_mut().find(|p| p.name == name)
    }

    /// The current profile.
    pub fn current(&self) -> Option<&ServerProfile> {
        self.current.as_deref().and_then(|name| self.get(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_give_rest_and_socket_urls() {
        let profile = ServerProfile::new("lab", "https://lab.example.org/").unwrap();
        assert_eq!(
            profile.rest_url("/labs"),
            "https://lab.example.org/api/labs"
        );
        assert_eq!(
            profile.socket_url("/lab-updates"),
            "https://lab.example.org/lab-updates"
        );
        let direct = ServerProfile::new("dev", "http://127.0.0.1:3000")
            .unwrap()
            .with_rest_base("http://127.0.0.1:3000/")
            .unwrap();
        assert_eq!(direct.rest_url("/labs"), "http://127.0.0.1:3000/labs");
    }

    #[test]
    fn schemes_in_any_case_are_understood_and_user_info_is_refused() {
        let profile = ServerProfile::new("x", "HTTPS://Lab.Example.ORG:443").unwrap();
        assert_eq!(profile.origin, "https://lab.example.org");
        assert!(profile.uses_tls());
        let error = ServerProfile::new("x", "https://admin:hunter2@lab.example.org")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("hunter2"), "{error}");
        assert!(ServerProfile::new("x", "https://admin@lab.example.org").is_err());
        assert!(
            ServerProfile::new("x", "https://lab.example.org")
                .unwrap()
                .with_rest_base("https://u:p@lab.example.org/api")
                .is_err()
        );
    }

    #[test]
    fn rejects_what_is_not_an_origin() {
        for bad in [
            "",
            "lab.example.org",
            "ftp://x",
            "https://x/api",
            "https://x?a=1",
            "http://",
        ] {
            assert!(ServerProfile::new("x", bad).is_err(), "{bad:?}");
        }
        assert!(ServerProfile::new(" ", "https://x").is_err());
    }

    #[test]
    fn the_file_round_trips_and_tracks_the_current_server() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/servers.toml");
        assert_eq!(Profiles::load(&path).unwrap(), Profiles::default());
        let mut profiles = Profiles::default();
        profiles
            .add(ServerProfile::new("a", "https://a.example").unwrap())
            .unwrap();
        profiles
            .add(
                ServerProfile::new("b", "http://b.example:3000")
                    .unwrap()
                    .with_rest_base("http://b.example:3000")
                    .unwrap(),
            )
            .unwrap();
        assert!(
            profiles
                .add(ServerProfile::new("a", "https://c.example").unwrap())
                .is_err()
        );
        assert_eq!(
            profiles.current().unwrap().name,
            "a",
            "the first is current"
        );
        profiles.use_server("b").unwrap();
        profiles.save(&path).unwrap();
        let loaded = Profiles::load(&path).unwrap();
        assert_eq!(loaded, profiles);
        assert!(
            !std::fs::read_to_string(&path).unwrap().contains("token"),
            "no secrets"
        );
        let mut loaded = loaded;
        loaded.remove("b").unwrap();
        assert_eq!(loaded.current, None);
        assert!(loaded.use_server("b").is_err());
        std::fs::write(&path, "servers = 5").unwrap();
        assert!(Profiles::load(&path).is_err());
    }
}
