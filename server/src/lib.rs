//! `antimony-server`: a drop-in replacement for the Go Antimony server, and the lab host
//! bundled with Antimony Desktop.
//!
//! The library is entered through [`run`] (or [`serve`] with an [`AppState`] opened by the
//! caller); [`router`] is the REST API, testable in-process. It speaks PROTOCOL.md: REST at
//! the root (and under `/api`), Socket.IO at `/socket.io/`, SQLite or PostgreSQL for
//! storage, and drives labs through a [`driver::LabDriver`] (containerlab and Docker in
//! production). The `antimony-server` binary is a thin wrapper in `main.rs`.

pub mod auth;
pub mod cluster;
pub mod config;
pub mod driver;
mod error;
pub mod events;
pub mod files;
mod http;
pub mod kinds;
pub mod lab;
pub mod logs;
pub mod net;
pub mod permissions;
mod socket;
mod state;
pub mod store;
pub mod topology;

use std::future::Future;
use std::time::Duration;

pub use config::Config;
pub use error::{Error, Result};
pub use http::router;
pub use socket::{ClusterAdapter, Io};
pub use state::{AppState, SECRET_FILE, Shared};
use tokio::net::TcpListener;

/// Log directives a binary adds to whatever `RUST_LOG` says (they cap these crates at `warn`
/// whatever the base level), so no level shows what crosses the wire: tungstenite logs every WebSocket message at trace (Socket.IO handshakes carry
/// tokens, shell input carries typed passwords), russh its packets, bollard its requests.
pub const QUIET_LOGGERS: &[&str] = &[
    "tungstenite=warn",
    "tokio_tungstenite=warn",
    "russh=warn",
    "bollard=warn",
    "hyper=warn",
];

/// How long shutdown waits for background work (log followers, scheduled commands) to end.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Opens the server's state from `config` and serves it on `listener` until `shutdown`
/// completes; then stops accepting and waits for requests in flight.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let state = AppState::open(config).await?;
    serve(state, listener, shutdown).await
}

/// Serves an opened state on `listener` until `shutdown` completes (see [`Server::serve`]).
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    Server::new(state).serve(listener, shutdown).await
}

/// A server ready to serve: its state, and the Socket.IO side built around it.
pub struct Server {
    state: AppState,
    io: socket::Io,
    layer: socket::Layer,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").finish_non_exhaustive()
    }
}

impl Server {
    /// Builds the Socket.IO layer (every namespace) around the state.
    pub fn new(state: AppState) -> Self {
        let (layer, io) = socket::layer(state.clone());
        Server { state, io, layer }
    }

    /// The Socket.IO server (to see which namespaces and sockets exist).
    pub fn io(&self) -> &socket::Io {
        &self.io
    }

    /// The whole app: REST (see [`router`]) inside the Socket.IO layer, which takes
    /// `/socket.io/` requests, inside the request guard (`Host` and `Origin`, see
    /// [`net::guard`]) for a server listening on `bind`, and a time limit on reading request
    /// bodies.
    pub fn app(&self, bind: std::net::IpAddr) -> axum::Router {
        let config = &self.state.config;
        let policy = std::sync::Arc::new(net::HostPolicy::new(
            bind,
            &config.public_hosts,
            &config.allowed_origins,
        ));
        let router = router(self.state.clone());
        let router = match &self.layer {
            socket::Layer::Local(layer) => router.layer(layer.clone()),
            socket::Layer::Cluster(layer) => router.layer(layer.clone()),
        };
        router
            .layer(axum::middleware::from_fn_with_state(
                policy,
                net::guard::guard,
            ))
            .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
                config.net.request_timeout,
            ))
    }

    /// Serves on `listener` until `shutdown` completes.
    ///
    /// Before it answers anything it checks the tools (containerlab, Docker) and recovers the
    /// labs that are still deployed, so no request sees a half-known lab. Then it runs the
    /// event forwarder, the scheduler and the container-event watcher. On shutdown it closes
    /// Socket.IO, stops background work, waits for HTTP requests in flight and (a little) for
    /// background tasks to end.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<()> {
        let address = listener
            .local_addr()
            .map_err(|e| Error::io("reading the listen address", e))?;
        let state = self.state.clone();
        state.config.check_exposure(address)?;
        for check in state.labs.driver.prerequisites().await.checks {
            match &check.guidance {
                None => {
                    tracing::info!(check = %check.id, detail = %check.detail, "prerequisite found")
                }
                Some(guidance) => tracing::error!(
                    check = %check.id,
                    detail = %check.detail,
                    %guidance,
                    "prerequisite missing: labs cannot be deployed until it is fixed"
                ),
            }
        }
        let background = state.shutdown.clone();
        match &state.cluster {
            None => lab::recover(&state.labs).await,
            Some(cluster) => {
                // Only the deployed labs nobody else owns (or whose owner died).
                lab::recover_some(&state.labs, |id: &str| {
                    let (cluster, id) = (cluster.clone(), id.to_owned());
                    async move { cluster.claim_lab(&id).await }
                })
                .await;
                if let Some(inbox) = cluster.take_inbox() {
                    let cluster::Inbox {
                        requests,
                        news,
                        follows,
                        lines,
                        shells,
                        shell_output,
                    } = inbox;
                    state.tasks.spawn(socket::serve_forwarded(
                        state.clone(),
                        requests,
                        background.clone(),
                    ));
                    state.tasks.spawn(cluster::mirror_instances(
                        cluster.clone(),
                        state.labs.clone(),
                        news,
                        background.clone(),
                    ));
                    state.tasks.spawn(cluster::serve_follows(
                        cluster.clone(),
                        state.labs.clone(),
                        follows,
                        background.clone(),
                    ));
                    state.tasks.spawn(cluster::apply_lines(
                        cluster.clone(),
                        state.labs.clone(),
                        lines,
                        background.clone(),
                    ));
                    state.tasks.spawn(cluster::serve_shells(
                        cluster.clone(),
                        state.labs.clone(),
                        shells,
                        background.clone(),
                    ));
                    state.tasks.spawn(cluster::apply_shell_output(
                        cluster.clone(),
                        shell_output,
                        background.clone(),
                    ));
                }
                state.tasks.spawn(cluster::keep_leases(
                    cluster.clone(),
                    state.labs.clone(),
                    background.clone(),
                ));
            }
        }
        match &self.io {
            socket::Io::Local(io) => state.tasks.spawn(socket::forward_events(
                state.clone(),
                io.clone(),
                background.clone(),
            )),
            socket::Io::Cluster(io) => state.tasks.spawn(socket::forward_events(
                state.clone(),
                io.clone(),
                background.clone(),
            )),
        };
        let claim = state.cluster.clone().map(|cluster| -> lab::Claim {
            std::sync::Arc::new(move |lab_id: String| {
                let cluster = cluster.clone();
                Box::pin(async move { cluster.claim_lab(&lab_id).await })
            })
        });
        state.tasks.spawn(lab::run_scheduler_with(
            state.labs.clone(),
            background.clone(),
            claim,
        ));
        state.tasks.spawn(lab::watch_container_events(
            state.labs.clone(),
            background.clone(),
        ));
        let tls = match &state.config.tls {
            Some(source) => {
                let tls =
                    net::Tls::load(source, &state.config.data_dir, &state.config.public_hosts)?;
                tracing::info!(fingerprint = %tls.fingerprint, "serving HTTPS; the certificate's SHA-256 fingerprint");
                Some(tls)
            }
            None => None,
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        tracing::info!(%address, %scheme, "antimony-server listening");
        let io = self.io.clone();
        let stopping = async move {
            shutdown.await;
            tracing::info!("antimony-server stopping");
            background.cancel();
            io.close().await;
        };
        net::serve(
            listener,
            self.app(address.ip()),
            state.config.net.clone(),
            tls,
            stopping,
        )
        .await;
        state.tasks.close();
        if tokio::time::timeout(SHUTDOWN_GRACE, state.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                running = state.tasks.len(),
                "background tasks still running at shutdown (a deploy or destroy in progress)"
            );
        }
        tracing::info!("antimony-server stopped");
        Ok(())
    }
}
