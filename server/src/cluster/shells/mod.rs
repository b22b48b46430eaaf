//! Shells across instances. A shell lives on the instance that opened it, its lab's owner
//! (OpenShell is forwarded there like any lab command); that instance notes in Redis where the
//! shell lives (`Forwarder::place_shell`). A client whose `/shells/<id>` socket reaches
//! another instance gets a [`RemoteTerminal`]: this instance attaches to the owner
//! ([`attach`]), which checks the user as for its own sockets and then sends the shell's
//! output, its backlog first, numbered with its own sequence numbers ([`serve_shells`]); this
//! instance copies it into a stream of the terminal's own ([`apply_shell_output`]), which the
//! socket layer streams like a local shell's. Input and sizes go back in the order they came.
//!
//! One attach per terminal, so each gets the backlog and every later byte exactly once; a gap
//! (a batch lost between instances) ends the terminal (the socket layer disconnects it) rather
//! than showing a screen with holes. The owner's sender holds the shell's output back as a
//! local terminal does, and stops when the terminal detaches, its instance stops listening or
//! the shell closes. A terminal whose owner stopped is closed: the shell died with it.
//!
//! Everything read from Redis is untrusted: shapes are strict (`forward`), sizes bounded,
//! instance names and ids checked; input is taken only for an attach the owner allowed.

mod owner;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antimony_protocol::{ErrorBody, ErrorCode};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::forward::{BATCH_LINES, ShellOutput, ShellRequest};
use super::{Cluster, Pending, Reply};
use crate::config::valid_instance;
use crate::lab::{InputError, Shell};
use crate::logs::LogStream;

pub use owner::serve_shells;

/// The largest input one message carries (a paste; the socket layer takes no more).
pub(super) const INPUT_LIMIT: usize = 256 * 1024;
/// The most bytes of output one message carries (at most 6 times as many once escaped).
const BATCH_BYTES: usize = 96 * 1024;
/// How long the owner may take to answer an attach, a size or a failed input.
const ANSWER_LIMIT: Duration = Duration::from_secs(10);
/// Terminals of other instances served at once; more are refused.
const ATTACHED_LIMIT: usize = 1024;
/// Input messages of one terminal waiting to go to the owner; more are refused (5000).
const QUEUE_LIMIT: usize = 1024;
/// Output a terminal's copy keeps: its reader is disconnected when it falls further behind.
const COPY_BYTES: usize = 1024 * 1024;

/// Answers an input or a size with an ack body.
pub type AckFn = Box<dyn FnOnce(Value) + Send>;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Both sides' terminals, kept in the [`Cluster`].
#[derive(Default)]
pub(super) struct ShellRelay {
    /// Terminals of this instance on shells held elsewhere, by attach id.
    terminals: Mutex<HashMap<u64, Arc<RemoteTerminal>>>,
    /// Terminals of other instances on shells held here, by instance and attach id.
    attached: Mutex<HashMap<(String, u64), Attached>>,
}

struct Attached {
    shell: Arc<Shell>,
    stop: CancellationToken,
}

/// Why a terminal could not attach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachError {
    /// No instance holds the shell (or its owner did not answer).
    NotFound,
    /// The owner refused the user.
    NoAccess,
}

/// A terminal of this instance on a shell another instance holds.
pub struct RemoteTerminal {
    cluster: Cluster,
    owner: String,
    attach: u64,
    shell: String,
    /// The shell's output as the owner sent it, from its backlog on.
    pub output: Arc<LogStream>,
    copy: Mutex<Copy>,
    outgoing: mpsc::Sender<Outgoing>,
}

impl std::fmt::Debug for RemoteTerminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteTerminal")
            .field("owner", &self.owner)
            .field("attach", &self.attach)
            .field("shell", &self.shell)
            .finish_non_exhaustive()
    }
}

/// Where the copy stands.
#[derive(Default)]
struct Copy {
    /// The owner's sequence number of the next chunk (none before the first batch).
    next: Option<u64>,
    /// Where the copy's first byte is in the shell's output.
    base: u64,
    /// The copy ended: `Some(reason)` the shell closed, `None` the copy is broken.
    ended: Option<Option<String>>,
}

/// A message for the owner and what waits for its answer: the ack, and whether an answer
/// comes on success too (a size) or only on errors (input).
struct Outgoing {
    request: ShellRequest,
    answer: Option<(Pending, AckFn, bool)>,
}

impl RemoteTerminal {
    /// Where the copy's first byte is in the shell's output.
    pub fn offset(&self) -> u64 {
        lock(&self.copy).base
    }

    /// Once the output ended: why the shell closed, or `None` when the copy broke off (the
    /// terminal should attach again).
    pub fn end(&self) -> Option<String> {
        lock(&self.copy).ended.clone().flatten()
    }

    /// Sends input to the owner, in order; `ack` gets an error the owner answers.
    pub fn write(&self, data: String, ack: Option<AckFn>) -> Result<(), InputError> {
        let request = |ack| ShellRequest::Input {
            attach: self.attach,
            from: self.cluster.instance().to_owned(),
            shell: self.shell.clone(),
            data,
            ack,
        };
        self.send(request, ack, false)
    }

    /// Sends the terminal's new size to the owner; `ack` gets the owner's answer.
    pub fn resize(&self, size: Value, ack: Option<AckFn>) -> Result<(), InputError> {
        let request = |ack| ShellRequest::Resize {
            attach: self.attach,
            from: self.cluster.instance().to_owned(),
            shell: self.shell.clone(),
            size,
            ack,
        };
        self.send(request, ack, true)
    }

    fn send(
        &self,
        request: impl FnOnce(Option<u64>) -> ShellRequest,
        ack: Option<AckFn>,
        always: bool,
    ) -> Result<(), InputError> {
        if self.output.is_closed() {
            return Err(InputError::Closed);
        }
        let answer = ack.map(|ack| (self.cluster.forwarder().expect_reply(), ack, always));
        let request = request(answer.as_ref().map(|(pending, _, _)| pending.id()));
        self.outgoing
            .try_send(Outgoing { request, answer })
            .map_err(|error| match error {
                mpsc::error::TrySendError::Full(_) => InputError::Full,
                mpsc::error::TrySendError::Closed(_) => InputError::Closed,
            })
    }

    /// The terminal went away: the owner stops sending its output.
    pub fn detach(&self) {
        lock(&self.cluster.0.shells.terminals).remove(&self.attach);
        let (cluster, owner) = (self.cluster.clone(), self.owner.clone());
        let request = ShellRequest::Detach {
            attach: self.attach,
            from: cluster.instance().to_owned(),
        };
        tokio::spawn(async move {
            if let Err(error) = cluster
                .forwarder()
                .send_shell_request(&owner, &request)
                .await
            {
                tracing::debug!(%error, "cannot detach a terminal from its shell's owner");
            }
        });
    }

    /// Appends a batch of the owner's output to the copy.
    fn apply(&self, batch: ShellOutput) {
        let mut copy = lock(&self.copy);
        if copy.ended.is_some() {
            return;
        }
        let next = copy.next;
        let next = match next {
            Some(next) => next,
            None => {
                copy.base = batch.at;
                batch.first
            }
        };
        if batch.first > next {
            tracing::warn!(shell = %self.shell, missing = batch.first - next, "output of a shell was lost between servers; the terminal must attach again");
            copy.ended = Some(None);
            drop(copy);
            self.finish();
            return;
        }
        let skip = usize::try_from(next - batch.first).unwrap_or(usize::MAX);
        let end = batch.first + batch.chunks.len() as u64;
        self.output.push_lines(batch.chunks.into_iter().skip(skip));
        let next = next.max(end);
        copy.next = Some(next);
        if next >= batch.backlog {
            self.output.mark_caught_up();
        }
        if let Some(reason) = batch.closed {
            copy.ended = Some(Some(reason));
            drop(copy);
            self.finish();
        }
    }

    /// Ends the copy with the reason `ended`.
    fn close(&self, ended: Option<String>) {
        lock(&self.copy).ended.get_or_insert(ended);
        self.finish();
    }

    fn finish(&self) {
        lock(&self.cluster.0.shells.terminals).remove(&self.attach);
        self.output.mark_caught_up();
        self.output.close();
    }
}

/// Attaches a terminal of `user` to a shell another instance holds.
pub async fn attach(
    cluster: &Cluster,
    user: &str,
    shell: &str,
) -> Result<Arc<RemoteTerminal>, AttachError> {
    let owner = match cluster.forwarder().locate_shell(shell).await {
        Ok(Some(owner)) if owner != cluster.instance() => owner,
        Ok(_) => return Err(AttachError::NotFound),
        Err(error) => {
            tracing::warn!(%error, "cannot look up where a shell lives");
            return Err(AttachError::NotFound);
        }
    };
    let mut pending = cluster.forwarder().expect_reply();
    let (outgoing, queue) = mpsc::channel(QUEUE_LIMIT);
    let terminal = Arc::new(RemoteTerminal {
        cluster: cluster.clone(),
        owner: owner.clone(),
        attach: pending.id(),
        shell: shell.to_owned(),
        output: Arc::new(LogStream::with_limits(usize::MAX, COPY_BYTES)),
        copy: Mutex::new(Copy::default()),
        outgoing,
    });
    terminal.output.mark_catching_up();
    // Before asking: the owner may send output before its answer arrives.
    lock(&cluster.0.shells.terminals).insert(terminal.attach, Arc::clone(&terminal));
    let request = ShellRequest::Attach {
        id: terminal.attach,
        from: cluster.instance().to_owned(),
        user: user.to_owned(),
        shell: shell.to_owned(),
    };
    let answer = match cluster
        .forwarder()
        .send_shell_request(&owner, &request)
        .await
    {
        Ok(()) => tokio::time::timeout(ANSWER_LIMIT, pending.replies.recv())
            .await
            .ok()
            .flatten()
            .and_then(|reply| reply.body),
        Err(error) => {
            tracing::warn!(%error, %owner, "cannot attach to a shell on its owner");
            None
        }
    };
    let refused = match &answer {
        Some(body)
            if body.as_object().is_some_and(|o| o.len() == 1) && body.get("payload").is_some() =>
        {
            None
        }
        Some(body) if body.get("code") == Some(&json!(ErrorCode::NoAccess.code())) => {
            Some(AttachError::NoAccess)
        }
        Some(_) => Some(AttachError::NotFound),
        None => {
            tracing::warn!(%owner, "the owner of a shell did not answer an attach");
            Some(AttachError::NotFound)
        }
    };
    if let Some(refused) = refused {
        lock(&cluster.0.shells.terminals).remove(&terminal.attach);
        return Err(refused);
    }
    tokio::spawn(send_input(cluster.clone(), owner, queue));
    if !terminal.output.caught_up(ANSWER_LIMIT).await {
        tracing::warn!(shell, "the backlog of a shell on another server is late");
    }
    Ok(terminal)
}

/// Sends one terminal's input and sizes to the owner in order; answers come back on their own.
async fn send_input(cluster: Cluster, owner: String, mut queue: mpsc::Receiver<Outgoing>) {
    let unavailable = |owner: &str| {
        serde_json::to_value(ErrorBody::new(
            ErrorCode::ServerError,
            format!("the server that runs this shell ({owner}) did not answer; try again"),
        ))
        .unwrap_or(Value::Null)
    };
    while let Some(Outgoing { request, answer }) = queue.recv().await {
        if let Err(error) = cluster
            .forwarder()
            .send_shell_request(&owner, &request)
            .await
        {
            tracing::warn!(%error, %owner, "cannot send input to a shell's owner");
            if let Some((_, ack, _)) = answer {
                ack(unavailable(&owner));
            }
            continue;
        }
        if let Some((mut pending, ack, always)) = answer {
            let owner = owner.clone();
            tokio::spawn(async move {
                match tokio::time::timeout(ANSWER_LIMIT, pending.replies.recv()).await {
                    Ok(Some(Reply {
                        body: Some(body), ..
                    })) => ack(body),
                    _ if always => ack(unavailable(&owner)),
                    _ => {}
                }
            });
        }
    }
}

/// Copies the output other instances send into the terminals it is for, until `shutdown`;
/// closes the terminals of owners that stopped listening (they died).
pub async fn apply_shell_output(
    cluster: Cluster,
    mut outputs: mpsc::Receiver<ShellOutput>,
    shutdown: CancellationToken,
) {
    let mut check = tokio::time::interval(cluster.lease());
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let batch = tokio::select! {
            () = shutdown.cancelled() => return,
            _ = check.tick() => {
                close_orphans(&cluster).await;
                continue;
            }
            batch = outputs.recv() => batch,
        };
        let Some(batch) = batch else { return };
        if batch.chunks.len() > BATCH_LINES || !valid_instance(&batch.from) {
            tracing::warn!("dropped malformed shell output");
            continue;
        }
        let terminal = lock(&cluster.0.shells.terminals)
            .get(&batch.attach)
            .cloned();
        match terminal {
            Some(terminal) if terminal.owner == batch.from => terminal.apply(batch),
            Some(_) => {
                tracing::warn!("dropped shell output from an instance that does not hold the shell")
            }
            None => {
                // Nobody here waits for it (any more): the owner may stop.
                tracing::debug!(
                    attach = batch.attach,
                    "shell output for a terminal that left"
                );
                let request = ShellRequest::Detach {
                    attach: batch.attach,
                    from: cluster.instance().to_owned(),
                };
                let _ = cluster
                    .forwarder()
                    .send_shell_request(&batch.from, &request)
                    .await;
            }
        }
    }
}

/// Closes the terminals whose owner no longer listens on Redis: its shells died with it.
async fn close_orphans(cluster: &Cluster) {
    let terminals: Vec<Arc<RemoteTerminal>> = lock(&cluster.0.shells.terminals)
        .values()
        .cloned()
        .collect();
    let mut owners: HashMap<String, bool> = HashMap::new();
    for terminal in terminals {
        let alive = match owners.get(&terminal.owner) {
            Some(alive) => *alive,
            None => {
                let alive = cluster
                    .forwarder()
                    .listening(&terminal.owner)
                    .await
                    .unwrap_or(true);
                owners.insert(terminal.owner.clone(), alive);
                alive
            }
        };
        if !alive {
            tracing::info!(owner = %terminal.owner, shell = %terminal.shell, "the server that ran a shell stopped");
            terminal.close(Some(SERVER_STOPPED.to_owned()));
        }
    }
}

/// The close reason of a shell whose instance stopped.
pub const SERVER_STOPPED: &str = "the server that ran this shell stopped";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_messages_from_redis_have_strict_shapes() {
        let input: ShellRequest = serde_json::from_str(
            r#"{"kind":"input","attach":3,"from":"b","shell":"s","data":"ls\r","ack":null}"#,
        )
        .unwrap();
        assert!(matches!(
            input,
            ShellRequest::Input {
                attach: 3,
                ack: None,
                ..
            }
        ));
        for bad in [
            r#"{"kind":"detach","attach":1,"from":"b","extra":1}"#,
            r#"{"kind":"input","attach":"3","from":"b","shell":"s","data":"x","ack":null}"#,
            r#"{"kind":"run","from":"b"}"#,
            r#"{"attach":1,"from":"b"}"#,
        ] {
            assert!(serde_json::from_str::<ShellRequest>(bad).is_err(), "{bad}");
        }
        let output =
            r#"{"from":"b","attach":1,"first":0,"at":0,"backlog":0,"chunks":[],"closed":null}"#;
        assert!(serde_json::from_str::<ShellOutput>(output).is_ok());
        assert!(
            serde_json::from_str::<ShellOutput>(&output.replace("\"closed\"", "\"x\"")).is_err()
        );
    }
}
