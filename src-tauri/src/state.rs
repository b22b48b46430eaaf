//! The app's managed state: server profiles, one logged-in connection per server, the local
//! server, and the two channels the parts of the app talk through.
//!
//! Profiles are `antimony_client`'s `servers.toml` (shared with the `antimony` command line),
//! secrets are in the OS keychain. Each logged-in server has a REST client and a Socket.IO
//! session whose events go, tagged with the server's name, to the forwarder as
//! [`AppEvent`]s; the forwarder publishes [`Signal`]s (labs changed, a deploy finished) that
//! the tray and the OS notifications subscribe to. None of those parts knows the others:
//! they all depend on this module only, and `lib.rs` wires them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

use antimony_client::account;
use antimony_client::keychain::Keychain;
use antimony_client::profile::{Profiles, ServerProfile};
use antimony_client::rest::RestClient;
use antimony_client::session::{ClientEvent, EventSink, Session};
use antimony_protocol::{AccessClaims, Severity};
use antimony_server::driver::LabDriver;
use tokio::sync::{broadcast, mpsc, watch};

use crate::contract::{BridgeError, BridgeErrorKind, Result};

/// What the forwarder sends on to the webview.
#[derive(Debug)]
pub(crate) enum AppEvent {
    /// An event of one server's session.
    Session {
        /// The server's profile name.
        server: String,
        /// What happened.
        event: ClientEvent,
    },
    /// A message from the app itself, shown like a server's status message.
    Notice {
        /// The server it is about.
        server: String,
        /// How serious it is.
        severity: Severity,
        /// The text.
        content: String,
    },
    /// Send every connection's latest state again (a webview that loaded late missed them).
    Replay,
    /// The webview gave this many lines of credit back (once per animation frame).
    LogsHandled(u32),
    /// News of the shell a terminal view shows.
    Shell {
        /// The server.
        server: String,
        /// The view.
        view_id: String,
        /// The shell.
        shell_id: String,
        /// What happened.
        event: antimony_client::session::ShellEvent,
    },
}

/// What the forwarder tells the rest of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Signal {
    /// Labs of a server may have changed (a lab update, or lab updates connected again).
    LabsChanged {
        /// The server.
        server: String,
    },
    /// A deploy finished.
    DeployFinished {
        /// The server.
        server: String,
        /// The lab.
        lab_id: String,
        /// Why it failed, if it did.
        failure: Option<String>,
    },
}

/// The local server's name in the server list ("This computer": the bundled server).
pub(crate) const LOCAL_SERVER: &str = "This computer";

/// How many signals a slow subscriber may fall behind (it then misses some; each signal only
/// asks for a recount or a notification).
const SIGNALS: usize = 256;

/// A logged-in server.
pub(crate) struct Connected {
    /// REST, logged in.
    pub(crate) rest: Arc<RestClient>,
    /// The Socket.IO session.
    pub(crate) session: Arc<Session>,
}

/// The local server while it runs.
#[derive(Debug, Clone)]
pub(crate) struct LocalServer {
    /// Its profile (a loopback origin on a free port).
    pub(crate) profile: ServerProfile,
    /// Its lab driver (for the prerequisites).
    pub(crate) driver: Arc<dyn LabDriver>,
    /// Its data directory (database, lab files, kind configuration).
    pub(crate) data_dir: PathBuf,
}

/// Everything the commands share.
pub(crate) struct Desktop {
    profiles_path: PathBuf,
    keychain: Keychain,
    connected: Mutex<HashMap<String, Arc<Connected>>>,
    events: mpsc::UnboundedSender<AppEvent>,
    signals: broadcast::Sender<Signal>,
    /// The local server ("This computer"), once it runs.
    local: Mutex<Option<LocalServer>>,
    /// Whether the local server's start is over (it runs, or it could not start).
    local_settled: watch::Sender<bool>,
}

impl std::fmt::Debug for Desktop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desktop")
            .field("profiles", &self.profiles_path)
            .finish_non_exhaustive()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Desktop {
    /// The state; events for the webview go to `events`.
    pub(crate) fn new(
        profiles_path: PathBuf,
        keychain: Keychain,
        events: mpsc::UnboundedSender<AppEvent>,
    ) -> Self {
        Desktop {
            profiles_path,
            keychain,
            connected: Mutex::new(HashMap::new()),
            events,
            signals: broadcast::channel(SIGNALS).0,
            local: Mutex::new(None),
            local_settled: watch::Sender::new(false),
        }
    }

    /// Where the profiles file is.
    pub(crate) fn profiles_path(&self) -> &std::path::Path {
        &self.profiles_path
    }

    /// The keychain.
    pub(crate) fn keychain(&self) -> &Keychain {
        &self.keychain
    }

    /// Shows a message of the app's own in the webview, like a server's status message.
    pub(crate) fn notice(&self, server: &str, severity: Severity, content: impl Into<String>) {
        let _ = self.events.send(AppEvent::Notice {
            server: server.to_owned(),
            severity,
            content: content.into(),
        });
    }

    /// Where events for the webview go (terminal views send theirs).
    pub(crate) fn events(&self) -> mpsc::UnboundedSender<AppEvent> {
        self.events.clone()
    }

    /// Gives the forwarder `lines` of credit back: it sends more log lines.
    pub(crate) fn logs_handled(&self, lines: u32) {
        let _ = self.events.send(AppEvent::LogsHandled(lines));
    }

    /// Asks the forwarder to send every connection's latest state again.
    pub(crate) fn replay_connections(&self) {
        let _ = self.events.send(AppEvent::Replay);
    }

    /// Publishes a signal to whoever listens (nobody is fine).
    pub(crate) fn signal(&self, signal: Signal) {
        let _ = self.signals.send(signal);
    }

    /// Listens to signals.
    pub(crate) fn signals(&self) -> broadcast::Receiver<Signal> {
        self.signals.subscribe()
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

    /// The local server, once it runs.
    pub(crate) fn local(&self) -> Option<LocalServer> {
        lock(&self.local).clone()
    }

    /// Records the local server.
    pub(crate) fn set_local(&self, local: LocalServer) {
        *lock(&self.local) = Some(local);
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

    /// A profile by name (the local server's too).
    pub(crate) fn profile(&self, name: &str) -> Result<ServerProfile> {
        if name == LOCAL_SERVER {
            return self.local().map(|l| l.profile).ok_or_else(|| {
                BridgeError::new(
                    BridgeErrorKind::Unreachable,
                    "the local server is not running",
                )
            });
        }
        self.profiles()?.get(name).cloned().ok_or_else(|| {
            BridgeError::new(
                BridgeErrorKind::Profile,
                format!("no server named {name:?}"),
            )
        })
    }

    /// The connection of a logged-in server.
    pub(crate) fn connected(&self, server: &str) -> Result<Arc<Connected>> {
        lock(&self.connected)
            .get(server)
            .cloned()
            .ok_or_else(|| BridgeError {
                code: 401,
                ..BridgeError::new(
                    BridgeErrorKind::NotLoggedIn,
                    format!("not logged in to {server}"),
                )
            })
    }

    /// Every logged-in server's connection, by name.
    pub(crate) fn connections(&self) -> Vec<(String, Arc<Connected>)> {
        lock(&self.connected)
            .iter()
            .map(|(name, connected)| (name.clone(), Arc::clone(connected)))
            .collect()
    }

    /// Whether a server is logged in, and as whom.
    pub(crate) fn identity(&self, server: &str) -> Option<AccessClaims> {
        lock(&self.connected)
            .get(server)
            .and_then(|c| c.rest.identity())
    }

    /// Opens the session of a logged-in REST client and keeps both, replacing an earlier
    /// connection of the server.
    pub(crate) fn connect(&self, server: &str, rest: Arc<RestClient>) {
        let events = self.events.clone();
        let name = server.to_owned();
        let sink: EventSink = Arc::new(move |event| {
            let _ = events.send(AppEvent::Session {
                server: name.clone(),
                event,
            });
        });
        let session = Arc::new(Session::open_with(Arc::clone(&rest), sink));
        lock(&self.connected).insert(server.to_owned(), Arc::new(Connected { rest, session }));
    }

    /// Closes a server's session (its connections stop when the last handle goes). Its labs
    /// are no longer seen: the tray counts again.
    pub(crate) fn disconnect(&self, server: &str) -> Option<Arc<Connected>> {
        let gone = lock(&self.connected).remove(server);
        if gone.is_some() {
            self.signal(Signal::LabsChanged {
                server: server.to_owned(),
            });
        }
        gone
    }

    /// Logs in again with the tokens in the keychain, for every server that has them (at
    /// start-up). Servers whose tokens are gone or refused ask for a login later.
    pub(crate) async fn restore(&self) {
        let Ok(profiles) = self.profiles() else {
            return;
        };
        for profile in profiles.servers {
            match account::restore(&profile, &self.keychain) {
                Ok(Some(rest)) => {
                    tracing::info!(server = %profile.name, "restoring the login");
                    self.connect(&profile.name, rest);
                }
                Ok(None) => {}
                Err(error) => {
                    tracing::warn!(server = %profile.name, %error, "cannot restore the login");
                }
            }
        }
    }
}
