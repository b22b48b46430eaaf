//! The app's managed state: server profiles, and one logged-in connection per server.
//!
//! Profiles are `antimony_client`'s `servers.toml` (shared with the `antimony` command line),
//! secrets are in the OS keychain. Each logged-in server has a REST client and a Socket.IO
//! session whose events go, tagged with the server's name, to the forwarder (`events.rs`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use antimony_client::keychain::Keychain;
use antimony_client::profile::{Profiles, ServerProfile};
use antimony_client::rest::RestClient;
use antimony_client::session::{ClientEvent, EventSink, Session};
use antimony_protocol::AccessClaims;
use antimony_server::driver::LabDriver;
use tokio::sync::mpsc;

use crate::error::{BridgeError, Result};

/// An event of one server's session.
#[derive(Debug)]
pub(crate) struct ServerEvent {
    /// The server's profile name.
    pub(crate) server: String,
    /// What happened.
    pub(crate) event: ClientEvent,
}

/// A logged-in server.
pub(crate) struct Connected {
    /// REST, logged in.
    pub(crate) rest: Arc<RestClient>,
    /// The Socket.IO session.
    pub(crate) session: Arc<Session>,
}

/// Everything the commands share.
pub(crate) struct Desktop {
    profiles_path: PathBuf,
    keychain: Keychain,
    connected: Mutex<HashMap<String, Arc<Connected>>>,
    events: mpsc::UnboundedSender<ServerEvent>,
    /// The local server ("This computer"), once it runs.
    local: Mutex<Option<ServerProfile>>,
    /// The local server's lab driver (for its prerequisites).
    local_driver: Mutex<Option<Arc<dyn LabDriver>>>,
    /// Whether the local server's start is over (it runs, or it could not start).
    local_settled: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Desktop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desktop")
            .field("profiles", &self.profiles_path)
            .finish_non_exhaustive()
    }
}

impl Desktop {
    /// The state; session events go to `events`.
    pub(crate) fn new(
        profiles_path: PathBuf,
        keychain: Keychain,
        events: mpsc::UnboundedSender<ServerEvent>,
    ) -> Self {
        Desktop {
            profiles_path,
            keychain,
            connected: Mutex::new(HashMap::new()),
            events,
            local: Mutex::new(None),
            local_driver: Mutex::new(None),
            local_settled: tokio::sync::watch::Sender::new(false),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Connected>>> {
        self.connected
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The keychain.
    pub(crate) fn keychain(&self) -> &Keychain {
        &self.keychain
    }

    /// The profiles, read fresh (the command line may have changed them).
    pub(crate) fn profiles(&self) -> Result<Profiles> {
        Ok(Profiles::load(&self.profiles_path)?)
    }

    /// Changes the profiles file.
    pub(crate) fn update_profiles<T>(
        &self,
        change: impl FnOnce(&mut Profiles) -> Result<T>,
    ) -> Result<T> {
        let mut profiles = self.profiles()?;
        let result = change(&mut profiles)?;
        profiles.save(&self.profiles_path)?;
        Ok(result)
    }

    /// The local server's profile, once it runs.
    pub(crate) fn local(&self) -> Option<ServerProfile> {
        self.local
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Records the local server.
    pub(crate) fn set_local(&self, profile: ServerProfile) {
        *self
            .local
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(profile);
    }

    /// Records that the local server's start is over, however it went.
    pub(crate) fn settle_local(&self) {
        self.local_settled.send_replace(true);
    }

    /// Waits until the local server's start is over, at most `limit`.
    pub(crate) async fn local_settled(&self, limit: std::time::Duration) {
        let mut settled = self.local_settled.subscribe();
        let _ = tokio::time::timeout(limit, settled.wait_for(|s| *s)).await;
    }

    /// The local server's lab driver, once it runs.
    pub(crate) fn local_driver(&self) -> Option<Arc<dyn LabDriver>> {
        self.local_driver
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Records the local server's lab driver.
    pub(crate) fn set_local_driver(&self, driver: Arc<dyn LabDriver>) {
        *self
            .local_driver
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(driver);
    }

    /// A profile by name (the local server's too).
    pub(crate) fn profile(&self, name: &str) -> Result<ServerProfile> {
        if name == crate::local::NAME {
            return self
                .local()
                .ok_or_else(|| BridgeError::new("unreachable", "the local server is not running"));
        }
        self.profiles()?
            .get(name)
            .cloned()
            .ok_or_else(|| BridgeError::new("profile", format!("no server named {name:?}")))
    }

    /// The connection of a logged-in server.
    pub(crate) fn connected(&self, server: &str) -> Result<Arc<Connected>> {
        self.lock().get(server).cloned().ok_or_else(|| BridgeError {
            code: 401,
            ..BridgeError::new("notLoggedIn", format!("not logged in to {server}"))
        })
    }

    /// Whether a server is logged in, and as whom.
    pub(crate) fn identity(&self, server: &str) -> Option<AccessClaims> {
        self.lock().get(server).and_then(|c| c.rest.identity())
    }

    /// Opens the session of a logged-in REST client and keeps both; renewed tokens go to
    /// the keychain.
    pub(crate) fn connect(&self, server: &str, rest: Arc<RestClient>) {
        let keychain = self.keychain.clone();
        let profile = rest.profile().clone();
        rest.on_tokens_changed(move |tokens| {
            if let Err(error) = keychain.set_tokens(&profile, tokens) {
                tracing::warn!(%error, "cannot keep the renewed login in the keychain");
            }
        });
        self.open_session(server, rest);
    }

    /// Opens the local server's session (it logs in by itself at every start: no tokens
    /// are kept).
    pub(crate) fn connect_local(&self, rest: Arc<RestClient>) {
        self.open_session(crate::local::NAME, rest);
    }

    fn open_session(&self, server: &str, rest: Arc<RestClient>) {
        let events = self.events.clone();
        let name = server.to_owned();
        let sink: EventSink = Arc::new(move |event| {
            let _ = events.send(ServerEvent {
                server: name.clone(),
                event,
            });
        });
        let session = Arc::new(Session::open_with(Arc::clone(&rest), sink));
        self.lock()
            .insert(server.to_owned(), Arc::new(Connected { rest, session }));
    }

    /// Closes a server's session (its connections stop when the last handle goes).
    pub(crate) fn disconnect(&self, server: &str) -> Option<Arc<Connected>> {
        self.lock().remove(server)
    }

    /// Logs in again with the tokens in the keychain, for every server that has them (at
    /// start-up). Servers whose tokens are gone or refused ask for a login later.
    pub(crate) async fn restore(&self) {
        let Ok(profiles) = self.profiles() else {
            return;
        };
        for profile in profiles.servers {
            let tokens = match self.keychain.tokens(&profile) {
                Ok(tokens) if tokens.auth.is_some() => tokens,
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(server = %profile.name, %error, "cannot read the login from the keychain");
                    continue;
                }
            };
            let rest = match RestClient::new(profile.clone()) {
                Ok(rest) => Arc::new(rest),
                Err(error) => {
                    tracing::warn!(server = %profile.name, %error, "cannot use the server");
                    continue;
                }
            };
            rest.set_tokens(tokens);
            if let (Some(user), Ok(Some(password))) =
                (profile.user.as_deref(), self.keychain.password(&profile))
            {
                rest.remember_credentials(user, &password);
            }
            tracing::info!(server = %profile.name, "restoring the login");
            self.connect(&profile.name, rest);
        }
    }
}
