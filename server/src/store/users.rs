//! Users. The native admin is created at start-up; other users come from an OpenID provider
//! (by its subject, [`Store::openid_user`]) or from [`Store::upsert_user`].

use super::sql::params;
use super::{Store, now_text};
use crate::{Error, Result};
use antimony_protocol::NATIVE_ADMIN_ID;
use antimony_protocol::rest::UserOut;

/// A user and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The id (the native admin's is 35 characters and no UUID).
    pub id: String,
    /// The display name.
    pub name: String,
    /// Admins may do everything.
    pub is_admin: bool,
    /// Group names; a user is a member of the collections named like its groups.
    pub groups: Vec<String>,
}

impl User {
    /// The native (username and password) admin.
    pub fn native_admin() -> Self {
        User {
            id: NATIVE_ADMIN_ID.to_owned(),
            name: "Admin".to_owned(),
            is_admin: true,
            groups: vec![],
        }
    }

    /// The user as other resources name it.
    pub fn to_out(&self) -> UserOut {
        UserOut {
            id: self.id.clone(),
            name: self.name.clone(),
        }
    }
}

impl Store {
    /// Creates the user or updates its name, admin flag and groups.
    pub async fn upsert_user(&self, user: User) -> Result<()> {
        self.write(move |conn| {
            let groups = serde_json::to_string(&user.groups)
                .map_err(|e| Error::Corrupt(format!("groups of {}: {e}", user.id)))?;
            conn.execute(
                "INSERT INTO users (id, name, is_admin, groups_json, created_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (id) DO UPDATE SET name = $2, is_admin = $3, groups_json = $4,
                     deleted_at = NULL",
                params![&user.id, &user.name, user.is_admin, &groups, &now_text()],
            )?;
            Ok(())
        })
        .await
    }

    /// A user that has not been deleted.
    pub async fn user(&self, id: &str) -> Result<Option<User>> {
        if !super::possible_id(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_opt(
                "SELECT id, name, is_admin, groups_json FROM users
                 WHERE id = $1 AND deleted_at IS NULL",
                params![&id],
                |row| {
                    let id = row.text(0)?;
                    let groups = serde_json::from_str(&row.text(3)?)
                        .map_err(|e| Error::Corrupt(format!("groups of user {id}: {e}")))?;
                    Ok(User {
                        name: row.text(1)?,
                        is_admin: row.bool(2)?,
                        groups,
                        id,
                    })
                },
            )
        })
        .await
    }

    /// The user an OpenID provider's subject logged in as before, created (with a fresh id)
    /// on its first login; its name, admin flag and groups are what the provider says now.
    pub async fn openid_user(
        &self,
        subject: &str,
        name: &str,
        is_admin: bool,
        groups: Vec<String>,
    ) -> Result<User> {
        let (subject, name) = (subject.to_owned(), name.to_owned());
        self.write(move |conn| {
            let groups_json = serde_json::to_string(&groups)
                .map_err(|e| Error::Corrupt(format!("groups of {subject}: {e}")))?;
            conn.transaction(|tx| {
                let known = tx.query_opt(
                    "SELECT id FROM users WHERE openid_subject = $1",
                    params![&subject],
                    |row| row.text(0),
                )?;
                let id = match known {
                    Some(id) => {
                        tx.execute(
                            "UPDATE users SET name = $2, is_admin = $3, groups_json = $4,
                                 deleted_at = NULL
                             WHERE id = $1",
                            params![&id, &name, is_admin, &groups_json],
                        )?;
                        id
                    }
                    None => {
                        let id = uuid::Uuid::new_v4().to_string();
                        tx.execute(
                            "INSERT INTO users
                                 (id, name, is_admin, groups_json, created_at, openid_subject)
                             VALUES ($1, $2, $3, $4, $5, $6)",
                            params![&id, &name, is_admin, &groups_json, &now_text(), &subject],
                        )?;
                        id
                    }
                };
                Ok(id)
            })
            .map(|id| User {
                id,
                name,
                is_admin,
                groups,
            })
        })
        .await
    }
}
