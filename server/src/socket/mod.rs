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

mod acks;
mod commands;
mod forwarded;
mod logs;
mod shells;
mod stream;

use std::fmt;
use std::time::Duration;

use antimony_protocol::{
    ConnectError, Envelope, ErrorBody, ErrorCode, LabUpdate, event, namespace,
};
use serde_json::Value;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::ConnectHandler;
use socketioxide::{SocketIo, TransportType, layer::SocketIoLayer};
use socketioxide_core::adapter::{DefinedAdapter, Spawnable};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::auth::TokenKind;
use crate::events::LabEvent;

pub(crate) use forwarded::serve as serve_forwarded;

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

/// The Socket.IO side of a server: one instance alone (the local adapter), or one of several
/// sharing Redis (socketioxide's Redis adapter: broadcasts reach every instance's sockets).
#[derive(Debug, Clone)]
pub enum Io {
    /// The only instance.
    Local(SocketIo),
    /// One instance among several.
    Cluster(SocketIo<ClusterAdapter>),
}

/// The Redis adapter with socketioxide's emitter.
pub type ClusterAdapter = socketioxide_redis::RedisAdapter<socketioxide::adapter::Emitter>;

/// The tower layer that serves `/socket.io/`, of either kind.
#[derive(Clone)]
pub(crate) enum Layer {
    Local(SocketIoLayer),
    Cluster(SocketIoLayer<ClusterAdapter>),
}

impl Io {
    /// Closes every connection.
    pub(crate) async fn close(&self) {
        match self {
            Io::Local(io) => io.close().await,
            Io::Cluster(io) => io.close().await,
        }
    }
}

/// Builds the Socket.IO layer and registers every namespace; with the Redis adapter when the
/// state has a cluster.
pub(crate) fn layer(state: AppState) -> (Layer, Io) {
    let builder = SocketIo::builder()
        .with_state(state.clone())
        .max_buffer_size(SOCKET_BUFFER)
        .max_payload(MESSAGE_LIMIT as u64)
        .ws_max_message_size(MESSAGE_LIMIT)
        .ws_max_frame_size(MESSAGE_LIMIT)
        .connect_timeout(CONNECT_TIMEOUT)
        .transports([TransportType::Websocket, TransportType::Polling]);
    match state.cluster.as_ref() {
        None => {
            let (layer, io) = builder.build_layer();
            register(&io);
            (Layer::Local(layer), Io::Local(io))
        }
        Some(cluster) => {
            let (layer, io) = builder
                .with_adapter::<ClusterAdapter>(cluster.adapter())
                .build_layer();
            register(&io);
            (Layer::Cluster(layer), Io::Cluster(io))
        }
    }
}

/// Registers every namespace.
fn register<A>(io: &SocketIo<A>)
where
    A: Adapter + DefinedAdapter,
{
    // Handlers that take what a client sends are registered in a middleware: socketioxide
    // sends CONNECT before it runs the (spawned) connect handler, so an event sent right
    // after CONNECT could otherwise arrive before its handler and be lost.
    for path in [namespace::STATUS_MESSAGES, namespace::LAB_UPDATES] {
        io.ns(
            path,
            on_connected
                .with(output_only)
                .with(join_viewer_rooms)
                .with(authenticate),
        )
        .spawn();
    }
    io.ns(
        namespace::SHELL_COMMANDS,
        on_connected.with(shell_commands_setup).with(authenticate),
    )
    .spawn();
    io.ns(
        namespace::LAB_COMMANDS,
        commands::on_connect
            .with(commands::setup)
            .with(authenticate),
    )
    .spawn();
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
}

/// First connect middleware of a dynamic namespace: the path must be one that can exist
/// (`/logs/<uuid>`, `/logs/<uuid>/<container id>`, `/shells/<uuid>`). Nothing can ever stream
/// on another, so its namespace is removed at once.
async fn check_shape<A: Adapter>(s: SocketRef<A>, io: SocketIo<A>) -> Result<(), Refusal> {
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
async fn authenticate_dynamic<A: Adapter>(
    s: SocketRef<A>,
    auth: TryData<Value>,
    io: SocketIo<A>,
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
async fn authenticate<A: Adapter>(
    s: SocketRef<A>,
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
async fn output_only<A: Adapter>(s: SocketRef<A>) -> Result<(), Refusal> {
    s.on_fallback(reject_input);
    Ok(())
}

/// `/status-messages` and `/lab-updates` (middleware): each socket joins the rooms of the labs
/// its user may see (admins', and one per group: members of the collection named like it), so
/// an event about a lab goes to exactly those sockets, on every instance.
async fn join_viewer_rooms<A: Adapter>(s: SocketRef<A>) -> Result<(), Refusal> {
    if let Some(user) = s.extensions.get::<crate::store::User>() {
        if user.is_admin {
            s.join(ADMIN_ROOM);
        }
        s.join(
            user.groups
                .iter()
                .map(|g| member_room(g))
                .collect::<Vec<_>>(),
        );
    }
    Ok(())
}

/// The room of admins' sockets.
const ADMIN_ROOM: &str = "viewers:admin";

/// The room of the sockets of members of the collection `collection` (users in the group of
/// that name).
fn member_room(collection: &str) -> String {
    format!("viewers:member:{collection}")
}

/// `/shell-commands` (middleware): output only, and each socket is in its user's room before
/// it is connected, since notices about a shell go to its owner only.
async fn shell_commands_setup<A: Adapter>(s: SocketRef<A>) -> Result<(), Refusal> {
    s.on_fallback(reject_input);
    if let Some(user) = s.extensions.get::<crate::store::User>() {
        s.join(user_room(&user.id));
    }
    Ok(())
}

/// Connect handler of the fixed output namespaces: everything was set up before.
async fn on_connected<A: Adapter>(s: SocketRef<A>) {
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
async fn reject_input<A: Adapter>(ack: AckSender<A>) {
    let body = ErrorBody::new(
        ErrorCode::InvalidRequest,
        "the socket request was invalid: this namespace does not accept this event",
    );
    let _ = ack.send(&body);
}

/// Forwards lab updates and status messages to their namespaces until `shutdown`.
pub(crate) async fn forward_events<A: Adapter>(
    state: AppState,
    io: SocketIo<A>,
    shutdown: CancellationToken,
) {
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
                    send_to_viewers(
                        &state,
                        &io,
                        namespace::LAB_UPDATES,
                        &lab_id,
                        &payload,
                        false,
                    )
                    .await;
                }
                continue;
            }
            Ok(LabEvent::RemoteLabUpdated(lab_id)) => {
                if let Ok(payload) = serde_json::to_value(Envelope::new(LabUpdate::lab(&lab_id))) {
                    send_to_viewers(&state, &io, namespace::LAB_UPDATES, &lab_id, &payload, true)
                        .await;
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
async fn send_lab_status<A: Adapter>(
    state: &AppState,
    io: &SocketIo<A>,
    lab_id: &str,
    message: antimony_protocol::StatusMessage,
) {
    let Ok(payload) = serde_json::to_value(Envelope::new(message)) else {
        return;
    };
    send_to_viewers(
        state,
        io,
        namespace::STATUS_MESSAGES,
        lab_id,
        &payload,
        false,
    )
    .await;
}

/// Sends an event about a lab to the sockets of `path` whose users may see the lab (its
/// collection's members and admins; admins only once the lab is gone), so nobody learns of
/// labs outside their collections (the Go server tells everyone). The rooms are joined on
/// connect (`join_viewer_rooms`); with several instances, the adapter reaches them all
/// (`local`: only this instance's sockets).
async fn send_to_viewers<A: Adapter>(
    state: &AppState,
    io: &SocketIo<A>,
    path: &str,
    lab_id: &str,
    payload: &serde_json::Value,
    local: bool,
) {
    let Some(mut operators) = io.of(path) else {
        return;
    };
    if local {
        operators = operators.local();
    }
    let mut rooms = vec![ADMIN_ROOM.to_owned()];
    match state.store.lab(lab_id).await {
        Ok(Some(lab)) => rooms.push(member_room(&lab.collection_name)),
        Ok(None) => {}
        Err(error) => tracing::warn!(%error, "cannot look up the lab of a status message"),
    }
    if let Err(error) = operators.to(rooms).emit(event::DATA, payload).await {
        tracing::warn!(%error, path, "some sockets missed an event (their queue was full)");
    }
}

/// Removes a dynamic namespace once nobody is connected and its stream (or shell) is gone,
/// so refused or finished namespaces leave nothing behind.
pub(crate) fn remove_if_unused<A: Adapter>(io: &SocketIo<A>, state: &AppState, path: &str) {
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
