//! The contract cannot drift: the committed TypeScript is what the Rust types generate, and
//! the capability file allows exactly the commands the app registers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn read_ts_files(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("a directory entry"))
        .filter(|e| e.file_name().to_string_lossy().ends_with(".ts"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).expect("a readable binding"),
            )
        })
        .collect()
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn bindings_match_the_rust_types() {
    let fresh = tempfile::tempdir().expect("a temporary directory");
    let written = super::export_typescript(fresh.path()).expect("exported");
    let generated = read_ts_files(&fresh.path().join("desktop"));
    assert_eq!(written, generated.keys().cloned().collect::<Vec<_>>());
    let committed_dir = manifest_dir().join("../ui/src/bindings/desktop");
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::create_dir_all(&committed_dir).expect("the bindings directory");
        for name in read_ts_files(&committed_dir).keys() {
            std::fs::remove_file(committed_dir.join(name)).expect("an old binding removed");
        }
        for (name, text) in &generated {
            std::fs::write(committed_dir.join(name), text).expect("a binding written");
        }
    }
    let committed = read_ts_files(&committed_dir);
    let missing: Vec<_> = generated
        .keys()
        .filter(|k| !committed.contains_key(*k))
        .collect();
    let stale: Vec<_> = committed
        .keys()
        .filter(|k| !generated.contains_key(*k))
        .collect();
    let changed: Vec<_> = generated
        .iter()
        .filter(|(k, v)| committed.get(*k).is_some_and(|c| c != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && stale.is_empty() && changed.is_empty(),
        "ui/src/bindings/desktop drifted from the Rust types: missing {missing:?}, stale \
         {stale:?}, changed {changed:?}. Run `UPDATE_BINDINGS=1 cargo test -p antimony-desktop \
         bindings` and commit the result."
    );
    // The protocol types the contract uses are the protocol crate's own bindings.
    let protocol = read_ts_files(&manifest_dir().join("../ui/src/bindings"));
    for (name, text) in read_ts_files(fresh.path()) {
        assert_eq!(
            protocol.get(&name),
            Some(&text),
            "{name} differs from the protocol's binding"
        );
    }
}

#[test]
fn the_capability_allows_exactly_the_registered_commands() {
    let text = std::fs::read_to_string(manifest_dir().join("capabilities/default.json"))
        .expect("the capability file");
    let capability: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let allowed: Vec<String> = capability["permissions"]
        .as_array()
        .expect("a permission list")
        .iter()
        .filter_map(|p| p.as_str())
        .filter_map(|p| p.strip_prefix("allow-"))
        .map(str::to_owned)
        .collect();
    let registered: Vec<String> = super::COMMANDS
        .iter()
        .map(|c| c.replace('_', "-"))
        .collect();
    assert_eq!(
        allowed, registered,
        "capabilities/default.json and commands/list.rs"
    );
}
