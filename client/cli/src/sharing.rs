//! `antimony server export` and `antimony server import`: server profiles as a file a team
//! hands out (no logins, passwords or local paths; see `antimony_client::sharing`).

use std::io::Read;
use std::path::{Path, PathBuf};

use antimony_client::profile::Profiles;
use antimony_client::sharing::{self, MAX_FILE_BYTES};
use serde_json::json;

use crate::Global;
use crate::output::{Failure, print_json};

/// Writes the file of `names` (every server when empty) to `out`, or standard output.
pub(crate) fn export(
    global: &Global,
    profiles: &Profiles,
    names: &[String],
    out: Option<&Path>,
) -> Result<(), Failure> {
    if let Some(missing) = names.iter().find(|n| profiles.get(n).is_none()) {
        return Err(Failure::usage(format!("no server named {missing:?}")));
    }
    let text = sharing::export(profiles, names)?;
    match out {
        None => println!("{text}"),
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .map_err(|e| Failure::local(format!("writing {}: {e}", path.display())))?;
            let count = if names.is_empty() {
                profiles.servers.len()
            } else {
                names.len()
            };
            if global.json {
                print_json(&json!({ "written": path, "servers": count }))?;
            } else {
                println!("Wrote {count} server(s) to {}.", path.display());
            }
        }
    }
    Ok(())
}

/// Adds the servers of the file at `from` (`-`: standard input) and saves the profiles.
pub(crate) fn import(
    global: &Global,
    profiles: &mut Profiles,
    path: &Path,
    from: &PathBuf,
) -> Result<(), Failure> {
    let mut text = String::new();
    let limit = u64::try_from(MAX_FILE_BYTES + 1).unwrap_or(u64::MAX);
    let read = if from.as_os_str() == "-" {
        std::io::stdin().take(limit).read_to_string(&mut text)
    } else {
        std::fs::File::open(from).and_then(|f| f.take(limit).read_to_string(&mut text))
    };
    read.map_err(|e| Failure::local(format!("reading {}: {e}", from.display())))?;
    let report = sharing::import(profiles, &text, |_| false)?;
    profiles.save(path)?;
    if global.json {
        print_json(&report)?;
    } else {
        for name in &report.added {
            println!("Added server {name}.");
        }
        for skipped in &report.skipped {
            println!("Skipped {:?}: {}.", skipped.name, skipped.reason);
        }
        if report.added.is_empty() {
            println!("No server was added.");
        } else {
            println!("Log in to each with `antimony login --server NAME`.");
        }
    }
    Ok(())
}
