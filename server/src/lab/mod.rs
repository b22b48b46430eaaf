//! The lab domain (PROTOCOL.md §6): deploy, redeploy, destroy (cancelling a running deploy),
//! node start/stop/restart, node log followers, the scheduler, container events and recovery
//! after a restart. Every change of an instance sends a lab update, and the status messages
//! of §6.9 ([`LabMessages`]).
//!
//! The domain knows nothing of Socket.IO or HTTP: it takes a [`LabCommandData`] from a user
//! and answers with an [`Outcome`] or a [`LabError`] that carries its protocol code; the
//! adapters (`socket`, `http`) turn those into acks and bodies. "A stream ended" is a fact
//! of the [`crate::logs::LogHub`] (streams are closed), which the socket layer reacts to.
//!
//! Each lab has one operation lock, taken in arrival order ([`LabLocks`]). A command is first
//! [`admit`]ted: checked, and given its place in its lab's order (for a deploy, the lab is
//! claimed first, so concurrent deploys run exactly one deploy and answer 5002 to the others;
//! a destroy cancels a running deploy before it waits). Then [`Admitted::run`] does the work.
//! Callers that must keep an order of their own (one socket's commands) admit the next
//! command only once the previous one was admitted.

mod deploy;
mod destroy;
mod error;
mod followers;
mod instances;
mod locks;
mod messages;
mod nodes;
mod recovery;
mod run_dir;
mod scheduler;
mod watcher;

use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::rest::{InstanceOut, InstanceState};
use antimony_protocol::{LabCommand, LabCommandData, Namespace, Timestamp, is_well_formed_uuid};

pub use destroy::forget_lab;
pub use error::LabError;
pub use instances::Instances;
pub use locks::LabLocks;
pub use messages::LabMessages;
pub use recovery::recover;
pub use scheduler::run_scheduler;
pub use watcher::watch_container_events;

use crate::AppState;
use crate::events::LabEvent;
use crate::logs::LogStream;
use crate::permissions::can_control_lab;
use crate::store::{LabRecord, User};

/// Docker's grace period before it kills a stopped or restarted container.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Who asked for a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A user, over `/lab-commands`.
    User,
    /// The scheduler, at a lab's start or end time.
    Scheduler,
}

/// What a successful command answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done; nothing to return (`{payload: null}`).
    Done,
}

/// A command that has its place in its lab's order; [`Admitted::run`] runs it.
#[derive(Debug)]
pub struct Admitted {
    state: AppState,
    ticket: Ticket,
}

#[derive(Debug)]
enum Ticket {
    Deploy(deploy::Ticket),
    Destroy(destroy::Ticket),
    Node(nodes::Ticket),
}

/// Checks a command of `user` and waits for its place in its lab's order.
#[tracing::instrument(skip_all, fields(lab = %command.lab_id, user = %user.id, command = ?command.command, ?origin))]
pub async fn admit(
    state: &AppState,
    user: &User,
    command: LabCommandData,
    origin: Origin,
) -> Result<Admitted, LabError> {
    if matches!(
        command.command,
        LabCommand::FetchShells | LabCommand::OpenShell | LabCommand::CloseShell
    ) {
        return Err(LabError::Unsupported(
            "interactive shells are not supported by this server yet",
        ));
    }
    if !is_well_formed_uuid(&command.lab_id) {
        return Err(LabError::InvalidId);
    }
    let lab = state
        .store
        .lab(&command.lab_id)
        .await?
        .ok_or(LabError::NotFound)?;
    if !can_control_lab(user, &lab) {
        return Err(LabError::NoAccess(match command.command {
            LabCommand::Deploy => "deploy",
            _ => "destroy",
        }));
    }
    tracing::info!("lab command admitted");
    let ticket = match command.command {
        LabCommand::Deploy => Ticket::Deploy(deploy::admit(state, lab, origin).await?),
        LabCommand::Destroy => Ticket::Destroy(destroy::admit(state, lab).await),
        node_command => {
            let node = command
                .node
                .filter(|n| !n.is_empty())
                .ok_or(LabError::NodeNotFound)?;
            Ticket::Node(nodes::admit(state, lab, node_command, node).await)
        }
    };
    Ok(Admitted {
        state: state.clone(),
        ticket,
    })
}

impl Admitted {
    /// Runs the command. Deploys and destroys return when containerlab is done.
    pub async fn run(self) -> Result<Outcome, LabError> {
        let Admitted { state, ticket } = self;
        match ticket {
            Ticket::Deploy(ticket) => deploy::run(&state, ticket).await,
            Ticket::Destroy(ticket) => destroy::run(&state, ticket).await,
            Ticket::Node(ticket) => nodes::run(&state, ticket).await,
        }
    }
}

/// Admits and runs one command.
pub async fn execute(
    state: &AppState,
    user: &User,
    command: LabCommandData,
    origin: Origin,
) -> Result<Outcome, LabError> {
    admit(state, user, command, origin).await?.run().await
}

/// The status messages about a lab, named by its current topology name.
async fn messages(state: &AppState, lab: &LabRecord) -> LabMessages {
    let topology = match state.store.topology(&lab.topology_id).await {
        Ok(Some(topology)) => topology.name,
        _ => lab.topology_name.clone(),
    };
    LabMessages {
        lab_id: lab.id.clone(),
        lab: lab.name.clone(),
        topology,
    }
}

/// The lab's log stream, opened if needed.
fn lab_log(state: &AppState, lab_id: &str) -> Arc<LogStream> {
    state.logs.open(
        &Namespace::lab_logs(lab_id).path(),
        state.config.lab_log_backlog,
    )
}

/// Tells clients to refetch the lab.
fn lab_updated(state: &AppState, lab_id: &str) {
    state
        .events
        .send(LabEvent::LabUpdated(Some(lab_id.to_owned())));
}

/// Changes the lab's instance and sends a lab update.
fn update_instance(state: &AppState, lab_id: &str, change: impl FnOnce(&mut InstanceOut)) {
    state.instances.modify_instance(lab_id, |instance| {
        change(instance);
        instance.latest_state_change = Timestamp::now_utc();
    });
    lab_updated(state, lab_id);
}

fn set_state(state: &AppState, lab_id: &str, new: InstanceState) {
    update_instance(state, lab_id, |i| i.state = new);
}
