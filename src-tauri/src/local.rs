//! "This computer": antimony-server running inside the app on 127.0.0.1 (a free port), with
//! its SQLite database and files under the app's data directory. With containerlab and
//! Docker on this machine, the app alone is a complete single-user lab host.
//!
//! The server's native login uses a per-install password kept in the keychain (made at the
//! first start); the app logs in with it by itself. Without a keychain the password lives for
//! this run only, and the user is told.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antimony_client::keychain::Keychain;
use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_protocol::Severity;
use tauri::{AppHandle, Manager, Runtime};
use tokio_util::sync::CancellationToken;

use crate::state::{Desktop, LOCAL_SERVER as NAME, LocalServer};

/// The native user of the local server.
const USER: &str = "admin";

/// Where the per-install password is kept: a fixed pseudo-origin (the port changes per run).
fn credential_profile() -> Option<ServerProfile> {
    ServerProfile::new(NAME, "http://this-computer.antimony.invalid").ok()
}

/// The per-install password: from the keychain, or new (and kept there).
fn password(keychain: &Keychain) -> (String, Option<String>) {
    let Some(profile) = credential_profile() else {
        return (fresh_password(), None);
    };
    match keychain.password(&profile) {
        Ok(Some(password)) => (password, None),
        Ok(None) => {
            let password = fresh_password();
            match keychain.set_password(&profile, &password) {
                Ok(()) => (password, None),
                Err(error) => (password, Some(error.to_string())),
            }
        }
        Err(error) => (fresh_password(), Some(error.to_string())),
    }
}

/// 32 random bytes as hex, from the OS.
fn fresh_password() -> String {
    use std::io::Read;
    let mut bytes = [0_u8; 32];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if read.is_err() {
        // Not secret from this user anyway (the server only listens on 127.0.0.1), but
        // still unguessable enough for other local users.
        let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
        for (i, b) in seed.bytes().enumerate() {
            if let Some(slot) = bytes.get_mut(i % 32) {
                *slot ^= b;
            }
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The kind configuration of a new local server: on one's own machine, nodes of the common
/// container kinds may be started, stopped and restarted. The file is the user's to edit.
const DEFAULT_KINDS: &str = "\
# Per containerlab kind: whether nodes may be started, stopped and restarted from Antimony,
# and the SSH login for shells. Kinds not listed may not be restarted. Edit freely.
linux:
  canRestart: true
nokia_srlinux:
  canRestart: true
  sshUsername: admin
  sshPassword: NokiaSrl1!
arista_ceos:
  canRestart: true
  sshUsername: admin
  sshPassword: admin
cisco_xrd:
  canRestart: true
juniper_crpd:
  canRestart: true
sonic-vs:
  canRestart: true
";

/// Writes [`DEFAULT_KINDS`] unless there is a kind configuration already.
fn write_default_kinds(path: &Path) {
    if path.exists() {
        return;
    }
    let written = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(path, DEFAULT_KINDS));
    match written {
        Ok(()) => tracing::info!(path = %path.display(), "wrote the default kind configuration"),
        Err(error) => {
            tracing::warn!(%error, path = %path.display(), "cannot write the default kind configuration")
        }
    }
}

/// Stops the local server when the app quits (managed state).
#[derive(Debug, Default)]
pub(crate) struct LocalStop {
    stop: CancellationToken,
    served: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
}

impl LocalStop {
    /// Stops the local server and waits (at most `limit`) until it has: sockets closed,
    /// requests in flight answered, background work ended.
    pub(crate) fn stop_and_wait(&self, limit: Duration) {
        self.stop.cancel();
        let served = self
            .served
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(served) = served {
            let stopped = tauri::async_runtime::block_on(tokio::time::timeout(limit, served));
            match stopped {
                Ok(_) => tracing::info!("the local server stopped"),
                Err(_) => tracing::warn!("the local server did not stop in time"),
            }
        }
    }
}

/// Starts the local server and logs in to it.
pub(crate) async fn start<R: Runtime>(app: AppHandle<R>, data_dir: &Path) {
    let desktop = app.state::<Desktop>();
    let (password, keychain_problem) = password(desktop.keychain());
    if let Some(problem) = keychain_problem {
        desktop.notice(
            NAME,
            Severity::Warning,
            format!(
                "The local server's login cannot be kept in the keychain ({problem}); it works for this run only."
            ),
        );
    }
    let mut config = antimony_server::Config::with_data_dir(data_dir);
    config.auth.native_username = USER.into();
    config.auth.native_password = password.clone();
    config.kinds_config = data_dir.join("kinds.conf.yml");
    write_default_kinds(&config.kinds_config);
    let stop = app.state::<LocalStop>().stop.clone();
    let result = async {
        let state = antimony_server::AppState::open(config)
            .await
            .map_err(|e| e.to_string())?;
        let driver = Arc::clone(&state.labs.driver);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| e.to_string())?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let served = tauri::async_runtime::spawn(async move {
            if let Err(error) =
                antimony_server::serve(state, listener, async move { stop.cancelled().await }).await
            {
                tracing::error!(%error, "the local server stopped");
            }
        });
        *app.state::<LocalStop>()
            .served
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(served);
        Ok::<_, String>((format!("http://{address}"), driver))
    }
    .await;
    let (origin, driver) = match result {
        Ok(started) => started,
        Err(error) => {
            tracing::error!(%error, "the local server cannot start");
            desktop.notice(
                NAME,
                Severity::Error,
                format!("The local server cannot start: {error}"),
            );
            return;
        }
    };
    tracing::info!(%origin, data = %data_dir.display(), "local server started");
    let profile = match ServerProfile::new(NAME, &origin) {
        Ok(profile) => ServerProfile {
            user: Some(USER.into()),
            ..profile
        },
        Err(error) => {
            tracing::error!(%error, "the local server's address");
            return;
        }
    };
    desktop.set_local(LocalServer {
        profile: profile.clone(),
        driver,
        data_dir: data_dir.to_owned(),
    });
    let rest = match RestClient::new(profile) {
        Ok(rest) => Arc::new(rest),
        Err(error) => {
            tracing::error!(%error, "cannot reach the local server");
            return;
        }
    };
    // It logs in by itself at every start: no tokens are kept.
    match rest.login_native(USER, &password).await {
        Ok(_) => {
            rest.remember_credentials(USER, &password);
            desktop.connect(NAME, rest);
        }
        Err(error) => {
            tracing::error!(%error, "cannot log in to the local server");
            desktop.notice(
                NAME,
                Severity::Error,
                format!("Cannot log in to the local server: {error}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_kinds_let_container_nodes_restart_and_keep_user_edits() {
        let dir = std::env::temp_dir().join(format!("antimony-kinds-{}", std::process::id()));
        let path = dir.join("server/kinds.conf.yml");
        write_default_kinds(&path);
        let kinds = antimony_server::kinds::Kinds::load(&path).expect("the default parses");
        assert!(kinds.get("linux").can_restart);
        assert_eq!(
            kinds.get("nokia_srlinux").ssh_username.as_deref(),
            Some("admin")
        );
        assert!(
            !kinds.get("vr-sros").can_restart,
            "unlisted kinds may not restart"
        );
        std::fs::write(&path, "linux:\n  canRestart: false\n").expect("edit");
        write_default_kinds(&path);
        let kinds = antimony_server::kinds::Kinds::load(&path).expect("the edit parses");
        assert!(!kinds.get("linux").can_restart, "an existing file is kept");
        let _ = std::fs::remove_dir_all(dir);
    }
}
