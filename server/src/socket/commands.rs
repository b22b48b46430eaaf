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

use antimony_protocol::{ErrorBody, ErrorCode, event};
use serde_json::Value;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{AckSender, SocketRef, State, TryData};
use socketioxide::handler::{FromMessageParts, Value as PacketValue};
use socketioxide::socket::Socket;
use socketioxide::{SendError, SocketError};
use tokio::sync::mpsc;
use tracing::Instrument;

use super::acks::{Reply, ack_body, error_body, parse, payload};
use crate::AppState;
use crate::lab::{self, Origin};
use crate::store::User;

/// One received command: its argument (if it had one) and where to ack (if the client asked).
struct Queued<A: Adapter> {
    argument: Option<Value>,
    ack: Option<AckTarget<A>>,
}

/// A socket and an ack id: an `AckSender` is consumed by one attempt, so a retry needs this.
struct AckTarget<A: Adapter> {
    socket: Arc<Socket<A>>,
    id: i64,
}

impl<A: Adapter> AckTarget<A> {
    fn sender(&self) -> AckSender<A> {
        let mut unused = PacketValue::Bytes(bytes::Bytes::new());
        match AckSender::from_message_parts(&self.socket, &mut unused, &Some(self.id)) {
            Ok(sender) => sender,
            Err(never) => match never {},
        }
    }
}

/// The socket's command queue, kept in its extensions.
struct CommandQueue<A: Adapter>(mpsc::Sender<Queued<A>>);

impl<A: Adapter> Clone for CommandQueue<A> {
    fn clone(&self) -> Self {
        CommandQueue(self.0.clone())
    }
}

/// Commands a socket may have waiting; more are refused at once rather than piling up.
const QUEUE_LIMIT: usize = 64;

/// An extractor that queues the event while socketioxide extracts it (in arrival order).
struct Enqueue;

impl<A: Adapter> FromMessageParts<A> for Enqueue {
    type Error = Infallible;

    fn from_message_parts(
        s: &Arc<Socket<A>>,
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
        if let Some(CommandQueue(queue)) = s.extensions.get::<CommandQueue<A>>()
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
pub(super) async fn setup<A: Adapter>(
    s: SocketRef<A>,
    State(state): State<AppState>,
) -> Result<(), super::Refusal> {
    let user = s.extensions.get::<User>().ok_or(super::Refusal(
        antimony_protocol::ConnectError::Unauthorized,
    ))?;
    let (tx, rx) = mpsc::channel(QUEUE_LIMIT);
    s.extensions.insert(CommandQueue::<A>(tx));
    s.on(event::DATA, async |_: Enqueue| {});
    s.on_fallback(super::reject_input);
    tokio::spawn(worker(state, user, rx));
    Ok(())
}

/// Connect handler.
pub(super) async fn on_connect<A: Adapter>(s: SocketRef<A>) {
    tracing::debug!(socket = %s.id, "lab-commands connected");
}

/// Admits the socket's commands one after the other, each once the previous has its place.
/// With several instances, a command for a lab another instance owns is forwarded to it, and
/// the next one waits until the owner has admitted it.
#[tracing::instrument(name = "lab-commands", skip_all, fields(user = %user.id))]
async fn worker<A: Adapter>(state: AppState, user: User, mut queue: mpsc::Receiver<Queued<A>>) {
    while let Some(Queued { argument, ack }) = queue.recv().await {
        let command = match parse(argument.as_ref()) {
            Ok(command) => command,
            Err(body) => {
                reply(ack, Err(body)).await;
                continue;
            }
        };
        if let Some(cluster) = &state.cluster {
            match super::forwarded::route(cluster, &command).await {
                Ok(crate::cluster::Route::Here) => {}
                Ok(crate::cluster::Route::Owner(owner)) => {
                    let finished =
                        super::forwarded::forward(cluster, &owner, &user, &command, argument).await;
                    tokio::spawn(
                        async move { send_body(ack, finished.await).await }
                            .instrument(tracing::Span::current()),
                    );
                    continue;
                }
                Err(error) => {
                    tracing::error!(%error, "cannot find a lab's owner");
                    tokio::spawn(reply(
                        ack,
                        Err(ErrorBody::from_code(ErrorCode::ServerError)),
                    ));
                    continue;
                }
            }
        }
        match lab::admit(&state.labs, &user, command, Origin::User).await {
            Ok(admitted) => {
                let state = state.clone();
                tokio::spawn(
                    async move {
                        let result = admitted.run().await;
                        super::forwarded::place_opened(&state, &result).await;
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
async fn reply<A: Adapter>(ack: Option<AckTarget<A>>, result: Reply) {
    send_body(ack, ack_body(result)).await;
}

/// Acks with a body, retrying while the client's queue is full.
async fn send_body<A: Adapter>(ack: Option<AckTarget<A>>, body: Value) {
    let Some(ack) = ack else { return };
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
