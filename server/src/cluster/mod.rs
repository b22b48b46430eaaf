//! Several `antimony-server` instances behind one name (docs/scaling-out.md): they share
//! PostgreSQL and Redis. Redis carries socketioxide's Redis adapter (a broadcast reaches the
//! sockets of every instance), the lab commands forwarded to a lab's owner ([`forward`]),
//! and the logs and shells of a lab reached through an instance that does not own it
//! (`relay`, `shells`). PostgreSQL holds the leases ([`leases`]): each lab is owned by one instance
//! at a time, the one that deployed it, for as long as that instance renews its leases; when
//! it stops (it died), another one takes the lab over and recovers it from the driver.
//!
//! Scheduling happens once per lab: a queued lab is deployed by the instance that wins its
//! lease, and destroyed at its end time by its owner (the only instance with its instance).
//!
//! This module knows the lab domain (it recovers labs) and nothing of the transports: the
//! socket layer asks it where a command runs and forwards through it.

pub mod forward;
pub mod leases;
mod lines;
mod mirror;
mod relay;
mod shells;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use socketioxide_redis::RedisAdapterCtr;
use socketioxide_redis::drivers::redis::RedisDriver;
use tokio_util::sync::CancellationToken;

pub use forward::{
    Follow, Forwarder, Inbox, LineBatch, News, Pending, Reply, Request, ShellOutput, ShellRequest,
};
pub use leases::{Leases, lab_lease};
pub use mirror::mirror_instances;
pub use relay::{apply_lines, follow, serve_follows};
pub use shells::{
    AckFn, AttachError, RemoteTerminal, SERVER_STOPPED, apply_shell_output, attach as attach_shell,
    serve_shells,
};

use crate::config::{ClusterConfig, PostgresConfig};
use crate::lab::Labs;
use crate::{Error, Result};

/// The prefix of the Socket.IO adapter's Redis channels.
const ADAPTER_PREFIX: &str = "antimony-socket.io";

/// This instance among the others; cheap to clone.
#[derive(Clone)]
pub struct Cluster(Arc<Inner>);

struct Inner {
    config: ClusterConfig,
    driver: RedisDriver,
    leases: Leases,
    forwarder: Forwarder,
    inbox: Mutex<Option<Inbox>>,
    /// Logs followed on other instances: the owner's sequence number of the next line.
    mirrors: Mutex<std::collections::HashMap<String, u64>>,
    /// Terminals on shells of other instances, and theirs on shells held here.
    shells: shells::ShellRelay,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("instance", &self.0.config.instance)
            .finish_non_exhaustive()
    }
}

/// Where a lab command runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// On this instance.
    Here,
    /// On the lab's owner.
    Owner(String),
}

/// The Redis URL with RESP3, which the adapter's driver needs (it reads pushed messages).
fn resp3(url: &str) -> String {
    if url.contains("protocol=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}protocol=resp3")
}

impl Cluster {
    /// Connects to Redis and PostgreSQL; refuses SQLite (instances must share the database).
    pub async fn open(
        config: &ClusterConfig,
        database: Option<&PostgresConfig>,
        shutdown: CancellationToken,
    ) -> Result<Self> {
        let database = database.ok_or_else(|| {
            Error::Config(
                "cluster.redis (several instances) needs PostgreSQL: the instances must share \
                 one database. Set database.host (and database.port, database.database, \
                 database.user, SB_DATABASE_PASSWORD), or remove cluster.redis to run one \
                 instance on SQLite"
                    .into(),
            )
        })?;
        let client = redis::Client::open(resp3(&config.redis))
            .map_err(|e| Error::Config(format!("cluster.redis: {e}")))?;
        let driver = RedisDriver::new(&client)
            .await
            .map_err(|e| Error::Cluster(format!("cannot connect to Redis: {e}")))?;
        let leases = Leases::open(database, &config.instance, config.lease).await?;
        let (forwarder, inbox) = Forwarder::start(&client, &config.instance, shutdown).await?;
        tracing::info!(instance = %config.instance, "one instance among several (Redis and PostgreSQL shared)");
        Ok(Cluster(Arc::new(Inner {
            config: config.clone(),
            driver,
            leases,
            forwarder,
            inbox: Mutex::new(Some(inbox)),
            mirrors: Mutex::new(std::collections::HashMap::new()),
            shells: shells::ShellRelay::default(),
        })))
    }

    /// This instance's name.
    pub fn instance(&self) -> &str {
        &self.0.config.instance
    }

    /// How long a lease lasts without renewal.
    pub fn lease(&self) -> Duration {
        self.0.config.lease
    }

    /// The leases.
    pub fn leases(&self) -> &Leases {
        &self.0.leases
    }

    /// Sends forwarded commands and their replies.
    pub fn forwarder(&self) -> &Forwarder {
        &self.0.forwarder
    }

    /// What other instances send this one (once: whoever serves it takes it).
    pub fn take_inbox(&self) -> Option<Inbox> {
        self.0
            .inbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    }

    /// The Socket.IO adapter's constructor (one adapter per namespace, all on one driver).
    pub fn adapter(&self) -> RedisAdapterCtr<RedisDriver> {
        let config = socketioxide_redis::RedisAdapterConfig::default().with_prefix(ADAPTER_PREFIX);
        RedisAdapterCtr::new_with_driver(self.0.driver.clone(), config)
    }

    /// Where a command for `lab_id` runs. A deploy claims an unowned lab for this instance;
    /// other commands run here unless another live instance owns the lab.
    pub async fn route(&self, lab_id: &str, deploy: bool) -> Result<Route> {
        let name = lab_lease(lab_id);
        for _ in 0..3 {
            if deploy && self.0.leases.claim(&name).await? {
                return Ok(Route::Here);
            }
            match self.0.leases.holder(&name).await? {
                Some(owner) if owner != self.instance() => return Ok(Route::Owner(owner)),
                Some(_) => return Ok(Route::Here),
                None if !deploy => return Ok(Route::Here),
                // The owner's lease expired between the claim and the look-up: claim again.
                None => {}
            }
        }
        Err(Error::Cluster(format!(
            "the lease of lab {lab_id} keeps changing hands"
        )))
    }

    /// Claims a lab for this instance (true when it holds it).
    pub async fn claim_lab(&self, lab_id: &str) -> bool {
        match self.0.leases.claim(&lab_lease(lab_id)).await {
            Ok(held) => held,
            Err(error) => {
                tracing::warn!(%error, lab = %lab_id, "cannot claim a lab");
                false
            }
        }
    }
}

/// Keeps this instance's leases and takes over the labs of instances that died, until
/// `shutdown`: every third of the lease time it renews its leases, then claims each lab
/// whose lease expired and recovers it (the driver still runs it: containerlab on a shared
/// Docker host, or clabernetes).
pub async fn keep_leases(cluster: Cluster, labs: Labs, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(cluster.lease() / 3);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(error) = cluster.leases().renew().await {
            tracing::error!(%error, "cannot renew this instance's leases: other instances will take its labs over");
            continue;
        }
        let orphaned = match cluster.leases().orphaned_labs().await {
            Ok(orphaned) => orphaned,
            Err(error) => {
                tracing::warn!(%error, "cannot look for labs of stopped instances");
                continue;
            }
        };
        for lab_id in orphaned {
            if cluster.claim_lab(&lab_id).await {
                tracing::info!(lab = %lab_id, "taking over a lab whose instance stopped");
                // Its logs followed here become this instance's own: recovery writes on.
                relay::adopt(&cluster, &labs, &lab_id);
                let wanted = lab_id.clone();
                crate::lab::recover_some(&labs, move |id| {
                    let found = id == wanted;
                    async move { found }
                })
                .await;
            }
        }
    }
}
