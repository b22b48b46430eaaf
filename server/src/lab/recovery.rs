//! Recovery after a restart (PROTOCOL.md §6.11): labs whose containers still run are
//! attached again.

use antimony_protocol::Timestamp;
use antimony_protocol::rest::{InstanceOut, InstanceState};

use super::Labs;
use super::{followers, lab_log, nodes};
use crate::events::LabEvent;
use crate::store::LabFilter;

/// Re-attaches labs whose containers still run: state `running`, `recovered: true`, an empty
/// lab log, and node logs followed from the start. Then every client refetches.
#[tracing::instrument(skip_all)]
pub async fn recover(labs: &Labs) {
    recover_some(labs, |_| async { true }).await;
}

/// [`recover`] for the deployed labs that `keep` accepts (with several instances: those this
/// instance may claim) and that have no instance here yet.
pub async fn recover_some<F, Fut>(labs: &Labs, keep: F)
where
    F: Fn(&str) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    recover_instances(labs, keep).await;
    // Clients connected before now refetch everything.
    labs.events.send(LabEvent::LabUpdated(None));
}

async fn recover_instances<F, Fut>(labs: &Labs, keep: F)
where
    F: Fn(&str) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deployed = match labs.driver.inspect_all().await {
        Ok(deployed) => deployed,
        Err(error) => {
            tracing::warn!(%error, "cannot list deployed labs; none are recovered");
            return;
        }
    };
    let records = match labs.store.labs(LabFilter::default()).await {
        Ok(records) => records,
        Err(error) => {
            tracing::error!(%error, "cannot read labs for recovery");
            return;
        }
    };
    let mut recovered = 0;
    for lab in records {
        let Some(containers) = lab
            .instance_name
            .as_ref()
            .and_then(|name| deployed.get(name))
        else {
            continue;
        };
        if labs.instances.instance(&lab.id).is_some() || !keep(&lab.id).await {
            continue;
        }
        let nodes = nodes::build(
            labs,
            lab.instance_name.as_deref().unwrap_or_default(),
            containers,
        );
        let now = Timestamp::now_utc();
        lab_log(labs, &lab.id);
        let slot = labs.locks.slot(&lab.id);
        followers::start(labs, &slot, &lab.id, &nodes);
        labs.instances.set_instance(
            &lab.id,
            InstanceOut {
                name: String::new(),
                deployed: now,
                state: InstanceState::Running,
                latest_state_change: now,
                nodes: Some(nodes),
                recovered: true,
            },
        );
        recovered += 1;
        tracing::info!(lab = %lab.id, "recovered a deployed lab");
    }
    tracing::info!(recovered, "recovered deployed labs");
}
