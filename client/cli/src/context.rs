//! Which server a command talks to, and how it logs in.
//!
//! With `--user` and `--password` (or `ANTIMONY_USER` / `ANTIMONY_PASSWORD`) a command logs
//! in by itself and touches no keychain: that is the non-interactive way for scripts and CI.
//! Otherwise it uses the tokens `antimony login` kept in the OS keychain, refreshes them when
//! needed (and stores the new ones), and logs in again with a kept password when the server
//! refused the refresh (every token dies when an Antimony server restarts).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use antimony_client::account;
use antimony_client::keychain::Keychain;
use antimony_client::profile::{Profiles, ServerProfile};
use antimony_client::rest::RestClient;
use antimony_client::session::{ClientEvent, Session};
use tokio::sync::mpsc;

use crate::Global;
use crate::output::Failure;

/// The profiles file of this invocation.
pub(crate) fn profiles_path(global: &Global) -> Result<PathBuf, Failure> {
    match &global.config {
        Some(path) => Ok(path.clone()),
        None => Ok(Profiles::default_path()?),
    }
}

/// The keychain of this invocation.
pub(crate) fn keychain(global: &Global) -> Keychain {
    Keychain::with_service(global.keychain_service.clone())
}

/// The server profile `--server` names (a profile or a URL), or the current one.
pub(crate) fn profile(global: &Global) -> Result<ServerProfile, Failure> {
    let profiles = Profiles::load(&profiles_path(global)?)?;
    let chosen = match &global.server {
        Some(server) if server.contains("://") => {
            let mut profile = ServerProfile::new(server.as_str(), server)?;
            if let Some(api) = &global.api {
                profile = profile.with_rest_base(api)?;
            }
            return Ok(profile);
        }
        Some(name) => profiles.get(name).cloned().ok_or_else(|| {
            Failure::usage(format!(
                "no server named {name:?} (see `antimony server list`)"
            ))
        })?,
        None => profiles.current().cloned().ok_or_else(|| {
            Failure::usage(
                "no server chosen: add one with `antimony server add NAME URL`, or pass \
                 --server URL (ANTIMONY_SERVER)",
            )
        })?,
    };
    Ok(match &global.api {
        Some(api) => chosen.with_rest_base(api)?,
        None => chosen,
    })
}

/// A REST client for the chosen server, logged in.
pub(crate) async fn rest(global: &Global) -> Result<Arc<RestClient>, Failure> {
    let profile = profile(global)?;
    let rest = Arc::new(RestClient::new(profile.clone())?);
    if let Some(password) = &global.password {
        let user = global
            .user
            .clone()
            .or_else(|| profile.user.clone())
            .ok_or_else(|| {
                Failure::usage(
                    "a password (--password-stdin, ANTIMONY_PASSWORD) needs --user (ANTIMONY_USER)",
                )
            })?;
        rest.login_native(&user, password)
            .await
            .map_err(|e| login_failure(e, &user))?;
        rest.remember_credentials(&user, password);
        return Ok(rest);
    }
    let keychain = keychain(global);
    let restored = account::restore(&profile, &keychain)
        .map_err(|e| Failure::from(e).context("reading the login from the keychain"))?;
    if let Some(restored) = restored {
        return Ok(restored);
    }
    // Servers without native credentials log everybody in with empty ones (as the web UI
    // does).
    if let Ok(config) = rest.login_config().await
        && config.native.enabled
        && config.native.allow_empty
    {
        rest.login_native("", "").await?;
        return Ok(rest);
    }
    Err(Failure::login(format!(
        "not logged in to {}: run `antimony login`, or pass --user and --password-stdin \
         (ANTIMONY_USER, ANTIMONY_PASSWORD)",
        profile.name
    )))
}

/// A failed login, worded for the user.
pub(crate) fn login_failure(error: antimony_client::Error, user: &str) -> Failure {
    match &error {
        antimony_client::Error::Api { body, .. }
            if body.code == antimony_protocol::ErrorCode::InvalidCredentials.code() =>
        {
            Failure::login(format!(
                "the server refused the login of {user:?}: {}",
                body.message
            ))
        }
        _ => Failure::from(error).context("logging in"),
    }
}

/// A Socket.IO session with the chosen server, its global namespaces connected.
pub(crate) async fn session(
    rest: Arc<RestClient>,
) -> Result<(Session, mpsc::UnboundedReceiver<ClientEvent>), Failure> {
    let (session, events) = Session::open(rest);
    if !session.ready(Duration::from_secs(15)).await {
        return Err(Failure::unreachable(
            "the server's Socket.IO namespaces did not connect within 15 s",
        ));
    }
    Ok((session, events))
}
