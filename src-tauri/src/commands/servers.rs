//! Servers and logins.

use antimony_client::account::{self, Reach};
use antimony_client::profile::ServerProfile;
use antimony_client::tls::Trust;
use antimony_protocol::rest::LoginConfig;
use tauri::{Manager, State};

use crate::contract::{BridgeError, BridgeErrorKind, Identity, Result, ServerView, TlsMode};
use crate::state::Desktop;

fn view(desktop: &Desktop, profile: &ServerProfile, current: bool, local: bool) -> ServerView {
    let identity = desktop.identity(&profile.name);
    ServerView {
        name: profile.name.clone(),
        origin: profile.origin.clone(),
        rest_base: profile.rest_base(),
        tls: match (&profile.tls, profile.uses_tls()) {
            (_, false) => TlsMode::None,
            (Trust::System, true) => TlsMode::System,
            (Trust::CaFile { .. }, true) => TlsMode::CaFile,
            (Trust::Pinned { .. }, true) => TlsMode::Pinned,
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
    if name == crate::state::LOCAL_SERVER {
        return Err(BridgeError::new(
            BridgeErrorKind::Profile,
            format!("{what} is not possible for the local server"),
        ));
    }
    Ok(())
}

/// Every server as the webview sees it. The local server comes first, and is current
/// unless another server was chosen.
pub(crate) fn server_views(desktop: &Desktop) -> Result<Vec<ServerView>> {
    let profiles = desktop.profiles()?;
    let current = profiles.current().map(|p| p.name.clone());
    let local = desktop
        .local()
        .map(|l| view(desktop, &l.profile, current.is_none(), true));
    Ok(local
        .into_iter()
        .chain(profiles.servers.iter().map(|p| {
            view(
                desktop,
                p,
                current.as_deref() == Some(p.name.as_str()),
                false,
            )
        }))
        .collect())
}

/// How long `list_servers` waits for the local server to start.
const LOCAL_START_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

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
    let servers = server_views(&desktop)?;
    // After the answer, so the UI knows the servers the states belong to.
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        app.state::<Desktop>().replay_connections();
    });
    Ok(servers)
}

/// Adds a server. An untrusted certificate is refused with its fingerprint; called again
/// with that fingerprint (the user confirmed it), the certificate is pinned.
#[tauri::command]
pub(crate) async fn add_server(
    desktop: State<'_, Desktop>,
    name: String,
    url: String,
    trust_fingerprint: Option<String>,
    api: Option<String>,
) -> Result<ServerView> {
    not_for_local(name.trim(), "a second server with this name")?;
    let mut profile = ServerProfile::new(name.trim(), &url)?;
    if let Some(api) = api.as_deref().map(str::trim).filter(|api| !api.is_empty()) {
        profile = profile.with_rest_base(api)?;
    }
    match account::reach(&profile).await? {
        Reach::Trusted {
            profile: answered, ..
        } => profile = answered,
        Reach::Untrusted {
            certificate,
            reason,
        } => match trust_fingerprint.as_deref() {
            Some(confirmed) => profile = account::pin(&profile, &certificate, confirmed).await?,
            None => {
                return Err(BridgeError {
                    fingerprint: Some(certificate.fingerprint),
                    ..BridgeError::new(
                        BridgeErrorKind::Certificate,
                        format!("the certificate of {url} is not trusted: {reason}"),
                    )
                });
            }
        },
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
pub(crate) async fn remove_server(
    desktop: State<'_, Desktop>,
    terminals: State<'_, crate::terminals::Terminals>,
    rules: State<'_, crate::notify_rules::Rules>,
    name: String,
) -> Result<()> {
    not_for_local(&name, "removing")?;
    terminals.detach_server(&name);
    desktop.disconnect(&name);
    let removed = desktop.update_profiles(|profiles| Ok(profiles.remove(&name)?))?;
    if let Err(error) = desktop.keychain().forget(&removed) {
        tracing::warn!(%error, server = %name, "cannot remove the server's keychain entries");
    }
    if let Err(error) = rules.forget_server(&name) {
        tracing::warn!(error = %error.message, server = %name, "cannot remove the server's notification rules");
    }
    Ok(())
}

/// Makes a server the current one.
#[tauri::command]
pub(crate) fn use_server(desktop: State<'_, Desktop>, name: String) -> Result<()> {
    if name == crate::state::LOCAL_SERVER {
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
    Ok(antimony_client::rest::RestClient::new(profile)?
        .login_config()
        .await?)
}

/// Native login. The tokens (and, if asked, the password) go to the keychain; the webview
/// only learns who the user is.
#[tauri::command]
pub(crate) async fn login(
    desktop: State<'_, Desktop>,
    server: String,
    username: String,
    password: String,
    save_password: bool,
) -> Result<Identity> {
    not_for_local(&server, "logging in by hand")?;
    let profile = desktop.profile(&server)?;
    let login = account::login(
        &profile,
        desktop.keychain(),
        &username,
        &password,
        save_password,
    )
    .await?;
    if let Some(error) = login.not_kept {
        not_kept(&desktop, &server, &error);
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
    desktop.connect(&server, login.rest);
    Ok(Identity {
        id: login.identity.id,
        is_admin: login.identity.is_admin,
    })
}

/// Logged in for this run only: says clearly that the login is not kept (no file fallback).
fn not_kept(desktop: &Desktop, server: &str, error: &antimony_client::Error) {
    tracing::warn!(%error, %server, "the login cannot be kept in the keychain");
    desktop.notice(
        server,
        antimony_protocol::Severity::Warning,
        format!("Logged in, but the login cannot be kept: {error}"),
    );
}

/// OpenID Connect login, in a window of its own that shows the server's flow and the
/// provider's pages (`openid.rs`). The tokens the server sets as cookies in that window go to
/// the keychain as a native login's do; the webview only learns who the user is. Rejects
/// `cancelled` when the user closes the window (or after 10 minutes), `unsupported` when the
/// server does not offer OpenID Connect.
#[tauri::command]
pub(crate) async fn login_openid(
    app: tauri::AppHandle,
    desktop: State<'_, Desktop>,
    server: String,
) -> Result<Identity> {
    not_for_local(&server, "logging in by hand")?;
    let profile = desktop.profile(&server)?;
    let config = antimony_client::rest::RestClient::new(profile.clone())?
        .login_config()
        .await?;
    if !config.open_id.enabled {
        return Err(BridgeError::new(
            BridgeErrorKind::Unsupported,
            format!("{server} does not offer OpenID Connect login"),
        ));
    }
    let tokens =
        crate::openid::browser_login(&app, &server, crate::openid::start_url(&profile)?).await?;
    let login = account::adopt_tokens(&profile, desktop.keychain(), tokens)?;
    if let Some(error) = login.not_kept {
        not_kept(&desktop, &server, &error);
    }
    // A native user name kept from before belongs to another login.
    let name = server.clone();
    desktop.update_profiles(move |profiles| {
        if let Some(stored) = profiles.get_mut(&name) {
            stored.user = None;
        }
        Ok(())
    })?;
    desktop.disconnect(&server);
    desktop.connect(&server, login.rest);
    Ok(Identity {
        id: login.identity.id,
        is_admin: login.identity.is_admin,
    })
}

/// Logs out: closes the connections and forgets the server's keychain entries.
#[tauri::command]
pub(crate) async fn logout(
    desktop: State<'_, Desktop>,
    terminals: State<'_, crate::terminals::Terminals>,
    server: String,
) -> Result<()> {
    not_for_local(&server, "logging out")?;
    terminals.detach_server(&server);
    let connected = desktop.disconnect(&server);
    let profile = desktop.profile(&server)?;
    account::logout(
        connected.as_ref().map(|c| c.rest.as_ref()),
        &profile,
        desktop.keychain(),
    )
    .await?;
    Ok(())
}
