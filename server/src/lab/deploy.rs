//! Deploy and redeploy (PROTOCOL.md §6.3, §6.4).

use std::path::Path;
use std::sync::Arc;

use antimony_protocol::Timestamp;
use antimony_protocol::rest::{InstanceOut, InstanceState};
use tokio::sync::OwnedMutexGuard;

use super::Labs;
use super::locks::{DeployClaim, LabSlot};
use super::{
    LabError, LabMessages, Origin, Outcome, followers, lab_log, lab_updated, messages, nodes,
    run_dir, set_state, update_instance,
};
use crate::driver::DriverError;
use crate::logs::LogStream;
use crate::store::{LabRecord, LabUpdate};

/// A deploy with its place in the lab's order.
#[derive(Debug)]
pub(super) struct Ticket {
    lab: LabRecord,
    origin: Origin,
    slot: Arc<LabSlot>,
    // Dropped in this order: the claim is released before the lab's lock.
    claim: DeployClaim,
    _turn: OwnedMutexGuard<()>,
}

/// Claims the lab for a deploy (5002 if a deploy has it) and waits for the lab's turn.
pub(super) async fn admit(labs: &Labs, lab: LabRecord, origin: Origin) -> Result<Ticket, LabError> {
    let slot = labs.locks.slot(&lab.id);
    let messages = messages(labs, &lab).await;
    let Some(claim) = DeployClaim::take(&slot) else {
        let redeploy = labs.instances.instance(&lab.id).is_some();
        messages.send(&labs.events, None, messages.already_deploying(redeploy));
        lab_updated(labs, &lab.id);
        return Err(LabError::Deploying);
    };
    let turn = Arc::clone(&slot.op).lock_owned().await;
    Ok(Ticket {
        lab,
        origin,
        slot,
        claim,
        _turn: turn,
    })
}

/// Deploys, or redeploys when the lab has an instance.
#[tracing::instrument(skip_all, fields(lab = %ticket.lab.id, redeploy))]
pub(super) async fn run(labs: &Labs, ticket: Ticket) -> Result<Outcome, LabError> {
    let cancel = ticket.claim.cancel.clone();
    if cancel.is_cancelled() {
        return Err(LabError::Cancelled);
    }
    // The lab may have been deleted while this deploy waited for its turn.
    let lab = labs
        .store
        .lab(&ticket.lab.id)
        .await?
        .ok_or(LabError::NotFound)?;
    // Named as the lab is now: an edit that held it while this deploy waited may have
    // renamed it (or its topology).
    let messages = messages(labs, &lab).await;
    let has_run_file = run_dir::run_file(labs, &lab.id).exists();
    // A failed first deploy may have no run environment to redeploy: start afresh.
    let redeploy = labs.instances.instance(&lab.id).is_some() && has_run_file;
    tracing::Span::current().record("redeploy", redeploy);
    if redeploy {
        redeploy_lab(labs, &lab, &messages, &ticket.slot, cancel).await
    } else {
        deploy_lab(labs, &lab, &messages, &ticket.slot, ticket.origin, cancel).await
    }
}

/// The containerlab lab name: the topology name with spaces and `_` as `-`, then the time.
pub(super) fn instance_name(topology: &str) -> String {
    let base: String = topology
        .chars()
        .map(|c| if c == ' ' || c == '_' { '-' } else { c })
        .collect();
    let millis = Timestamp::now_utc()
        .as_offset_date_time()
        .unix_timestamp_nanos()
        / 1_000_000;
    format!("{base}-{millis}")
}

async fn deploy_lab(
    labs: &Labs,
    lab: &LabRecord,
    messages: &LabMessages,
    slot: &LabSlot,
    origin: Origin,
    cancel: tokio_util::sync::CancellationToken,
) -> Result<Outcome, LabError> {
    let now = Timestamp::now_utc();
    if origin == Origin::User && lab.end_time.is_some_and(|end| end <= now) {
        // A deploy after the end time makes the lab indefinite rather than destroying it at once.
        labs.store
            .update_lab(
                &lab.id,
                LabUpdate {
                    end_time: Some(None),
                    ..LabUpdate::default()
                },
            )
            .await?;
    }
    let instance_name = instance_name(&messages.topology);
    let log = lab_log(labs, &lab.id);
    labs.instances.set_instance(
        &lab.id,
        InstanceOut {
            name: String::new(),
            deployed: now,
            state: InstanceState::Deploying,
            latest_state_change: now,
            nodes: None,
            recovered: false,
        },
    );
    let prepared = async {
        labs.store
            .set_instance_name(&lab.id, &instance_name)
            .await?;
        run_dir::prepare(labs, lab, &instance_name).await
    }
    .await;
    let run_file = match prepared {
        Ok(run_file) => run_file,
        Err(e) => {
            set_state(labs, &lab.id, InstanceState::Failed);
            messages.send(
                &labs.events,
                Some(&log),
                messages.environment_failed(&e.to_string()),
            );
            return Err(e.into());
        }
    };
    lab_updated(labs, &lab.id);
    messages.send(&labs.events, Some(&log), messages.deploying(&instance_name));
    match labs
        .driver
        .deploy(run_file.clone(), Arc::clone(&log), cancel)
        .await
    {
        Ok(()) => finish(labs, lab, messages, slot, &run_file, &log, false).await,
        Err(e) => failed(labs, lab, messages, &log, false, e).await,
    }
}

async fn redeploy_lab(
    labs: &Labs,
    lab: &LabRecord,
    messages: &LabMessages,
    slot: &LabSlot,
    cancel: tokio_util::sync::CancellationToken,
) -> Result<Outcome, LabError> {
    followers::stop(labs, slot, &lab.id);
    labs.shells
        .close_lab(&lab.id, antimony_protocol::close_reason::NODE_STOPPED);
    let log = lab_log(labs, &lab.id);
    update_instance(labs, &lab.id, |i| {
        i.state = InstanceState::Deploying;
        i.nodes = None;
    });
    let instance_name = lab.instance_name.clone().unwrap_or_default();
    messages.send(
        &labs.events,
        Some(&log),
        messages.redeploying(&instance_name),
    );
    let run_file = run_dir::run_file(labs, &lab.id);
    match labs
        .driver
        .redeploy(run_file.clone(), Arc::clone(&log), cancel)
        .await
    {
        Ok(()) => finish(labs, lab, messages, slot, &run_file, &log, true).await,
        Err(e) => failed(labs, lab, messages, &log, true, e).await,
    }
}

async fn failed(
    labs: &Labs,
    lab: &LabRecord,
    messages: &LabMessages,
    log: &LogStream,
    redeploy: bool,
    err: DriverError,
) -> Result<Outcome, LabError> {
    set_state(labs, &lab.id, InstanceState::Failed);
    if err == DriverError::Cancelled {
        log.push("[antimony] the deployment was cancelled");
        return Err(LabError::Cancelled);
    }
    messages.send(
        &labs.events,
        Some(log),
        messages.deploy_failed(redeploy, &err.to_string()),
    );
    if let Err(e) = labs
        .store
        .set_last_deploy_failed(&lab.topology_id, true)
        .await
    {
        tracing::warn!(error = %e, "cannot record the failed deployment");
    }
    Err(LabError::Containerlab(err))
}

async fn finish(
    labs: &Labs,
    lab: &LabRecord,
    messages: &LabMessages,
    slot: &LabSlot,
    run_file: &Path,
    log: &Arc<LogStream>,
    redeploy: bool,
) -> Result<Outcome, LabError> {
    let containers = match labs
        .driver
        .inspect(run_file.to_path_buf(), Arc::clone(log))
        .await
    {
        Ok(containers) => containers,
        Err(e) => {
            set_state(labs, &lab.id, InstanceState::Failed);
            messages.send(
                &labs.events,
                Some(log),
                messages.inspect_failed(&e.to_string()),
            );
            return Err(LabError::Containerlab(e));
        }
    };
    let instance_name = labs
        .store
        .lab(&lab.id)
        .await
        .ok()
        .flatten()
        .and_then(|l| l.instance_name)
        .unwrap_or_default();
    let nodes = nodes::build(labs, &instance_name, &containers);
    followers::start(labs, slot, &lab.id, &nodes);
    update_instance(labs, &lab.id, |i| {
        i.state = InstanceState::Running;
        i.nodes = Some(nodes);
    });
    messages.send(&labs.events, Some(log), messages.deployed(redeploy));
    if let Err(e) = labs
        .store
        .set_last_deploy_failed(&lab.topology_id, false)
        .await
    {
        tracing::warn!(error = %e, "cannot record the deployment");
    }
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names_replace_spaces_and_underscores() {
        let name = instance_name("my topo_1");
        assert!(name.starts_with("my-topo-1-"), "{name}");
        assert!(name.rsplit('-').next().unwrap().parse::<u128>().unwrap() > 1_700_000_000_000);
    }
}
