//! Topologies and bind files (metadata; contents are files under the storage directory).

use super::sql::{Conn, Row, params};
use super::{Conflict, Store, now_text};
use crate::Result;
use antimony_protocol::rest::UserOut;

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
        c.public_deploy, u.id, u.name, t.last_deploy_failed, t.created_at
    FROM topologies t
    JOIN collections c ON c.id = t.collection_id AND c.deleted_at IS NULL
    JOIN users u ON u.id = t.creator_id
    WHERE t.deleted_at IS NULL";

fn from_row(row: &Row<'_>) -> Result<TopologyRecord> {
    Ok(TopologyRecord {
        id: row.text(0)?,
        name: row.text(1)?,
        sync_url: row.text(2)?,
        collection_id: row.text(3)?,
        collection_name: row.text(4)?,
        collection_public_write: row.bool(5)?,
        collection_public_deploy: row.bool(6)?,
        creator: UserOut {
            id: row.text(7)?,
            name: row.text(8)?,
        },
        last_deploy_failed: row.bool(9)?,
    })
}

fn bind_file_from_row(row: &Row<'_>) -> Result<BindFileRecord> {
    Ok(BindFileRecord {
        id: row.text(0)?,
        topology_id: row.text(1)?,
        file_path: row.text(2)?,
    })
}

fn topology_name_taken(
    conn: &mut Conn,
    collection_id: &str,
    name: &str,
    except: &str,
) -> Result<bool> {
    conn.exists(
        "SELECT EXISTS(SELECT 1 FROM topologies
             WHERE collection_id = $1 AND name = $2 AND id != $3 AND deleted_at IS NULL)",
        params![collection_id, name, except],
    )
}

fn path_taken(conn: &mut Conn, topology_id: &str, path: &str, except: &str) -> Result<bool> {
    conn.exists(
        "SELECT EXISTS(SELECT 1 FROM bind_files
             WHERE topology_id = $1 AND file_path = $2 AND id != $3 AND deleted_at IS NULL)",
        params![topology_id, path, except],
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
    /// Every topology, oldest first. Text keys are ordered here, by bytes, so that both
    /// databases give one order whatever PostgreSQL's collation.
    pub async fn topologies(&self) -> Result<Vec<TopologyRecord>> {
        let mut rows = self
            .call(|conn| conn.query(SELECT, params![], |row| Ok((row.text(10)?, from_row(row)?))))
            .await?;
        rows.sort_by(|(a_created, a), (b_created, b)| {
            a_created.cmp(b_created).then_with(|| a.id.cmp(&b.id))
        });
        Ok(rows.into_iter().map(|(_, record)| record).collect())
    }

    /// One topology.
    pub async fn topology(&self, id: &str) -> Result<Option<TopologyRecord>> {
        if !super::possible_id(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_opt(&format!("{SELECT} AND t.id = $1"), params![&id], from_row)
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
            conn.transaction(|tx| {
                if topology_name_taken(tx, &collection_id, &name, &id)? {
                    return Ok(Err(Conflict));
                }
                tx.execute(
                    "INSERT INTO topologies (id, name, sync_url, collection_id, creator_id,
                         created_at)
                     VALUES ($1, $2, $3, $4, $5, $6)",
                    params![
                        &id,
                        &name,
                        &sync_url,
                        &collection_id,
                        &creator_id,
                        &now_text()
                    ],
                )?;
                Ok(Ok(()))
            })
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
            conn.transaction(|tx| {
                let name = change.name.as_deref().unwrap_or(&current.name);
                let collection = change
                    .collection_id
                    .as_deref()
                    .unwrap_or(&current.collection_id);
                if topology_name_taken(tx, collection, name, &current.id)? {
                    return Ok(Err(Conflict));
                }
                tx.execute(
                    "UPDATE topologies SET name = $2, sync_url = COALESCE($3, sync_url),
                         collection_id = $4
                     WHERE id = $1 AND deleted_at IS NULL",
                    params![&current.id, name, change.sync_url.as_deref(), collection],
                )?;
                Ok(Ok(()))
            })
        })
        .await
    }

    /// Soft-deletes a topology and its bind files.
    pub async fn delete_topology(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.write(move |conn| {
            conn.transaction(|tx| {
                let now = now_text();
                tx.execute(
                    "UPDATE bind_files SET deleted_at = $2
                     WHERE topology_id = $1 AND deleted_at IS NULL",
                    params![&id, &now],
                )?;
                tx.execute(
                    "UPDATE topologies SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                    params![&id, &now],
                )?;
                Ok(())
            })
        })
        .await
    }

    /// Records whether the latest deployment of a lab using this topology failed.
    pub async fn set_last_deploy_failed(&self, id: &str, failed: bool) -> Result<()> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.execute(
                "UPDATE topologies SET last_deploy_failed = $2 WHERE id = $1",
                params![&id, failed],
            )?;
            Ok(())
        })
        .await
    }

    /// Every bind file, ordered by topology and path (bytes, as for topologies).
    pub async fn bind_files(&self) -> Result<Vec<BindFileRecord>> {
        let mut rows = self
            .call(|conn| {
                conn.query(
                    "SELECT id, topology_id, file_path FROM bind_files WHERE deleted_at IS NULL",
                    params![],
                    bind_file_from_row,
                )
            })
            .await?;
        rows.sort_by(|a, b| {
            (a.topology_id.as_str(), a.file_path.as_str())
                .cmp(&(b.topology_id.as_str(), b.file_path.as_str()))
        });
        Ok(rows)
    }

    /// One bind file.
    pub async fn bind_file(&self, id: &str) -> Result<Option<BindFileRecord>> {
        if !super::possible_id(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_opt(
                "SELECT id, topology_id, file_path FROM bind_files
                 WHERE id = $1 AND deleted_at IS NULL",
                params![&id],
                bind_file_from_row,
            )
        })
        .await
    }

    /// Creates a bind file unless its path is taken in the topology.
    pub async fn create_bind_file(&self, record: BindFileRecord) -> Result<Result<(), Conflict>> {
        self.call(move |conn| {
            conn.transaction(|tx| {
                if path_taken(tx, &record.topology_id, &record.file_path, &record.id)? {
                    return Ok(Err(Conflict));
                }
                tx.execute(
                    "INSERT INTO bind_files (id, topology_id, file_path, created_at)
                     VALUES ($1, $2, $3, $4)",
                    params![
                        &record.id,
                        &record.topology_id,
                        &record.file_path,
                        &now_text()
                    ],
                )?;
                Ok(Ok(()))
            })
        })
        .await
    }

    /// Moves a bind file to a new path unless the path is taken.
    pub async fn rename_bind_file(&self, record: BindFileRecord) -> Result<Result<(), Conflict>> {
        self.call(move |conn| {
            conn.transaction(|tx| {
                if path_taken(tx, &record.topology_id, &record.file_path, &record.id)? {
                    return Ok(Err(Conflict));
                }
                tx.execute(
                    "UPDATE bind_files SET file_path = $2 WHERE id = $1 AND deleted_at IS NULL",
                    params![&record.id, &record.file_path],
                )?;
                Ok(Ok(()))
            })
        })
        .await
    }

    /// Soft-deletes a bind file.
    pub async fn delete_bind_file(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.call(move |conn| {
            conn.execute(
                "UPDATE bind_files SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                params![&id, &now_text()],
            )?;
            Ok(())
        })
        .await
    }
}
