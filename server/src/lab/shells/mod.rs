//! Interactive shells on lab nodes (PROTOCOL.md §5.5, §5.6, §6.7): FetchShells, OpenShell
//! and CloseShell, and the shells themselves.
//!
//! A shell is a terminal on a node (SSH first where the node's kind has an SSH user, else
//! `docker exec` with `/bin/bash` or `/bin/sh`), run by one task (`session`). Its output goes
//! to a bounded backlog ([`BACKLOG_BYTES`]) that `/shells/<id>` subscribers read; its input
//! and size come over a channel, in the order they arrived. Unlike the Go server:
//! - a shell belongs to a user, not to a connection: its owner (or an admin) may rejoin and
//!   close it after reconnecting;
//! - the terminal follows the client's size (`resize`);
//! - closing after the idle timeout is one more way to close, and never blocks anything;
//! - output never splits a UTF-8 character, and memory per shell is bounded (backlog,
//!   pending input).
//!
//! Shells close on remote EOF, CloseShell, node stop and restart, lab destroy, redeploy and
//! delete, and server shutdown; each close is announced on `/shell-commands` (a
//! [`LabEvent::Shell`]). A closed shell stays joinable for a while, as on the Go server (the
//! web UI reopens the tabs of closed shells to show their last screen): its backlog, then
//! `closed`. The newest [`CLOSED_KEPT`] closed shells of a user are kept, for at most
//! [`CLOSED_FOR`].

mod session;
mod utf8;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use antimony_protocol::rest::InstanceNode;
use antimony_protocol::{ShellCommand, ShellCommandData, ShellData, TerminalSize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{LabError, Labs, Outcome};
use crate::driver::ssh::{self, SshTarget};
use crate::driver::{DriverError, Terminal};
use crate::events::LabEvent;
use crate::logs::LogStream;
use crate::store::{LabRecord, User};

/// Output kept per shell, for a terminal that connects (again) to repaint: the newest
/// 256 KiB.
pub const BACKLOG_BYTES: usize = 256 * 1024;
/// Input accepted but not yet written to the node, per shell; more is refused (5000) until
/// the node has read it.
pub const MAX_PENDING_INPUT: usize = 4 * 1024 * 1024;
/// Closed shells kept per user, for their last screen.
pub const CLOSED_KEPT: usize = 20;
/// How long a closed shell is kept.
pub const CLOSED_FOR: std::time::Duration = std::time::Duration::from_secs(10 * 60);
/// How long an SSH login may take before the shell falls back to `docker exec`.
const SSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// What a shell's task is asked to do.
#[derive(Debug)]
enum Input {
    /// Write this (keystrokes, pasted text).
    Data(String),
    /// The terminal's new size.
    Resize(TerminalSize),
}

/// Why input was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputError {
    /// The shell is closed (5007).
    Closed,
    /// Too much input waits already (5000).
    Full,
}

impl From<InputError> for antimony_protocol::ErrorBody {
    fn from(error: InputError) -> Self {
        use antimony_protocol::{ErrorBody, ErrorCode};
        match error {
            InputError::Closed => ErrorBody::from_code(ErrorCode::ShellNotFound),
            InputError::Full => ErrorBody::new(
                ErrorCode::ServerError,
                format!(
                    "the shell's input is full ({} MiB wait to be written); try again",
                    MAX_PENDING_INPUT / (1024 * 1024)
                ),
            ),
        }
    }
}

/// One open shell.
#[derive(Debug)]
pub struct Shell {
    /// Its id (its namespace is `/shells/<id>`).
    pub id: String,
    /// Its lab.
    pub lab_id: String,
    /// Its node's name.
    pub node: String,
    /// The user who opened it.
    pub owner: String,
    /// Its output: chunks of text, the newest [`BACKLOG_BYTES`] kept; closed with the shell.
    pub output: Arc<LogStream>,
    input: mpsc::UnboundedSender<Input>,
    /// Bytes of input taken and not yet written.
    pending: AtomicUsize,
    /// Asks the task to close the shell, with the reason it will announce.
    close: CancellationToken,
    reason: Mutex<Option<&'static str>>,
    /// When it closed.
    closed_at: Mutex<Option<std::time::Instant>>,
}

impl Shell {
    /// Whether `user` may use and close it: its owner, or an admin.
    pub fn may_use(&self, user: &User) -> bool {
        user.is_admin || user.id == self.owner
    }

    /// Whether it is closed (or closing).
    pub fn is_closed(&self) -> bool {
        self.close.is_cancelled() || self.output.is_closed()
    }

    /// Takes input, to be written in the order it arrived.
    pub fn write(&self, text: String) -> Result<(), InputError> {
        if self.is_closed() {
            return Err(InputError::Closed);
        }
        let size = text.len();
        if self.pending.fetch_add(size, Ordering::AcqRel) + size > MAX_PENDING_INPUT {
            self.pending.fetch_sub(size, Ordering::AcqRel);
            return Err(InputError::Full);
        }
        self.input.send(Input::Data(text)).map_err(|_| {
            self.pending.fetch_sub(size, Ordering::AcqRel);
            InputError::Closed
        })
    }

    /// Takes the terminal's new size.
    pub fn resize(&self, size: TerminalSize) -> Result<(), InputError> {
        if self.is_closed() {
            return Err(InputError::Closed);
        }
        self.input
            .send(Input::Resize(size))
            .map_err(|_| InputError::Closed)
    }

    /// Why it closed (once it did).
    pub fn close_reason(&self) -> Option<&'static str> {
        *lock(&self.reason)
    }

    /// Asks the shell to close; the first reason given is the one announced.
    fn request_close(&self, reason: &'static str) {
        lock(&self.reason).get_or_insert(reason);
        self.close.cancel();
    }

    fn notice(&self, command: ShellCommand, message: impl Into<String>) -> LabEvent {
        LabEvent::Shell {
            owner: self.owner.clone(),
            notice: ShellCommandData {
                lab_id: self.lab_id.clone(),
                node: self.node.clone(),
                shell_id: self.id.clone(),
                command,
                message: message.into(),
            },
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Every shell, open or recently closed, by id.
#[derive(Debug, Default)]
pub struct Shells {
    shells: Mutex<HashMap<String, Arc<Shell>>>,
}

impl Shells {
    /// A shell, open or recently closed.
    pub fn get(&self, id: &str) -> Option<Arc<Shell>> {
        lock(&self.shells).get(id).cloned()
    }

    /// How many shells are open.
    pub fn len(&self) -> usize {
        lock(&self.shells)
            .values()
            .filter(|s| !s.is_closed())
            .count()
    }

    /// Whether no shell is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many shells are kept, open or closed.
    pub fn kept(&self) -> usize {
        lock(&self.shells).len()
    }

    /// Marks a shell closed, and forgets closed shells older than [`CLOSED_FOR`] and the
    /// owner's beyond the newest [`CLOSED_KEPT`].
    fn closed(&self, shell: &Shell) {
        let now = std::time::Instant::now();
        *lock(&shell.closed_at) = Some(now);
        let mut shells = lock(&self.shells);
        shells.retain(|_, s| {
            lock(&s.closed_at).is_none_or(|at| now.duration_since(at) <= CLOSED_FOR)
        });
        let mut owners: Vec<(std::time::Instant, String)> = shells
            .values()
            .filter(|s| s.owner == shell.owner)
            .filter_map(|s| lock(&s.closed_at).map(|at| (at, s.id.clone())))
            .collect();
        if owners.len() > CLOSED_KEPT {
            owners.sort();
            for (_, id) in owners.iter().take(owners.len() - CLOSED_KEPT) {
                shells.remove(id);
            }
        }
    }

    /// Closes the open shells `which` selects, announcing `reason`.
    pub fn close_where(&self, which: impl Fn(&Shell) -> bool, reason: &'static str) {
        let chosen: Vec<Arc<Shell>> = lock(&self.shells)
            .values()
            .filter(|s| !s.is_closed() && which(s))
            .cloned()
            .collect();
        for shell in chosen {
            shell.request_close(reason);
        }
    }

    /// Closes every open shell of a lab.
    pub fn close_lab(&self, lab_id: &str, reason: &'static str) {
        self.close_where(|s| s.lab_id == lab_id, reason);
    }

    /// Adds a shell unless its owner has `limit` open already.
    fn insert_within(&self, shell: Arc<Shell>, limit: u32) -> Result<(), LabError> {
        let mut shells = lock(&self.shells);
        let owned = shells
            .values()
            .filter(|s| s.owner == shell.owner && !s.is_closed())
            .count();
        if owned >= usize::try_from(limit).unwrap_or(usize::MAX) {
            return Err(LabError::ShellLimit);
        }
        shells.insert(shell.id.clone(), shell);
        Ok(())
    }

    fn owned_by(&self, user: &str) -> usize {
        lock(&self.shells)
            .values()
            .filter(|s| s.owner == user && !s.is_closed())
            .count()
    }
}

/// FetchShells: the caller's own shells in the lab (`null` when none, as the Go server).
pub(super) fn fetch(labs: &Labs, user: &User, lab: &LabRecord) -> Outcome {
    let mut mine: Vec<ShellData> = lock(&labs.shells.shells)
        .values()
        .filter(|s| s.lab_id == lab.id && s.owner == user.id && !s.is_closed())
        .map(|s| ShellData {
            id: s.id.clone(),
            node: s.node.clone(),
        })
        .collect();
    mine.sort_by(|a, b| a.node.cmp(&b.node).then(a.id.cmp(&b.id)));
    Outcome::Shells(mine)
}

/// CloseShell: by its owner or an admin; the shell must be one of the lab's.
pub(super) fn close(
    labs: &Labs,
    user: &User,
    lab: &LabRecord,
    shell_id: &str,
) -> Result<Outcome, LabError> {
    let shell = labs
        .shells
        .get(shell_id)
        .filter(|s| !s.is_closed() && s.lab_id == lab.id)
        .ok_or(LabError::ShellNotFound)?;
    if !shell.may_use(user) {
        return Err(LabError::NoShellAccess);
    }
    shell.request_close(antimony_protocol::close_reason::CLOSED_BY_USER);
    Ok(Outcome::Done)
}

/// OpenShell: a terminal on the node, registered before the answer so its namespace exists
/// when the client connects.
#[tracing::instrument(skip_all, fields(lab = %lab.id, node = %node_name, user = %user.id))]
pub(super) async fn open(
    labs: &Labs,
    user: &User,
    lab: &LabRecord,
    node_name: &str,
) -> Result<Outcome, LabError> {
    let limit = labs.settings.shell_user_limit;
    if labs.shells.owned_by(&user.id) >= usize::try_from(limit).unwrap_or(usize::MAX) {
        return Err(LabError::ShellLimit);
    }
    let instance = labs
        .instances
        .instance(&lab.id)
        .ok_or(LabError::NotRunning)?;
    let node = instance
        .nodes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|n| n.name == node_name)
        .cloned()
        .ok_or(LabError::NodeNotFound)?;
    // The Go server's order: lab, instance, node, then the limit.
    let limit = labs.settings.shell_user_limit;
    if labs.shells.owned_by(&user.id) >= usize::try_from(limit).unwrap_or(usize::MAX) {
        return Err(LabError::ShellLimit);
    }
    let terminal = terminal(labs, &node).await.map_err(LabError::Driver)?;
    tracing::info!(via = %terminal.via, "shell opened");
    let (input, inputs) = mpsc::unbounded_channel();
    let shell = Arc::new(Shell {
        id: uuid::Uuid::new_v4().to_string(),
        lab_id: lab.id.clone(),
        node: node.name.clone(),
        owner: user.id.clone(),
        output: Arc::new(LogStream::with_limits(usize::MAX, BACKLOG_BYTES)),
        input,
        pending: AtomicUsize::new(0),
        close: labs.shutdown.child_token(),
        reason: Mutex::new(None),
        closed_at: Mutex::new(None),
    });
    if let Err(refused) = labs.shells.insert_within(Arc::clone(&shell), limit) {
        let mut terminal = terminal;
        terminal.input.close().await;
        return Err(refused);
    }
    labs.tasks.spawn(session::run(
        labs.clone(),
        Arc::clone(&shell),
        terminal,
        inputs,
    ));
    Ok(Outcome::ShellOpened(shell.id.clone()))
}

/// A terminal on the node: SSH when its kind has an SSH user (falling back to `docker exec`
/// when the login fails), else `docker exec`.
async fn terminal(labs: &Labs, node: &InstanceNode) -> Result<Terminal, DriverError> {
    let kind = labs.kinds.get(&node.kind);
    let address = node.ipv4.split('/').next().unwrap_or_default();
    if let Some(user) = kind
        .ssh_username
        .filter(|_| !address.is_empty() && address != "N/A")
    {
        let target = SshTarget {
            host: address.to_owned(),
            port: kind.ssh_port.unwrap_or(22),
            user,
            password: kind.ssh_password,
            keys: labs.settings.ssh_keys.clone(),
        };
        match ssh::open(&target, TerminalSize::DEFAULT, SSH_TIMEOUT).await {
            Ok(terminal) => return Ok(terminal),
            Err(error) => {
                tracing::info!(%error, "SSH to the node failed; using docker exec");
            }
        }
    }
    labs.driver
        .open_terminal(node.container_id.clone(), TerminalSize::DEFAULT)
        .await
}
