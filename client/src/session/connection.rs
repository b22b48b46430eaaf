//! One namespace connection, owned by one task (an actor): it holds the `rust_socketio`
//! client, and callers reach it only through its request channel ([`Connection`]).
//!
//! It connects over WebSocket only, with a fresh access token on every (re)connect; it treats
//! the server's CONNECT (`Event::Connect`) as the moment the namespace is usable
//! (rust_socketio loses emits sent before it); on `Invalid Token` it refreshes and rebuilds
//! the client (a rejected reconnect never retries by itself); on `Invalid namespace` (a lab
//! log before its deploy) it retries every 2 s, as the web UI does; other failures back off
//! with jitter. Log and shell namespaces feed their backlogs through their cursors (see
//! `deliver`), so consumers get every line and every byte once. Acks get their own timeouts. Dropping every [`Connection`] handle stops
//! the task and disconnects.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antimony_protocol::{Ack, ConnectError, ErrorBody, ErrorCode};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder, ReconnectSettings};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use super::deliver::{Kind, LogDelivery, Stream};
use super::logwire::{Incoming, LogSocket, auth};
use super::{ClientEvent, CommandError, ConnectionState, EventSink};
use crate::rest::RestClient;

/// Asks a connection's task to do something.
#[derive(Debug)]
enum Request {
    /// Emits an event with one argument.
    Emit {
        event: &'static str,
        data: Value,
        answer: Answer,
    },
    /// Connects again (keeping the log cursor).
    Reconnect,
}

/// What the caller of an emit waits for.
#[derive(Debug)]
enum Answer {
    /// Whether it was sent.
    Sent(oneshot::Sender<Result<(), CommandError>>),
    /// The server's ack, within this long.
    Ack(Duration, oneshot::Sender<Result<Value, CommandError>>),
}

impl Answer {
    fn refuse(self) {
        match self {
            Answer::Sent(reply) => {
                let _ = reply.send(Err(CommandError::NotConnected));
            }
            Answer::Ack(_, reply) => {
                let _ = reply.send(Err(CommandError::NotConnected));
            }
        }
    }
}

/// A handle on a namespace connection's task; cheap to clone. The task stops when the last
/// handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct Connection {
    requests: mpsc::UnboundedSender<Request>,
    connected: watch::Receiver<bool>,
    /// Whether the namespace has been connected at least once.
    established: Arc<AtomicBool>,
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
        let established = Arc::new(AtomicBool::new(false));
        let state = Arc::clone(&established);
        tokio::spawn(run(rest, path, kind, events, (connected_tx, state), inbox));
        Connection {
            requests,
            connected,
            established,
        }
    }

    /// Waits (at most `within`) for the namespace's first connection, if it never connected:
    /// emits before it would be refused. Once it has connected, returns at once, also while
    /// it is reconnecting.
    pub(super) async fn first_connection(&self, within: Duration) {
        if !self.established.load(Ordering::Acquire) {
            self.wait_connected(within).await;
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
                answer: Answer::Ack(timeout, reply),
            })
            .map_err(|_| CommandError::NotConnected)?;
        // rust_socketio never calls back for an ack that does not come: time it out here.
        match tokio::time::timeout(timeout, answer).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(CommandError::NotConnected),
            Err(_) => Err(CommandError::Timeout(timeout)),
        }
    }

    /// Emits `event` with one argument, without asking for an ack; answers once it is sent.
    pub(super) async fn emit(&self, event: &'static str, data: Value) -> Result<(), CommandError> {
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(Request::Emit {
                event,
                data,
                answer: Answer::Sent(reply),
            })
            .map_err(|_| CommandError::NotConnected)?;
        answer.await.unwrap_or(Err(CommandError::NotConnected))
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
    /// The namespace is gone for good (a shell that closed): stop.
    Gone,
    /// Connect again after this long.
    Retry(Duration),
}

async fn run(
    rest: Arc<RestClient>,
    path: String,
    kind: Kind,
    events: EventSink,
    (connected, established): (watch::Sender<bool>, Arc<AtomicBool>),
    mut inbox: mpsc::UnboundedReceiver<Request>,
) {
    let mut stream = Stream::for_kind(kind, &path);
    let mut log = LogDelivery::new(&path);
    let mut attempt = 0_u32;
    let report = |state| {
        events(ClientEvent::Connection {
            namespace: path.clone(),
            state,
        });
    };
    loop {
        let mut state = Round {
            rest: &rest,
            kind,
            inbox: &mut inbox,
            connected: &connected,
            established: &established,
            attempt: &mut attempt,
            report: &report,
        };
        let served = if kind == Kind::Logs {
            state.log(&path, &mut log, &events).await
        } else {
            state
                .socketio(&path, |received| {
                    stream.deliver_all(kind, received, &events)
                })
                .await
        };
        let _ = connected.send(false);
        let retry_after = match served {
            Served::Stopped | Served::LoginNeeded => return,
            Served::Gone => {
                stream.gone(&events);
                return;
            }
            Served::Retry(delay) => delay,
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
                    Some(Request::Emit { answer, .. }) => answer.refuse(),
                },
            }
        }
    }
}

/// What one connection round of a namespace's task works with.
struct Round<'a, R: Fn(ConnectionState)> {
    rest: &'a Arc<RestClient>,
    kind: Kind,
    inbox: &'a mut mpsc::UnboundedReceiver<Request>,
    connected: &'a watch::Sender<bool>,
    established: &'a AtomicBool,
    /// Failed attempts in a row (the backoff's exponent).
    attempt: &'a mut u32,
    report: &'a R,
}

impl<R: Fn(ConnectionState)> Round<'_, R> {
    /// A fresh access token, or how the round ends without one.
    async fn token(&mut self) -> Result<String, Served> {
        match self.rest.access_token().await {
            Ok(token) => Ok(token),
            Err(error @ crate::Error::NotLoggedIn { .. }) => {
                (self.report)(ConnectionState::LoginNeeded(error.to_string()));
                Err(Served::LoginNeeded)
            }
            Err(error) => Err(self.trouble(error.to_string())),
        }
    }

    /// The server is unreachable (or its certificate changed): try again later.
    fn trouble(&mut self, reason: String) -> Served {
        (self.report)(ConnectionState::Trouble(reason));
        *self.attempt += 1;
        Served::Retry(backoff(*self.attempt))
    }

    /// The server sent CONNECT.
    fn on_connected(&mut self) {
        *self.attempt = 0;
        self.established.store(true, Ordering::Release);
        let _ = self.connected.send(true);
        (self.report)(ConnectionState::Connected);
    }

    /// The server refused the namespace with `message`.
    async fn on_refused(&mut self, message: String) -> Served {
        let _ = self.connected.send(false);
        (self.report)(ConnectionState::Refused(message.clone()));
        match ConnectError::from_message(&message) {
            Some(ConnectError::InvalidToken) => {
                // A reconnect rejected for its token never retries: rebuild.
                match self.rest.refresh().await {
                    Ok(_) => Served::Retry(Duration::ZERO),
                    Err(error @ crate::Error::NotLoggedIn { .. }) => {
                        (self.report)(ConnectionState::LoginNeeded(error.to_string()));
                        Served::LoginNeeded
                    }
                    Err(_) => {
                        *self.attempt += 1;
                        Served::Retry(backoff(*self.attempt))
                    }
                }
            }
            Some(ConnectError::InvalidNamespace) if self.kind == Kind::Shell => Served::Gone,
            Some(ConnectError::InvalidNamespace) => Served::Retry(Duration::from_secs(2)),
            _ => {
                *self.attempt += 1;
                Served::Retry(backoff(*self.attempt))
            }
        }
    }

    /// The server disconnected the namespace.
    fn on_closed(&mut self) -> Served {
        (self.report)(ConnectionState::Trouble(
            "disconnected by the server".into(),
        ));
        Served::Retry(Duration::from_millis(200))
    }

    /// One round of a rust_socketio client: connects, serves, disconnects.
    async fn socketio(
        &mut self,
        path: &str,
        deliver: impl FnMut(Vec<(String, Vec<Value>)>),
    ) -> Served {
        let token = match self.token().await {
            Ok(token) => token,
            Err(served) => return served,
        };
        let (signals_tx, mut signals) = mpsc::unbounded_channel();
        let client = match build_client(self.rest, path, &token, signals_tx).await {
            Ok(client) => client,
            Err(reason) => return self.trouble(reason),
        };
        let served = self.serve(&client, &mut signals, deliver).await;
        let _ = client.disconnect().await;
        served
    }

    /// One round of a log namespace, read straight off its WebSocket (see `logwire`).
    async fn log(&mut self, path: &str, log: &mut LogDelivery, events: &EventSink) -> Served {
        let token = match self.token().await {
            Ok(token) => token,
            Err(served) => return served,
        };
        let mut socket = match LogSocket::connect(self.rest.profile(), path, &token).await {
            Ok(socket) => socket,
            Err(reason) => return self.trouble(reason),
        };
        let served = self.serve_log(&mut socket, log, events).await;
        socket.close().await;
        served
    }

    async fn serve_log(
        &mut self,
        socket: &mut LogSocket,
        log: &mut LogDelivery,
        events: &EventSink,
    ) -> Served {
        let mut received = Vec::new();
        loop {
            tokio::select! {
                request = self.inbox.recv() => match request {
                    None => return Served::Stopped,
                    Some(Request::Reconnect) => return Served::Retry(Duration::ZERO),
                    // A log connection sends nothing.
                    Some(Request::Emit { answer, .. }) => answer.refuse(),
                },
                result = socket.next_batch(&mut received) => {
                    if let Err(reason) = result {
                        return self.trouble(reason);
                    }
                    for incoming in received.drain(..) {
                        match incoming {
                            Incoming::Connected => self.on_connected(),
                            Incoming::Refused(message) => return self.on_refused(message).await,
                            Incoming::Closed => return self.on_closed(),
                            Incoming::Backlog(lines) => log.backlog(lines, events),
                            Incoming::Lines(lines) => log.lines(lines, events),
                            Incoming::CappedLines(n, lines) => log.lines_after_gap(n, lines, events),
                        }
                    }
                    if let Err(reason) = socket.flush().await {
                        return self.trouble(reason);
                    }
                }
            }
        }
    }
}

/// The most received events delivered together.
const GATHER: usize = 1024;

impl<R: Fn(ConnectionState)> Round<'_, R> {
    /// Serves one client until it is refused, stopped, or asked to reconnect.
    async fn serve(
        &mut self,
        client: &Client,
        signals: &mut mpsc::UnboundedReceiver<Signal>,
        mut deliver: impl FnMut(Vec<(String, Vec<Value>)>),
    ) -> Served {
        // A signal taken while gathering events, handled next.
        let mut next: Option<Signal> = None;
        loop {
            let signal = if let Some(signal) = next.take() {
                Some(signal)
            } else {
                tokio::select! {
                request = self.inbox.recv() => {
                    match request {
                        None => return Served::Stopped,
                        Some(Request::Reconnect) => return Served::Retry(Duration::ZERO),
                        Some(Request::Emit { event, data, answer }) => {
                            if !*self.connected.borrow() {
                                answer.refuse();
                                continue;
                            }
                            emit(client, event, data, answer).await;
                        }
                    }
                    continue;
                }
                signal = signals.recv() => signal,
                }
            };
            match signal {
                Some(Signal::Connected) => self.on_connected(),
                Some(Signal::Error(text)) => match connect_error(&text) {
                    Some(message) => return self.on_refused(message).await,
                    None => {
                        let _ = self.connected.send(false);
                        (self.report)(ConnectionState::Trouble(text));
                    }
                },
                Some(Signal::Closed) => return self.on_closed(),
                Some(Signal::Event(name, args)) => {
                    // Whatever else has arrived goes out with it (one consumer wake-up).
                    let mut received = vec![(name, args)];
                    while received.len() < GATHER {
                        match signals.try_recv() {
                            Ok(Signal::Event(name, args)) => received.push((name, args)),
                            Ok(other) => {
                                next = Some(other);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    deliver(received);
                }
                None => return Served::Retry(backoff(*self.attempt)),
            }
        }
    }
}

/// Emits one event; whether it was sent, or its ack, goes to the waiting caller.
async fn emit(client: &Client, event: &'static str, data: Value, answer: Answer) {
    let (timeout, reply) = match answer {
        Answer::Sent(reply) => {
            let sent = client.emit(event, data).await;
            let _ = reply.send(sent.map_err(|error| {
                tracing::debug!(%error, "emit failed");
                CommandError::NotConnected
            }));
            return;
        }
        Answer::Ack(timeout, reply) => (timeout, reply),
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
        .auth(auth(token))
        .reconnect(true)
        .reconnect_on_disconnect(true)
        .reconnect_delay(500, 5000)
        .on_reconnect(move || {
            let rest = Arc::clone(&refresher);
            async move {
                // Every reconnect carries a fresh token.
                let mut settings = ReconnectSettings::new();
                if let Ok(token) = rest.access_token().await {
                    settings.auth(auth(&token));
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
