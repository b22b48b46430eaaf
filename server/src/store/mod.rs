//! The store: users, collections, topologies, bind files and labs, with soft deletes, in
//! SQLite (the embedded default, a file in the data directory) or PostgreSQL (`database.host`
//! set). Topology YAML and bind-file contents live on disk (see `crate::files`); the database
//! keeps their metadata.
//!
//! Both databases sit behind one connection ([`sql::Conn`]) and one set of statements and
//! migrations written in the dialect both speak: `rusqlite` for SQLite and the synchronous
//! `postgres` client for PostgreSQL. Every call runs on tokio's blocking pool under a mutex,
//! which also makes each call's check-then-write atomic within this process. That shape is
//! kept for PostgreSQL on purpose: one connection per server is plenty for a lab server's
//! load, the store code stays synchronous and identical for both, and an async pool would
//! buy concurrency the mutex-guarded checks could not use. The PostgreSQL connection
//! reconnects by itself (see `postgres`); a call that meets a broken connection fails with a
//! database error (a 500) and the next one reconnects.
//!
//! The lab list, the hot read (`GET /labs`), is kept in memory beside the connection and
//! dropped by every write that can change it, under the same mutex. With SQLite the file
//! belongs to this process, so that is all it needs. A PostgreSQL database may be shared by
//! several server instances (part 3 of issue 19), whose writes this one does not see: there,
//! every such write also bumps a counter (`lab_list_generation`) in the same transaction, and
//! a read first fetches the counter (one round trip of one row) and uses the cached list only
//! when the counter is still the one it was loaded at. A cached list is thus never older than
//! the last write any instance had finished when the read began.
//!
//! Check-then-write rules (unique names) are atomic within one process. Across instances on
//! one PostgreSQL database, the partial unique indexes still refuse a duplicate; the losing
//! request then answers with the database error.

mod collections;
mod labs;
mod migrations;
mod param;
mod postgres;
mod sessions;
mod sql;
mod topologies;
mod users;

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;

pub use collections::CollectionRecord;
pub use labs::{LabFilter, LabRecord, LabUpdate, NewLab};
pub use topologies::{BindFileRecord, TopologyChange, TopologyRecord};
pub use users::User;

use crate::config::Config;
use crate::{Error, Result};
use sql::{Backend, Conn, params};

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
    conn: Conn,
    /// Every lab that is not deleted, by start time; `None` after a write.
    labs: Option<CachedLabs>,
}

/// The lab list and the `lab_list_generation` it was loaded at (always 0 with SQLite).
struct CachedLabs {
    generation: i64,
    labs: Arc<[Arc<LabRecord>]>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens the configured database (PostgreSQL when `config.postgres` is set, else the
    /// SQLite file, created if needed) and brings its schema up to date. A PostgreSQL server
    /// that cannot be reached is an [`Error::DatabaseUnreachable`] naming it.
    pub async fn open(config: &Config) -> Result<Self> {
        let (file, postgres) = (config.database_file.clone(), config.postgres.clone());
        tokio::task::spawn_blocking(move || {
            let conn = match &postgres {
                Some(settings) => {
                    let pg = postgres::PgConn::connect(settings)?;
                    let mut conn = Conn::new(Backend::Postgres(Box::new(pg)));
                    migrations::migrate(&mut conn)?;
                    conn
                }
                None => open_sqlite(&file)?,
            };
            Ok(Store {
                db: Arc::new(Mutex::new(Db { conn, labs: None })),
            })
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Runs `f` with the database on the blocking pool.
    async fn with_db<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Db) -> Result<R> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        tokio::task::spawn_blocking(move || {
            // A panic while holding the lock cannot leave a half-applied write behind: every
            // multi-statement write is a transaction, and `ready` rolls back one left open.
            let mut guard = db.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            guard.conn.ready()?;
            f(&mut guard)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Runs a call that does not change what the lab list shows.
    async fn call<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<R> + Send + 'static,
    {
        self.with_db(|db| f(&mut db.conn)).await
    }

    /// Runs a write that can change what the lab list shows, and drops the cached list
    /// (PostgreSQL: also bumps the generation other instances check, in one transaction).
    async fn write<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<R> + Send + 'static,
    {
        self.with_db(|db| {
            db.labs = None;
            if !db.conn.is_postgres() {
                return f(&mut db.conn);
            }
            db.conn.transaction(|conn| {
                let value = f(conn)?;
                conn.execute(
                    "UPDATE lab_list_generation SET generation = generation + 1",
                    params![],
                )?;
                Ok(value)
            })
        })
        .await
    }
}

/// Opens (creating if needed) a SQLite file and migrates it.
fn open_sqlite(path: &Path) -> Result<Conn> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    }
    // The database and its journal files are created private (0600) and tightened if they
    // exist: they hold every lab and topology.
    let conn = Connection::open(path)?;
    private_files(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mut conn = Conn::new(Backend::Sqlite(conn));
    migrations::migrate(&mut conn)?;
    private_files(path)?;
    Ok(conn)
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

/// Whether `id` can name a stored row. Ids are made by this server and never hold a NUL,
/// which PostgreSQL cannot even compare (it refuses the text), so one from a request that
/// does is simply not found, in both databases.
fn possible_id(id: &str) -> bool {
    !id.contains('\0')
}

/// The current time as RFC 3339 text, for `created_at` and `deleted_at`.
fn now_text() -> String {
    antimony_protocol::Timestamp::now_utc().to_string()
}
