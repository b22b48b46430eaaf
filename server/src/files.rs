//! Topology definitions and bind files on disk, laid out as the Go server does:
//! `<storage>/<topologyId>/topology.clab.yaml` and `<storage>/<topologyId>/<filePath>`.
//!
//! Unlike the Go server, bind-file paths are checked: they must stay inside the topology's
//! directory and may not replace the definition.

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
        write_atomic(
            self.dir(topology_id).join(DEFINITION_FILE),
            yaml.as_bytes().to_vec(),
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
        write_atomic(
            self.dir(topology_id).join(path.as_str()),
            content.as_bytes().to_vec(),
        )
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

/// Writes through a temporary file and a rename, so readers never see half a file.
async fn write_atomic(path: PathBuf, content: Vec<u8>) -> Result<()> {
    tokio::task::spawn_blocking(move || {
        let dir = path
            .parent()
            .ok_or_else(|| Error::Corrupt(format!("{} has no parent", path.display())))?;
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4()));
        std::fs::write(&temp, &content)
            .and_then(|()| std::fs::rename(&temp, &path))
            .map_err(|e| {
                let _ = std::fs::remove_file(&temp);
                Error::io(format!("writing {}", path.display()), e)
            })
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))?
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
}
