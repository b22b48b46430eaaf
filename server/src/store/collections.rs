//! Collections.

use super::sql::{Conn, Row, params};
use super::{Conflict, Store, now_text};
use crate::Result;
use antimony_protocol::rest::{CollectionIn, CollectionInPartial, CollectionOut, UserOut};

/// A stored collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRecord {
    /// The id.
    pub id: String,
    /// The name (also the OpenID group whose members may use it).
    pub name: String,
    /// Members may create and edit topologies.
    pub public_write: bool,
    /// Members may create labs.
    pub public_deploy: bool,
    /// The creator.
    pub creator: UserOut,
    /// Topologies in it may use fields that act on the host.
    pub allow_host_access: bool,
}

impl CollectionRecord {
    /// The REST shape.
    pub fn to_out(&self) -> CollectionOut {
        CollectionOut {
            id: self.id.clone(),
            name: self.name.clone(),
            public_write: self.public_write,
            public_deploy: self.public_deploy,
            creator: self.creator.clone(),
            allow_host_access: self.allow_host_access,
        }
    }
}

const SELECT: &str = "SELECT c.id, c.name, c.public_write, c.public_deploy, u.id, u.name,
        c.allow_host_access
    FROM collections c JOIN users u ON u.id = c.creator_id
    WHERE c.deleted_at IS NULL";

fn from_row(row: &Row<'_>) -> Result<CollectionRecord> {
    Ok(CollectionRecord {
        id: row.text(0)?,
        name: row.text(1)?,
        public_write: row.bool(2)?,
        public_deploy: row.bool(3)?,
        creator: UserOut {
            id: row.text(4)?,
            name: row.text(5)?,
        },
        allow_host_access: row.bool(6)?,
    })
}

fn name_taken(conn: &mut Conn, name: &str, except: &str) -> Result<bool> {
    conn.exists(
        "SELECT EXISTS(SELECT 1 FROM collections
             WHERE name = $1 AND id != $2 AND deleted_at IS NULL)",
        params![name, except],
    )
}

impl Store {
    /// Every collection, by name (byte order, the same in both databases whatever
    /// PostgreSQL's collation).
    pub async fn collections(&self) -> Result<Vec<CollectionRecord>> {
        let mut rows = self
            .call(|conn| conn.query(SELECT, params![], from_row))
            .await?;
        rows.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        Ok(rows)
    }

    /// One collection.
    pub async fn collection(&self, id: &str) -> Result<Option<CollectionRecord>> {
        if !super::possible_id(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_opt(&format!("{SELECT} AND c.id = $1"), params![&id], from_row)
        })
        .await
    }

    /// Creates a collection unless its name is taken.
    pub async fn create_collection(
        &self,
        id: String,
        input: CollectionIn,
        creator_id: String,
    ) -> Result<Result<(), Conflict>> {
        self.write(move |conn| {
            conn.transaction(|tx| {
                if name_taken(tx, &input.name, &id)? {
                    return Ok(Err(Conflict));
                }
                tx.execute(
                    "INSERT INTO collections (id, name, public_write, public_deploy, creator_id,
                         created_at, allow_host_access)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    params![
                        &id,
                        &input.name,
                        input.public_write,
                        input.public_deploy,
                        &creator_id,
                        &now_text(),
                        input.allow_host_access.unwrap_or(false)
                    ],
                )?;
                Ok(Ok(()))
            })
        })
        .await
    }

    /// Changes the given fields unless the new name is taken.
    pub async fn update_collection(
        &self,
        id: String,
        input: CollectionInPartial,
    ) -> Result<Result<(), Conflict>> {
        self.write(move |conn| {
            conn.transaction(|tx| {
                if let Some(name) = &input.name
                    && name_taken(tx, name, &id)?
                {
                    return Ok(Err(Conflict));
                }
                tx.execute(
                    "UPDATE collections SET name = COALESCE($2, name),
                         public_write = COALESCE($3, public_write),
                         public_deploy = COALESCE($4, public_deploy),
                         allow_host_access = COALESCE($5, allow_host_access)
                     WHERE id = $1 AND deleted_at IS NULL",
                    params![
                        &id,
                        input.name.as_deref(),
                        input.public_write,
                        input.public_deploy,
                        input.allow_host_access
                    ],
                )?;
                Ok(Ok(()))
            })
        })
        .await
    }

    /// Soft-deletes a collection.
    pub async fn delete_collection(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.write(move |conn| {
            conn.execute(
                "UPDATE collections SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                params![&id, &now_text()],
            )?;
            Ok(())
        })
        .await
    }
}
