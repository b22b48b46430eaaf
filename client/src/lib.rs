//! `antimony-client`: the headless engine that Antimony Desktop (and the `antimony` command
//! line) holds. It has no Tauri in it, so it builds and tests without WebKit.
//!
//! Server [`profile`]s are kept in the user's config directory (never secrets), secrets in
//! the OS [`keychain`]; [`rest`] is the REST client with native login and token refresh;
//! [`session`] holds the Socket.IO connections of one server and turns them into one stream
//! of events, with log lines delivered exactly once ([`logsync`]).
//!
//! Workflows that the CLI (`client/cli`, the `antimony` binary) and the desktop app share
//! live here, so both are adapters: [`account`] (reaching a server and pinning its
//! certificate, logging in with the keychain, restoring a login) and [`import`] (topology
//! files into labs).

pub mod account;
mod error;
pub mod import;
pub mod keychain;
pub mod logsync;
pub mod profile;
pub mod rest;
pub mod session;
pub mod sharing;
pub mod tls;

/// Log directives a binary adds to whatever its log setting says (they cap these crates at
/// `warn` whatever the base level), so no level shows what crosses the wire: tungstenite logs every WebSocket message at trace (Socket.IO handshakes
/// carry tokens, shell input carries typed passwords).
pub const QUIET_LOGGERS: &[&str] = &[
    "tungstenite=warn",
    "tokio_tungstenite=warn",
    "rust_socketio=warn",
    "rust_engineio=warn",
    "reqwest=warn",
    "hyper=warn",
];

pub use error::{Error, Result};
