//! Topology definitions and bind files on disk, laid out as the Go server does:
//! `<storage>/<topologyId>/topology.clab.yaml` and `<storage>/<topologyId>/<filePath>`.
//!
//! Unlike the Go server, bind-file paths are checked: they must stay inside the topology's
//! directory and may not replace the definition.
//!
//! Every write goes to a temporary file in the target's directory (mode 0600, synced), which
//! is then renamed over the target, so a reader never sees half a file and a failed write
//! (a full disk) leaves the old file as it was. A change that also touches the database is
//! staged ([`TopologyFiles::stage_definition`], [`TopologyFiles::stage_bind_file`]): the new
//! file is written first, then the database switches, then the file is put in place (and an
//! old one removed). Directories are created 0700.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Component, Path, PathBuf};

use crate::{Error, Result};

/// The definition's file name inside a topology directory.
pub const DEFINITION_FILE: &str = "topology.clab.yaml";

/// Longest accepted bind-file path, in bytes.
const MAX_PATH_LEN: usize = 1024;

/// A bind-file path that is safe to join to a topology directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindFilePath(String);

impl BindFilePath {
    /// Checks a path from a request: relative, non-empty, no `.`/`..`/empty components, no
    /// NUL or backslash, and not the definition file itself.
    pub fn parse(path: &str) -> Option<Self> {
        if path.is_empty()
            || path.len() > MAX_PATH_LEN
            || path.contains(['\0', '\\'])
            || path.starts_with('/')
            || path.ends_with('/')
        {
            return None;
        }
        let normal = Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        let no_empty_segments = !path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..");
        (normal && no_empty_segments && path != DEFINITION_FILE)
            .then(|| BindFilePath(path.to_owned()))
    }

    /// The path as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The storage directory of topologies.
#[derive(Debug, Clone)]
pub struct TopologyFiles {
    storage: PathBuf,
}

impl TopologyFiles {
    /// Files under `storage`.
    pub fn new(storage: impl Into<PathBuf>) -> Self {
        TopologyFiles {
            storage: storage.into(),
        }
    }

    /// A topology's directory.
    pub fn dir(&self, topology_id: &str) -> PathBuf {
        self.storage.join(topology_id)
    }

    /// Writes a topology's definition.
    pub async fn write_definition(&self, topology_id: &str, yaml: &str) -> Result<()> {
        self.stage_definition(topology_id, yaml)
            .await?
            .commit()
            .await
    }

    /// Writes a topology's new definition beside the current one, to be put in place by
    /// [`Staged::commit`] (or forgotten when dropped).
    pub async fn stage_definition(&self, topology_id: &str, yaml: &str) -> Result<Staged> {
        stage(
            self.dir(topology_id).join(DEFINITION_FILE),
            yaml.as_bytes().to_vec(),
        )
        .await
    }

    /// Writes a bind file's new content beside its place, to be put there by
    /// [`Staged::commit`] (or forgotten when dropped).
    pub async fn stage_bind_file(
        &self,
        topology_id: &str,
        path: &BindFilePath,
        content: &str,
    ) -> Result<Staged> {
        stage(
            self.dir(topology_id).join(path.as_str()),
            content.as_bytes().to_vec(),
        )
        .await
    }

    /// Reads a topology's definition.
    pub async fn read_definition(&self, topology_id: &str) -> Result<String> {
        read(self.dir(topology_id).join(DEFINITION_FILE)).await
    }

    /// Writes a bind file.
    pub async fn write_bind_file(
        &self,
        topology_id: &str,
        path: &BindFilePath,
        content: &str,
    ) -> Result<()> {
        self.stage_bind_file(topology_id, path, content)
            .await?
            .commit()
            .await
    }

    /// Reads a bind file.
    pub async fn read_bind_file(&self, topology_id: &str, path: &str) -> Result<String> {
        read(self.dir(topology_id).join(path)).await
    }

    /// Removes a bind file; a missing file is not an error.
    pub async fn remove_bind_file(&self, topology_id: &str, path: &str) -> Result<()> {
        let file = self.dir(topology_id).join(path);
        match tokio::fs::remove_file(&file).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(format!("removing {}", file.display()), e)),
        }
    }
}

async fn read(path: PathBuf) -> Result<String> {
    tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))
}

/// Creates a directory and its missing parents with mode 0700.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))
}

/// Writes `content` to a new file (mode 0600) in `path`'s directory, synced to disk; the
/// caller renames it into place. The file is removed again if anything fails.
pub fn write_temporary(path: &Path, content: &[u8]) -> Result<PathBuf> {
    let dir = path
        .parent()
        .ok_or_else(|| Error::Corrupt(format!("{} has no parent", path.display())))?;
    create_private_dir(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4()));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)
        .and_then(|mut file| {
            file.write_all(content)?;
            file.sync_all()
        });
    match written {
        Ok(()) => Ok(temp),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(Error::io(format!("writing {}", path.display()), e))
        }
    }
}

/// A new file written beside its place: [`Staged::commit`] renames it into place; dropped
/// uncommitted, it is removed and the old file stays.
#[derive(Debug)]
pub struct Staged {
    temp: Option<PathBuf>,
    target: PathBuf,
}

async fn stage(target: PathBuf, content: Vec<u8>) -> Result<Staged> {
    tokio::task::spawn_blocking(move || {
        let temp = write_temporary(&target, &content)?;
        Ok(Staged {
            temp: Some(temp),
            target,
        })
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?
}

impl Staged {
    /// Puts the new file in place (an atomic rename in one directory).
    pub async fn commit(mut self) -> Result<()> {
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        let target = self.target.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::rename(&temp, &target).map_err(|e| {
                let _ = std::fs::remove_file(&temp);
                Error::io(format!("replacing {}", target.display()), e)
            })
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = std::fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_file_paths_stay_inside_the_topology() {
        for ok in ["a.cfg", "config/srl1.cfg", "a/b/c.txt", ".hidden", "x..y"] {
            assert!(BindFilePath::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a/./b",
            "./a",
            "a//b",
            "a/",
            "a\\b",
            "a\0b",
            DEFINITION_FILE,
            "..",
            ".",
        ] {
            assert!(BindFilePath::parse(bad).is_none(), "{bad:?}");
        }
        assert!(BindFilePath::parse(&"a".repeat(MAX_PATH_LEN + 1)).is_none());
    }

    #[tokio::test]
    async fn writes_and_reads_definitions_and_bind_files() {
        let dir = tempfile::tempdir().unwrap();
        let files = TopologyFiles::new(dir.path());
        files.write_definition("t1", "name: a\n").await.unwrap();
        assert_eq!(files.read_definition("t1").await.unwrap(), "name: a\n");
        let path = BindFilePath::parse("config/a.cfg").unwrap();
        files.write_bind_file("t1", &path, "x").await.unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("t1/config/a.cfg")).unwrap(),
            "x"
        );
        files.remove_bind_file("t1", "config/a.cfg").await.unwrap();
        files.remove_bind_file("t1", "config/a.cfg").await.unwrap();
        assert!(files.read_bind_file("t1", "config/a.cfg").await.is_err());
    }

    #[tokio::test]
    async fn staged_files_are_private_and_only_replace_the_old_one_when_committed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let files = TopologyFiles::new(dir.path().join("storage"));
        files.write_definition("t1", "name: old\n").await.unwrap();
        let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode(dir.path().join("storage/t1/topology.clab.yaml")),
            0o600
        );
        assert_eq!(mode(dir.path().join("storage/t1")), 0o700);
        assert_eq!(mode(dir.path().join("storage")), 0o700);

        let staged = files.stage_definition("t1", "name: new\n").await.unwrap();
        assert_eq!(files.read_definition("t1").await.unwrap(), "name: old\n");
        drop(staged);
        assert_eq!(files.read_definition("t1").await.unwrap(), "name: old\n");
        let leftovers = std::fs::read_dir(dir.path().join("storage/t1"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 1, "a dropped stage leaves no temporary file");

        let staged = files.stage_definition("t1", "name: new\n").await.unwrap();
        staged.commit().await.unwrap();
        assert_eq!(files.read_definition("t1").await.unwrap(), "name: new\n");
    }
}
