//! `/shells/<shellId>` (PROTOCOL.md §5.6): a shell's output to its owner's terminals (the
//! backlog on connect so a terminal can repaint, then chunks as they come), their input (raw
//! strings, written in the order they arrived, no ack on success), and antimony-server's
//! extension `resize` (`{"rows", "cols"}`, 1 to 1000 each).
//!
//! Only the shell's owner and admins may connect (`No Access` for others); a shell that does
//! not exist (or closed long ago) is `Invalid namespace`. With several instances, a shell
//! another instance holds is reached through it (`cluster::shells`): it decides who may
//! connect, its output comes over Redis, input and sizes go back, and the terminal sees what
//! it would see on that instance. A recently closed shell still
//! answers, as on the Go server: its backlog (its last screen), then `closed`. Input that cannot be taken is acked with
//! an error when an ack was asked for: 5007 once the shell is closed, 5000 while too much
//! input waits, 5422 for anything that is not a string (or, for `resize`, not a size).

use std::convert::Infallible;
use std::sync::Arc;

use antimony_protocol::{ConnectError, ErrorBody, ErrorCode, Namespace, TerminalSize, event};
use serde_json::Value;
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::{FromMessageParts, Value as PacketValue};
use socketioxide::socket::Socket;

use super::Refusal;
use super::stream::{Backlog, stream_to};
use crate::AppState;
use crate::cluster::{AckFn, AttachError, RemoteTerminal};
use crate::lab::Shell;
use crate::store::User;

/// The shell a socket types into: held here, or by another instance.
#[derive(Debug, Clone)]
enum Target {
    Here(Arc<Shell>),
    Elsewhere(Arc<RemoteTerminal>),
}

/// Connect middleware: the shell must be open, and the user its owner or an admin.
#[tracing::instrument(name = "socket", skip_all, fields(ns = %s.ns(), socket = %s.id), err(Display, level = "debug"))]
pub(super) async fn check_access<A: Adapter>(
    s: SocketRef<A>,
    io: SocketIo<A>,
    State(state): State<AppState>,
) -> Result<(), Refusal> {
    let result = access(&s, &state).await;
    if result.is_err() {
        super::remove_if_unused(&io, &state, s.ns());
    }
    s.extensions.insert(result?);
    // Input handlers before CONNECT goes out (the connect handler runs later): a keystroke
    // or a size sent right after connecting is never lost.
    s.on(event::DATA, async |_: Keystrokes| {});
    s.on(event::RESIZE, async |_: Resize| {});
    s.on_fallback(super::reject_input);
    Ok(())
}

async fn access<A: Adapter>(s: &SocketRef<A>, state: &AppState) -> Result<Target, Refusal> {
    let invalid = || Refusal(ConnectError::InvalidNamespace);
    let Ok(Namespace::Shell { shell_id }) = Namespace::parse(s.ns()) else {
        return Err(invalid());
    };
    let user = s
        .extensions
        .get::<User>()
        .ok_or(Refusal(ConnectError::Unauthorized))?;
    let Some(shell) = state.labs.shells.get(&shell_id) else {
        let cluster = state.cluster.as_ref().ok_or_else(invalid)?;
        return match crate::cluster::attach_shell(cluster, &user.id, &shell_id).await {
            Ok(terminal) => Ok(Target::Elsewhere(terminal)),
            Err(AttachError::NoAccess) => Err(Refusal(ConnectError::NoAccess)),
            Err(AttachError::NotFound) => Err(invalid()),
        };
    };
    if !shell.may_use(&user) {
        return Err(Refusal(ConnectError::NoAccess));
    }
    Ok(Target::Here(shell))
}

/// Connect handler: output streams (input and resize were set up by `check_access`).
pub(super) async fn on_connect<A: Adapter>(
    s: SocketRef<A>,
    io: SocketIo<A>,
    State(state): State<AppState>,
) {
    let cleanup_state = state.clone();
    s.on_disconnect(async move |s: SocketRef<A>| {
        if let Some(Target::Elsewhere(terminal)) = s.extensions.get::<Target>() {
            terminal.detach();
        }
        super::remove_if_unused(&io, &cleanup_state, s.ns());
    });
    match s.extensions.get::<Target>() {
        Some(Target::Here(shell)) => {
            let output = Arc::clone(&shell.output);
            stream_to(
                &state,
                s,
                output,
                Backlog::Chunks { offset: 0 },
                move || Some(shell.close_reason().unwrap_or_default().to_owned()),
            );
        }
        Some(Target::Elsewhere(terminal)) => {
            let output = Arc::clone(&terminal.output);
            let offset = terminal.offset();
            stream_to(&state, s, output, Backlog::Chunks { offset }, move || {
                terminal.end()
            });
        }
        None => {
            let _ = s.disconnect();
        }
    }
}

/// What acks a relayed input or size with the owner's answer, if the client asked.
fn relayed_ack<A: Adapter>(s: &Arc<Socket<A>>, ack_id: &Option<i64>) -> Option<AckFn> {
    ack_id.as_ref()?;
    let mut unused = PacketValue::Bytes(bytes::Bytes::new());
    let Ok(sender) = AckSender::from_message_parts(s, &mut unused, ack_id);
    Some(Box::new(move |body: Value| {
        let _ = sender.send(&super::forwarded::checked(body));
    }))
}

/// Acks `body` if the client asked for an ack.
fn ack<A: Adapter>(s: &Arc<Socket<A>>, ack_id: &Option<i64>, body: &ErrorBody) {
    if ack_id.is_none() {
        return;
    }
    let mut unused = PacketValue::Bytes(bytes::Bytes::new());
    let Ok(sender) = AckSender::from_message_parts(s, &mut unused, ack_id);
    let _ = sender.send(body);
}

/// The argument of an event, read while socketioxide extracts it: extraction happens in
/// arrival order, handlers run concurrently, so keystrokes are taken here to keep their order.
fn argument<A: Adapter>(
    s: &Arc<Socket<A>>,
    v: &mut PacketValue,
    ack_id: &Option<i64>,
) -> Option<Value> {
    let Ok(TryData(argument)) = TryData::<Value>::from_message_parts(s, v, ack_id);
    argument.ok()
}

/// `data`: input for the shell, written in arrival order.
struct Keystrokes;

impl<A: Adapter> FromMessageParts<A> for Keystrokes {
    type Error = Infallible;

    fn from_message_parts(
        s: &Arc<Socket<A>>,
        v: &mut PacketValue,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        let Some(target) = s.extensions.get::<Target>() else {
            return Ok(Keystrokes);
        };
        if super::packet_len(v) > super::SHELL_INPUT_LIMIT {
            ack(
                s,
                ack_id,
                &super::too_large("shell input", super::SHELL_INPUT_LIMIT),
            );
            return Ok(Keystrokes);
        }
        match argument(s, v, ack_id) {
            Some(Value::String(text)) => {
                let written = match &target {
                    Target::Here(shell) => shell.write(text),
                    Target::Elsewhere(terminal) => terminal.write(text, relayed_ack(s, ack_id)),
                };
                if let Err(error) = written {
                    ack(s, ack_id, &ErrorBody::from(error));
                }
            }
            _ => ack(
                s,
                ack_id,
                &ErrorBody::new(
                    ErrorCode::InvalidRequest,
                    "the socket request was invalid: shell input is a string",
                ),
            ),
        }
        Ok(Keystrokes)
    }
}

/// `resize`: the terminal's new size, in order with the input.
struct Resize;

impl<A: Adapter> FromMessageParts<A> for Resize {
    type Error = Infallible;

    fn from_message_parts(
        s: &Arc<Socket<A>>,
        v: &mut PacketValue,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        let Some(target) = s.extensions.get::<Target>() else {
            return Ok(Resize);
        };
        if super::packet_len(v) > super::COMMAND_LIMIT {
            ack(
                s,
                ack_id,
                &super::too_large("a resize", super::COMMAND_LIMIT),
            );
            return Ok(Resize);
        }
        let argument = argument(s, v, ack_id);
        let size = argument
            .as_ref()
            .ok_or_else(|| "no size".to_owned())
            .and_then(|value| TerminalSize::from_wire(value).map_err(|e| e.to_string()));
        let size = match size {
            Ok(size) => size,
            Err(reason) => {
                let body = ErrorBody::new(
                    ErrorCode::InvalidRequest,
                    format!("the socket request was invalid: {reason}"),
                );
                ack(s, ack_id, &body);
                return Ok(Resize);
            }
        };
        let resized = match (&target, argument) {
            (Target::Here(shell), _) => shell.resize(size),
            // The owner answers a size it took: the ack comes from it.
            (Target::Elsewhere(terminal), Some(value)) => {
                terminal.resize(value, relayed_ack(s, ack_id))
            }
            (Target::Elsewhere(_), None) => return Ok(Resize),
        };
        match resized {
            Ok(()) => {
                if ack_id.is_some() && matches!(target, Target::Here(_)) {
                    let mut unused = PacketValue::Bytes(bytes::Bytes::new());
                    let Ok(sender) = AckSender::from_message_parts(s, &mut unused, ack_id);
                    let _ = sender.send(&serde_json::json!({ "payload": null }));
                }
            }
            Err(error) => ack(s, ack_id, &ErrorBody::from(error)),
        }
        Ok(Resize)
    }
}
