//! Streaming a [`LogStream`] to one subscriber: the backlog on connect, then every new line
//! (or shell output chunk) in order, with backpressure. When its queue is full the sender
//! waits; when it falls behind the backlog, or stays unable to take anything for
//! [`STALL_LIMIT`], it is disconnected with a logged reason (it gets the backlog again when
//! it reconnects). A shell's terminal never falls behind: it holds the shell's output back
//! instead (`LogStream::hold`). When the stream ends, the subscriber gets what it held, then
//! is disconnected. Nothing is dropped silently.

use std::sync::Arc;
use std::time::{Duration, Instant};

use antimony_protocol::event;
use socketioxide::adapter::Adapter;
use socketioxide::extract::SocketRef;
use socketioxide::{SendError, SocketError};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::logs::{Lagged, LogStream};

/// Lines read from the backlog at a time; also the most lines of one `lines` event.
const BATCH: usize = 256;
/// The most bytes of lines one `lines` event gathers (one longer line is sent alone).
const BATCH_BYTES: usize = 256 * 1024;
/// How long a `lines` event waits for more lines when fewer than [`BATCH`] are there: a
/// single line is held back at most this long.
const BATCH_WINDOW: Duration = Duration::from_millis(2);

/// Marks a socket that asked for batched log lines (`auth.logBatch: true`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogBatching;
/// How long a subscriber may stay unable to take a line before it is disconnected.
const STALL_LIMIT: Duration = Duration::from_secs(30);

/// How the backlog is sent on connect, and what happens when the stream ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Backlog {
    /// A log's: one array, its first line a marker when lines were trimmed. When the log
    /// ends, the subscriber is disconnected.
    Lines,
    /// A shell's: the chunks as they are, and (an extension, a second argument) where they
    /// start in the shell's output, the stream's first byte being at `offset` (a copy of
    /// another instance's shell starts where its backlog did). When the shell ends, the
    /// subscriber gets `closed` (an extension) and stays connected: its input is then
    /// answered 5007, as on the Go server.
    Chunks {
        /// Where the stream's first byte is in the shell's output.
        offset: u64,
    },
}

/// Streams `stream` to the socket in a tracked background task.
/// `ended` gives the `closed` event's reason for a shell (`None`: the stream broke off, the
/// subscriber is disconnected and must attach again).
pub(super) fn stream_to<A: Adapter>(
    state: &AppState,
    s: SocketRef<A>,
    stream: Arc<LogStream>,
    backlog: Backlog,
    ended: impl FnOnce() -> Option<String> + Send + 'static,
) {
    let shutdown = state.shutdown.clone();
    let batching = backlog == Backlog::Lines && s.extensions.get::<LogBatching>().is_some();
    state.tasks.spawn(async move {
        let path = s.ns().to_owned();
        let pumped = if batching {
            pump_batches(&s, &stream, &shutdown).await
        } else {
            pump(&s, &stream, backlog, &shutdown).await
        };
        match pumped {
            Ok(()) | Err(Stop::Closed) => {}
            Err(Stop::Ended) if matches!(backlog, Backlog::Chunks { .. }) => match ended() {
                Some(reason) => {
                    let reason = serde_json::json!({ "reason": reason });
                    let _ = send(&s, event::CLOSED, &reason).await;
                }
                None => {
                    tracing::warn!(socket = %s.id, namespace = %path, "a shell's output broke off; disconnecting its terminal");
                    let _ = s.disconnect();
                }
            },
            Err(Stop::Ended) => {
                tracing::debug!(socket = %s.id, namespace = %path, "stream ended");
                let _ = s.disconnect();
            }
            Err(Stop::Slow(reason)) => {
                tracing::warn!(socket = %s.id, namespace = %path, %reason, "disconnecting a subscriber that cannot keep up");
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
async fn pump<A: Adapter>(
    s: &SocketRef<A>,
    stream: &Arc<LogStream>,
    form: Backlog,
    shutdown: &CancellationToken,
) -> Result<(), Stop> {
    let mut watch = stream.watch();
    let mut closed = stream.watch_closed();
    let (mut cursor, hold) = match form {
        Backlog::Lines => {
            let (backlog, cursor) = stream.backlog();
            send(s, event::BACKLOG, &backlog).await?;
            (cursor, None)
        }
        Backlog::Chunks { offset } => {
            let (chunks, cursor, mut position) = stream.chunks();
            position.start += offset;
            position.end += offset;
            // A terminal holds the shell's output back while it is behind (LogStream::hold):
            // it gets every byte written while it is attached.
            let hold = stream.hold(cursor);
            // A tuple is sent as two arguments; clients that expect one ignore the second.
            send(s, event::BACKLOG, &(chunks, position)).await?;
            (cursor, Some(hold))
        }
    };
    loop {
        let (lines, next) = stream.read(cursor, BATCH).map_err(lagged)?;
        if lines.is_empty() {
            idle(s, stream, (&mut watch, &mut closed), shutdown).await?;
            continue;
        }
        for line in &lines {
            send(s, event::DATA, line.as_ref()).await?;
            cursor += 1;
            if let Some(hold) = &hold {
                hold.advance(cursor);
            }
        }
        debug_assert_eq!(cursor, next);
    }
}

/// [`pump`] for a log subscriber that asked for batches: the backlog, then the new lines as
/// `lines` arrays of at most [`BATCH`] lines and [`BATCH_BYTES`] bytes, gathered for at most
/// [`BATCH_WINDOW`]. The cursor, the trim marker and the end work as for single lines.
async fn pump_batches<A: Adapter>(
    s: &SocketRef<A>,
    stream: &Arc<LogStream>,
    shutdown: &CancellationToken,
) -> Result<(), Stop> {
    let mut watch = stream.watch();
    let mut closed = stream.watch_closed();
    let (backlog, mut cursor) = stream.backlog();
    send(s, event::BACKLOG, &backlog).await?;
    loop {
        let (mut lines, mut next) = stream.read(cursor, BATCH).map_err(lagged)?;
        if lines.is_empty() {
            idle(s, stream, (&mut watch, &mut closed), shutdown).await?;
            continue;
        }
        // A few lines: give the writer a moment to add more, so a busy log goes out in
        // fewer, larger events.
        if lines.len() < BATCH && !stream.is_closed() {
            let deadline = tokio::time::Instant::now() + BATCH_WINDOW;
            while lines.len() < BATCH
                && tokio::time::timeout_at(deadline, watch.changed())
                    .await
                    .is_ok()
            {
                let (more, after) = stream.read(next, BATCH - lines.len()).map_err(lagged)?;
                lines.extend(more);
                next = after;
            }
        }
        let mut batch: Vec<&str> = Vec::with_capacity(lines.len());
        let mut bytes = 0;
        for line in &lines {
            if !batch.is_empty() && bytes + line.len() > BATCH_BYTES {
                send(s, event::LINES, &batch).await?;
                batch.clear();
                bytes = 0;
            }
            bytes += line.len();
            batch.push(line.as_ref());
        }
        if !batch.is_empty() {
            send(s, event::LINES, &batch).await?;
        }
        cursor = next;
    }
}

/// A subscriber that fell behind the backlog.
fn lagged(Lagged { missed }: Lagged) -> Stop {
    Stop::Slow(format!("it fell {missed} lines behind the backlog"))
}

/// With nothing to read: `Ok` once there may be (new lines, the end, or a second passed, to
/// notice a closed socket); the stop when the socket is gone, the server shuts down
/// (`Stop::Closed` stands for both: nothing is left to send) or the stream has ended.
async fn idle<A: Adapter>(
    s: &SocketRef<A>,
    stream: &LogStream,
    (watch, closed): (&mut watch::Receiver<u64>, &mut watch::Receiver<bool>),
    shutdown: &CancellationToken,
) -> Result<(), Stop> {
    if !s.connected() || shutdown.is_cancelled() {
        return Err(Stop::Closed);
    }
    if stream.is_closed() {
        return Err(Stop::Ended);
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        tokio::select! {
            _ = watch.changed() => {}
            _ = closed.changed() => {}
            () = shutdown.cancelled() => {}
        }
    })
    .await;
    Ok(())
}

/// How many times a sender finding the queue full yields before it sleeps.
const FULL_YIELDS: u32 = 16;

/// Emits, waiting while the socket's queue is full (backpressure) up to [`STALL_LIMIT`].
///
/// socketioxide cannot say when the queue has room again, and a timer sleeps at least a
/// millisecond, in which the socket's writer empties a full queue and then idles: at a line
/// per packet that capped a fast subscriber near 1,024 lines a millisecond. So a full queue
/// is first retried across a few yields (the writer, draining on another worker, frees a
/// slot within microseconds); only a queue that stays full (a slow subscriber) sleeps.
async fn send<A: Adapter, T: serde::Serialize + ?Sized>(
    s: &SocketRef<A>,
    event: &str,
    data: &T,
) -> Result<(), Stop> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    let mut yields = 0;
    loop {
        match s.emit(event, data) {
            Ok(()) => return Ok(()),
            Err(SendError::Socket(SocketError::InternalChannelFull)) if yields < FULL_YIELDS => {
                yields += 1;
                tokio::task::yield_now().await;
            }
            Err(SendError::Socket(SocketError::InternalChannelFull)) => {
                yields = 0;
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
