//! Terminal views: each shell shown in the webview (a tab, or a popped-out window) is a view
//! with a task of its own that holds the shell's [`ShellHandle`], sends its output to the
//! forwarder and takes input and sizes from commands. Closing a view detaches (the shell keeps
//! running on the server); a view that opens again repaints from the server's backlog.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use antimony_client::session::{Resized, Session, ShellEvent};
use antimony_protocol::TerminalSize;
use tokio::sync::{mpsc, oneshot};

use crate::contract::{BridgeError, BridgeErrorKind, Result};
use crate::state::{AppEvent, Desktop};

/// What a view's task is asked.
enum ViewRequest {
    Input(String, oneshot::Sender<Result<()>>),
    Resize(TerminalSize, oneshot::Sender<Result<bool>>),
}

/// One view's handle.
struct View {
    server: String,
    /// The label of the window showing it.
    window: String,
    /// Tells this attachment from a later one of the same view id.
    generation: u64,
    requests: mpsc::UnboundedSender<ViewRequest>,
}

type Views = Arc<Mutex<HashMap<String, View>>>;

/// Every terminal view, by its id (the webview makes them).
#[derive(Default)]
pub(crate) struct Terminals {
    views: Views,
    generations: AtomicU64,
}

impl std::fmt::Debug for Terminals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminals").finish_non_exhaustive()
    }
}

impl Terminals {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, View>> {
        lock(&self.views)
    }

    /// Attaches view `view_id` (in window `window`) to a shell of `server`; its events go to
    /// `desktop`'s forwarder. A view attached before is detached first. When the shell ends,
    /// the view is forgotten.
    pub(crate) fn attach(
        &self,
        desktop: &Desktop,
        session: &Arc<Session>,
        server: &str,
        shell_id: &str,
        view_id: &str,
        window: &str,
    ) {
        let (requests, inbox) = mpsc::unbounded_channel();
        let shell = session.attach_shell(shell_id);
        let events = desktop.events();
        let generation = self.generations.fetch_add(1, Ordering::Relaxed);
        let (server_name, view, shell_name) =
            (server.to_owned(), view_id.to_owned(), shell_id.to_owned());
        let (views, view_key) = (Arc::clone(&self.views), view_id.to_owned());
        self.lock().insert(
            view_id.to_owned(),
            View {
                server: server.to_owned(),
                window: window.to_owned(),
                generation,
                requests,
            },
        );
        tauri::async_runtime::spawn(async move {
            run_view(shell, inbox, move |event| {
                let _ = events.send(AppEvent::Shell {
                    server: server_name.clone(),
                    view_id: view.clone(),
                    shell_id: shell_name.clone(),
                    event,
                });
            })
            .await;
            let mut views = lock(&views);
            if views
                .get(&view_key)
                .is_some_and(|v| v.generation == generation)
            {
                views.remove(&view_key);
            }
        });
    }

    /// Detaches a view (its task ends; the shell keeps running).
    pub(crate) fn detach(&self, view_id: &str) {
        self.lock().remove(view_id);
    }

    /// Detaches every view shown in a window (it was closed).
    pub(crate) fn detach_window(&self, window: &str) {
        self.lock().retain(|_, view| view.window != window);
    }

    /// Detaches every view of a server (it logged out or was removed).
    pub(crate) fn detach_server(&self, server: &str) {
        self.lock().retain(|_, view| view.server != server);
    }

    fn requests(&self, view_id: &str) -> Result<mpsc::UnboundedSender<ViewRequest>> {
        self.lock()
            .get(view_id)
            .map(|v| v.requests.clone())
            .ok_or_else(|| {
                BridgeError::new(BridgeErrorKind::Command, "this terminal is not attached")
            })
    }

    /// Sends input to a view's shell.
    pub(crate) async fn input(&self, view_id: &str, text: String) -> Result<()> {
        let (reply, answer) = oneshot::channel();
        self.requests(view_id)?
            .send(ViewRequest::Input(text, reply))
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    /// Resizes a view's shell; false when the server cannot.
    pub(crate) async fn resize(&self, view_id: &str, size: TerminalSize) -> Result<bool> {
        let (reply, answer) = oneshot::channel();
        self.requests(view_id)?
            .send(ViewRequest::Resize(size, reply))
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

fn lock(views: &Mutex<HashMap<String, View>>) -> MutexGuard<'_, HashMap<String, View>> {
    views
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn gone() -> BridgeError {
    BridgeError::new(
        BridgeErrorKind::Command,
        "this terminal is no longer attached",
    )
}

/// A view's task: the shell's events out, requests in, until the view is detached (its
/// request sender dropped) or the shell ends.
async fn run_view(
    mut shell: antimony_client::session::ShellHandle,
    mut inbox: mpsc::UnboundedReceiver<ViewRequest>,
    emit: impl Fn(ShellEvent),
) {
    loop {
        tokio::select! {
            event = shell.next() => match event {
                Some(event @ ShellEvent::Closed(_)) => {
                    emit(event);
                    return;
                }
                Some(event) => emit(event),
                None => return,
            },
            request = inbox.recv() => match request {
                Some(ViewRequest::Input(text, reply)) => {
                    let _ = reply.send(shell.input(text).await.map_err(BridgeError::from));
                }
                Some(ViewRequest::Resize(size, reply)) => {
                    let resized = shell
                        .resize(size)
                        .await
                        .map(|r| r == Resized::Yes)
                        .map_err(BridgeError::from);
                    let _ = reply.send(resized);
                }
                None => return,
            },
        }
    }
}
