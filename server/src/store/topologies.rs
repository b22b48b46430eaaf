//! Topologies and bind files (metadata; contents are files under the storage directory).

use antimony_protocol::rest::UserOut;
use rusqlite::{OptionalExtension, Row, params};

use super::{Conflict, Store, now_text};
use crate::Result;

/// A stored topology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyRecord {
    /// The id.
    pub id: String,
    /// The YAML `name:` of its definition.
    pub name: String,
    /// Where it is synchronised from, or `""`.
    pub sync_url: String,
    /// Its collection.
    pub collection_id: String,
    /// Its collection's name (for membership checks).
    pub collection_name: String,
    /// Members of the collection may edit it.
    pub collection_public_write: bool,
    /// Members of the collection may create labs from it.
    pub collection_public_deploy: bool,
    /// The creator.
    pub creator: UserOut,
    /// Whether the latest deployment of a lab using it failed.
    pub last_deploy_failed: bool,
}

/// A stored bind file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindFileRecord {
    /// The id.
    pub id: String,
    /// The topology it belongs to.
    pub topology_id: String,
    /// The path relative to the topology's directory.
    pub file_path: String,
}

const SELECT: &str = "SELECT t.id, t.name, t.sync_url, t.collection_id, c.name, c.public_write,
        c.public_deploy, u.id, u.name, t.last_deploy_failed
    FROM topologies t
    JOIN collections c ON c.id = t.collection_id AND c.deleted_at IS NULL
    JOIN users u ON u.id = t.creator_id
    WHERE t.deleted_at IS NULL";

fn from_row(row: &Row<'_>) -> rusqlite::Result<TopologyRecord> {
    Ok(TopologyRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        sync_url: row.get(2)?,
        collection_id: row.get(3)?,
        collection_name: row.get(4)?,
        collection_public_write: row.get(5)?,
        collection_public_deploy: row.get(6)?,
        creator: UserOut {
            id: row.get(7)?,
            name: row.get(8)?,
        },
        last_deploy_failed: row.get(9)?,
    })
}

fn bind_file_from_row(row: &Row<'_>) -> rusqlite::Result<BindFileRecord> {
    Ok(BindFileRecord {
        id: row.get(0)?,
        topology_id: row.get(1)?,
        file_path: row.get(2)?,
    })
}

fn topology_name_taken(
    conn: &rusqlite::Connection,
    collection_id: &str,
    name: &str,
    except: &str,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM topologies
             WHERE collection_id = ?1 AND name = ?2 AND id != ?3 AND deleted_at IS NULL)",
        params![collection_id, name, except],
        |row| row.get(0),
    )
}

fn path_taken(
    conn: &rusqlite::Connection,
    topology_id: &str,
    path: &str,
    except: &str,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM bind_files
             WHERE topology_id = ?1 AND file_path = ?2 AND id != ?3 AND deleted_at IS NULL)",
        params![topology_id, path, except],
        |row| row.get(0),
    )
}

/// A change to a topology's metadata.
#[derive(Debug, Clone, Default)]
pub struct TopologyChange {
    /// A new YAML name.
    pub name: Option<String>,
    /// A new sync URL.
    pub sync_url: Option<String>,
    /// A new collection.
    pub collection_id: Option<String>,
}

impl Store {
    /// Every topology, oldest first.
    pub async fn topologies(&self) -> Result<Vec<TopologyRecord>> {
        self.call(|conn| {
            let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY t.created_at, t.id"))?;
            let rows = stmt
                .query_map([], from_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
        .await
    }

    /// One topology.
    pub async fn topology(&self, id: &str) -> Result<Option<TopologyRecord>> {
        let id = id.to_owned();
        self.call(move |conn| {
            Ok(conn
                .query_row(&format!("{SELECT} AND t.id = ?1"), [id], from_row)
                .optional()?)
        })
        .await
    }

    /// Creates a topology unless its name is taken in the collection.
    pub async fn create_topology(
        &self,
        id: String,
        name: String,
        sync_url: String,
        collection_id: String,
        creator_id: String,
    ) -> Result<Result<(), Conflict>> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            if topology_name_taken(&tx, &collection_id, &name, &id)? {
                return Ok(Err(Conflict));
            }
            tx.execute(
                "INSERT INTO topologies (id, name, sync_url, collection_id, creator_id, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, name, sync_url, collection_id, creator_id, now_text()],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    /// Changes a topology unless its (new) name is taken in its (new) collection.
    pub async fn update_topology(
        &self,
        current: TopologyRecord,
        change: TopologyChange,
    ) -> Result<Result<(), Conflict>> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let name = change.name.as_deref().unwrap_or(&current.name);
            let collection = change.collection_id.as_deref().unwrap_or(&current.collection_id);
            if topology_name_taken(&tx, collection, name, &current.id)? {
                return Ok(Err(Conflict));
            }
            tx.execute(
                "UPDATE topologies SET name = ?2, sync_url = COALESCE(?3, sync_url), collection_id = ?4
                 WHERE id = ?1 AND deleted_at IS NULL",
                params![current.id, name, change.sync_url, collection],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    /// Soft-deletes a topology and its bind files.
    pub async fn delete_topology(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let now = now_text();
            tx.execute(
                "UPDATE bind_files SET deleted_at = ?2 WHERE topology_id = ?1 AND deleted_at IS NULL",
                params![id, now],
            )?;
            tx.execute(
                "UPDATE topologies SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                params![id, now],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Records whether the latest deployment of a lab using this topology failed.
    pub async fn set_last_deploy_failed(&self, id: &str, failed: bool) -> Result<()> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.execute(
                "UPDATE topologies SET last_deploy_failed = ?2 WHERE id = ?1",
                params![id, failed],
            )?;
            Ok(())
        })
        .await
    }

    /// Every bind file, ordered by topology and path.
    pub async fn bind_files(&self) -> Result<Vec<BindFileRecord>> {
        self.call(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id, topology_id, file_path FROM bind_files WHERE deleted_at IS NULL
                 ORDER BY topology_id, file_path",
            )?;
            let rows = stmt
                .query_map([], bind_file_from_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
        .await
    }

    /// One bind file.
    pub async fn bind_file(&self, id: &str) -> Result<Option<BindFileRecord>> {
        let id = id.to_owned();
        self.call(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, topology_id, file_path FROM bind_files
                     WHERE id = ?1 AND deleted_at IS NULL",
                    [id],
                    bind_file_from_row,
                )
                .optional()?)
        })
        .await
    }

    /// Creates a bind file unless its path is taken in the topology.
    pub async fn create_bind_file(&self, record: BindFileRecord) -> Result<Result<(), Conflict>> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            if path_taken(&tx, &record.topology_id, &record.file_path, &record.id)? {
                return Ok(Err(Conflict));
            }
            tx.execute(
                "INSERT INTO bind_files (id, topology_id, file_path, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![record.id, record.topology_id, record.file_path, now_text()],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    /// Moves a bind file to a new path unless the path is taken.
    pub async fn rename_bind_file(&self, record: BindFileRecord) -> Result<Result<(), Conflict>> {
        self.call(move |conn| {
            let tx = conn.transaction()?;
            if path_taken(&tx, &record.topology_id, &record.file_path, &record.id)? {
                return Ok(Err(Conflict));
            }
            tx.execute(
                "UPDATE bind_files SET file_path = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                params![record.id, record.file_path],
            )?;
            tx.commit()?;
            Ok(Ok(()))
        })
        .await
    }

    /// Soft-deletes a bind file.
    pub async fn delete_bind_file(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.execute(
                "UPDATE bind_files SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                params![id, now_text()],
            )?;
            Ok(())
        })
        .await
    }
}
