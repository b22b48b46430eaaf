//! Destroy (PROTOCOL.md §6.5), and forgetting a deleted lab.

use std::sync::Arc;

use antimony_protocol::Namespace;
use antimony_protocol::rest::InstanceState;
use tokio::sync::OwnedMutexGuard;

use super::locks::{LabSlot, lock};
use super::{
    LabError, LabMessages, Outcome, followers, lab_log, lab_updated, messages, run_dir, set_state,
};
use crate::AppState;
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
pub(super) async fn admit(state: &AppState, lab: LabRecord) -> Ticket {
    let slot = state.locks.slot(&lab.id);
    let messages = messages(state, &lab).await;
    let cancel = lock(&slot.deploy_cancel).clone();
    if let Some(cancel) = cancel.filter(|c| !c.is_cancelled()) {
        cancel.cancel();
        messages.send(
            &state.events,
            Some(&lab_log(state, &lab.id)),
            messages.cancelling(),
        );
        lab_updated(state, &lab.id);
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
pub(super) async fn run(state: &AppState, ticket: Ticket) -> Result<Outcome, LabError> {
    let Ticket {
        lab,
        messages,
        slot,
        _turn,
    } = ticket;
    if state.instances.instance(&lab.id).is_none() {
        return Err(LabError::NotRunning);
    }
    let log = lab_log(state, &lab.id);
    set_state(state, &lab.id, InstanceState::Stopping);
    messages.send(&state.events, Some(&log), messages.destroying());
    let run_file = run_dir::run_file(state, &lab.id);
    if run_file.exists() {
        if let Err(e) = state.driver.destroy(run_file, Arc::clone(&log)).await {
            messages.send(
                &state.events,
                Some(&log),
                messages.destroy_failed(&e.to_string()),
            );
            return Err(LabError::Containerlab(e));
        }
    } else {
        // The environment was never created (a failed first deploy): nothing to destroy.
        log.push("[antimony] no run environment: nothing for containerlab to destroy");
    }
    close_streams(state, &slot, &lab.id);
    state.instances.remove_instance(&lab.id);
    lab_updated(state, &lab.id);
    messages.send(&state.events, None, messages.destroyed());
    Ok(Outcome::Done)
}

/// Ends the lab's log streams: connected subscribers see them end, new ones are refused,
/// and the next deployment starts an empty lab log.
fn close_streams(state: &AppState, slot: &LabSlot, lab_id: &str) {
    followers::stop(state, slot, lab_id);
    state.logs.remove(&Namespace::lab_logs(lab_id).path());
}

/// Forgets a deleted lab: its streams, its coordination state and its instance.
pub fn forget_lab(state: &AppState, lab_id: &str) {
    let slot = state.locks.slot(lab_id);
    close_streams(state, &slot, lab_id);
    state.locks.forget(lab_id);
    state.instances.forget(lab_id);
}
