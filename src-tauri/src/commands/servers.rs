//! Servers and logins.

use std::sync::Arc;

use antimony_client::Error as ClientError;
use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_client::tls::{self, Trust};
use antimony_protocol::rest::LoginConfig;
use serde::Serialize;
use tauri::State;

use crate::error::{BridgeError, Result};
use crate::state::Desktop;

/// A server as the UI lists it (no secrets).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServerView {
    name: String,
    origin: String,
    rest_base: String,
    tls: &'static str,
    fingerprint: Option<String>,
    user: Option<String>,
    current: bool,
    logged_in: bool,
    identity: Option<Identity>,
    local: bool,
}

/// Who the user is on a server.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Identity {
    id: String,
    is_admin: bool,
}

fn view(desktop: &Desktop, profile: &ServerProfile, current: bool, local: bool) -> ServerView {
    let identity = desktop.identity(&profile.name);
    ServerView {
        name: profile.name.clone(),
        origin: profile.origin.clone(),
        rest_base: profile.rest_base(),
        tls: match (&profile.tls, profile.uses_tls()) {
            (_, false) => "none",
            (Trust::System, true) => "system",
            (Trust::CaFile { .. }, true) => "caFile",
            (Trust::Pinned { .. }, true) => "pinned",
        },
        fingerprint: profile.tls.pinned_fingerprint().map(str::to_owned),
        user: profile.user.clone(),
        current,
        logged_in: identity.is_some(),
        identity: identity.map(|c| Identity {
            id: c.id,
            is_admin: c.is_admin,
        }),
        local,
    }
}

fn not_for_local(name: &str, what: &str) -> Result<()> {
    if name == crate::local::NAME {
        return Err(BridgeError::new(
            "profile",
            format!("{what} is not possible for the local server"),
        ));
    }
    Ok(())
}

/// Every server.
/// (Also sends every connection's latest state again: the webview may have missed them.)
#[tauri::command]
pub(crate) async fn list_servers(
    app: tauri::AppHandle,
    desktop: State<'_, Desktop>,
) -> Result<Vec<ServerView>> {
    // A webview that asks early waits (a little) for the local server, so that "This
    // computer" is in its first list.
    desktop.local_settled(LOCAL_START_WAIT).await;
    let replay = app.clone();
    tauri::async_runtime::spawn(async move {
        // After the answer, so the UI knows the servers the states belong to.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        crate::events::replay_connections(&replay);
    });
    let profiles = desktop.profiles()?;
    // The local server comes first, and is current unless another server was chosen.
    let current = profiles.current().map(|p| p.name.clone());
    let local = desktop
        .local()
        .map(|p| view(&desktop, &p, current.is_none(), true));
    Ok(local
        .into_iter()
        .chain(profiles.servers.iter().map(|p| {
            view(
                &desktop,
                p,
                current.as_deref() == Some(p.name.as_str()),
                false,
            )
        }))
        .collect())
}

/// How long `list_servers` waits for the local server to start.
const LOCAL_START_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Adds a server. An untrusted certificate is refused with its fingerprint; called again
/// with that fingerprint (the user confirmed it), the certificate is pinned.
#[tauri::command]
pub(crate) async fn add_server(
    desktop: State<'_, Desktop>,
    name: String,
    url: String,
    trust_fingerprint: Option<String>,
) -> Result<ServerView> {
    not_for_local(name.trim(), "a second server with this name")?;
    let mut profile = ServerProfile::new(name.trim(), &url)?;
    match RestClient::new(profile.clone())?.login_config().await {
        Ok(_) => {}
        Err(ClientError::Certificate { reason, .. }) => {
            let certificate = tls::probe(&profile.origin).await?;
            let confirmed = trust_fingerprint
                .as_deref()
                .and_then(tls::normalise_fingerprint);
            if confirmed.as_deref() != Some(certificate.fingerprint.as_str()) {
                return Err(BridgeError {
                    fingerprint: Some(certificate.fingerprint),
                    ..BridgeError::new(
                        "certificate",
                        format!("the certificate of {url} is not trusted: {reason}"),
                    )
                });
            }
            profile = profile.with_trust(certificate.pin());
            RestClient::new(profile.clone())?.login_config().await?;
        }
        Err(error) => return Err(error.into()),
    }
    let added = profile.clone();
    let current = desktop.update_profiles(move |profiles| {
        profiles.add(added)?;
        Ok(profiles.current.clone())
    })?;
    Ok(view(
        &desktop,
        &profile,
        current.as_deref() == Some(profile.name.as_str()),
        false,
    ))
}

/// Removes a server and forgets its login.
#[tauri::command]
pub(crate) async fn remove_server(desktop: State<'_, Desktop>, name: String) -> Result<()> {
    not_for_local(&name, "removing")?;
    desktop.disconnect(&name);
    let removed = desktop.update_profiles(|profiles| Ok(profiles.remove(&name)?))?;
    if let Err(error) = desktop.keychain().forget(&removed) {
        tracing::warn!(%error, server = %name, "cannot remove the server's keychain entries");
    }
    Ok(())
}

/// Makes a server the current one.
#[tauri::command]
pub(crate) fn use_server(desktop: State<'_, Desktop>, name: String) -> Result<()> {
    if name == crate::local::NAME {
        return desktop.update_profiles(|profiles| {
            profiles.current = None;
            Ok(())
        });
    }
    desktop.update_profiles(|profiles| Ok(profiles.use_server(&name)?))
}

/// How a server lets people log in.
#[tauri::command]
pub(crate) async fn login_config(
    desktop: State<'_, Desktop>,
    server: String,
) -> Result<LoginConfig> {
    let profile = desktop.profile(&server)?;
    Ok(RestClient::new(profile)?.login_config().await?)
}

/// Native login. The tokens (and, if asked, the password) go to the keychain; the webview
/// only learns who the user is.
#[tauri::command]
pub(crate) async fn login(
    app: tauri::AppHandle,
    desktop: State<'_, Desktop>,
    server: String,
    username: String,
    password: String,
    save_password: bool,
) -> Result<Identity> {
    not_for_local(&server, "logging in by hand")?;
    let profile = desktop.profile(&server)?;
    let rest = Arc::new(RestClient::new(profile.clone())?);
    let claims = rest.login_native(&username, &password).await?;
    rest.remember_credentials(&username, &password);
    let kept = desktop
        .keychain()
        .set_tokens(&profile, &rest.tokens())
        .and_then(|()| {
            if save_password {
                desktop.keychain().set_password(&profile, &password)
            } else {
                Ok(())
            }
        });
    if let Err(error) = kept {
        // Logged in for this run; say clearly that the login is not kept (no file fallback).
        tracing::warn!(%error, %server, "the login cannot be kept in the keychain");
        crate::events::notice(
            &app,
            &server,
            antimony_protocol::Severity::Warning,
            &format!("Logged in, but the login cannot be kept: {error}"),
        );
    }
    if !username.is_empty() {
        let user = username.clone();
        let name = server.clone();
        desktop.update_profiles(move |profiles| {
            if let Some(stored) = profiles.get_mut(&name) {
                stored.user = Some(user);
            }
            Ok(())
        })?;
    }
    desktop.disconnect(&server);
    desktop.connect(&server, rest);
    Ok(Identity {
        id: claims.id,
        is_admin: claims.is_admin,
    })
}

/// Logs out: closes the connections and forgets the server's keychain entries.
#[tauri::command]
pub(crate) async fn logout(desktop: State<'_, Desktop>, server: String) -> Result<()> {
    not_for_local(&server, "logging out")?;
    if let Some(connected) = desktop.disconnect(&server) {
        let _ = connected.rest.logout().await;
    }
    let profile = desktop.profile(&server)?;
    desktop.keychain().forget(&profile)?;
    Ok(())
}
