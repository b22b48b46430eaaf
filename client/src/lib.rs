//! `antimony-client`: the headless engine that Antimony Desktop (and the `antimony` command
//! line) holds. It has no Tauri in it, so it builds and tests without WebKit.
//!
//! This first part has the pieces every connection needs: server [`profile`]s kept in the
//! user's config directory (never secrets), secrets in the OS [`keychain`], the REST client
//! with native login and token refresh ([`rest`]), and the rule that turns re-sent log
//! backlogs into exactly-once lines ([`logsync`]).

mod error;
pub mod keychain;
pub mod logsync;
pub mod profile;
pub mod rest;
pub mod session;

pub use error::{Error, Result};
