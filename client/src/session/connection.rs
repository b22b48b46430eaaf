//! One namespace connection, owned by one task (an actor): it holds the `rust_socketio`
//! client, and callers reach it only through its request channel ([`Connection`]).
//!
//! It connects over WebSocket only, with a fresh access token on every (re)connect; it treats
//! the server's CONNECT (`Event::Connect`) as the moment the namespace is usable
//! (rust_socketio loses emits sent before it); on `Invalid Token` it refreshes and rebuilds
//! the client (a rejected reconnect never retries by itself); on `Invalid namespace` (a lab
//! log before its deploy) it retries every 2 s, as the web UI does; other failures back off
//! with jitter. Log namespaces feed their backlogs through [`LogCursor`], so consumers get
//! every line once. Acks get their own timeouts. Dropping every [`Connection`] handle stops
//! the task and disconnects.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use antimony_protocol::{
    Ack, ConnectError, ErrorBody, ErrorCode, LabUpdate, StatusMessage, decode_event, event,
};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder, ReconnectSettings};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use super::{ClientEvent, CommandError, ConnectionState, EventSink};
use crate::logsync::LogCursor;
use crate::rest::RestClient;

/// What a namespace's task delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Status,
    Updates,
    Commands,
    Logs,
}

/// Asks a connection's task to do something.
#[derive(Debug)]
enum Request {
    /// Emits an event with one argument; with `ack`, waits for the ack (at most `timeout`).
    Emit {
        event: &'static str,
        data: Value,
        ack: Option<(Duration, oneshot::Sender<Result<Value, CommandError>>)>,
    },
    /// Connects again (keeping the log cursor).
    Reconnect,
}

/// A handle on a namespace connection's task; cheap to clone. The task stops when the last
/// handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct Connection {
    requests: mpsc::UnboundedSender<Request>,
    connected: watch::Receiver<bool>,
}

impl Connection {
    /// Starts the task of namespace `path`.
    pub(super) fn spawn(
        rest: Arc<RestClient>,
        path: String,
        kind: Kind,
        events: EventSink,
    ) -> Self {
        let (requests, inbox) = mpsc::unbounded_channel();
        let (connected_tx, connected) = watch::channel(false);
        tokio::spawn(run(rest, path, kind, events, connected_tx, inbox));
        Connection {
            requests,
            connected,
        }
    }

    /// Waits until the namespace is connected; false if `within` passed first or it stopped.
    pub(super) async fn wait_connected(&self, within: Duration) -> bool {
        let mut connected = self.connected.clone();
        tokio::time::timeout(within, connected.wait_for(|c| *c))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Emits `event` with one argument and waits for its ack, at most `timeout`.
    pub(super) async fn emit_with_ack(
        &self,
        event: &'static str,
        data: Value,
        timeout: Duration,
    ) -> Result<Value, CommandError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Emit {
                event,
                data,
                ack: Some((timeout, reply)),
            })
            .map_err(|_| CommandError::NotConnected)?;
        // rust_socketio never calls back for an ack that does not come: time it out here.
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(CommandError::NotConnected),
            Err(_) => Err(CommandError::Timeout(timeout)),
        }
    }

    /// Connects again, keeping what was delivered (log streams continue without repeats).
    pub(super) fn reconnect(&self) {
        let _ = self.requests.send(Request::Reconnect);
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

/// An ack's `{payload}` or `{code, message}`.
fn ack_result(argument: &Value) -> Result<Value, CommandError> {
    match Ack::<Value>::from_value(argument) {
        Ok(Ack::Ok { payload }) => Ok(payload),
        Ok(Ack::Err(body)) => Err(CommandError::Refused(body)),
        Err(e) => Err(CommandError::Refused(ErrorBody::new(
            ErrorCode::ServerError,
            format!("unreadable ack: {e}"),
        ))),
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

/// How serving one client ended.
enum Served {
    /// Every handle is gone: stop.
    Stopped,
    /// The login is gone for good: stop.
    LoginNeeded,
    /// Connect again after this long.
    Retry(Duration),
}

async fn run(
    rest: Arc<RestClient>,
    path: String,
    kind: Kind,
    events: EventSink,
    connected: watch::Sender<bool>,
    mut inbox: mpsc::UnboundedReceiver<Request>,
) {
    let mut cursor = LogCursor::default();
    let mut attempt = 0_u32;
    let report = |state| {
        events(ClientEvent::Connection {
            namespace: path.clone(),
            state,
        });
    };
    loop {
        let retry_after = match connect(&rest, &path).await {
            Err(Failure::LoginNeeded(reason)) => {
                report(ConnectionState::LoginNeeded(reason));
                return;
            }
            Err(Failure::Trouble(reason)) => {
                // The server is unreachable (or its certificate changed): try again later.
                report(ConnectionState::Trouble(reason));
                attempt += 1;
                backoff(attempt)
            }
            Ok((client, mut signals)) => {
                let served = serve(
                    &rest,
                    &client,
                    &mut signals,
                    &mut inbox,
                    (&connected, &mut attempt),
                    &report,
                    |name, args| deliver(kind, &path, &name, args, &mut cursor, &events),
                )
                .await;
                let _ = connected.send(false);
                let _ = client.disconnect().await;
                match served {
                    Served::Stopped | Served::LoginNeeded => return,
                    Served::Retry(delay) => delay,
                }
            }
        };
        // Wait, answering requests meanwhile (emits fail: not connected).
        let wait = tokio::time::sleep(retry_after);
        tokio::pin!(wait);
        loop {
            tokio::select! {
                () = &mut wait => break,
                request = inbox.recv() => match request {
                    None => return,
                    Some(Request::Reconnect) => break,
                    Some(Request::Emit { ack, .. }) => refuse(ack),
                },
            }
        }
    }
}

/// Why a connection could not be built.
enum Failure {
    LoginNeeded(String),
    Trouble(String),
}

async fn connect(
    rest: &Arc<RestClient>,
    path: &str,
) -> Result<(Client, mpsc::UnboundedReceiver<Signal>), Failure> {
    let token = match rest.access_token().await {
        Ok(token) => token,
        Err(error @ crate::Error::NotLoggedIn { .. }) => {
            return Err(Failure::LoginNeeded(error.to_string()));
        }
        Err(error) => return Err(Failure::Trouble(error.to_string())),
    };
    let (signals_tx, signals) = mpsc::unbounded_channel();
    let client = build_client(rest, path, &token, signals_tx)
        .await
        .map_err(Failure::Trouble)?;
    Ok((client, signals))
}

fn refuse(ack: Option<(Duration, oneshot::Sender<Result<Value, CommandError>>)>) {
    if let Some((_, reply)) = ack {
        let _ = reply.send(Err(CommandError::NotConnected));
    }
}

/// Serves one client until it is refused, stopped, or asked to reconnect.
async fn serve(
    rest: &Arc<RestClient>,
    client: &Client,
    signals: &mut mpsc::UnboundedReceiver<Signal>,
    inbox: &mut mpsc::UnboundedReceiver<Request>,
    (connected, attempt): (&watch::Sender<bool>, &mut u32),
    report: impl Fn(ConnectionState),
    mut deliver: impl FnMut(String, Vec<Value>),
) -> Served {
    loop {
        let signal = tokio::select! {
            request = inbox.recv() => {
                match request {
                    None => return Served::Stopped,
                    Some(Request::Reconnect) => return Served::Retry(Duration::ZERO),
                    Some(Request::Emit { event, data, ack }) => {
                        if !*connected.borrow() {
                            refuse(ack);
                            continue;
                        }
                        emit(client, event, data, ack).await;
                    }
                }
                continue;
            }
            signal = signals.recv() => signal,
        };
        match signal {
            Some(Signal::Connected) => {
                *attempt = 0;
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
                                Ok(_) => return Served::Retry(Duration::ZERO),
                                Err(error @ crate::Error::NotLoggedIn { .. }) => {
                                    report(ConnectionState::LoginNeeded(error.to_string()));
                                    return Served::LoginNeeded;
                                }
                                Err(_) => {
                                    *attempt += 1;
                                    return Served::Retry(backoff(*attempt));
                                }
                            }
                        }
                        Some(ConnectError::InvalidNamespace) => {
                            return Served::Retry(Duration::from_secs(2));
                        }
                        _ => {
                            *attempt += 1;
                            return Served::Retry(backoff(*attempt));
                        }
                    }
                }
                None => {
                    let _ = connected.send(false);
                    report(ConnectionState::Trouble(text));
                }
            },
            Some(Signal::Closed) => {
                report(ConnectionState::Trouble(
                    "disconnected by the server".into(),
                ));
                return Served::Retry(Duration::from_millis(200));
            }
            Some(Signal::Event(name, args)) => deliver(name, args),
            None => return Served::Retry(backoff(*attempt)),
        }
    }
}

/// Emits one event; with an ack, its answer goes to the waiting caller.
async fn emit(
    client: &Client,
    event: &'static str,
    data: Value,
    ack: Option<(Duration, oneshot::Sender<Result<Value, CommandError>>)>,
) {
    let Some((timeout, reply)) = ack else {
        if let Err(error) = client.emit(event, data).await {
            tracing::debug!(%error, "emit failed");
        }
        return;
    };
    // The callback may be called from rust_socketio's task: it takes the reply once.
    let reply = Arc::new(Mutex::new(Some(reply)));
    let on_ack = Arc::clone(&reply);
    let sent = client
        .emit_with_ack(event, data, timeout, move |payload, _| {
            let taken = on_ack
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            if let Some(reply) = taken {
                let _ = reply.send(ack_result(&first_ack_argument(payload)));
            }
            async {}.boxed()
        })
        .await;
    if sent.is_err() {
        let taken = reply
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(reply) = taken {
            let _ = reply.send(Err(CommandError::NotConnected));
        }
    }
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

/// Turns a received event into a [`ClientEvent`] for the sink.
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
