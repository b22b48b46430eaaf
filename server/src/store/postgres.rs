//! The PostgreSQL connection behind the store: one synchronous `postgres` client (it runs
//! on tokio's blocking pool under the store's mutex, as SQLite does), prepared statements
//! cached per connection, and reconnection.
//!
//! A connection that broke (the server restarted, a network cut, an administrator ended the
//! session) is noticed before a call: when the client says it is closed, or, after a second
//! without use, when an empty query does not come back. It is then replaced. A call whose
//! connection breaks under it fails (the request answers with the database error) and the
//! next call reconnects. While the server cannot be reached, calls fail at once for a second
//! after each failed attempt instead of each waiting for a connect timeout.

use std::collections::HashMap;
use std::error::Error as StdError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, NoTls, Statement};

use crate::config::PostgresConfig;
use crate::store::param::Param;
use crate::{Error, Result};

/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection unused for this long is checked with a round trip before its next call.
const IDLE_CHECK: Duration = Duration::from_secs(1);
/// After a failed connection attempt, calls fail at once for this long.
const RETRY_PAUSE: Duration = Duration::from_secs(1);
/// Unacknowledged data on the socket for this long breaks the connection (a dead peer or
/// network), and a statement running this long is cancelled: no call waits for ever.
const STUCK: Duration = Duration::from_secs(30);

/// A PostgreSQL connection that reconnects.
pub(super) struct PgConn {
    settings: postgres::Config,
    /// `host:port, database "…" as user "…"`, for messages.
    target: String,
    client: Option<Client>,
    statements: HashMap<String, Statement>,
    last_used: Instant,
    /// When the last connection attempt failed.
    failed_at: Option<Instant>,
}

impl PgConn {
    /// Connects; the error names the server and the database.
    pub(super) fn connect(config: &PostgresConfig) -> Result<Self> {
        let mut settings = postgres::Config::new();
        settings
            .host(&config.host)
            .port(config.port)
            .dbname(&config.database)
            .user(&config.user)
            .application_name("antimony-server")
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalives(true)
            .keepalives_idle(STUCK)
            .tcp_user_timeout(STUCK)
            .options(&format!("-c statement_timeout={}", STUCK.as_millis()));
        if let Some(password) = &config.password {
            settings.password(password);
        }
        let mut conn = PgConn {
            settings,
            target: config.target(),
            client: None,
            statements: HashMap::new(),
            last_used: Instant::now(),
            failed_at: None,
        };
        conn.reconnect()?;
        Ok(conn)
    }

    fn reconnect(&mut self) -> Result<()> {
        self.drop_client();
        if let Some(failed_at) = self.failed_at
            && failed_at.elapsed() < RETRY_PAUSE
        {
            return Err(Error::DatabaseUnreachable(format!(
                "PostgreSQL at {} cannot be reached (retrying shortly)",
                self.target
            )));
        }
        match self.settings.connect(NoTls) {
            Ok(client) => {
                self.client = Some(client);
                self.failed_at = None;
                self.last_used = Instant::now();
                tracing::info!(target = %self.target, "connected to PostgreSQL");
                Ok(())
            }
            Err(error) => {
                self.failed_at = Some(Instant::now());
                Err(Error::DatabaseUnreachable(format!(
                    "cannot connect to PostgreSQL at {}: {}",
                    self.target,
                    crate::error::with_causes(&error)
                )))
            }
        }
    }

    fn drop_client(&mut self) {
        self.statements.clear();
        discard(self.client.take());
    }

    /// Makes sure the connection works, replacing a broken one.
    pub(super) fn ready(&mut self) -> Result<()> {
        let idle = self.last_used.elapsed() >= IDLE_CHECK;
        let healthy = match &mut self.client {
            None => false,
            Some(client) if client.is_closed() => false,
            Some(client) if idle => client.is_valid(CONNECT_TIMEOUT).is_ok(),
            Some(_) => true,
        };
        if !healthy {
            if self.client.is_some() {
                tracing::warn!(target = %self.target, "lost the connection to PostgreSQL; reconnecting");
            }
            self.reconnect()?;
        }
        self.last_used = Instant::now();
        Ok(())
    }

    /// Runs `f` with the client; forgets a client that broke on the way.
    fn with_client<T>(
        &mut self,
        f: impl FnOnce(&mut Client, &mut HashMap<String, Statement>) -> Result<T, postgres::Error>,
    ) -> Result<T> {
        let Some(client) = self.client.as_mut() else {
            return Err(Error::DatabaseUnreachable(format!(
                "not connected to PostgreSQL at {}",
                self.target
            )));
        };
        let result = f(client, &mut self.statements);
        if result.is_err() && client.is_closed() {
            self.drop_client();
        }
        Ok(result?)
    }

    /// Runs a statement; returns the rows it changed.
    pub(super) fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        self.with_client(|client, statements| {
            let statement = prepared(client, statements, sql)?;
            client.execute(&statement, &references(params))
        })
    }

    /// Runs a query.
    pub(super) fn query(&mut self, sql: &str, params: &[Param<'_>]) -> Result<Vec<postgres::Row>> {
        self.with_client(|client, statements| {
            let statement = prepared(client, statements, sql)?;
            client.query(&statement, &references(params))
        })
    }

    /// Runs statements without parameters.
    pub(super) fn batch(&mut self, sql: &str) -> Result<()> {
        self.with_client(|client, _| client.batch_execute(sql))
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        self.drop_client();
    }
}

/// The statement for `sql`, prepared once per connection.
fn prepared(
    client: &mut Client,
    statements: &mut HashMap<String, Statement>,
    sql: &str,
) -> Result<Statement, postgres::Error> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let statement = client.prepare(sql)?;
    statements.insert(sql.to_owned(), statement.clone());
    Ok(statement)
}

fn references<'p>(params: &'p [Param<'_>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params
        .iter()
        .map(|param| param as &(dyn ToSql + Sync))
        .collect()
}

/// Closes a client on a thread of its own: the client's `Drop` blocks on its private
/// runtime, which tokio forbids inside an async context (where the store may be dropped).
fn discard(client: Option<Client>) {
    let Some(client) = client else { return };
    let slot = Arc::new(Mutex::new(Some(client)));
    let closer = Arc::clone(&slot);
    let spawned = std::thread::Builder::new()
        .name("postgres-close".into())
        .spawn(move || {
            let client = closer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            drop(client);
        });
    if let Err(error) = spawned {
        tracing::warn!(%error, "cannot start a thread to close a PostgreSQL connection; leaking it");
        let client = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        std::mem::forget(client);
    }
}

/// Parameters take the type PostgreSQL infers for their place: an integer also fills an
/// `INTEGER`, `SMALLINT` or `BOOLEAN`, and `NULL` fills anything.
impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(value) => match *ty {
                Type::INT8 => value.to_sql(ty, out),
                Type::INT4 => i32::try_from(value)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(value)?.to_sql(ty, out),
                Type::BOOL => (value != 0).to_sql(ty, out),
                _ => Err(format!("an integer given for a parameter of type {ty}").into()),
            },
            Param::Text(text) => {
                if <&str as ToSql>::accepts(ty) {
                    text.to_sql(ty, out)
                } else {
                    Err(format!("text given for a parameter of type {ty}").into())
                }
            }
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}
