//! What the server knows about labs beyond the database: their instances (deployed,
//! deploying, stopping or failed) and which labs wait in the deployment queue. Instances live
//! in memory, as on the Go server; after a restart they are recovered from containerlab.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use antimony_protocol::Timestamp;
use antimony_protocol::rest::{InstanceOut, InstanceState};

use crate::store::LabRecord;

/// Instances and the deployment queue.
#[derive(Debug, Default)]
pub struct Instances {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    instances: HashMap<String, InstanceOut>,
    queued: HashSet<String>,
    /// With several instances: the instances of labs other instances own, as they last
    /// told (shown by the REST API; this server's own domain never acts on them).
    remote: HashMap<String, InstanceOut>,
}

impl Instances {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The maps stay consistent under every operation, so a poisoned lock is usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The lab's instance, if it has one.
    pub fn instance(&self, lab_id: &str) -> Option<InstanceOut> {
        self.lock().instances.get(lab_id).cloned()
    }

    /// The lab's instance here, else the one another instance runs (with several instances).
    pub fn visible(&self, lab_id: &str) -> Option<InstanceOut> {
        let inner = self.lock();
        inner
            .instances
            .get(lab_id)
            .or_else(|| inner.remote.get(lab_id))
            .cloned()
    }

    /// [`Instances::state`] counting the instances other instances run.
    pub fn visible_state(&self, lab_id: &str) -> InstanceState {
        let remote = {
            let inner = self.lock();
            if inner.instances.contains_key(lab_id) {
                None
            } else {
                inner.remote.get(lab_id).map(|r| r.state)
            }
        };
        remote.unwrap_or_else(|| self.state(lab_id))
    }

    /// Records (or, with `None`, forgets) the instance another server runs for a lab.
    pub fn set_remote(&self, lab_id: &str, instance: Option<InstanceOut>) {
        let mut inner = self.lock();
        match instance {
            Some(instance) => {
                inner.queued.remove(lab_id);
                inner.remote.insert(lab_id.to_owned(), instance);
            }
            None => {
                inner.remote.remove(lab_id);
            }
        }
    }

    /// Sets the lab's instance.
    pub fn set_instance(&self, lab_id: &str, instance: InstanceOut) {
        let mut inner = self.lock();
        inner.queued.remove(lab_id);
        inner.remote.remove(lab_id);
        inner.instances.insert(lab_id.to_owned(), instance);
    }

    /// Changes the lab's instance in place, if it has one.
    pub fn modify_instance(&self, lab_id: &str, change: impl FnOnce(&mut InstanceOut)) {
        if let Some(instance) = self.lock().instances.get_mut(lab_id) {
            change(instance);
        }
    }

    /// Removes the lab's instance (after a destroy).
    pub fn remove_instance(&self, lab_id: &str) -> Option<InstanceOut> {
        self.lock().instances.remove(lab_id)
    }

    /// Puts the lab in the deployment queue.
    pub fn enqueue(&self, lab_id: &str) {
        self.lock().queued.insert(lab_id.to_owned());
    }

    /// The labs with an instance here.
    pub fn lab_ids(&self) -> Vec<String> {
        self.lock().instances.keys().cloned().collect()
    }

    /// Takes the lab out of the deployment queue.
    pub fn dequeue(&self, lab_id: &str) {
        self.lock().queued.remove(lab_id);
    }

    /// The lab whose instance has this container.
    pub fn lab_of_container(&self, container_id: &str) -> Option<String> {
        let inner = self.lock();
        inner
            .instances
            .iter()
            .find(|(_, instance)| {
                instance
                    .nodes
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .any(|n| n.container_id == container_id)
            })
            .map(|(lab, _)| lab.clone())
    }

    /// Sets the state of one node of a lab's instance.
    pub fn set_node_state(
        &self,
        lab_id: &str,
        container_id: &str,
        state: antimony_protocol::rest::NodeState,
    ) {
        let mut inner = self.lock();
        if let Some(node) = inner
            .instances
            .get_mut(lab_id)
            .and_then(|i| i.nodes.as_mut())
            .and_then(|nodes| nodes.iter_mut().find(|n| n.container_id == container_id))
        {
            node.state = state;
        }
    }

    /// Forgets everything about a deleted lab.
    pub fn forget(&self, lab_id: &str) {
        let mut inner = self.lock();
        inner.queued.remove(lab_id);
        inner.instances.remove(lab_id);
        inner.remote.remove(lab_id);
    }

    /// A lab's state: its instance's, else `scheduled` while queued, else `inactive`.
    pub fn state(&self, lab_id: &str) -> InstanceState {
        let inner = self.lock();
        match inner.instances.get(lab_id) {
            Some(instance) => instance.state,
            None if inner.queued.contains(lab_id) => InstanceState::Scheduled,
            None => InstanceState::Inactive,
        }
    }

    /// Queues the labs that were never deployed and start in the future (PROTOCOL.md §6.11).
    pub fn queue_pending(&self, labs: &[std::sync::Arc<LabRecord>], now: Timestamp) {
        let mut inner = self.lock();
        for lab in labs
            .iter()
            .filter(|l| l.instance_name.is_none() && l.start_time >= now)
        {
            inner.queued.insert(lab.id.clone());
        }
    }
}
