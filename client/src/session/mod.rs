//! The Socket.IO side of one server (PROTOCOL.md §5), behind this crate's own types so
//! nothing else sees `rust_socketio`.
//!
//! A [`Session`] is a handle on a task (an actor) that owns the session's namespace
//! connections: the global ones, counted log subscriptions, and the lab-command
//! connections. Callers send it requests over a channel; every connection is itself a task
//! reached only through its own channel (see `connection`), so no lock is shared between a
//! task and its callers. Events come out through an [`EventSink`] (or the receiver of
//! [`Session::open`]).
//!
//! Lab commands: rust_socketio picks each ack's id at random from 0 to 998, and an ack is
//! handed to every waiting callback with that id. Two commands waiting on one connection
//! would get each other's answer once in about a thousand times, and the other answer would
//! be lost. So a connection never has more than one command waiting: a command sent while
//! the main `/lab-commands` connection waits goes over a connection of its own, opened for
//! it and closed after its ack.

mod connection;
mod deliver;
mod logwire;
mod shell;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::rest::InstanceState;
use antimony_protocol::{
    ErrorBody, ErrorCode, LabCommand, LabCommandData, LabUpdate, Namespace, ShellCommand,
    ShellCommandData, ShellData, StatusMessage, event, namespace,
};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

pub use self::shell::{Resized, ShellEvent, ShellHandle};

use self::connection::Connection;
use self::deliver::Kind;
use crate::rest::RestClient;

/// How long a lab command may wait for its ack. Deploy and destroy are acknowledged only
/// when containerlab finishes.
pub fn ack_timeout(command: &LabCommandData) -> Duration {
    if command.command.is_long_running() {
        Duration::from_secs(60 * 60)
    } else {
        Duration::from_secs(60)
    }
}

/// Something a server said, or happened to a connection.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// A namespace connected, was refused, or lost its connection.
    Connection {
        /// The namespace path.
        namespace: String,
        /// What happened.
        state: ConnectionState,
    },
    /// A status message.
    Status(StatusMessage),
    /// A lab (or every lab, with `lab_id: None`) changed: refetch it.
    LabUpdate(LabUpdate),
    /// A lab command finished (whoever is waiting for it also gets the result).
    CommandResult {
        /// The command.
        command: LabCommandData,
        /// Its ack's payload, or why it failed.
        result: Result<Value, CommandError>,
    },
    /// A notice about a shell (`/shell-commands`): it failed or closed.
    ShellNotice(ShellCommandData),
    /// Something happened to an attached shell (these go to its [`ShellHandle`]).
    Shell {
        /// The shell.
        shell_id: String,
        /// What happened.
        event: ShellEvent,
    },
    /// New lines of a log stream, each delivered once.
    LogLines {
        /// The log namespace.
        namespace: String,
        /// The lines, in order.
        lines: Vec<String>,
        /// Lines trimmed on the server before they could be delivered, or dropped unread from
        /// a message over the reader's cap (`MAX_MESSAGE_LINES`), before `lines`.
        missed: u64,
        /// The stream started over (redeploy, server restart): `lines` is its beginning.
        restarted: bool,
    },
}

/// The state of one namespace connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    /// Connected: the server sent CONNECT.
    Connected,
    /// The server refused the namespace (the `connect_error` text); retrying.
    Refused(String),
    /// The connection had trouble (transport error); retrying.
    Trouble(String),
    /// The login is gone and could not be renewed: the user must log in again. The
    /// connection stopped.
    LoginNeeded(String),
}

/// Where a session's events go.
pub type EventSink = Arc<dyn Fn(ClientEvent) + Send + Sync>;

/// Why a lab command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// The server refused it: the protocol's `{code, message}`.
    #[error("{0}")]
    Refused(ErrorBody),
    /// No ack within the time allowed.
    #[error("no answer within {} s", .0.as_secs())]
    Timeout(Duration),
    /// `/lab-commands` is not connected.
    #[error("not connected to the server's lab commands")]
    NotConnected,
}

impl CommandError {
    /// The protocol error code (5000 for timeouts and missing connections).
    pub fn code(&self) -> i32 {
        match self {
            CommandError::Refused(body) => body.code,
            _ => ErrorCode::ServerError.code(),
        }
    }
}

/// What the session's task is asked to do.
#[derive(Debug)]
enum Request {
    SubscribeLogs(String),
    UnsubscribeLogs(String),
    /// A lab update arrived (from the lab-updates connection).
    LabUpdated(String),
    /// The lab is deploying: its log connections connect again.
    ReconnectLogs(String),
    /// A shell handle wants the shell's notices.
    AttachShell(String, mpsc::UnboundedSender<ShellEvent>),
    /// A shell handle went away.
    DetachShell(String),
    /// A `/shell-commands` notice arrived.
    ShellNotice(ShellCommandData),
    /// Send a lab command (as its wire string) and answer with its ack.
    Command(
        String,
        Duration,
        oneshot::Sender<Result<Value, CommandError>>,
    ),
    /// A command connection has its answer: it is free again (or, an extra one, closed).
    CommandDone(u64),
}

/// The Socket.IO session with one server: the global namespaces, and log subscriptions.
/// Dropping it closes every connection.
pub struct Session {
    rest: Arc<RestClient>,
    events: EventSink,
    requests: mpsc::UnboundedSender<Request>,
    /// `/shell-commands`; not needed to be ready (a server may not have shells).
    _notices: Connection,
    ready: [Connection; 3],
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("server", &self.rest.profile().origin)
            .finish()
    }
}

impl Session {
    /// Opens the global namespaces (status messages, lab updates, lab commands); events come
    /// on the returned receiver.
    pub fn open(rest: Arc<RestClient>) -> (Session, mpsc::UnboundedReceiver<ClientEvent>) {
        let (events, receiver) = mpsc::unbounded_channel();
        let sink: EventSink = Arc::new(move |event| {
            let _ = events.send(event);
        });
        (Session::open_with(rest, sink), receiver)
    }

    /// Opens the global namespaces, handing every event to `events` (several sessions can
    /// share one sink that tags each event with its server).
    pub fn open_with(rest: Arc<RestClient>, events: EventSink) -> Session {
        let (requests, inbox) = mpsc::unbounded_channel();
        let open = |path: &str, kind, events: &EventSink| {
            Connection::spawn(Arc::clone(&rest), path.to_owned(), kind, Arc::clone(events))
        };
        // Real servers never drop a log namespace: after a destroy, sockets still connected
        // get nothing from the next deployment (PROTOCOL.md §5.4). So, as the web UI does,
        // log connections of a lab that starts deploying connect again: lab updates also go
        // to the session's task, which checks.
        let updates_sink: EventSink = {
            let (events, requests) = (Arc::clone(&events), requests.downgrade());
            Arc::new(move |event| {
                if let ClientEvent::LabUpdate(LabUpdate {
                    lab_id: Some(lab_id),
                }) = &event
                    && let Some(requests) = requests.upgrade()
                {
                    let _ = requests.send(Request::LabUpdated(lab_id.clone()));
                }
                events(event);
            })
        };
        // Shell notices also go to the attached shells they are about.
        let notices_sink: EventSink = {
            let (events, requests) = (Arc::clone(&events), requests.downgrade());
            Arc::new(move |event| {
                if let ClientEvent::ShellNotice(notice) = &event
                    && let Some(requests) = requests.upgrade()
                {
                    let _ = requests.send(Request::ShellNotice(notice.clone()));
                }
                events(event);
            })
        };
        let status = open(namespace::STATUS_MESSAGES, Kind::Status, &events);
        let updates = open(namespace::LAB_UPDATES, Kind::Updates, &updates_sink);
        let commands = open(namespace::LAB_COMMANDS, Kind::Commands, &events);
        let notices = open(
            namespace::SHELL_COMMANDS,
            Kind::ShellCommands,
            &notices_sink,
        );
        let actor = Actor {
            rest: Arc::clone(&rest),
            events: Arc::clone(&events),
            requests: requests.downgrade(),
            logs: HashMap::new(),
            shells: HashMap::new(),
            commands: CommandConnections::new(commands.clone()),
        };
        tokio::spawn(actor.run(inbox));
        Session {
            ready: [status, updates, commands],
            _notices: notices,
            rest,
            events,
            requests,
        }
    }

    /// The REST client this session logs in with.
    pub fn rest(&self) -> &Arc<RestClient> {
        &self.rest
    }

    /// Waits until the global namespaces are connected (events sent before that are not
    /// received: the server keeps no backlog of them). False if `within` passed first.
    pub async fn ready(&self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        for connection in &self.ready {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if !connection.wait_connected(left).await {
                return false;
            }
        }
        true
    }

    /// Subscribes to a log namespace; subscriptions are counted, one connection serves all.
    pub fn subscribe_logs(&self, namespace: &Namespace) {
        let _ = self.requests.send(Request::SubscribeLogs(namespace.path()));
    }

    /// Drops one subscription; the last one closes the connection.
    pub fn unsubscribe_logs(&self, namespace: &Namespace) {
        let _ = self
            .requests
            .send(Request::UnsubscribeLogs(namespace.path()));
    }

    /// Sends a lab command (as the JSON string real servers require) and waits for its ack.
    /// The result is also an event ([`ClientEvent::CommandResult`]).
    pub async fn command(&self, command: &LabCommandData) -> Result<Value, CommandError> {
        let result = self.send_command(command).await;
        (self.events)(ClientEvent::CommandResult {
            command: command.clone(),
            result: result.clone(),
        });
        result
    }

    /// Opens a shell on a node (OpenShell); its id.
    pub async fn open_shell(&self, lab_id: &str, node: &str) -> Result<String, CommandError> {
        let answer = self
            .command(&LabCommandData::for_node(
                lab_id,
                LabCommand::OpenShell,
                node,
            ))
            .await?;
        match answer {
            Value::String(id) if !id.is_empty() => Ok(id),
            other => Err(CommandError::Refused(ErrorBody::new(
                ErrorCode::ServerError,
                format!("the server answered {other} instead of a shell id"),
            ))),
        }
    }

    /// The user's open shells in a lab (FetchShells).
    pub async fn shells(&self, lab_id: &str) -> Result<Vec<ShellData>, CommandError> {
        let answer = self
            .command(&LabCommandData::new(lab_id, LabCommand::FetchShells))
            .await?;
        if answer.is_null() {
            return Ok(Vec::new());
        }
        serde_json::from_value(answer).map_err(|e| {
            CommandError::Refused(ErrorBody::new(
                ErrorCode::ServerError,
                format!("unreadable list of shells: {e}"),
            ))
        })
    }

    /// Closes a shell (CloseShell).
    pub async fn close_shell(&self, lab_id: &str, shell_id: &str) -> Result<(), CommandError> {
        let command = LabCommandData {
            shell_id: Some(shell_id.to_owned()),
            ..LabCommandData::new(lab_id, LabCommand::CloseShell)
        };
        self.command(&command).await.map(|_| ())
    }

    /// Attaches to a shell: its output (the backlog first, to repaint), input and size.
    /// Several handles may attach to one shell; dropping one detaches it.
    pub fn attach_shell(&self, shell_id: &str) -> ShellHandle {
        ShellHandle::attach(Arc::clone(&self.rest), shell_id, &self.requests)
    }

    async fn send_command(&self, command: &LabCommandData) -> Result<Value, CommandError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Command(
                command.to_wire_string(),
                ack_timeout(command),
                reply,
            ))
            .map_err(|_| CommandError::NotConnected)?;
        answer.await.unwrap_or(Err(CommandError::NotConnected))
    }
}

/// The session's task: it owns the log connections.
struct Actor {
    rest: Arc<RestClient>,
    events: EventSink,
    /// To send itself the outcome of background checks. Weak: only the [`Session`] keeps
    /// the actor alive.
    requests: mpsc::WeakUnboundedSender<Request>,
    /// Log subscriptions by namespace path: a count and the connection.
    logs: HashMap<String, (usize, Connection)>,
    /// Attached shell handles by shell id, for the shell's notices.
    shells: HashMap<String, Vec<mpsc::UnboundedSender<ShellEvent>>>,
    /// `/lab-commands` connections, each with at most one command waiting.
    commands: CommandConnections,
}

/// The `/lab-commands` connections: the main one, and one per command sent while every
/// other waits for its answer.
struct CommandConnections {
    main: Connection,
    main_busy: bool,
    extra: HashMap<u64, Connection>,
    next_id: u64,
}

/// The main connection's id in [`Request::CommandDone`].
const MAIN: u64 = 0;

impl CommandConnections {
    fn new(main: Connection) -> Self {
        CommandConnections {
            main,
            main_busy: false,
            extra: HashMap::new(),
            next_id: MAIN + 1,
        }
    }
}

impl Actor {
    /// Serves requests until the [`Session`] is dropped; its connections go with it.
    async fn run(mut self, mut inbox: mpsc::UnboundedReceiver<Request>) {
        while let Some(request) = inbox.recv().await {
            self.handle(request);
        }
    }

    fn handle(&mut self, request: Request) {
        match request {
            Request::SubscribeLogs(path) => {
                if let Some((count, _)) = self.logs.get_mut(&path) {
                    *count += 1;
                    return;
                }
                let connection = Connection::spawn(
                    Arc::clone(&self.rest),
                    path.clone(),
                    Kind::Logs,
                    Arc::clone(&self.events),
                );
                self.logs.insert(path, (1, connection));
            }
            Request::UnsubscribeLogs(path) => {
                if let Some((count, _)) = self.logs.get_mut(&path) {
                    *count -= 1;
                    if *count == 0 {
                        self.logs.remove(&path);
                    }
                }
            }
            Request::LabUpdated(lab_id) => {
                if !self.logs.keys().any(|path| of_lab(path, &lab_id)) {
                    return;
                }
                // Checked over REST, in the background.
                let (rest, requests) = (Arc::clone(&self.rest), self.requests.clone());
                tokio::spawn(async move {
                    let deploying = rest
                        .lab(&lab_id)
                        .await
                        .is_ok_and(|lab| lab.state() == InstanceState::Deploying);
                    if deploying && let Some(requests) = requests.upgrade() {
                        let _ = requests.send(Request::ReconnectLogs(lab_id));
                    }
                });
            }
            Request::ReconnectLogs(lab_id) => {
                for (path, (_, connection)) in &self.logs {
                    if of_lab(path, &lab_id) {
                        connection.reconnect();
                    }
                }
            }
            Request::Command(wire, timeout, reply) => self.send_command(wire, timeout, reply),
            Request::CommandDone(MAIN) => self.commands.main_busy = false,
            Request::CommandDone(id) => {
                self.commands.extra.remove(&id);
            }
            Request::AttachShell(id, handle) => self.shells.entry(id).or_default().push(handle),
            Request::DetachShell(id) => {
                if let Some(handles) = self.shells.get_mut(&id) {
                    handles.retain(|h| !h.is_closed());
                    if handles.is_empty() {
                        self.shells.remove(&id);
                    }
                }
            }
            Request::ShellNotice(notice) => {
                let event = match notice.command {
                    ShellCommand::Close => ShellEvent::Closed(notice.message),
                    ShellCommand::Error => {
                        ShellEvent::Connection(ConnectionState::Trouble(notice.message))
                    }
                };
                if let Some(handles) = self.shells.get(&notice.shell_id) {
                    for handle in handles {
                        let _ = handle.send(event.clone());
                    }
                }
            }
        }
    }
}

impl Actor {
    /// Sends a command over a connection with nothing waiting; the answer frees it.
    fn send_command(
        &mut self,
        wire: String,
        timeout: Duration,
        reply: oneshot::Sender<Result<Value, CommandError>>,
    ) {
        let commands = &mut self.commands;
        let (id, connection) = if commands.main_busy {
            let id = commands.next_id;
            commands.next_id += 1;
            let connection = Connection::spawn(
                Arc::clone(&self.rest),
                namespace::LAB_COMMANDS.to_owned(),
                Kind::Commands,
                // An extra connection's states are not the session's: keep them quiet.
                Arc::new(|_| {}),
            );
            commands.extra.insert(id, connection.clone());
            (id, connection)
        } else {
            commands.main_busy = true;
            (MAIN, commands.main.clone())
        };
        let done = self.requests.clone();
        tokio::spawn(async move {
            let result = if connection.wait_connected(Duration::from_secs(10)).await {
                connection
                    .emit_with_ack(event::DATA, Value::String(wire), timeout)
                    .await
            } else {
                Err(CommandError::NotConnected)
            };
            let _ = reply.send(result);
            if let Some(done) = done.upgrade() {
                let _ = done.send(Request::CommandDone(id));
            }
        });
    }
}

/// Whether a log namespace path belongs to a lab (its lab log or a node log).
fn of_lab(path: &str, lab_id: &str) -> bool {
    let prefix = Namespace::lab_logs(lab_id).path();
    path == prefix
        || path
            .strip_prefix(&prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}
