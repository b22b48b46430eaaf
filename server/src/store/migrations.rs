//! Schema migrations, applied in order and recorded in `PRAGMA user_version`.

use rusqlite::Connection;

use crate::{Error, Result};

/// Each entry moves the schema one version up. Never edit a released entry; append.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    is_admin    INTEGER NOT NULL DEFAULT 0,
    groups_json TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);

CREATE TABLE collections (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    public_write  INTEGER NOT NULL,
    public_deploy INTEGER NOT NULL,
    creator_id    TEXT NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL,
    deleted_at    TEXT
);
CREATE UNIQUE INDEX collections_name ON collections(name) WHERE deleted_at IS NULL;

CREATE TABLE topologies (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    sync_url           TEXT NOT NULL,
    collection_id      TEXT NOT NULL REFERENCES collections(id),
    creator_id         TEXT NOT NULL REFERENCES users(id),
    last_deploy_failed INTEGER NOT NULL DEFAULT 0,
    created_at         TEXT NOT NULL,
    deleted_at         TEXT
);
CREATE UNIQUE INDEX topologies_name ON topologies(collection_id, name) WHERE deleted_at IS NULL;

CREATE TABLE bind_files (
    id          TEXT PRIMARY KEY,
    topology_id TEXT NOT NULL REFERENCES topologies(id),
    file_path   TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);
CREATE UNIQUE INDEX bind_files_path ON bind_files(topology_id, file_path) WHERE deleted_at IS NULL;

CREATE TABLE labs (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    start_time          TEXT NOT NULL,
    start_ns            INTEGER NOT NULL,
    end_time            TEXT,
    end_ns              INTEGER,
    topology_id         TEXT NOT NULL REFERENCES topologies(id),
    creator_id          TEXT NOT NULL REFERENCES users(id),
    topology_definition TEXT NOT NULL,
    instance_name       TEXT,
    created_at          TEXT NOT NULL,
    deleted_at          TEXT
);
CREATE INDEX labs_start ON labs(start_ns) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX labs_instance_name ON labs(instance_name) WHERE instance_name IS NOT NULL;
"#,
    r#"
CREATE TABLE revoked_sessions (
    sid     TEXT PRIMARY KEY,
    expires INTEGER NOT NULL
);
ALTER TABLE collections ADD COLUMN allow_host_access INTEGER NOT NULL DEFAULT 0;
"#,
    r#"
ALTER TABLE users ADD COLUMN openid_subject TEXT;
CREATE UNIQUE INDEX users_openid_subject ON users(openid_subject)
    WHERE openid_subject IS NOT NULL;
"#,
];

/// Brings the schema to the newest version.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
    if version > known {
        return Err(Error::Config(format!(
            "the database has schema version {version}, newer than this server knows ({known}); \
             use a newer antimony-server"
        )));
    }
    for (index, sql) in MIGRATIONS
        .iter()
        .enumerate()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
        tracing::info!(version = index + 1, "migrated the database");
    }
    Ok(())
}
