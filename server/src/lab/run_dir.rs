//! A lab's run directory (PROTOCOL.md §7.1): a copy of its topology's directory, with the
//! definition rewritten to name the instance. containerlab runs there.

use std::path::{Path, PathBuf};

use super::Labs;
use crate::files::DEFINITION_FILE;
use crate::store::LabRecord;

/// The topology file containerlab runs: `<run>/<labId>/topology.clab.yaml`.
pub(super) fn run_file(labs: &Labs, lab_id: &str) -> PathBuf {
    labs.settings.run_dir.join(lab_id).join(DEFINITION_FILE)
}

/// Copies the topology's directory to `<run>/<labId>/` and writes the current definition
/// there with `name:` set to the instance name. Returns the run file.
pub(super) async fn prepare(
    labs: &Labs,
    lab: &LabRecord,
    instance_name: &str,
) -> crate::Result<PathBuf> {
    let source = labs.files.dir(&lab.topology_id);
    let target = labs.settings.run_dir.join(&lab.id);
    let definition = labs.files.read_definition(&lab.topology_id).await?;
    let instance_name = instance_name.to_owned();
    tokio::task::spawn_blocking(move || {
        fresh_copy(&source, &target)?;
        let mut document: serde_norway::Value = serde_norway::from_str(&definition)
            .map_err(|e| crate::Error::Corrupt(format!("stored topology: {e}")))?;
        if let serde_norway::Value::Mapping(map) = &mut document {
            map.insert("name".into(), serde_norway::Value::String(instance_name));
        }
        let text =
            serde_norway::to_string(&document).map_err(|e| crate::Error::Corrupt(e.to_string()))?;
        let file = target.join(DEFINITION_FILE);
        std::fs::write(&file, text)
            .map_err(|e| crate::Error::io(format!("writing {}", file.display()), e))?;
        Ok(file)
    })
    .await
    .map_err(|e| crate::Error::Task(e.to_string()))?
}

/// Replaces `target` with a copy of `source`. The old directory goes first: a node that had
/// part of it bound may have left symbolic links there (to `/etc/…`), which copying over
/// them would follow as root. Removing does not follow them.
fn fresh_copy(source: &Path, target: &Path) -> crate::Result<()> {
    match std::fs::remove_dir_all(target) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(crate::Error::io(
                format!("removing {}", target.display()),
                e,
            ));
        }
    }
    copy_dir(source, target)
}

fn copy_dir(source: &Path, target: &Path) -> crate::Result<()> {
    std::fs::create_dir_all(target)
        .map_err(|e| crate::Error::io(format!("creating {}", target.display()), e))?;
    let entries = match std::fs::read_dir(source) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(crate::Error::io(format!("reading {}", source.display()), e)),
    };
    for entry in entries {
        let entry =
            entry.map_err(|e| crate::Error::io(format!("reading {}", source.display()), e))?;
        let to = target.join(entry.file_name());
        let kind = entry
            .file_type()
            .map_err(|e| crate::Error::io("reading a file type", e))?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &to)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &to)
                .map_err(|e| crate::Error::io(format!("copying to {}", to.display()), e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_a_topology_directory() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("storage/t");
        std::fs::create_dir_all(source.join("config")).unwrap();
        std::fs::write(source.join("config/a.cfg"), "x").unwrap();
        copy_dir(&source, &dir.path().join("run/l")).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("run/l/config/a.cfg")).unwrap(),
            "x"
        );
        copy_dir(&dir.path().join("missing"), &dir.path().join("run/m")).unwrap();
    }

    #[test]
    fn a_fresh_copy_does_not_follow_links_a_node_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("storage/t");
        std::fs::create_dir_all(source.join("data/sub")).unwrap();
        std::fs::write(source.join("data/a.cfg"), "lab file").unwrap();
        std::fs::write(source.join("data/sub/b.cfg"), "lab file").unwrap();
        std::fs::write(source.join("topology.clab.yaml"), "name: t\n").unwrap();
        // What a root shell in a node with `data` bound could leave in the run directory.
        let outside = dir.path().join("etc");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(outside.join("passwd"), "host file").unwrap();
        let run = dir.path().join("run/l");
        std::fs::create_dir_all(run.join("data")).unwrap();
        std::os::unix::fs::symlink(outside.join("passwd"), run.join("data/a.cfg")).unwrap();
        std::os::unix::fs::symlink(&outside, run.join("data/sub")).unwrap();
        std::os::unix::fs::symlink(outside.join("passwd"), run.join("topology.clab.yaml")).unwrap();

        fresh_copy(&source, &run).unwrap();
        assert_eq!(
            std::fs::read_to_string(outside.join("passwd")).unwrap(),
            "host file"
        );
        assert!(!outside.join("b.cfg").exists());
        for file in ["data/a.cfg", "data/sub/b.cfg"] {
            let path = run.join(file);
            assert!(!path.is_symlink(), "{file}");
            assert_eq!(std::fs::read_to_string(path).unwrap(), "lab file");
        }
        assert!(!run.join("data/sub").is_symlink());
        assert!(!run.join("topology.clab.yaml").is_symlink());
        fresh_copy(&dir.path().join("missing"), &dir.path().join("run/m")).unwrap();
    }
}
