//! Log namespaces: `/logs/<labId>` and `/logs/<labId>/<containerId>` (PROTOCOL.md §5.4).
//!
//! Available only while the lab has an instance (and, for a node log, while the container
//! belongs to the running instance), to users who may see the lab. On connect a subscriber
//! gets the backlog as one array, then every later line in order. When its queue is full it
//! waits; when it falls behind the backlog it is disconnected, with a logged reason, and gets
//! the backlog again when it reconnects. No line is dropped silently. When the stream ends
//! (the lab was destroyed or redeployed), the subscriber gets every line it held, then is
//! disconnected, and the namespace is removed once nobody is left in it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use antimony_protocol::rest::InstanceState;
use antimony_protocol::{ConnectError, Namespace, event, is_well_formed_uuid};
use socketioxide::extract::{SocketRef, State};
use socketioxide::{SendError, SocketError, SocketIo};

use super::Refusal;
use crate::AppState;
use crate::logs::{Lagged, LogStream};
use crate::permissions::can_see_lab;
use crate::store::User;

/// Lines read from the backlog at a time.
const BATCH: usize = 256;
/// How long a new subscriber waits for a node log's history to be read.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(15);
/// How long a subscriber may stay unable to take a line before it is disconnected.
const STALL_LIMIT: Duration = Duration::from_secs(30);

/// Connect middleware: decides whether this namespace exists for this user now.
#[tracing::instrument(name = "socket", skip_all, fields(ns = %s.ns(), socket = %s.id), err(Display, level = "debug"))]
pub(super) async fn check_access(
    s: SocketRef,
    io: SocketIo,
    State(state): State<AppState>,
) -> Result<(), Refusal> {
    let result = access(&s, &state).await;
    if result.is_err() {
        super::remove_if_unused(&io, &state, s.ns());
    }
    let stream = result?;
    s.extensions.insert(stream);
    Ok(())
}

async fn access(s: &SocketRef, state: &AppState) -> Result<Arc<LogStream>, Refusal> {
    let invalid = || Refusal(ConnectError::InvalidNamespace);
    let (lab_id, container_id) = match Namespace::parse(s.ns()) {
        Ok(Namespace::LabLogs { lab_id }) => (lab_id, None),
        Ok(Namespace::NodeLogs {
            lab_id,
            container_id,
        }) => (lab_id, Some(container_id)),
        _ => return Err(invalid()),
    };
    if !is_well_formed_uuid(&lab_id) {
        return Err(invalid());
    }
    let user = s
        .extensions
        .get::<User>()
        .ok_or(Refusal(ConnectError::Unauthorized))?;
    let lab = state
        .store
        .lab(&lab_id)
        .await
        .ok()
        .flatten()
        .ok_or_else(invalid)?;
    if !can_see_lab(&user, &lab) {
        return Err(Refusal(ConnectError::NoAccess));
    }
    let instance = state.labs.instances.instance(&lab_id).ok_or_else(invalid)?;
    if let Some(container_id) = &container_id {
        let belongs = instance.state == InstanceState::Running
            && instance
                .nodes
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|n| &n.container_id == container_id);
        if !belongs {
            return Err(invalid());
        }
    }
    let stream = state.logs.get(s.ns()).ok_or_else(invalid)?;
    // A node log being re-read after a restart: connect once its history is in, so the
    // backlog is whole (clients reconcile reconnects against it; a partial backlog would look
    // like a log that started over).
    if !stream.caught_up(CATCH_UP_LIMIT).await {
        tracing::warn!(namespace = %s.ns(), "serving a node log whose history is still being read");
    }
    Ok(stream)
}

/// Connect handler: starts streaming to the subscriber.
pub(super) async fn on_connect(s: SocketRef, io: SocketIo, State(state): State<AppState>) {
    s.on_fallback(super::reject_input);
    let path = s.ns().to_owned();
    let cleanup_state = state.clone();
    s.on_disconnect(async move |s: SocketRef| {
        super::remove_if_unused(&io, &cleanup_state, s.ns());
    });
    let Some(stream) = s.extensions.get::<Arc<LogStream>>() else {
        let _ = s.disconnect();
        return;
    };
    let shutdown = state.shutdown.clone();
    state.tasks.spawn(async move {
        match pump(&s, &stream, &shutdown).await {
            Ok(()) | Err(Stop::Closed) => {}
            Err(Stop::Ended) => {
                tracing::debug!(socket = %s.id, namespace = %path, "log stream ended");
                let _ = s.disconnect();
            }
            Err(Stop::Slow(reason)) => {
                tracing::warn!(socket = %s.id, namespace = %path, %reason, "disconnecting a log subscriber that cannot keep up");
                let _ = s.disconnect();
            }
        }
    });
}

/// Why a subscriber stopped.
enum Stop {
    /// The socket went away.
    Closed,
    /// The stream ended and the subscriber has all of it.
    Ended,
    /// It cannot keep up; the reason is logged.
    Slow(String),
}

/// Sends the backlog, then every new line, until the socket goes away, the stream ends or the
/// server shuts down (socketioxide's close does not always mark sockets disconnected).
async fn pump(
    s: &SocketRef,
    stream: &LogStream,
    shutdown: &tokio_util::sync::CancellationToken,
) -> Result<(), Stop> {
    let mut watch = stream.watch();
    let mut closed = stream.watch_closed();
    let (backlog, mut cursor) = stream.backlog();
    send(s, event::BACKLOG, &backlog).await?;
    drop(backlog);
    loop {
        let (lines, next) = stream.read(cursor, BATCH).map_err(|Lagged { missed }| {
            Stop::Slow(format!("it fell {missed} lines behind the backlog"))
        })?;
        if lines.is_empty() {
            if !s.connected() || shutdown.is_cancelled() {
                return Ok(());
            }
            if stream.is_closed() {
                return Err(Stop::Ended);
            }
            // Wake on new lines or the end, and now and then to notice a closed socket.
            let _ = tokio::time::timeout(Duration::from_secs(1), async {
                tokio::select! {
                    _ = watch.changed() => {}
                    _ = closed.changed() => {}
                    () = shutdown.cancelled() => {}
                }
            })
            .await;
            continue;
        }
        for line in &lines {
            send(s, event::DATA, line.as_ref()).await?;
        }
        cursor = next;
    }
}

/// Emits, waiting while the socket's queue is full (backpressure) up to [`STALL_LIMIT`].
async fn send<T: serde::Serialize + ?Sized>(
    s: &SocketRef,
    event: &str,
    data: &T,
) -> Result<(), Stop> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        match s.emit(event, data) {
            Ok(()) => return Ok(()),
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                if started.elapsed() > STALL_LIMIT {
                    return Err(Stop::Slow(format!(
                        "its queue stayed full for {} s",
                        STALL_LIMIT.as_secs()
                    )));
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(50));
            }
            Err(SendError::Socket(SocketError::Closed)) => return Err(Stop::Closed),
            Err(error) => return Err(Stop::Slow(error.to_string())),
        }
    }
}
