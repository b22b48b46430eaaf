//! `antimony-server`: runs the Antimony-compatible lab server headless.

use std::net::SocketAddr;
use std::path::PathBuf;

use antimony_server::config::{Config, Overrides};
use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// An Antimony-compatible lab server for containerlab: REST, Socket.IO, SQLite and a
/// containerlab and Docker driver.
///
/// Reads Antimony's `config.yml` when given one. Native login uses the environment
/// variables SB_NATIVE_USERNAME and SB_NATIVE_PASSWORD; when either is empty, empty
/// credentials log in (auto login), which only a server bound to loopback allows unless
/// --allow-empty-credentials is given. RUST_LOG sets the log level (default `info`).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Antimony configuration file (the Go server's `config.yml` keys).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:3000, or server.host/port from the config].
    #[arg(long, value_name = "ADDR:PORT")]
    bind: Option<SocketAddr>,
    /// Directory for the database, storage, run directories and the signing secret.
    #[arg(long, value_name = "DIR", default_value = antimony_server::config::DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// A host name clients use to reach this server (behind a reverse proxy, or on a LAN
    /// name); requests for other names are refused, except loopback names and IP addresses.
    /// Repeatable; adds to server.publicHosts.
    #[arg(long = "public-host", value_name = "NAME")]
    public_hosts: Vec<String>,
    /// An origin (`https://ui.example.org`) whose pages may use this server besides its own
    /// origin. Repeatable; adds to server.allowedOrigins.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    allowed_origins: Vec<String>,
    /// Let empty credentials log in although the server is not bound to loopback (anyone
    /// who reaches it is then an admin, and can run containers as root).
    #[arg(long)]
    allow_empty_credentials: bool,
    /// Serve HTTPS with this certificate chain (PEM; with --tls-key).
    #[arg(long = "tls-cert", value_name = "PATH", requires = "tls_key")]
    tls_certificate: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long = "tls-key", value_name = "PATH", requires = "tls_certificate")]
    tls_key: Option<PathBuf>,
    /// Serve HTTPS with a self-signed certificate made once and kept in the data directory
    /// (its SHA-256 fingerprint is logged at start, for clients to pin).
    #[arg(long, conflicts_with = "tls_certificate")]
    tls_self_signed: bool,
    /// Serve a build of the official Antimony web UI from DIR at `/` (REST then only under
    /// `/api`, Socket.IO at `/socket.io`, all on one origin).
    #[arg(long, value_name = "DIR")]
    web_ui: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = antimony_server::QUIET_LOGGERS.iter().fold(
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        |filter, directive| match directive.parse() {
            Ok(directive) => filter.add_directive(directive),
            Err(_) => filter,
        },
    );
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let args = Args::parse();
    let overrides = Overrides {
        bind: args.bind,
        data_dir: Some(args.data_dir),
        public_hosts: args.public_hosts,
        allowed_origins: args.allowed_origins,
        allow_empty_credentials: args.allow_empty_credentials,
        tls_certificate: args.tls_certificate,
        tls_key: args.tls_key,
        tls_self_signed: args.tls_self_signed,
        web_ui: args.web_ui,
    };
    let config = Config::load(args.config.as_deref(), &overrides, |key| {
        std::env::var(key).ok()
    })
    .context("while loading the configuration")?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("while binding {}", config.bind))?;
    let shutdown = shutdown_signal();
    let state = antimony_server::AppState::open(config)
        .await
        .context("while opening the database and the data directory")?;
    antimony_server::serve(state, listener, shutdown)
        .await
        .context("while serving")?;
    Ok(())
}

/// Completes on SIGINT or SIGTERM. The handlers are installed at once, not when the future is
/// first polled, so a signal that comes while the database opens (or just after the address
/// is logged) stops the server gracefully instead of killing it.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        match (interrupt, terminate) {
            (Ok(mut interrupt), Ok(mut terminate)) => tokio::select! {
                _ = interrupt.recv() => tracing::info!("SIGINT received, shutting down"),
                _ = terminate.recv() => tracing::info!("SIGTERM received, shutting down"),
            },
            (Ok(mut interrupt), Err(error)) => {
                tracing::error!(%error, "cannot listen for SIGTERM; stopping on SIGINT only");
                interrupt.recv().await;
            }
            (Err(error), Ok(mut terminate)) => {
                tracing::error!(%error, "cannot listen for SIGINT; stopping on SIGTERM only");
                terminate.recv().await;
            }
            (Err(error), Err(_)) => {
                tracing::error!(%error, "cannot listen for signals; stop the server with SIGKILL");
                std::future::pending::<()>().await;
            }
        }
    }
}
