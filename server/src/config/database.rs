//! The `database` section: SQLite in a file (`database.localFile`, the default) or
//! PostgreSQL when `database.host` is set, as the Go server reads it (`database.port`,
//! `database.database`, `database.user`; the password from `SB_DATABASE_PASSWORD`).

use serde::Deserialize;

use crate::{Error, Result};

/// PostgreSQL's port when `database.port` is not set.
pub const DEFAULT_POSTGRES_PORT: u16 = 5432;
/// The database and user names when `database.database` or `database.user` is not set.
pub const DEFAULT_POSTGRES_NAME: &str = "antimony";
/// The environment variable that holds the PostgreSQL password.
pub const PASSWORD_VARIABLE: &str = "SB_DATABASE_PASSWORD";

/// Where a PostgreSQL database is and how to log in to it.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresConfig {
    /// A host name or address (`database.host`), or a directory holding the server's unix
    /// socket (a path starting with `/`).
    pub host: String,
    /// The port (`database.port`, default 5432).
    pub port: u16,
    /// The database (`database.database`, default `antimony`).
    pub database: String,
    /// The user (`database.user`, default `antimony`).
    pub user: String,
    /// The password (`SB_DATABASE_PASSWORD`); none for trust or peer authentication.
    pub password: Option<String>,
}

impl PostgresConfig {
    /// `host:port, database "name" as user "name"`, for messages (no password).
    pub fn target(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!(
            "{host}:{}, database {:?} as user {:?}",
            self.port, self.database, self.user
        )
    }
}

impl std::fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// The `database` keys of `config.yml`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct DatabaseSection {
    pub(super) local_file: Option<std::path::PathBuf>,
    host: Option<String>,
    port: Option<u16>,
    database: Option<String>,
    user: Option<String>,
}

impl DatabaseSection {
    /// The PostgreSQL settings when `database.host` is set (the password comes later, from
    /// the environment).
    pub(super) fn postgres(&self) -> Result<Option<PostgresConfig>> {
        let Some(host) = self
            .host
            .as_deref()
            .map(str::trim)
            .filter(|h| !h.is_empty())
        else {
            return Ok(None);
        };
        let name = |key: &str, value: &Option<String>| -> Result<String> {
            let value = value.as_deref().map(str::trim).unwrap_or_default();
            if value.is_empty() {
                return Ok(DEFAULT_POSTGRES_NAME.to_owned());
            }
            if value.chars().any(char::is_control) {
                return Err(Error::Config(format!(
                    "database.{key} {value:?} has control characters"
                )));
            }
            Ok(value.to_owned())
        };
        if host.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Error::Config(format!(
                "database.host {host:?} is not a host name, address or socket directory"
            )));
        }
        let port = match self.port {
            Some(0) => return Err(Error::Config("database.port 0 is not a port".into())),
            Some(port) => port,
            None => DEFAULT_POSTGRES_PORT,
        };
        Ok(Some(PostgresConfig {
            host: host.to_owned(),
            port,
            database: name("database", &self.database)?,
            user: name("user", &self.user)?,
            password: None,
        }))
    }
}
