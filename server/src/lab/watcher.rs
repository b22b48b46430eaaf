//! Container events (PROTOCOL.md §6.8): node state changes and lab updates as Docker reports
//! them.

use std::time::Duration;

use antimony_protocol::rest::NodeState;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::Labs;
use super::lab_updated;

/// Turns container events into node state changes and lab updates until `shutdown`;
/// reconnects with back-off when the engine's event stream ends.
pub async fn watch_container_events(labs: Labs, shutdown: CancellationToken) {
    let mut delay = Duration::from_secs(1);
    loop {
        let mut events = labs.driver.events();
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                next = events.next() => match next {
                    Some(Ok(event)) => {
                        delay = Duration::from_secs(1);
                        let new_state = match event.action.as_str() {
                            "start" => Some(NodeState::Running),
                            "die" | "stop" => Some(NodeState::Exited),
                            _ => None,
                        };
                        if let Some(lab_id) = labs.instances.lab_of_container(&event.container_id) {
                            if let Some(new_state) = new_state {
                                labs.instances.set_node_state(&lab_id, &event.container_id, new_state);
                            }
                            lab_updated(&labs, &lab_id);
                        }
                    }
                    Some(Err(error)) => {
                        tracing::debug!(%error, "container events unavailable");
                        break;
                    }
                    None => break,
                },
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}
