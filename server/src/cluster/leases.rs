//! Leases in PostgreSQL: who owns each lab (`lab:<id>`) and who runs the scheduler
//! (`scheduler`). A lease names its instance and when it expires; its holder renews all of
//! its leases every third of the lease time. A lease that expired belongs to nobody: the
//! next instance to claim it has it (a conditional upsert, so exactly one wins).
//!
//! The table is PostgreSQL-only (several instances need PostgreSQL) and made here, not in the
//! store's migrations. The client is a connection of its own, so renewals never wait behind
//! the store's queries.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::{Client, NoTls};

use crate::config::PostgresConfig;
use crate::{Error, Result};

/// The scheduler's lease.
pub const SCHEDULER: &str = "scheduler";

/// The lease name of a lab.
pub fn lab_lease(lab_id: &str) -> String {
    format!("lab:{lab_id}")
}

const CREATE: &str = "CREATE TABLE IF NOT EXISTS cluster_lease (
    name TEXT PRIMARY KEY,
    instance TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
)";

const CLAIM: &str = "INSERT INTO cluster_lease (name, instance, expires_at)
VALUES ($1, $2, now() + make_interval(secs => $3))
ON CONFLICT (name) DO UPDATE SET instance = EXCLUDED.instance, expires_at = EXCLUDED.expires_at
WHERE cluster_lease.instance = EXCLUDED.instance OR cluster_lease.expires_at < now()
RETURNING instance";

/// The leases of one instance.
#[derive(Clone)]
pub struct Leases {
    instance: String,
    lease: Duration,
    settings: postgres::Config,
    client: Arc<Mutex<Option<Client>>>,
}

impl std::fmt::Debug for Leases {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Leases")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

impl Leases {
    /// Connects and makes the table.
    pub async fn open(database: &PostgresConfig, instance: &str, lease: Duration) -> Result<Self> {
        let mut settings = postgres::Config::new();
        settings
            .host(&database.host)
            .port(database.port)
            .dbname(&database.database)
            .user(&database.user)
            .application_name("antimony-server-leases")
            .connect_timeout(Duration::from_secs(5));
        if let Some(password) = &database.password {
            settings.password(password);
        }
        let leases = Leases {
            instance: instance.to_owned(),
            lease,
            settings,
            client: Arc::new(Mutex::new(None)),
        };
        leases
            .with(|client| client.batch_execute(CREATE).map(|_| ()))
            .await?;
        Ok(leases)
    }

    /// Runs `f` on the connection (made or remade as needed) on the blocking pool.
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T> {
        let (client, settings) = (Arc::clone(&self.client), self.settings.clone());
        tokio::task::spawn_blocking(move || {
            let mut slot = client
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if slot.as_ref().is_none_or(Client::is_closed) {
                *slot = Some(settings.connect(NoTls).map_err(lease_error)?);
            }
            let connection = slot.as_mut().ok_or_else(|| lease_error("no connection"))?;
            let result = f(connection);
            if result.is_err() {
                // The next call starts on a fresh connection.
                *slot = None;
            }
            result.map_err(lease_error)
        })
        .await
        .map_err(|e| lease_error(e.to_string()))?
    }

    /// Takes or renews the lease `name`; true when this instance holds it now.
    pub async fn claim(&self, name: &str) -> Result<bool> {
        let (name, me, seconds) = (name.to_owned(), self.instance.clone(), self.seconds());
        self.with(move |c| Ok(!c.query(CLAIM, &[&name, &me, &seconds])?.is_empty()))
            .await
    }

    /// The instance holding the lease `name`, unless it expired.
    pub async fn holder(&self, name: &str) -> Result<Option<String>> {
        let name = name.to_owned();
        self.with(move |c| {
            let rows = c.query(
                "SELECT instance FROM cluster_lease WHERE name = $1 AND expires_at > now()",
                &[&name],
            )?;
            Ok(rows.first().map(|row| row.get(0)))
        })
        .await
    }

    /// Renews every lease of this instance.
    pub async fn renew(&self) -> Result<u64> {
        let (me, seconds) = (self.instance.clone(), self.seconds());
        self.with(move |c| {
            c.execute(
                "UPDATE cluster_lease SET expires_at = now() + make_interval(secs => $2) \
                 WHERE instance = $1",
                &[&me, &seconds],
            )
        })
        .await
    }

    /// The labs whose owner stopped renewing (it died), oldest first.
    pub async fn orphaned_labs(&self) -> Result<Vec<String>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT name FROM cluster_lease WHERE expires_at < now() AND name LIKE 'lab:%' \
                 ORDER BY expires_at LIMIT 1000",
                &[],
            )?;
            Ok(rows
                .iter()
                .filter_map(|row| {
                    row.get::<_, String>(0)
                        .strip_prefix("lab:")
                        .map(str::to_owned)
                })
                .collect())
        })
        .await
    }

    /// Gives up the lease `name` if this instance holds it.
    pub async fn release(&self, name: &str) -> Result<()> {
        let (name, me) = (name.to_owned(), self.instance.clone());
        self.with(move |c| {
            c.execute(
                "DELETE FROM cluster_lease WHERE name = $1 AND instance = $2",
                &[&name, &me],
            )
            .map(|_| ())
        })
        .await
    }

    fn seconds(&self) -> f64 {
        self.lease.as_secs_f64()
    }
}

fn lease_error(error: impl std::fmt::Display) -> Error {
    Error::Cluster(format!("leases (PostgreSQL): {error}"))
}
