//! The Socket.IO side of one server (PROTOCOL.md §5), behind this crate's own types so
//! nothing else sees `rust_socketio`.
//!
//! Each namespace connection is owned by one task. It connects over WebSocket only, with a
//! fresh access token on every (re)connect; it treats the server's CONNECT (`Event::Connect`)
//! as the moment the namespace is usable (rust_socketio loses emits sent before it); on
//! `Invalid Token` it refreshes and rebuilds the client (a rejected reconnect never retries
//! by itself); on `Invalid namespace` (a lab log before its deploy) it retries every 2 s, as
//! the web UI does; other failures back off with jitter. Log namespaces feed their backlogs
//! through [`LogCursor`], so consumers get every line once. Acks get their own timeouts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antimony_protocol::rest::InstanceState;
use antimony_protocol::{
    Ack, ConnectError, ErrorBody, ErrorCode, LabCommandData, LabUpdate, Namespace, StatusMessage,
    decode_event, event, namespace,
};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder, ReconnectSettings};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use crate::logsync::LogCursor;
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
    /// New lines of a log stream, each delivered once.
    LogLines {
        /// The log namespace.
        namespace: String,
        /// The lines, in order.
        lines: Vec<String>,
        /// Lines trimmed on the server before they could be delivered.
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

/// What a namespace's task delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Status,
    Updates,
    Commands,
    Logs,
}

/// A running namespace connection.
struct Connection {
    client: Arc<tokio::sync::Mutex<Option<Client>>>,
    connected: watch::Receiver<bool>,
    stop: Option<oneshot::Sender<()>>,
    /// Makes the task connect again (keeping its log cursor).
    reconnect: Arc<tokio::sync::Notify>,
}

/// Log subscriptions by namespace path: a count and the connection.
type LogConnections = Arc<Mutex<HashMap<String, (usize, Connection)>>>;

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The Socket.IO session with one server: the global namespaces, and log subscriptions.
pub struct Session {
    rest: Arc<RestClient>,
    events: EventSink,
    commands: Connection,
    status: Connection,
    updates: Connection,
    logs: LogConnections,
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
        let logs: LogConnections = Arc::new(Mutex::new(HashMap::new()));
        let open = |path: &str, kind, events: &EventSink| {
            spawn_connection(Arc::clone(&rest), path.to_owned(), kind, Arc::clone(events))
        };
        // Real servers never drop a log namespace: after a destroy, sockets still connected
        // get nothing from the next deployment (PROTOCOL.md §5.4). So, as the web UI does,
        // log connections of a lab that starts deploying connect again.
        let updates_sink: EventSink = {
            let (events, logs, rest) = (Arc::clone(&events), Arc::clone(&logs), Arc::clone(&rest));
            Arc::new(move |event| {
                if let ClientEvent::LabUpdate(LabUpdate {
                    lab_id: Some(lab_id),
                }) = &event
                {
                    reconnect_if_deploying(&rest, &logs, lab_id);
                }
                events(event);
            })
        };
        Session {
            status: open(namespace::STATUS_MESSAGES, Kind::Status, &events),
            updates: open(namespace::LAB_UPDATES, Kind::Updates, &updates_sink),
            commands: open(namespace::LAB_COMMANDS, Kind::Commands, &events),
            logs,
            rest,
            events,
        }
    }

    /// The REST client this session logs in with.
    pub fn rest(&self) -> &Arc<RestClient> {
        &self.rest
    }

    /// Waits until the global namespaces are connected (events sent before that are not
    /// received: the server keeps no backlog of them). False if `within` passed first.
    pub async fn ready(&self, within: Duration) -> bool {
        let all = async {
            for connection in [&self.status, &self.updates, &self.commands] {
                let mut connected = connection.connected.clone();
                if connected.wait_for(|c| *c).await.is_err() {
                    return false;
                }
            }
            true
        };
        tokio::time::timeout(within, all).await.unwrap_or(false)
    }

    /// Subscribes to a log namespace; subscriptions are counted, one connection serves all.
    pub fn subscribe_logs(&self, namespace: &Namespace) {
        let path = namespace.path();
        let mut logs = self
            .logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((count, _)) = logs.get_mut(&path) {
            *count += 1;
            return;
        }
        let connection = spawn_connection(
            Arc::clone(&self.rest),
            path.clone(),
            Kind::Logs,
            Arc::clone(&self.events),
        );
        logs.insert(path, (1, connection));
    }

    /// Drops one subscription; the last one closes the connection.
    pub fn unsubscribe_logs(&self, namespace: &Namespace) {
        let path = namespace.path();
        let mut logs = self
            .logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((count, _)) = logs.get_mut(&path) {
            *count -= 1;
            if *count == 0 {
                logs.remove(&path);
            }
        }
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

    async fn send_command(&self, command: &LabCommandData) -> Result<Value, CommandError> {
        let mut connected = self.commands.connected.clone();
        if tokio::time::timeout(Duration::from_secs(10), connected.wait_for(|c| *c))
            .await
            .is_err()
        {
            return Err(CommandError::NotConnected);
        }
        let (tx, rx) = oneshot::channel();
        let tx = Arc::new(Mutex::new(Some(tx)));
        let limit = ack_timeout(command);
        {
            let guard = self.commands.client.lock().await;
            let client = guard.as_ref().ok_or(CommandError::NotConnected)?;
            let sent = client
                .emit_with_ack(
                    event::DATA,
                    Value::String(command.to_wire_string()),
                    limit,
                    move |payload, _| {
                        let tx = Arc::clone(&tx);
                        async move {
                            let taken = tx
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .take();
                            if let Some(tx) = taken {
                                let _ = tx.send(first_ack_argument(payload));
                            }
                        }
                        .boxed()
                    },
                )
                .await;
            if sent.is_err() {
                return Err(CommandError::NotConnected);
            }
        }
        // rust_socketio never calls back for an ack that does not come: time it out here.
        let argument = match tokio::time::timeout(limit, rx).await {
            Ok(Ok(argument)) => argument,
            _ => return Err(CommandError::Timeout(limit)),
        };
        match Ack::<Value>::from_value(&argument) {
            Ok(Ack::Ok { payload }) => Ok(payload),
            Ok(Ack::Err(body)) => Err(CommandError::Refused(body)),
            Err(e) => Err(CommandError::Refused(ErrorBody::new(
                ErrorCode::ServerError,
                format!("unreadable ack: {e}"),
            ))),
        }
    }
}

/// rust_socketio hands an ack's arguments as one array: take the first.
fn first_ack_argument(payload: Payload) -> Value {
    match payload {
        Payload::Text(values) => match values.into_iter().next() {
            Some(Value::Array(args)) => args.into_iter().next().unwrap_or(Value::Null),
            Some(other) => other,
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

/// What the callbacks of one rust_socketio client report to its task.
enum Signal {
    Connected,
    /// The server disconnected the namespace (the transport stays up, so rust_socketio does
    /// not reconnect by itself).
    Closed,
    Error(String),
    Event(String, Vec<Value>),
}

fn spawn_connection(
    rest: Arc<RestClient>,
    path: String,
    kind: Kind,
    events: EventSink,
) -> Connection {
    let client = Arc::new(tokio::sync::Mutex::new(None));
    let (connected_tx, connected) = watch::channel(false);
    let (stop, stopped) = oneshot::channel();
    let reconnect = Arc::new(tokio::sync::Notify::new());
    tokio::spawn(run_connection(
        rest,
        path,
        kind,
        events,
        Arc::clone(&client),
        connected_tx,
        (stopped, Arc::clone(&reconnect)),
    ));
    Connection {
        client,
        connected,
        stop: Some(stop),
        reconnect,
    }
}

/// A delay with jitter, growing from 0.5 s to 10 s.
fn backoff(attempt: u32) -> Duration {
    let base = 500_u64.saturating_mul(1 << attempt.min(5)).min(10_000);
    let jitter = u64::from(
        std::process::id()
            .wrapping_mul(2_654_435_761)
            .wrapping_add(attempt)
            % 250,
    );
    Duration::from_millis(base + jitter)
}

async fn run_connection(
    rest: Arc<RestClient>,
    path: String,
    kind: Kind,
    events: EventSink,
    slot: Arc<tokio::sync::Mutex<Option<Client>>>,
    connected: watch::Sender<bool>,
    (mut stop, reconnect): (oneshot::Receiver<()>, Arc<tokio::sync::Notify>),
) {
    let mut cursor = LogCursor::default();
    let mut attempt = 0_u32;
    loop {
        let report = |state| {
            events(ClientEvent::Connection {
                namespace: path.clone(),
                state,
            });
        };
        let token = match rest.access_token().await {
            Ok(token) => token,
            Err(error @ crate::Error::NotLoggedIn { .. }) => {
                report(ConnectionState::LoginNeeded(error.to_string()));
                return;
            }
            Err(error) => {
                // The server is unreachable (or its certificate changed): try again later.
                report(ConnectionState::Trouble(error.to_string()));
                attempt += 1;
                tokio::select! {
                    _ = &mut stop => return,
                    () = tokio::time::sleep(backoff(attempt)) => continue,
                }
            }
        };
        let (signals_tx, mut signals) = mpsc::unbounded_channel();
        let built = build_client(&rest, &path, &token, signals_tx).await;
        let client = match built {
            Ok(client) => client,
            Err(error) => {
                report(ConnectionState::Trouble(error));
                attempt += 1;
                tokio::select! {
                    _ = &mut stop => return,
                    () = tokio::time::sleep(backoff(attempt)) => continue,
                }
            }
        };
        *slot.lock().await = Some(client.clone());
        // Serve this client until it is refused or stopped.
        let retry_after = loop {
            let signal = tokio::select! {
                _ = &mut stop => {
                    let _ = connected.send(false);
                    let _ = client.disconnect().await;
                    return;
                }
                () = reconnect.notified() => {
                    let _ = connected.send(false);
                    break Duration::ZERO;
                }
                signal = signals.recv() => signal,
            };
            match signal {
                Some(Signal::Connected) => {
                    attempt = 0;
                    let _ = connected.send(true);
                    report(ConnectionState::Connected);
                }
                Some(Signal::Error(text)) => match connect_error(&text) {
                    Some(message) => {
                        let _ = connected.send(false);
                        report(ConnectionState::Refused(message.clone()));
                        match ConnectError::from_message(&message) {
                            Some(ConnectError::InvalidToken) => {
                                // A reconnect rejected for its token never retries: rebuild.
                                match rest.refresh().await {
                                    Ok(_) => break Duration::ZERO,
                                    Err(error @ crate::Error::NotLoggedIn { .. }) => {
                                        report(ConnectionState::LoginNeeded(error.to_string()));
                                        let _ = client.disconnect().await;
                                        return;
                                    }
                                    Err(_) => {
                                        attempt += 1;
                                        break backoff(attempt);
                                    }
                                }
                            }
                            Some(ConnectError::InvalidNamespace) => break Duration::from_secs(2),
                            _ => {
                                attempt += 1;
                                break backoff(attempt);
                            }
                        }
                    }
                    None => {
                        let _ = connected.send(false);
                        report(ConnectionState::Trouble(text));
                    }
                },
                Some(Signal::Closed) => {
                    let _ = connected.send(false);
                    report(ConnectionState::Trouble(
                        "disconnected by the server".into(),
                    ));
                    break Duration::from_millis(200);
                }
                Some(Signal::Event(name, args)) => {
                    deliver(kind, &path, &name, args, &mut cursor, &events)
                }
                None => break backoff(attempt),
            }
        };
        *slot.lock().await = None;
        let _ = client.disconnect().await;
        tokio::select! {
            _ = &mut stop => return,
            () = tokio::time::sleep(retry_after) => {}
        }
    }
}

/// Reconnects the log connections of a lab if it is deploying (checked over REST, in the
/// background).
fn reconnect_if_deploying(rest: &Arc<RestClient>, logs: &LogConnections, lab_id: &str) {
    let prefix = Namespace::lab_logs(lab_id).path();
    let of_lab = move |path: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    let subscribed = logs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .keys()
        .any(|path| of_lab(path));
    if !subscribed {
        return;
    }
    let (rest, logs, lab_id) = (Arc::clone(rest), Arc::clone(logs), lab_id.to_owned());
    tokio::spawn(async move {
        let deploying = rest
            .lab(&lab_id)
            .await
            .is_ok_and(|lab| lab.state() == InstanceState::Deploying);
        if !deploying {
            return;
        }
        for (path, (_, connection)) in logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            if of_lab(path) {
                connection.reconnect.notify_one();
            }
        }
    });
}

/// The message of a `connect_error`, if the error text is one.
fn connect_error(text: &str) -> Option<String> {
    let json = text.strip_prefix("Received an ConnectError frame: ")?;
    let value: Value = serde_json::from_str(json).ok()?;
    value
        .get("message")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

async fn build_client(
    rest: &Arc<RestClient>,
    path: &str,
    token: &str,
    signals: mpsc::UnboundedSender<Signal>,
) -> Result<Client, String> {
    let (on_connect, on_error, on_close, on_any) =
        (signals.clone(), signals.clone(), signals.clone(), signals);
    let refresher = Arc::clone(rest);
    let mut builder = ClientBuilder::new(rest.profile().origin.clone());
    if rest.profile().uses_tls() {
        // The same trust as REST: system roots, a CA file or the pinned certificate.
        builder = builder.tls_config(rest.profile().tls.connector().map_err(|e| e.to_string())?);
    }
    builder
        .namespace(path)
        .transport_type(TransportType::Websocket)
        .auth(serde_json::json!({ "token": token }))
        .reconnect(true)
        .reconnect_on_disconnect(true)
        .reconnect_delay(500, 5000)
        .on_reconnect(move || {
            let rest = Arc::clone(&refresher);
            async move {
                // Every reconnect carries a fresh token.
                let mut settings = ReconnectSettings::new();
                if let Ok(token) = rest.access_token().await {
                    settings.auth(serde_json::json!({ "token": token }));
                }
                settings
            }
            .boxed()
        })
        .on(Event::Connect, move |_, _| {
            let _ = on_connect.send(Signal::Connected);
            async {}.boxed()
        })
        .on(Event::Close, move |_, _| {
            let _ = on_close.send(Signal::Closed);
            async {}.boxed()
        })
        .on(Event::Error, move |payload, _| {
            let text = match payload {
                Payload::Text(values) => values
                    .first()
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                _ => String::new(),
            };
            let _ = on_error.send(Signal::Error(text));
            async {}.boxed()
        })
        .on_any(move |event, payload, _| {
            // Only hand the payload on: the client's handlers run one at a time.
            if let (Event::Custom(name), Payload::Text(values)) = (event, payload) {
                let _ = on_any.send(Signal::Event(name, values));
            }
            async {}.boxed()
        })
        .connect()
        .await
        .map_err(|e| e.to_string())
}

fn deliver(
    kind: Kind,
    path: &str,
    name: &str,
    mut args: Vec<Value>,
    cursor: &mut LogCursor,
    events: &EventSink,
) {
    let first = if args.is_empty() {
        Value::Null
    } else {
        args.swap_remove(0)
    };
    let event = match (kind, name) {
        (Kind::Status, event::DATA) => decode_event::<StatusMessage>(&first)
            .ok()
            .map(ClientEvent::Status),
        (Kind::Updates, event::DATA) => decode_event::<LabUpdate>(&first)
            .ok()
            .map(ClientEvent::LabUpdate),
        (Kind::Logs, event::BACKLOG) => {
            let lines: Vec<String> = serde_json::from_value(first).unwrap_or_default();
            let reconciled = cursor.on_backlog(lines);
            Some(ClientEvent::LogLines {
                namespace: path.to_owned(),
                lines: reconciled.lines,
                missed: reconciled.missed,
                restarted: reconciled.restarted,
            })
        }
        (Kind::Logs, event::DATA) => match first {
            Value::String(line) => Some(ClientEvent::LogLines {
                namespace: path.to_owned(),
                lines: vec![cursor.on_line(line)],
                missed: 0,
                restarted: false,
            }),
            _ => None,
        },
        _ => None,
    };
    if let Some(event) = event {
        events(event);
    }
}
