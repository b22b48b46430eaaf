//! The token signing secret. The Go server draws a new one at every start, which logs
//! everybody out; this server keeps it in a file readable only by its owner, so logins
//! survive a restart.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::{Error, Result};

/// Secret length in bytes (HMAC-SHA256 key size).
const SECRET_LEN: usize = 32;

/// Reads the secret from `path`, or creates it there with mode 0600.
///
/// An existing file that others can read is tightened to 0600 with a warning; one that is too
/// short to be a secret of ours is an error rather than something to overwrite.
pub fn load_or_create_secret(path: &Path) -> Result<Vec<u8>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let secret = decode_hex(bytes.trim_ascii()).ok_or_else(|| {
                Error::Corrupt(format!("{} is not a signing secret", path.display()))
            })?;
            if secret.len() < SECRET_LEN {
                return Err(Error::Corrupt(format!("{} is too short", path.display())));
            }
            let mode = std::fs::metadata(path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                tracing::warn!(path = %path.display(), mode = format!("{mode:o}"), "signing secret was readable by others; setting mode 0600");
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| Error::io(format!("securing {}", path.display()), e))?;
            }
            Ok(secret)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(e) => Err(Error::io(format!("reading {}", path.display()), e)),
    }
}

fn create(path: &Path) -> Result<Vec<u8>> {
    let mut secret = vec![0_u8; SECRET_LEN];
    getrandom::fill(&mut secret)
        .map_err(|e| Error::Config(format!("no system randomness for the signing secret: {e}")))?;
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    // Through a temporary file (0600, synced) and a rename: a crash or a full disk never
    // leaves a half-written secret that would stop the next start.
    let temp = crate::files::write_temporary(path, hex.as_bytes())?;
    std::fs::rename(&temp, path).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        Error::io(format!("creating {}", path.display()), e)
    })?;
    tracing::info!(path = %path.display(), "created a new token signing secret");
    Ok(secret)
}

fn decode_hex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.chunks_exact(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_secret_once_and_reads_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/jwt-secret");
        let first = load_or_create_secret(&path).unwrap();
        assert_eq!(first.len(), SECRET_LEN);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load_or_create_secret(&path).unwrap(), first);
    }

    #[test]
    fn tightens_loose_permissions_and_rejects_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jwt-secret");
        std::fs::write(&path, "ab".repeat(SECRET_LEN)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(
            load_or_create_secret(&path).unwrap(),
            vec![0xab; SECRET_LEN]
        );
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );

        std::fs::write(&path, "not hex").unwrap();
        assert!(matches!(
            load_or_create_secret(&path),
            Err(Error::Corrupt(_))
        ));
        std::fs::write(&path, "abcd").unwrap();
        assert!(matches!(
            load_or_create_secret(&path),
            Err(Error::Corrupt(_))
        ));
    }
}
