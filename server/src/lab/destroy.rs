//! Destroy (PROTOCOL.md §6.5), and forgetting a deleted lab.

use std::sync::Arc;

use antimony_protocol::Namespace;
use antimony_protocol::rest::InstanceState;
use tokio::sync::OwnedMutexGuard;

use super::Labs;
use super::locks::{LabSlot, lock};
use super::{
    LabError, LabMessages, Outcome, followers, lab_log, lab_updated, messages, run_dir, set_state,
};
use crate::store::LabRecord;

/// A destroy with its place in the lab's order.
#[derive(Debug)]
pub(super) struct Ticket {
    lab: LabRecord,
    messages: LabMessages,
    slot: Arc<LabSlot>,
    _turn: OwnedMutexGuard<()>,
}

/// Cancels a running deploy of the lab, then waits for the lab's turn.
pub(super) async fn admit(labs: &Labs, lab: LabRecord) -> Ticket {
    let slot = labs.locks.slot(&lab.id);
    let messages = messages(labs, &lab).await;
    let cancel = lock(&slot.deploy_cancel).clone();
    if let Some(cancel) = cancel.filter(|c| !c.is_cancelled()) {
        cancel.cancel();
        messages.send(
            &labs.events,
            Some(&lab_log(labs, &lab.id)),
            messages.cancelling(),
        );
        lab_updated(labs, &lab.id);
    }
    let turn = Arc::clone(&slot.op).lock_owned().await;
    Ticket {
        lab,
        messages,
        slot,
        _turn: turn,
    }
}

/// Destroys the lab's instance.
#[tracing::instrument(skip_all, fields(lab = %ticket.lab.id))]
pub(super) async fn run(labs: &Labs, ticket: Ticket) -> Result<Outcome, LabError> {
    let Ticket {
        lab,
        messages,
        slot,
        _turn,
    } = ticket;
    if labs.instances.instance(&lab.id).is_none() {
        return Err(LabError::NotRunning);
    }
    labs.shells
        .close_lab(&lab.id, antimony_protocol::close_reason::NODE_STOPPED);
    let log = lab_log(labs, &lab.id);
    set_state(labs, &lab.id, InstanceState::Stopping);
    messages.send(&labs.events, Some(&log), messages.destroying());
    let run_file = run_dir::run_file(labs, &lab.id);
    if run_file.exists() {
        if let Err(e) = labs.driver.destroy(run_file, Arc::clone(&log)).await {
            messages.send(
                &labs.events,
                Some(&log),
                messages.destroy_failed(&e.to_string()),
            );
            return Err(LabError::Containerlab(e));
        }
    } else {
        // The environment was never created (a failed first deploy): nothing to destroy.
        log.push("[antimony] no run environment: nothing for containerlab to destroy");
    }
    close_streams(labs, &slot, &lab.id);
    labs.instances.remove_instance(&lab.id);
    lab_updated(labs, &lab.id);
    messages.send(&labs.events, None, messages.destroyed());
    Ok(Outcome::Done)
}

/// Ends the lab's log streams: connected subscribers see them end, new ones are refused,
/// and the next deployment starts an empty lab log.
fn close_streams(labs: &Labs, slot: &LabSlot, lab_id: &str) {
    followers::stop(labs, slot, lab_id);
    labs.logs.remove(&Namespace::lab_logs(lab_id).path());
}

/// Forgets a deleted lab: its streams, its coordination state and its instance.
pub fn forget_lab(labs: &Labs, lab_id: &str) {
    let slot = labs.locks.slot(lab_id);
    labs.shells
        .close_lab(lab_id, antimony_protocol::close_reason::NODE_STOPPED);
    close_streams(labs, &slot, lab_id);
    labs.locks.forget(lab_id);
    labs.instances.forget(lab_id);
}
