//! Node log followers: each node's container output into its node log stream
//! (`/logs/<labId>/<containerId>`), for as long as the instance lives.

use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::rest::InstanceNode;
use antimony_protocol::{Namespace, Timestamp};
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::Labs;
use super::locks::{LabSlot, lock};
use crate::logs::LogStream;

/// Follows every node's container log into its node log stream until the instance ends
/// (or the server stops: the followers are tracked background tasks).
pub(super) fn start(labs: &Labs, slot: &LabSlot, lab_id: &str, nodes: &[InstanceNode]) {
    let token = labs.shutdown.child_token();
    if let Some(old) = lock(&slot.followers).replace(token.clone()) {
        old.cancel();
    }
    for node in nodes {
        let stream = labs.logs.open(
            &Namespace::node_logs(lab_id, &node.container_id).path(),
            labs.settings.node_log_backlog,
        );
        if stream.is_empty() {
            stream.mark_catching_up();
        }
        labs.tasks.spawn(follow(
            labs.clone(),
            token.clone(),
            node.container_id.clone(),
            stream,
        ));
    }
}

/// Stops the lab's followers and closes its node log streams: their subscribers see the
/// streams end, and new ones are refused.
pub(super) fn stop(labs: &Labs, slot: &LabSlot, lab_id: &str) {
    if let Some(token) = lock(&slot.followers).take() {
        token.cancel();
    }
    labs.logs
        .remove_prefixed(&format!("{}/", Namespace::lab_logs(lab_id).path()));
}

/// Follows one container's output into its node log. It first reads the output so far
/// (then the stream counts as caught up, so subscribers get a whole backlog), then follows.
/// A stream that already has timed lines (another instance's node log this one copied, then
/// took over with its lab: `cluster::relay`) is read on after its last line instead.
/// When the stream ends (the container stopped), it follows again from the last line's
/// time, skipping lines already seen, so nothing printed in between is lost or repeated.
#[tracing::instrument(skip_all, fields(container = %container_id))]
async fn follow(
    labs: Labs,
    token: CancellationToken,
    container_id: String,
    stream: Arc<LogStream>,
) {
    let mut delay = Duration::from_millis(200);
    let mut last: Option<Timestamp> = stream.last_time();
    let mut caught_up = false;
    loop {
        let mut lines = labs.driver.node_logs(container_id.clone(), last, caught_up);
        let mut failed = false;
        loop {
            tokio::select! {
                () = token.cancelled() => return,
                next = lines.next() => match next {
                    Some(Ok(line)) => {
                        if let (Some(time), Some(seen)) = (line.time, last)
                            && time <= seen
                        {
                            continue;
                        }
                        if line.time.is_some() {
                            last = line.time;
                        }
                        stream.push_stamped([(line.text, line.time)]);
                        delay = Duration::from_millis(200);
                    }
                    Some(Err(error)) => {
                        tracing::debug!(%error, "node log stream failed");
                        failed = true;
                        break;
                    }
                    None => break,
                },
            }
        }
        if !caught_up && !failed {
            // The history is in: follow from here on, right away.
            caught_up = true;
            stream.mark_caught_up();
            continue;
        }
        tokio::select! {
            () = token.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}
