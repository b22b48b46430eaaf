//! The embedded SQLite store: users, collections, topologies, bind files and labs, with soft
//! deletes. Topology YAML and bind-file contents live on disk (see `crate::files`); the
//! database keeps their metadata.
//!
//! SQLite is used through `rusqlite` on one connection: every call runs on tokio's blocking
//! pool under a mutex, which also makes each call's check-then-write atomic. The lab list,
//! the hot read (`GET /labs`), is kept in memory beside the connection and dropped by every
//! write that can change it, under the same mutex, so it is never stale.

mod collections;
mod labs;
mod migrations;
mod sessions;
mod topologies;
mod users;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

pub use collections::CollectionRecord;
pub use labs::{LabFilter, LabRecord, LabUpdate, NewLab};
pub use topologies::{BindFileRecord, TopologyChange, TopologyRecord};
pub use users::User;

use crate::{Error, Result};

/// A write refused because it would break a uniqueness rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conflict;

/// The database handle; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Arc<Mutex<Db>>,
}

/// The connection and what is cached from it.
struct Db {
    conn: Connection,
    /// Every lab that is not deleted, by start time; `None` after a write.
    labs: Option<Arc<[Arc<LabRecord>]>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
        }
        // The database and its journal files are created private (0600) and tightened if
        // they exist: they hold every lab and topology.
        let mut conn = Connection::open(path)?;
        private_files(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::migrate(&mut conn)?;
        private_files(path)?;
        Ok(Store {
            db: Arc::new(Mutex::new(Db { conn, labs: None })),
        })
    }

    /// Runs `f` with the database on the blocking pool.
    async fn with_db<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Db) -> Result<R> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave a half-applied write behind (every
            // multi-statement write is a transaction), so a poisoned lock is still usable.
            let mut guard = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Runs a read with the connection.
    async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
    {
        self.with_db(|db| f(&mut db.conn)).await
    }

    /// Runs a write that can change what the lab list shows, and drops the cached list.
    async fn write<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<R> + Send + 'static,
    {
        self.with_db(|db| {
            db.labs = None;
            f(&mut db.conn)
        })
        .await
    }
}

/// Sets mode 0600 on the database file and its `-wal` and `-shm` files that exist.
fn private_files(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let file = std::path::PathBuf::from(name);
        match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("securing {}", file.display()), e)),
        }
    }
    Ok(())
}

/// The current time as RFC 3339 text, for `created_at` and `deleted_at`.
fn now_text() -> String {
    antimony_protocol::Timestamp::now_utc().to_string()
}
