//! Socket.IO (PROTOCOL.md §5) with socketioxide, on the same axum app at `/socket.io/`.
//!
//! Every namespace authenticates the CONNECT packet's `auth.token` and refuses with the exact
//! `connect_error` texts of §3.5. Output namespaces answer any client event with a 5422 ack
//! (the Go server crashes). `/lab-commands` queues each socket's commands in arrival order;
//! log namespaces stream with per-subscriber backpressure (see `logs`).
//!
//! This is an adapter: it turns the lab domain's events into emits, its outcomes and
//! [`LabError`](crate::lab::LabError)s into acks, and removes dynamic namespaces once their
//! streams have ended and their sockets left.

mod commands;
mod logs;
mod shells;
mod stream;

use std::fmt;
use std::time::Duration;

use antimony_protocol::{
    ConnectError, Envelope, ErrorBody, ErrorCode, LabUpdate, event, namespace,
};
use serde_json::Value;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::{SocketIo, TransportType, layer::SocketIoLayer};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::auth::TokenKind;
use crate::events::LabEvent;

/// Packets queued per connection before emits fail and log subscribers back off.
const SOCKET_BUFFER: usize = 1024;
/// The largest engine.io message a client may send, over WebSocket or long-polling (a
/// polling request body holds several). Events are checked against smaller limits of their
/// own: [`COMMAND_LIMIT`] and [`SHELL_INPUT_LIMIT`].
pub(crate) const MESSAGE_LIMIT: usize = 1024 * 1024;
/// The largest `/lab-commands` message, in bytes of its packet (output-only namespaces refuse
/// every message).
pub(crate) const COMMAND_LIMIT: usize = 16 * 1024;
/// The largest `/shells/<id>` input message, in bytes of its packet (a paste).
pub(crate) const SHELL_INPUT_LIMIT: usize = 256 * 1024;
/// How long a new engine.io connection may take to join a namespace before it is closed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// A refused CONNECT: its text is what the client sees as `err.message`.
#[derive(Debug)]
pub(crate) struct Refusal(pub(crate) ConnectError);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.message())
    }
}

/// Builds the Socket.IO layer and registers every namespace.
pub(crate) fn layer(state: AppState) -> (SocketIoLayer, SocketIo) {
    let (layer, io) = SocketIo::builder()
        .with_state(state)
        .max_buffer_size(SOCKET_BUFFER)
        .max_payload(MESSAGE_LIMIT as u64)
        .ws_max_message_size(MESSAGE_LIMIT)
        .ws_max_frame_size(MESSAGE_LIMIT)
        .connect_timeout(CONNECT_TIMEOUT)
        .transports([TransportType::Websocket, TransportType::Polling])
        .build_layer();
    // Handlers that take what a client sends are registered in a middleware: socketioxide
    // sends CONNECT before it runs the (spawned) connect handler, so an event sent right
    // after CONNECT could otherwise arrive before its handler and be lost.
    for path in [namespace::STATUS_MESSAGES, namespace::LAB_UPDATES] {
        io.ns(path, on_connected.with(output_only).with(authenticate));
    }
    io.ns(
        namespace::SHELL_COMMANDS,
        on_connected.with(shell_commands_setup).with(authenticate),
    );
    io.ns(
        namespace::LAB_COMMANDS,
        commands::on_connect
            .with(commands::setup)
            .with(authenticate),
    );
    // Middlewares run last-added first: the shape of the path, then the token, then access.
    // socketioxide creates a dynamic namespace before its middlewares run, so every refusal
    // removes it again (`authenticate_dynamic` and the access checks).
    for pattern in ["/logs/{lab_id}", "/logs/{lab_id}/{container_id}"] {
        if let Err(error) = io.dyn_ns(
            pattern,
            logs::on_connect
                .with(logs::check_access)
                .with(authenticate_dynamic)
                .with(check_shape),
        ) {
            tracing::error!(%error, pattern, "cannot register the log namespaces");
        }
    }
    if let Err(error) = io.dyn_ns(
        "/shells/{shell_id}",
        shells::on_connect
            .with(shells::check_access)
            .with(authenticate_dynamic)
            .with(check_shape),
    ) {
        tracing::error!(%error, "cannot register the shell namespaces");
    }
    (layer, io)
}

/// First connect middleware of a dynamic namespace: the path must be one that can exist
/// (`/logs/<uuid>`, `/logs/<uuid>/<container id>`, `/shells/<uuid>`). Nothing can ever stream
/// on another, so its namespace is removed at once.
async fn check_shape(s: SocketRef, io: SocketIo) -> Result<(), Refusal> {
    if well_formed_dynamic(s.ns()) {
        return Ok(());
    }
    io.delete_ns(s.ns());
    Err(Refusal(ConnectError::InvalidNamespace))
}

/// Whether a dynamic namespace path names something that may exist: lab and shell ids are
/// UUIDs, container ids are 1 to 128 characters of `[A-Za-z0-9_.-]`.
pub(crate) fn well_formed_dynamic(path: &str) -> bool {
    let container = |id: &str| {
        (1..=128).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    };
    match antimony_protocol::Namespace::parse(path) {
        Ok(antimony_protocol::Namespace::LabLogs { lab_id }) => {
            antimony_protocol::is_well_formed_uuid(&lab_id)
        }
        Ok(antimony_protocol::Namespace::NodeLogs {
            lab_id,
            container_id,
        }) => antimony_protocol::is_well_formed_uuid(&lab_id) && container(&container_id),
        Ok(antimony_protocol::Namespace::Shell { shell_id }) => {
            antimony_protocol::is_well_formed_uuid(&shell_id)
        }
        _ => false,
    }
}

/// [`authenticate`] for a dynamic namespace: a refused socket leaves no namespace behind.
async fn authenticate_dynamic(
    s: SocketRef,
    auth: TryData<Value>,
    io: SocketIo,
    state: State<AppState>,
) -> Result<(), Refusal> {
    let result = authenticate(s.clone(), auth, State(state.0.clone())).await;
    if result.is_err() {
        remove_if_unused(&io, &state.0, s.ns());
    }
    result
}

/// Connect middleware of every namespace: the token must be a string, valid, of a known user.
#[tracing::instrument(name = "socket", skip_all, fields(ns = %s.ns(), socket = %s.id), err(Display, level = "debug"))]
async fn authenticate(
    s: SocketRef,
    TryData(auth): TryData<Value>,
    State(state): State<AppState>,
) -> Result<(), Refusal> {
    let auth = auth.ok();
    let token = auth
        .as_ref()
        .and_then(|auth| auth.get("token").and_then(Value::as_str).map(str::to_owned))
        .ok_or(Refusal(ConnectError::Unauthorized))?;
    if state.config.log_batching
        && auth
            .as_ref()
            .and_then(|auth| auth.get(antimony_protocol::LOG_BATCH_AUTH))
            .and_then(Value::as_bool)
            == Some(true)
    {
        s.extensions.insert(stream::LogBatching);
    }
    let now = antimony_protocol::Timestamp::now_utc().unix_timestamp();
    let claims = state
        .sessions
        .verify(&token, TokenKind::Access, now)
        .map_err(|_| Refusal(ConnectError::InvalidToken))?;
    let user = match state.store.user(&claims.id).await {
        Ok(Some(user)) => user,
        Ok(None) => return Err(Refusal(ConnectError::InvalidToken)),
        Err(error) => {
            tracing::error!(%error, "cannot look up a socket's user");
            return Err(Refusal(ConnectError::InvalidToken));
        }
    };
    s.extensions.insert(user);
    Ok(())
}

/// Output-only namespaces (middleware): clients listen; anything they send is refused.
async fn output_only(s: SocketRef) -> Result<(), Refusal> {
    s.on_fallback(reject_input);
    Ok(())
}

/// `/shell-commands` (middleware): output only, and each socket is in its user's room before
/// it is connected, since notices about a shell go to its owner only.
async fn shell_commands_setup(s: SocketRef) -> Result<(), Refusal> {
    s.on_fallback(reject_input);
    if let Some(user) = s.extensions.get::<crate::store::User>() {
        s.join(user_room(&user.id));
    }
    Ok(())
}

/// Connect handler of the fixed output namespaces: everything was set up before.
async fn on_connected(s: SocketRef) {
    tracing::debug!(socket = %s.id, namespace = %s.ns(), "connected");
}

/// The size of an event's packet as received (its text and any binary attachments).
pub(crate) fn packet_len(value: &socketioxide::handler::Value) -> usize {
    match value {
        socketioxide::handler::Value::Str(text, attachments) => {
            text.len()
                + attachments
                    .as_ref()
                    .map_or(0, |a| a.iter().map(bytes::Bytes::len).sum())
        }
        socketioxide::handler::Value::Bytes(bytes) => bytes.len(),
    }
}

/// The ack body of an event over its limit.
pub(crate) fn too_large(what: &str, limit: usize) -> ErrorBody {
    ErrorBody::new(
        ErrorCode::InvalidRequest,
        format!("the socket request was invalid: {what} is larger than {limit} bytes"),
    )
}

/// The room of a user's sockets.
fn user_room(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// Answers a client event on an output-only namespace with 5422 (when it asked for an ack).
async fn reject_input(ack: AckSender) {
    let body = ErrorBody::new(
        ErrorCode::InvalidRequest,
        "the socket request was invalid: this namespace does not accept this event",
    );
    let _ = ack.send(&body);
}

/// Forwards lab updates and status messages to their namespaces until `shutdown`.
pub(crate) async fn forward_events(state: AppState, io: SocketIo, shutdown: CancellationToken) {
    let mut events = state.events.subscribe();
    loop {
        let event = tokio::select! {
            () = shutdown.cancelled() => return,
            event = events.recv() => event,
        };
        let (path, payload) = match event {
            // A lab that still exists: its viewers get its id. A deleted one: everybody is
            // asked to refetch (its id would tell others it existed; its viewers must drop it).
            Ok(LabEvent::LabUpdated(Some(lab_id)))
                if !matches!(state.store.lab(&lab_id).await, Ok(None)) =>
            {
                if let Ok(payload) = serde_json::to_value(Envelope::new(LabUpdate::lab(&lab_id))) {
                    send_to_viewers(&state, &io, namespace::LAB_UPDATES, &lab_id, &payload).await;
                }
                continue;
            }
            Ok(LabEvent::LabUpdated(_)) => (
                namespace::LAB_UPDATES,
                serde_json::to_value(Envelope::new(LabUpdate::all())),
            ),
            Ok(LabEvent::Status {
                lab_id: Some(lab_id),
                message,
            }) => {
                send_lab_status(&state, &io, &lab_id, message).await;
                continue;
            }
            Ok(LabEvent::Status {
                lab_id: None,
                message,
            }) => (
                namespace::STATUS_MESSAGES,
                serde_json::to_value(Envelope::new(message)),
            ),
            Ok(LabEvent::Shell { owner, notice }) => {
                if let (Some(operators), Ok(payload)) = (
                    io.of(namespace::SHELL_COMMANDS),
                    serde_json::to_value(Envelope::new(notice)),
                ) && let Err(error) = operators
                    .to(user_room(&owner))
                    .emit(event::DATA, &payload)
                    .await
                {
                    tracing::warn!(%error, "a shell notice was not delivered");
                }
                continue;
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(
                    missed,
                    "event forwarding fell behind; asking clients to refetch every lab"
                );
                (
                    namespace::LAB_UPDATES,
                    serde_json::to_value(Envelope::new(LabUpdate::all())),
                )
            }
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        let Ok(payload) = payload else { continue };
        if let Some(operators) = io.of(path)
            && let Err(error) = operators.emit(event::DATA, &payload).await
        {
            tracing::warn!(%error, path, "some sockets missed an event (their queue was full)");
        }
    }
}

/// Sends a status message about a lab to the `/status-messages` sockets of users who may
/// see the lab (admins only, once the lab is gone).
async fn send_lab_status(
    state: &AppState,
    io: &SocketIo,
    lab_id: &str,
    message: antimony_protocol::StatusMessage,
) {
    let Ok(payload) = serde_json::to_value(Envelope::new(message)) else {
        return;
    };
    send_to_viewers(state, io, namespace::STATUS_MESSAGES, lab_id, &payload).await;
}

/// Sends an event about a lab to the sockets of `path` whose users may see the lab (its
/// collection's members and admins; admins only once the lab is gone), so nobody learns of
/// labs outside their collections (the Go server tells everyone).
async fn send_to_viewers(
    state: &AppState,
    io: &SocketIo,
    path: &str,
    lab_id: &str,
    payload: &serde_json::Value,
) {
    let Some(operators) = io.of(path) else {
        return;
    };
    let lab = match state.store.lab(lab_id).await {
        Ok(lab) => lab,
        Err(error) => {
            tracing::warn!(%error, "cannot look up the lab of a status message");
            None
        }
    };
    for socket in operators.sockets() {
        let allowed =
            socket
                .extensions
                .get::<crate::store::User>()
                .is_some_and(|user| match &lab {
                    Some(lab) => crate::permissions::can_see_lab(&user, lab),
                    None => user.is_admin,
                });
        if allowed && let Err(error) = socket.emit(event::DATA, payload) {
            tracing::warn!(%error, socket = %socket.id, path, "an event was not delivered");
        }
    }
}

/// Removes a dynamic namespace once nobody is connected and its stream (or shell) is gone,
/// so refused or finished namespaces leave nothing behind.
pub(crate) fn remove_if_unused(io: &SocketIo, state: &AppState, path: &str) {
    let (io, state, path) = (io.clone(), state.clone(), path.to_owned());
    tokio::spawn(async move {
        // Let a disconnecting socket leave the namespace first.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let empty = io.of(&path).is_none_or(|ns| ns.sockets().is_empty());
        let gone = match antimony_protocol::Namespace::parse(&path) {
            Ok(antimony_protocol::Namespace::Shell { shell_id }) => {
                state.labs.shells.get(&shell_id).is_none()
            }
            _ => state.logs.get(&path).is_none(),
        };
        if empty && gone {
            io.delete_ns(&path);
        }
    });
}
