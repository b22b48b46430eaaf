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
/// The largest message accepted over long-polling (WebSocket frames allow more).
const MAX_PAYLOAD: u64 = 16 * 1024 * 1024;

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
        .max_payload(MAX_PAYLOAD)
        .transports([TransportType::Websocket, TransportType::Polling])
        .build_layer();
    for path in [namespace::STATUS_MESSAGES, namespace::LAB_UPDATES] {
        io.ns(path, on_output_connect.with(authenticate));
    }
    io.ns(
        namespace::SHELL_COMMANDS,
        on_shell_commands_connect.with(authenticate),
    );
    io.ns(
        namespace::LAB_COMMANDS,
        commands::on_connect
            .with(commands::setup)
            .with(authenticate),
    );
    for pattern in ["/logs/{lab_id}", "/logs/{lab_id}/{container_id}"] {
        if let Err(error) = io.dyn_ns(
            pattern,
            logs::on_connect.with(logs::check_access).with(authenticate),
        ) {
            tracing::error!(%error, pattern, "cannot register the log namespaces");
        }
    }
    if let Err(error) = io.dyn_ns(
        "/shells/{shell_id}",
        shells::on_connect
            .with(shells::check_access)
            .with(authenticate),
    ) {
        tracing::error!(%error, "cannot register the shell namespaces");
    }
    (layer, io)
}

/// Connect middleware of every namespace: the token must be a string, valid, of a known user.
#[tracing::instrument(name = "socket", skip_all, fields(ns = %s.ns(), socket = %s.id), err(Display, level = "debug"))]
async fn authenticate(
    s: SocketRef,
    TryData(auth): TryData<Value>,
    State(state): State<AppState>,
) -> Result<(), Refusal> {
    let token = auth
        .ok()
        .and_then(|auth| auth.get("token").and_then(Value::as_str).map(str::to_owned))
        .ok_or(Refusal(ConnectError::Unauthorized))?;
    let now = antimony_protocol::Timestamp::now_utc().unix_timestamp();
    let claims = state
        .tokens
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

/// Output-only namespaces: clients listen; anything they send is refused.
async fn on_output_connect(s: SocketRef) {
    s.on_fallback(reject_input);
}

/// `/shell-commands`: each socket joins its user's room, since notices about a shell go to
/// its owner only.
async fn on_shell_commands_connect(s: SocketRef) {
    s.on_fallback(reject_input);
    if let Some(user) = s.extensions.get::<crate::store::User>() {
        s.join(user_room(&user.id));
    }
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
            Ok(LabEvent::LabUpdated(lab_id)) => (
                namespace::LAB_UPDATES,
                serde_json::to_value(Envelope::new(LabUpdate { lab_id })),
            ),
            Ok(LabEvent::Status(message)) => (
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
