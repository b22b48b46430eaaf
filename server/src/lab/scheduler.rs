//! The scheduler (PROTOCOL.md §6.10): deploys queued labs at their start time and destroys
//! deployed labs at their end time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::rest::InstanceState;
use antimony_protocol::{LabCommand, LabCommandData, Timestamp};
use futures_util::future::BoxFuture;
use tokio_util::sync::CancellationToken;

use super::Labs;
use super::{Origin, execute};
use crate::store::{LabFilter, User};

/// Decides whether this server deploys a queued lab (with several instances: whether it won
/// the lab's lease; the others leave the lab to it).
pub type Claim = Arc<dyn Fn(String) -> BoxFuture<'static, bool> + Send + Sync>;

/// Runs until `shutdown`; each deploy or destroy it starts is a tracked background task.
pub async fn run_scheduler(labs: Labs, shutdown: CancellationToken) {
    run_scheduler_with(labs, shutdown, None).await;
}

/// [`run_scheduler`], deploying a queued lab only when `claim` says so. A deployed lab is
/// destroyed at its end time by the server that has its instance.
pub async fn run_scheduler_with(labs: Labs, shutdown: CancellationToken, claim: Option<Claim>) {
    let mut attempted_destroy: HashMap<String, Timestamp> = HashMap::new();
    // The Go server polls its queues every 50 ms; the lab list is cached, so this is cheap.
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let records = match labs.store.labs(LabFilter::default()).await {
            Ok(records) => records,
            Err(error) => {
                tracing::warn!(%error, "scheduler cannot read labs");
                continue;
            }
        };
        let now = Timestamp::now_utc();
        for lab in records {
            if labs.instances.state(&lab.id) == InstanceState::Scheduled && lab.start_time <= now {
                labs.instances.dequeue(&lab.id);
                tracing::info!(lab = %lab.id, "scheduled deployment");
                spawn(
                    &labs,
                    LabCommandData::new(lab.id.clone(), LabCommand::Deploy),
                    claim.clone(),
                );
            }
            let Some(end) = lab.end_time else { continue };
            let has_instance = labs.instances.instance(&lab.id).is_some();
            if has_instance && end <= now && attempted_destroy.get(&lab.id) != Some(&end) {
                attempted_destroy.insert(lab.id.clone(), end);
                tracing::info!(lab = %lab.id, "scheduled destruction");
                spawn(
                    &labs,
                    LabCommandData::new(lab.id.clone(), LabCommand::Destroy),
                    None,
                );
            }
        }
    }
}

/// Runs a command as the native admin in the background.
fn spawn(labs: &Labs, command: LabCommandData, claim: Option<Claim>) {
    let labs_ = labs.clone();
    labs.tasks.spawn(async move {
        let (lab, verb) = (command.lab_id.clone(), command.command);
        if let Some(claim) = claim
            && !claim(lab.clone()).await
        {
            tracing::info!(%lab, "another instance deploys this scheduled lab");
            return;
        }
        if let Err(error) = execute(&labs_, &User::native_admin(), command, Origin::Scheduler).await
        {
            tracing::warn!(%lab, command = ?verb, %error, "scheduled command failed");
        }
    });
}
