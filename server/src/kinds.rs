//! The kind configuration (`kinds.conf.yml`, PROTOCOL.md §7.5): per containerlab kind,
//! whether nodes may be started, stopped and restarted, and SSH credentials for shells.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

/// Settings of one kind.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct KindConfig {
    /// The SSH user for shells.
    pub ssh_username: Option<String>,
    /// The SSH password for shells.
    pub ssh_password: Option<String>,
    /// The SSH port of the node (an extension; default 22).
    pub ssh_port: Option<u16>,
    /// Whether start, stop and restart are allowed.
    pub can_restart: bool,
}

impl std::fmt::Debug for KindConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KindConfig")
            .field("ssh_username", &self.ssh_username)
            .field(
                "ssh_password",
                &self.ssh_password.as_ref().map(|_| "<redacted>"),
            )
            .field("ssh_port", &self.ssh_port)
            .field("can_restart", &self.can_restart)
            .finish()
    }
}

/// Settings of every configured kind; unknown kinds get the defaults (no restart).
#[derive(Debug, Clone, Default)]
pub struct Kinds(HashMap<String, KindConfig>);

impl Kinds {
    /// Reads the file; a missing file means defaults for every kind.
    pub fn load(path: &Path) -> crate::Result<Self> {
        match std::fs::read_to_string(path) {
            Ok(text) if text.trim().is_empty() => Ok(Kinds::default()),
            Ok(text) => serde_norway::from_str(&text)
                .map(Kinds)
                .map_err(|e| crate::Error::Config(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::info!(path = %path.display(), "no kind configuration; nodes cannot be started, stopped or restarted");
                Ok(Kinds::default())
            }
            Err(e) => Err(crate::Error::io(format!("reading {}", path.display()), e)),
        }
    }

    /// The settings of a kind.
    pub fn get(&self, kind: &str) -> KindConfig {
        self.0.get(kind).cloned().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_go_servers_format_and_defaults_unknown_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kinds.conf.yml");
        std::fs::write(&path, "nokia_srlinux:\n  sshUsername: admin\n  sshPassword: NokiaSrl1!\n  canRestart: true\nlinux:\n  canRestart: false\n").unwrap();
        let kinds = Kinds::load(&path).unwrap();
        assert!(kinds.get("nokia_srlinux").can_restart);
        assert_eq!(
            kinds.get("nokia_srlinux").ssh_username.as_deref(),
            Some("admin")
        );
        assert!(!kinds.get("linux").can_restart);
        assert_eq!(kinds.get("unknown"), KindConfig::default());
        assert!(
            Kinds::load(&dir.path().join("missing.yml"))
                .unwrap()
                .get("linux")
                == KindConfig::default()
        );
        std::fs::write(&path, "- not a map").unwrap();
        assert!(Kinds::load(&path).is_err());
    }
}
