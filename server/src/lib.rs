//! `antimony-server`: a drop-in replacement for the Go Antimony server, and the lab host
//! bundled with Antimony Desktop.
//!
//! The library is entered through [`run`] (or [`serve`] with an [`AppState`] opened by the
//! caller); [`router`] is the REST API, testable in-process. It speaks PROTOCOL.md: REST at
//! the root (and under `/api`), Socket.IO at `/socket.io/`, SQLite for storage, and drives
//! labs through a [`driver::LabDriver`] (containerlab and Docker in production). The
//! `antimony-server` binary is a thin wrapper in `main.rs`.

pub mod auth;
pub mod config;
pub mod driver;
mod error;
pub mod events;
pub mod files;
mod http;
pub mod kinds;
pub mod lifecycle;
pub mod logs;
pub mod permissions;
pub mod runtime;
mod socket;
mod state;
pub mod status;
pub mod store;
pub mod topology;

use std::future::Future;

pub use config::Config;
pub use error::{Error, Result};
pub use http::router;
pub use state::{AppState, SECRET_FILE, Shared};
use tokio::net::TcpListener;

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

/// Serves an opened state on `listener` until `shutdown` completes.
///
/// Before it answers anything it checks the tools (containerlab, Docker) and recovers the labs
/// that are still deployed, so no request sees a half-known lab. Then it runs the event
/// forwarder, the scheduler and the container-event watcher. On shutdown it closes Socket.IO,
/// stops background work and waits for HTTP requests in flight.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let address = listener
        .local_addr()
        .map_err(|e| Error::io("reading the listen address", e))?;
    for check in state.driver.prerequisites().await.checks {
        match &check.guidance {
            None => tracing::info!(check = %check.id, detail = %check.detail, "prerequisite found"),
            Some(guidance) => tracing::error!(
                check = %check.id,
                detail = %check.detail,
                %guidance,
                "prerequisite missing: labs cannot be deployed until it is fixed"
            ),
        }
    }
    lifecycle::recover(&state).await;
    let background = state.shutdown.clone();
    tokio::spawn(socket::forward_events(state.clone(), background.clone()));
    tokio::spawn(lifecycle::run_scheduler(state.clone(), background.clone()));
    tokio::spawn(lifecycle::watch_container_events(
        state.clone(),
        background.clone(),
    ));
    tracing::info!(%address, "antimony-server listening");
    let io = state.io.get().cloned();
    let stopping = async move {
        shutdown.await;
        background.cancel();
        if let Some(io) = io {
            io.close().await;
        }
    };
    axum::serve(listener, router(state))
        .with_graceful_shutdown(stopping)
        .await
        .map_err(|e| Error::io("serving HTTP", e))?;
    tracing::info!("antimony-server stopped");
    Ok(())
}
