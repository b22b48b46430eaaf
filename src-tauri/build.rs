//! Builds the Tauri context. Every command is declared here (from the one list in
//! `src/commands/list.rs`), so the webview may call only the ones
//! `capabilities/default.json` allows (`allow-<command>`).
//!
//! Also records the git commit the app is built from (`ANTIMONY_BUILD_COMMIT`, shown in the
//! About dialog and in diagnostics): `ANTIMONY_BUILD_COMMIT` from the environment if set (a
//! packager building from a tarball knows it), else `git rev-parse --short HEAD`, with
//! `-dirty` when tracked files had changes, else `unknown`. Nothing here may fail the build.

use std::path::{Path, PathBuf};
use std::process::Command;

include!("src/commands/list.rs");

macro_rules! command_names {
    ($($module:ident :: $name:ident),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[&str] = for_each_command!(command_names);

/// Environment: the commit to record instead of asking git.
const COMMIT_ENV: &str = "ANTIMONY_BUILD_COMMIT";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=src/commands/list.rs");
    println!("cargo:rustc-env={COMMIT_ENV}={}", commit());
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).map_err(|e| format!("tauri build: {e:#}").into())
}

/// Runs git with `args` in this package's directory; its trimmed output, if it succeeded.
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The commit to record (see the module's comment).
fn commit() -> String {
    println!("cargo:rerun-if-env-changed={COMMIT_ENV}");
    if let Ok(commit) = std::env::var(COMMIT_ENV)
        && !commit.trim().is_empty()
    {
        return commit.trim().to_owned();
    }
    let Some(hash) = git(&["rev-parse", "--short=10", "HEAD"]).filter(|h| !h.is_empty()) else {
        return "unknown".to_owned();
    };
    watch_git();
    // `--no-optional-locks`: a status that refreshed the index would change what is watched.
    let dirty = git(&[
        "--no-optional-locks",
        "status",
        "--porcelain",
        "--untracked-files=no",
    ])
    .is_some_and(|changes| !changes.is_empty());
    if dirty { format!("{hash}-dirty") } else { hash }
}

/// Runs this script again when the commit changes (HEAD moves, or the branch it names), and
/// when this package's sources change (so `-dirty` follows edits here; edits elsewhere in
/// the tree are seen at the next commit). Only existing paths are watched: cargo reruns a
/// script on every build for a missing one.
fn watch_git() {
    let mut paths: Vec<PathBuf> = vec![PathBuf::from("src")];
    let git_path = |name: &str| git(&["rev-parse", "--path-format=absolute", "--git-path", name]);
    paths.extend(git_path("HEAD").map(PathBuf::from));
    paths.extend(git_path("packed-refs").map(PathBuf::from));
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.extend(git_path(&branch).map(PathBuf::from));
    }
    for path in paths.iter().filter(|p| Path::exists(p)) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
