//! Server profiles as a file a team hands out: names, addresses, REST bases and pinned
//! certificates, never a login, a password or a local path. Importing checks every entry as
//! adding it by hand would (the address, the REST base, the pin against its certificate) and
//! adds what is new, saying why it left out the rest.

use serde::{Deserialize, Serialize};

use crate::profile::{Profiles, ServerProfile};
use crate::tls::{Trust, fingerprint_of, pem_to_der};
use crate::{Error, Result};

/// The format's version, written into every file.
pub const FORMAT: u32 = 1;
/// The largest file read.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The most servers one file may hold.
pub const MAX_SERVERS: usize = 256;
/// The longest server name.
const MAX_NAME: usize = 64;

/// The file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedServers {
    /// [`FORMAT`].
    pub antimony_servers: u32,
    /// The servers.
    #[serde(default)]
    pub servers: Vec<SharedServer>,
}

/// One server of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedServer {
    /// Its name.
    pub name: String,
    /// Its address (origin).
    pub url: String,
    /// Its REST base, when not `<url>/api`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<String>,
    /// A pinned certificate: its fingerprint and PEM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<SharedPin>,
}

/// A pinned certificate in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SharedPin {
    /// `AB:CD:…`.
    pub fingerprint: String,
    /// The certificate (PEM).
    pub certificate: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    /// The servers added, by name.
    pub added: Vec<String>,
    /// The servers left out, with why.
    pub skipped: Vec<Skipped>,
}

/// A server left out of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    /// Its name as the file gives it (shortened).
    pub name: String,
    /// Why.
    pub reason: String,
}

/// The file of `profiles` (all, or those named in `only`), as pretty JSON. A profile trusted
/// through a local CA file is exported with the system's trust: the path means nothing on
/// another computer.
pub fn export(profiles: &Profiles, only: &[String]) -> Result<String> {
    let servers = profiles
        .servers
        .iter()
        .filter(|p| only.is_empty() || only.contains(&p.name))
        .map(|p| SharedServer {
            name: p.name.clone(),
            url: p.origin.clone(),
            api: p.rest_base.clone(),
            pinned: match &p.tls {
                Trust::Pinned {
                    fingerprint,
                    certificate,
                } => Some(SharedPin {
                    fingerprint: fingerprint.clone(),
                    certificate: certificate.clone(),
                }),
                Trust::System | Trust::CaFile { .. } => None,
            },
        })
        .collect();
    serde_json::to_string_pretty(&SharedServers {
        antimony_servers: FORMAT,
        servers,
    })
    .map_err(|e| Error::Profile(e.to_string()))
}

/// Adds the servers of a file to `profiles` (unless `reserved` says a name is taken, e.g.
/// the app's own local server), skipping what is not valid or already there.
pub fn import(
    profiles: &mut Profiles,
    text: &str,
    reserved: impl Fn(&str) -> bool,
) -> Result<ImportReport> {
    if text.len() > MAX_FILE_BYTES {
        return Err(Error::Profile(format!(
            "the file is larger than {MAX_FILE_BYTES} bytes"
        )));
    }
    let file: SharedServers = serde_json::from_str(text)
        .map_err(|e| Error::Profile(format!("not a file of Antimony servers: {e}")))?;
    if file.antimony_servers != FORMAT {
        return Err(Error::Profile(format!(
            "a file of Antimony servers in format {}, this version reads format {FORMAT}",
            file.antimony_servers
        )));
    }
    if file.servers.len() > MAX_SERVERS {
        return Err(Error::Profile(format!(
            "the file lists {} servers, at most {MAX_SERVERS} are read",
            file.servers.len()
        )));
    }
    let mut report = ImportReport::default();
    for server in file.servers {
        let name: String = server.name.trim().chars().take(MAX_NAME).collect();
        let skip = |reason: String| Skipped {
            name: name.clone(),
            reason,
        };
        if name.is_empty() || server.name.trim().chars().count() > MAX_NAME {
            report
                .skipped
                .push(skip(format!("a name must be 1 to {MAX_NAME} characters")));
            continue;
        }
        if name.chars().any(char::is_control) {
            report
                .skipped
                .push(skip("a name must not hold control characters".into()));
            continue;
        }
        if reserved(&name) || profiles.get(&name).is_some() {
            report
                .skipped
                .push(skip("a server of this name exists already".into()));
            continue;
        }
        match profile_of(&name, &server) {
            Ok(profile) => {
                profiles.add(profile)?;
                report.added.push(name);
            }
            Err(error) => report.skipped.push(skip(error.to_string())),
        }
    }
    Ok(report)
}

/// The profile of one entry, checked as adding it by hand would be.
fn profile_of(name: &str, server: &SharedServer) -> Result<ServerProfile> {
    let mut profile = ServerProfile::new(name, &server.url)?;
    if let Some(api) = &server.api {
        profile = profile.with_rest_base(api)?;
    }
    if let Some(pin) = &server.pinned {
        if !profile.uses_tls() {
            return Err(Error::Profile(
                "a pinned certificate needs an https:// address".into(),
            ));
        }
        let der = pem_to_der(&pin.certificate)?;
        let fingerprint = fingerprint_of(&der);
        if crate::tls::normalise_fingerprint(&pin.fingerprint).as_deref() != Some(&fingerprint) {
            return Err(Error::Profile(
                "the pinned certificate does not match its fingerprint".into(),
            ));
        }
        profile = profile.with_trust(Trust::Pinned {
            fingerprint,
            certificate: crate::tls::der_to_pem(&der),
        });
    }
    Ok(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin() -> (String, String) {
        let der: Vec<u8> = (0..=255u8).cycle().take(600).collect();
        (fingerprint_of(&der), crate::tls::der_to_pem(&der))
    }

    fn profiles() -> Profiles {
        let (fingerprint, certificate) = pin();
        let mut profiles = Profiles::default();
        profiles
            .add(ServerProfile::new("team", "https://lab.example.org").unwrap())
            .unwrap();
        let mut direct = ServerProfile::new("direct", "http://10.0.0.5:3000")
            .unwrap()
            .with_rest_base("http://10.0.0.5:3000")
            .unwrap();
        direct.user = Some("alice".into());
        profiles.add(direct).unwrap();
        profiles
            .add(
                ServerProfile::new("pinned", "https://self-signed.example:8443")
                    .unwrap()
                    .with_trust(Trust::Pinned {
                        fingerprint,
                        certificate,
                    }),
            )
            .unwrap();
        profiles
            .add(
                ServerProfile::new("ca", "https://ca.example")
                    .unwrap()
                    .with_trust(Trust::CaFile {
                        path: "/home/alice/ca.pem".into(),
                    }),
            )
            .unwrap();
        profiles
    }

    #[test]
    fn a_round_trip_keeps_addresses_and_pins_and_nothing_personal() {
        let text = export(&profiles(), &[]).unwrap();
        assert!(
            !text.contains("alice"),
            "no user name or local path: {text}"
        );
        let mut fresh = Profiles::default();
        let report = import(&mut fresh, &text, |_| false).unwrap();
        assert_eq!(report.added, ["team", "direct", "pinned", "ca"]);
        assert!(report.skipped.is_empty());
        let original = profiles();
        for name in ["team", "direct", "pinned"] {
            let (a, b) = (fresh.get(name).unwrap(), original.get(name).unwrap());
            assert_eq!(
                (&a.origin, &a.rest_base, &a.tls),
                (&b.origin, &b.rest_base, &b.tls)
            );
            assert_eq!(a.user, None);
        }
        assert!(fresh.get("ca").unwrap().tls.is_system());
        assert_eq!(fresh.current.as_deref(), Some("team"));
        let only = export(&original, &["team".into()]).unwrap();
        assert!(only.contains("team") && !only.contains("pinned"));
    }

    #[test]
    fn hostile_entries_are_skipped_with_a_reason() {
        let (fingerprint, certificate) = pin();
        let file = serde_json::json!({
            "antimonyServers": 1,
            "servers": [
                {"name": "ok", "url": "https://ok.example"},
                {"name": "creds", "url": "https://u:p@x.example"},
                {"name": "ftp", "url": "ftp://x.example"},
                {"name": "", "url": "https://x.example"},
                {"name": "bell\u{7}", "url": "https://x.example"},
                {"name": "n".repeat(65), "url": "https://x.example"},
                {"name": "local", "url": "https://x.example"},
                {"name": "ok", "url": "https://again.example"},
                {"name": "liar", "url": "https://x.example", "pinned": {"fingerprint": "AA:".repeat(31) + "AA", "certificate": certificate}},
                {"name": "plain-pin", "url": "http://x.example", "pinned": {"fingerprint": fingerprint, "certificate": pin().1}},
                {"name": "path-api", "url": "https://x.example", "api": "file:///etc/passwd"},
            ]
        });
        let mut profiles = Profiles::default();
        let report = import(&mut profiles, &file.to_string(), |n| n == "local").unwrap();
        assert_eq!(report.added, ["ok"]);
        let reasons: Vec<(&str, &str)> = report
            .skipped
            .iter()
            .map(|s| (s.name.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(reasons.len(), 10, "{reasons:?}");
        assert!(
            reasons
                .iter()
                .any(|(n, r)| *n == "creds" && r.contains("user name"))
        );
        assert!(
            reasons
                .iter()
                .any(|(n, r)| *n == "local" && r.contains("exists"))
        );
        assert!(
            reasons
                .iter()
                .any(|(n, r)| *n == "ok" && r.contains("exists"))
        );
        assert!(
            reasons
                .iter()
                .any(|(n, r)| *n == "liar" && r.contains("fingerprint"))
        );
        assert!(
            reasons
                .iter()
                .any(|(n, r)| *n == "plain-pin" && r.contains("https"))
        );
        assert_eq!(profiles.servers.len(), 1);
    }

    #[test]
    fn files_that_are_not_ours_or_too_big_are_refused_whole() {
        let mut profiles = Profiles::default();
        for text in [
            "{}".to_owned(),
            "not json".to_owned(),
            r#"{"antimonyServers": 2, "servers": []}"#.to_owned(),
            format!(
                r#"{{"antimonyServers": 1, "servers": [{}]}}"#,
                vec![r#"{"name":"a","url":"https://a.example"}"#; MAX_SERVERS + 1].join(",")
            ),
            " ".repeat(MAX_FILE_BYTES + 1),
        ] {
            assert!(
                import(&mut profiles, &text, |_| false).is_err(),
                "{}",
                &text[..text.len().min(40)]
            );
        }
        assert!(profiles.servers.is_empty());
    }
}
