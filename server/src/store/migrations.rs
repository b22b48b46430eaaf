//! Schema migrations, one list for SQLite and PostgreSQL, applied in order in one
//! transaction and recorded in the `schema_version` table.
//!
//! The statements use only what both databases accept: `TEXT` and `BIGINT` columns
//! (booleans are `BIGINT` 0 or 1, times RFC 3339 text plus a `BIGINT` of nanoseconds for
//! order), partial unique indexes, `ALTER TABLE … ADD COLUMN`.
//!
//! SQLite files made before `schema_version` existed recorded their version in
//! `PRAGMA user_version`; the first migration run copies it into the table, and SQLite keeps
//! mirroring the version there so that an older server still refuses a newer file. The first
//! three entries once said `INTEGER` where they now say `BIGINT`: in SQLite both are the same
//! column type (integer affinity, 64 bits), so files made by either text are alike, and
//! PostgreSQL needs the 64 bits (`start_ns` holds nanoseconds).

use super::sql::{Conn, params};
use crate::{Error, Result};

/// Each entry moves the schema one version up. Never change what a released entry means;
/// append.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE users (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    is_admin    BIGINT NOT NULL DEFAULT 0,
    groups_json TEXT NOT NULL DEFAULT '[]',
    created_at  TEXT NOT NULL,
    deleted_at  TEXT
);

CREATE TABLE collections (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    public_write  BIGINT NOT NULL,
    public_deploy BIGINT NOT NULL,
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
    last_deploy_failed BIGINT NOT NULL DEFAULT 0,
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
    start_ns            BIGINT NOT NULL,
    end_time            TEXT,
    end_ns              BIGINT,
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
    expires BIGINT NOT NULL
);
ALTER TABLE collections ADD COLUMN allow_host_access BIGINT NOT NULL DEFAULT 0;
"#,
    r#"
ALTER TABLE users ADD COLUMN openid_subject TEXT;
CREATE UNIQUE INDEX users_openid_subject ON users(openid_subject)
    WHERE openid_subject IS NOT NULL;
"#,
    r#"
CREATE TABLE lab_list_generation (
    generation BIGINT NOT NULL
);
INSERT INTO lab_list_generation (generation) VALUES (0);
"#,
];

/// Brings the schema to the newest version. Servers starting at once on one PostgreSQL
/// database take turns (an advisory lock held until the transaction ends).
pub(super) fn migrate(conn: &mut Conn) -> Result<()> {
    conn.transaction(|conn| {
        conn.lock_for_migrations()?;
        conn.batch("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let recorded = conn.query_opt("SELECT version FROM schema_version", params![], |row| {
            row.int(0)
        })?;
        let version = match recorded {
            Some(version) => version,
            None => {
                let legacy = conn.legacy_schema_version()?;
                conn.execute(
                    "INSERT INTO schema_version (version) VALUES ($1)",
                    params![legacy],
                )?;
                legacy
            }
        };
        let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        if version > known || version < 0 {
            return Err(Error::Config(format!(
                "the database has schema version {version}, which this server does not know \
                 (it knows up to {known}); use a newer antimony-server"
            )));
        }
        for (index, sql) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            let next = i64::try_from(index + 1).unwrap_or(i64::MAX);
            conn.batch(sql)?;
            conn.execute("UPDATE schema_version SET version = $1", params![next])?;
            conn.mirror_schema_version(next)?;
            tracing::info!(version = next, "migrated the database");
        }
        Ok(())
    })
}
