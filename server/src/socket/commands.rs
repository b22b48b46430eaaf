//! `/lab-commands`: JSON-string (or object) commands with acks (PROTOCOL.md §5.5).
//!
//! socketioxide runs event handlers concurrently, so commands are queued while they are
//! *extracted*, which happens in arrival order; one worker per socket then admits them in
//! that order: the next command is admitted once the previous one has its place in its lab's
//! order (see `lab::admit`). Admitted commands run in the background and ack when done
//! (deploys and destroys when containerlab is).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::{ErrorBody, ErrorCode, LabCommandData, event};
use serde_json::Value;
use socketioxide::adapter::LocalAdapter;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::{FromMessageParts, Value as PacketValue};
use socketioxide::socket::Socket;
use socketioxide::{SendError, SocketError};
use tokio::sync::mpsc;
use tracing::Instrument;

use crate::AppState;
use crate::lab::{self, LabError, Origin, Outcome};
use crate::store::User;

/// One received command: its argument (if it had one) and where to ack (if the client asked).
struct Queued {
    argument: Option<Value>,
    ack: Option<AckTarget>,
}

/// A socket and an ack id: an `AckSender` is consumed by one attempt, so a retry needs this.
struct AckTarget {
    socket: Arc<Socket<LocalAdapter>>,
    id: i64,
}

impl AckTarget {
    fn sender(&self) -> AckSender {
        let mut unused = PacketValue::Bytes(bytes::Bytes::new());
        match AckSender::from_message_parts(&self.socket, &mut unused, &Some(self.id)) {
            Ok(sender) => sender,
            Err(never) => match never {},
        }
    }
}

/// The socket's command queue, kept in its extensions.
#[derive(Clone)]
struct CommandQueue(mpsc::Sender<Queued>);

/// Commands a socket may have waiting; more are refused at once rather than piling up.
const QUEUE_LIMIT: usize = 64;

/// An extractor that queues the event while socketioxide extracts it (in arrival order).
struct Enqueue;

impl FromMessageParts<LocalAdapter> for Enqueue {
    type Error = Infallible;

    fn from_message_parts(
        s: &Arc<Socket<LocalAdapter>>,
        v: &mut PacketValue,
        ack_id: &Option<i64>,
    ) -> Result<Self, Infallible> {
        let ack = ack_id.map(|id| AckTarget {
            socket: Arc::clone(s),
            id,
        });
        if super::packet_len(v) > super::COMMAND_LIMIT {
            if let Some(ack) = ack {
                let body = super::too_large("a lab command", super::COMMAND_LIMIT);
                let _ = ack.sender().send(&body);
            }
            return Ok(Enqueue);
        }
        let TryData(argument) = match TryData::<Value>::from_message_parts(s, v, ack_id) {
            Ok(data) => data,
            Err(never) => match never {},
        };
        let argument = argument.ok();
        if let Some(CommandQueue(queue)) = s.extensions.get::<CommandQueue>()
            && let Err(mpsc::error::TrySendError::Full(refused)) =
                queue.try_send(Queued { argument, ack })
            && let Some(ack) = refused.ack
        {
            let body = ErrorBody::new(
                ErrorCode::ServerError,
                format!(
                    "too many lab commands are waiting on this connection (at most {QUEUE_LIMIT})"
                ),
            );
            let _ = ack.sender().send(&body);
        }
        Ok(Enqueue)
    }
}

/// Connect middleware: sets up the queue and its worker before the client can send.
pub(super) async fn setup(
    s: SocketRef,
    State(state): State<AppState>,
) -> Result<(), super::Refusal> {
    let user = s.extensions.get::<User>().ok_or(super::Refusal(
        antimony_protocol::ConnectError::Unauthorized,
    ))?;
    let (tx, rx) = mpsc::channel(QUEUE_LIMIT);
    s.extensions.insert(CommandQueue(tx));
    s.on(event::DATA, async |_: Enqueue| {});
    s.on_fallback(super::reject_input);
    tokio::spawn(worker(state, user, rx));
    Ok(())
}

/// Connect handler.
pub(super) async fn on_connect(s: SocketRef) {
    tracing::debug!(socket = %s.id, "lab-commands connected");
}

/// An ack's body: `{payload}`, or `{code, message}`.
type Reply = Result<serde_json::Value, ErrorBody>;

/// The ack body of a domain error; a server fault is logged and answered generically.
fn error_body(error: &LabError) -> ErrorBody {
    if error.is_internal() {
        tracing::error!(%error, "lab command failed");
        return ErrorBody::from_code(ErrorCode::ServerError);
    }
    ErrorBody::new(error.code(), error.to_string())
}

/// The ack payload of an outcome.
fn payload(outcome: Outcome) -> serde_json::Value {
    match outcome {
        Outcome::Done => serde_json::Value::Null,
        Outcome::ShellOpened(id) => serde_json::Value::String(id),
        // The Go server answers `null` when there are none.
        Outcome::Shells(shells) if shells.is_empty() => serde_json::Value::Null,
        Outcome::Shells(shells) => serde_json::to_value(shells).unwrap_or_default(),
    }
}

/// Admits the socket's commands one after the other, each once the previous has its place.
#[tracing::instrument(name = "lab-commands", skip_all, fields(user = %user.id))]
async fn worker(state: AppState, user: User, mut queue: mpsc::Receiver<Queued>) {
    while let Some(Queued { argument, ack }) = queue.recv().await {
        let command = match argument {
            Some(argument) => LabCommandData::from_wire(&argument).map_err(|e| {
                let code = e.lab_command_code();
                let message = if code == ErrorCode::ServerError {
                    "the provided lab command was invalid".to_owned()
                } else {
                    format!("{}: {e}", ErrorCode::InvalidRequest.message())
                };
                ErrorBody::new(code, message)
            }),
            None => Err(ErrorBody::new(
                ErrorCode::InvalidRequest,
                "the socket request was invalid: the event has no argument",
            )),
        };
        let command = match command {
            Ok(command) => command,
            Err(body) => {
                reply(ack, Err(body)).await;
                continue;
            }
        };
        match lab::admit(&state.labs, &user, command, Origin::User).await {
            Ok(admitted) => {
                tokio::spawn(
                    async move {
                        let result = admitted.run().await;
                        reply(ack, result.map(payload).map_err(|e| error_body(&e))).await;
                    }
                    .instrument(tracing::Span::current()),
                );
            }
            Err(error) => {
                tokio::spawn(reply(ack, Err(error_body(&error))));
            }
        }
    }
}

/// Acks with `{payload}` or `{code, message}`; a command sent without an ack gets none.
async fn reply(ack: Option<AckTarget>, result: Reply) {
    let Some(ack) = ack else { return };
    let body = match result {
        Ok(payload) => serde_json::json!({ "payload": payload }),
        Err(error) => serde_json::to_value(error).unwrap_or(Value::Null),
    };
    for _ in 0..50 {
        match ack.sender().send(&body) {
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(error) => {
                tracing::debug!(%error, "cannot ack a lab command");
                return;
            }
            Ok(()) => return,
        }
    }
    tracing::warn!("dropped a lab command ack: the client's queue stayed full");
}
