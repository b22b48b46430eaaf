//! Logs across instances. A client of this instance subscribing to the log of a lab another
//! instance owns gets a local copy of that log ([`follow`]): the owner sends its lines, with
//! its sequence numbers, from the first it keeps, then every new one ([`serve_follows`]), and
//! this instance appends them to the copy ([`apply_lines`]), which its socket layer streams
//! like any log (backpressure and all). One copy per log and instance, whatever the number of
//! subscribers, so the adapter's cost does not grow with them.
//!
//! Sequence numbers make the copy exact: a line already copied is skipped, and a gap (a batch
//! lost between instances) is marked with a line saying how many are missing. When the owner
//! dies and this instance takes the lab over, the copy becomes the lab's own log ([`adopt`]):
//! recovery writes on after the last copied line, so a subscriber sees no line twice. A node
//! log's lines come with the time the node printed them, so the node-log follower recovery
//! starts reads the node on after the copy's last line (`lab::followers`), as a follower
//! does after its container restarted.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use antimony_protocol::Namespace;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::forward::BATCH_LINES;
use super::lines::first_within;
use super::{Cluster, Follow, LineBatch};
use crate::lab::Labs;
use crate::logs::{Lagged, LogStream};

/// The most bytes of lines one batch gathers (one longer line goes alone).
const BATCH_BYTES: usize = 256 * 1024;

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A log path this relay carries: a lab log or a node log of a well-formed lab id.
fn relayed(path: &str) -> Option<String> {
    match Namespace::parse(path) {
        Ok(Namespace::LabLogs { lab_id } | Namespace::NodeLogs { lab_id, .. })
            if antimony_protocol::is_well_formed_uuid(&lab_id) =>
        {
            Some(lab_id)
        }
        _ => None,
    }
}

/// The local copy of a log `owner` writes, made (and asked for) if this instance has none.
/// Subscribers wait for its first lines (`LogStream::caught_up`), so their backlog is whole.
pub async fn follow(
    cluster: &Cluster,
    labs: &Labs,
    path: &str,
    owner: &str,
    capacity: usize,
) -> Option<Arc<LogStream>> {
    relayed(path)?;
    let stream = {
        let mut mirrors = lock(&cluster.0.mirrors);
        if mirrors.contains_key(path)
            && let Some(stream) = labs.logs.get(path)
        {
            return Some(stream);
        }
        mirrors.insert(path.to_owned(), 0);
        let stream = labs.logs.open(path, capacity);
        stream.mark_catching_up();
        stream
    };
    let request = Follow {
        from: cluster.instance().to_owned(),
        path: path.to_owned(),
        after: 0,
    };
    if let Err(error) = cluster.forwarder().follow(owner, &request).await {
        tracing::warn!(%error, owner, path, "cannot follow a log on its owner");
        lock(&cluster.0.mirrors).remove(path);
        labs.logs.remove(path);
        return None;
    }
    Some(stream)
}

/// Appends the lines of followed logs to their copies, until `shutdown`.
pub async fn apply_lines(
    cluster: Cluster,
    labs: Labs,
    mut batches: mpsc::Receiver<LineBatch>,
    shutdown: CancellationToken,
) {
    while let Some(Some(batch)) = shutdown.run_until_cancelled(batches.recv()).await {
        if batch.lines.len() > BATCH_LINES {
            tracing::warn!(
                lines = batch.lines.len(),
                "dropped an oversized batch of log lines"
            );
            continue;
        }
        let (first, path, closed) = (batch.first, batch.path.clone(), batch.closed);
        let Some(lines) = batch.into_stamped() else {
            tracing::warn!(%path, "dropped a batch of log lines whose times do not match");
            continue;
        };
        let mut mirrors = lock(&cluster.0.mirrors);
        let Some(next) = mirrors.get_mut(&path) else {
            continue;
        };
        let Some(stream) = labs.logs.get(&path) else {
            mirrors.remove(&path);
            continue;
        };
        if first > *next {
            let missing = first - *next;
            tracing::warn!(%path, missing, "lines of a followed log were lost");
            stream.push(format!(
                "[antimony] {missing} line(s) of this log were lost between servers"
            ));
            *next = first;
        }
        let skip = usize::try_from(*next - first).unwrap_or(usize::MAX);
        let end = first + lines.len() as u64;
        stream.push_stamped(lines.into_iter().skip(skip));
        *next = (*next).max(end);
        stream.mark_caught_up();
        if closed {
            mirrors.remove(&path);
            drop(mirrors);
            labs.logs.remove(&path);
        }
    }
}

/// Makes the copies of a lab's logs this instance's own (it took the lab over).
pub(super) fn adopt(cluster: &Cluster, labs: &Labs, lab_id: &str) {
    let prefix = format!("/logs/{lab_id}");
    let mut mirrors = lock(&cluster.0.mirrors);
    mirrors.retain(|path, _| {
        let adopted = path == &prefix || path.starts_with(&format!("{prefix}/"));
        if adopted && let Some(stream) = labs.logs.get(path) {
            stream.mark_caught_up();
        }
        !adopted
    });
}

/// Sends the logs other instances follow here, until `shutdown`: one sender per log and
/// follower, from the line asked for until the log ends.
pub async fn serve_follows(
    cluster: Cluster,
    labs: Labs,
    mut follows: mpsc::Receiver<Follow>,
    shutdown: CancellationToken,
) {
    let senders: Arc<Mutex<HashSet<(String, String)>>> = Arc::default();
    while let Some(Some(follow)) = shutdown.run_until_cancelled(follows.recv()).await {
        if relayed(&follow.path).is_none() || !crate::config::valid_instance(&follow.from) {
            tracing::warn!("dropped a malformed log follow");
            continue;
        }
        let key = (follow.from.clone(), follow.path.clone());
        if !lock(&senders).insert(key.clone()) {
            continue;
        }
        let (cluster, labs, senders, shutdown) = (
            cluster.clone(),
            labs.clone(),
            Arc::clone(&senders),
            shutdown.clone(),
        );
        labs.tasks.clone().spawn(async move {
            send_log(&cluster, &labs, &follow, &shutdown).await;
            lock(&senders).remove(&key);
        });
    }
}

/// Sends one log to its follower until it ends (then says so) or the server stops.
async fn send_log(cluster: &Cluster, labs: &Labs, follow: &Follow, shutdown: &CancellationToken) {
    let send = async |first: u64, lines: Vec<String>, times: Vec<_>, closed: bool| {
        let batch = LineBatch {
            path: follow.path.clone(),
            first,
            lines,
            times,
            closed,
        };
        cluster.forwarder().send_lines(&follow.from, &batch).await
    };
    let Some(stream) = labs.logs.get(&follow.path) else {
        let _ = send(follow.after, Vec::new(), Vec::new(), true).await;
        return;
    };
    let (mut watch, mut closed) = (stream.watch(), stream.watch_closed());
    let mut cursor = follow.after;
    loop {
        // Marked seen before reading: a line pushed after the read wakes the wait below.
        watch.borrow_and_update();
        let (lines, mut times) = match stream.read_stamped(cursor, BATCH_LINES) {
            Ok((lines, times, _)) => (lines, times),
            // Trimmed before it was sent: the follower marks the gap.
            Err(Lagged { missed }) => {
                cursor += missed;
                continue;
            }
        };
        if lines.is_empty() {
            if stream.is_closed() {
                let _ = send(cursor, Vec::new(), Vec::new(), true).await;
                return;
            }
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = watch.changed() => {}
                _ = closed.changed() => {}
            }
            continue;
        }
        let batch = first_within(&lines, BATCH_BYTES);
        let count = batch.len() as u64;
        times.truncate(batch.len());
        if times.iter().all(Option::is_none) {
            // The lab log's lines have no times: its batches stay as they were.
            times.clear();
        }
        if let Err(error) = send(cursor, batch, times, false).await {
            tracing::warn!(%error, path = %follow.path, "cannot send a followed log; the follower stops getting it");
            return;
        }
        cursor += count;
    }
}
