//! Per-lab coordination: the operation lock that orders a lab's commands, the deploy claim
//! and its cancellation, and the node log followers of the current instance.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio_util::sync::CancellationToken;

/// Coordination state of every lab, by id.
#[derive(Debug, Default)]
pub struct LabLocks {
    slots: Mutex<HashMap<String, Arc<LabSlot>>>,
}

/// One lab's coordination state.
#[derive(Debug, Default)]
pub(super) struct LabSlot {
    /// Held by the operation running on the lab; tokio's mutex is fair, so operations run
    /// in the order they asked.
    pub(super) op: Arc<tokio::sync::Mutex<()>>,
    /// Set while a deploy is queued or running.
    deploy_claimed: AtomicBool,
    /// Cancels the running deploy.
    pub(super) deploy_cancel: Mutex<Option<CancellationToken>>,
    /// Stops the node log followers of the current instance.
    pub(super) followers: Mutex<Option<CancellationToken>>,
}

impl LabLocks {
    /// Whether an operation runs on the lab, or a deploy waits for its turn.
    pub fn is_busy(&self, lab_id: &str) -> bool {
        let slot = self.slot(lab_id);
        slot.deploy_claimed.load(Ordering::Acquire) || slot.op.try_lock().is_err()
    }

    /// Holds the lab's order for a change of its record (PATCH, DELETE): `None` while an
    /// operation runs on it or a deploy waits for its turn. While the guard lives, no command
    /// runs on the lab; a deploy admitted meanwhile waits and then reads the changed record.
    pub fn try_edit(&self, lab_id: &str) -> Option<EditGuard> {
        let slot = self.slot(lab_id);
        let turn = Arc::clone(&slot.op).try_lock_owned().ok()?;
        if slot.deploy_claimed.load(Ordering::Acquire) {
            return None;
        }
        Some(EditGuard { _turn: turn })
    }

    /// Forgets a deleted lab's coordination state (and stops its followers).
    pub fn forget(&self, lab_id: &str) {
        let removed = lock(&self.slots).remove(lab_id);
        if let Some(slot) = removed
            && let Some(followers) = lock(&slot.followers).take()
        {
            followers.cancel();
        }
    }

    pub(super) fn slot(&self, lab_id: &str) -> Arc<LabSlot> {
        Arc::clone(lock(&self.slots).entry(lab_id.to_owned()).or_default())
    }
}

/// A lab's order, held for a change of its record (see [`LabLocks::try_edit`]).
#[derive(Debug)]
pub struct EditGuard {
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

/// Locks a std mutex whose data stays consistent under every operation, so a poisoned lock
/// is usable.
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A lab claimed for one deploy: set while it waits and runs, released (with its
/// cancellation) when dropped, however the deploy ends.
#[derive(Debug)]
pub(super) struct DeployClaim {
    slot: Arc<LabSlot>,
    /// Fires when a destroy cancels this deploy.
    pub(super) cancel: CancellationToken,
}

impl DeployClaim {
    /// Claims the lab, unless a deploy has it already.
    pub(super) fn take(slot: &Arc<LabSlot>) -> Option<Self> {
        if slot.deploy_claimed.swap(true, Ordering::AcqRel) {
            return None;
        }
        let cancel = CancellationToken::new();
        *lock(&slot.deploy_cancel) = Some(cancel.clone());
        Some(DeployClaim {
            slot: Arc::clone(slot),
            cancel,
        })
    }
}

impl Drop for DeployClaim {
    fn drop(&mut self) {
        *lock(&self.slot.deploy_cancel) = None;
        self.slot.deploy_claimed.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lab_is_claimed_for_one_deploy_at_a_time() {
        let locks = LabLocks::default();
        let slot = locks.slot("l1");
        let claim = DeployClaim::take(&slot).expect("free");
        assert!(DeployClaim::take(&slot).is_none(), "claimed");
        assert!(locks.is_busy("l1"));
        assert!(lock(&slot.deploy_cancel).is_some());
        drop(claim);
        assert!(!locks.is_busy("l1"));
        assert!(lock(&slot.deploy_cancel).is_none());
        assert!(DeployClaim::take(&slot).is_some(), "free again");
    }

    #[test]
    fn an_edit_waits_for_no_one_and_holds_off_commands() {
        let locks = LabLocks::default();
        let slot = locks.slot("l1");
        let edit = locks.try_edit("l1").expect("idle");
        assert!(locks.is_busy("l1"), "commands wait for the edit");
        assert!(locks.try_edit("l1").is_none(), "one edit at a time");
        drop(edit);
        let claim = DeployClaim::take(&slot).expect("free");
        assert!(
            locks.try_edit("l1").is_none(),
            "a deploy waiting for its turn"
        );
        drop(claim);
        let turn = slot.op.clone().try_lock_owned().expect("free");
        assert!(locks.try_edit("l1").is_none(), "an operation running");
        drop(turn);
        assert!(locks.try_edit("l1").is_some());
    }
}
