//! The app's small settings files (reminders, notification rules): JSON in the config
//! directory, read leniently (a missing or broken file is the defaults) and written whole.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::contract::{BridgeError, BridgeErrorKind};

/// The settings in `path`, if it holds them.
pub(crate) fn read<T: DeserializeOwned>(path: Option<&Path>) -> Option<T> {
    let text = std::fs::read_to_string(path?).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes `value` to `path`: aside, then renamed, so a crash never leaves half a file.
/// `what` names the settings in the error.
pub(crate) fn write<T: Serialize>(path: &Path, value: &T, what: &str) -> Result<(), BridgeError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| BridgeError::new(BridgeErrorKind::Io, format!("cannot write {what}: {e}")))?;
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let aside = path.with_extension("json.new");
        std::fs::write(&aside, text)?;
        std::fs::rename(&aside, path)
    };
    write().map_err(|e| {
        BridgeError::new(
            BridgeErrorKind::Io,
            format!("cannot write {}: {e}", path.display()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_broken_files_read_as_none() {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("deep/settings.json");
        write(&path, &vec![1, 2, 3], "the test settings").expect("written");
        assert_eq!(read::<Vec<u32>>(Some(&path)), Some(vec![1, 2, 3]));
        assert!(
            !path.with_extension("json.new").exists(),
            "nothing left aside"
        );
        std::fs::write(&path, "{ broken").expect("overwritten");
        assert_eq!(read::<Vec<u32>>(Some(&path)), None);
        assert_eq!(read::<Vec<u32>>(None), None);
    }
}
