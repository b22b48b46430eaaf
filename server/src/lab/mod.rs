//! The lab domain (PROTOCOL.md §6): deploy, redeploy, destroy (cancelling a running deploy),
//! node start/stop/restart, node log followers, the scheduler, container events and recovery
//! after a restart. Every change of an instance sends a lab update, and the status messages
//! of §6.9 ([`LabMessages`]).
//!
//! The domain knows nothing of Socket.IO or HTTP, nor of the server's state around it: it
//! holds what it works with in [`Labs`] (the store, topology files, the driver, the event bus,
//! the log hub, its instances and locks). It takes a [`LabCommandData`] from a user
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
mod shells;
mod watcher;

use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::rest::{InstanceOut, InstanceState};
use antimony_protocol::{LabCommand, LabCommandData, Namespace, Timestamp, is_well_formed_uuid};

pub use destroy::forget_lab;
pub use error::LabError;
pub use instances::Instances;
pub use locks::{EditGuard, LabLocks};
pub use messages::LabMessages;
pub use recovery::{recover, recover_some};
pub use scheduler::{Claim, run_scheduler, run_scheduler_with};
pub use shells::{
    BACKLOG_BYTES, CLOSED_FOR, CLOSED_KEPT, InputError, MAX_PENDING_INPUT, Shell, Shells,
};
pub use watcher::watch_container_events;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::driver::LabDriver;
use crate::events::{EventBus, LabEvent};
use crate::files::TopologyFiles;
use crate::kinds::Kinds;
use crate::logs::{LogHub, LogStream};
use crate::permissions::{can_control_lab, can_see_lab};
use crate::store::{LabRecord, Store, User};

/// The lab domain: what it works with, and its own state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Labs(Arc<Domain>);

/// The parts of [`Labs`].
#[derive(Debug)]
pub struct Domain {
    /// The database.
    pub store: Store,
    /// Topology files.
    pub files: TopologyFiles,
    /// Deploys labs and controls nodes.
    pub driver: Arc<dyn LabDriver>,
    /// `canRestart` and SSH settings per kind.
    pub kinds: Kinds,
    /// Where lab updates and status messages go.
    pub events: EventBus,
    /// Lab and node log streams.
    pub logs: Arc<LogHub>,
    /// Instances and the deployment queue.
    pub instances: Instances,
    /// Per-lab operation order.
    pub locks: LabLocks,
    /// Open shells.
    pub shells: Shells,
    /// Background work (followers, scheduled commands); awaited on shutdown.
    pub tasks: TaskTracker,
    /// Cancelled when the server shuts down.
    pub shutdown: CancellationToken,
    /// Paths and sizes.
    pub settings: LabSettings,
}

/// Where labs run and how much of their logs is kept.
#[derive(Debug, Clone)]
pub struct LabSettings {
    /// Run directories of deployed labs: `<run>/<labId>/…`.
    pub run_dir: PathBuf,
    /// Lines kept in each lab log's backlog.
    pub lab_log_backlog: usize,
    /// Lines kept in each node log's backlog.
    pub node_log_backlog: usize,
    /// A shell without input for this long is closed.
    pub shell_timeout: Duration,
    /// Open shells per user.
    pub shell_user_limit: u32,
    /// Private keys offered when a shell logs in to a node over SSH.
    pub ssh_keys: Vec<PathBuf>,
}

impl Labs {
    /// The domain over these parts.
    pub fn new(domain: Domain) -> Self {
        Labs(Arc::new(domain))
    }
}

impl Deref for Labs {
    type Target = Domain;

    fn deref(&self) -> &Domain {
        &self.0
    }
}

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
    /// OpenShell: the new shell's id.
    ShellOpened(String),
    /// FetchShells: the caller's shells in the lab.
    Shells(Vec<antimony_protocol::ShellData>),
}

/// A command that has its place in its lab's order; [`Admitted::run`] runs it.
#[derive(Debug)]
pub struct Admitted {
    labs: Labs,
    ticket: Ticket,
}

#[derive(Debug)]
enum Ticket {
    Deploy(deploy::Ticket),
    Destroy(destroy::Ticket),
    Node(nodes::Ticket),
    /// Shell commands take no place in the lab's order: they do not change the lab.
    Shell {
        user: User,
        lab: LabRecord,
        command: LabCommandData,
    },
}

/// Checks a command of `user` and waits for its place in its lab's order.
#[tracing::instrument(skip_all, fields(lab = %command.lab_id, user = %user.id, command = ?command.command, ?origin))]
pub async fn admit(
    labs: &Labs,
    user: &User,
    command: LabCommandData,
    origin: Origin,
) -> Result<Admitted, LabError> {
    // The Go server checks what a shell command needs before the lab.
    match command.command {
        LabCommand::OpenShell if command.node.as_deref().is_none_or(str::is_empty) => {
            return Err(LabError::InvalidRequest {
                detail: "OpenShell needs `node`".into(),
            });
        }
        LabCommand::CloseShell if command.shell_id.as_deref().is_none_or(str::is_empty) => {
            return Err(LabError::InvalidRequest {
                detail: "CloseShell needs `shellId`".into(),
            });
        }
        _ => {}
    }
    if !is_well_formed_uuid(&command.lab_id) {
        return Err(LabError::InvalidId);
    }
    let lab = labs
        .store
        .lab(&command.lab_id)
        .await?
        .ok_or(LabError::NotFound)?;
    let shell_command = matches!(
        command.command,
        LabCommand::FetchShells | LabCommand::OpenShell | LabCommand::CloseShell
    );
    if shell_command {
        // Members may open shells (PROTOCOL.md §3.7); CloseShell checks the shell's owner.
        if !can_see_lab(user, &lab) {
            return Err(LabError::NoLabAccess);
        }
    } else if !can_control_lab(user, &lab) {
        return Err(LabError::NoAccess(match command.command {
            LabCommand::Deploy => "deploy",
            _ => "destroy",
        }));
    }
    tracing::info!("lab command admitted");
    let ticket = match command.command {
        _ if shell_command => Ticket::Shell {
            user: user.clone(),
            lab,
            command,
        },
        LabCommand::Deploy => Ticket::Deploy(deploy::admit(labs, lab, origin).await?),
        LabCommand::Destroy => Ticket::Destroy(destroy::admit(labs, lab).await),
        node_command => {
            let node = command
                .node
                .filter(|n| !n.is_empty())
                .ok_or(LabError::NodeNotFound)?;
            Ticket::Node(nodes::admit(labs, lab, node_command, node).await)
        }
    };
    Ok(Admitted {
        labs: labs.clone(),
        ticket,
    })
}

impl Admitted {
    /// Runs the command. Deploys and destroys return when containerlab is done.
    pub async fn run(self) -> Result<Outcome, LabError> {
        let Admitted { labs, ticket } = self;
        match ticket {
            Ticket::Deploy(ticket) => deploy::run(&labs, ticket).await,
            Ticket::Destroy(ticket) => destroy::run(&labs, ticket).await,
            Ticket::Node(ticket) => nodes::run(&labs, ticket).await,
            Ticket::Shell { user, lab, command } => match command.command {
                LabCommand::FetchShells => Ok(shells::fetch(&labs, &user, &lab)),
                LabCommand::OpenShell => {
                    shells::open(
                        &labs,
                        &user,
                        &lab,
                        command.node.as_deref().unwrap_or_default(),
                    )
                    .await
                }
                _ => shells::close(
                    &labs,
                    &user,
                    &lab,
                    command.shell_id.as_deref().unwrap_or_default(),
                ),
            },
        }
    }
}

/// Admits and runs one command.
pub async fn execute(
    labs: &Labs,
    user: &User,
    command: LabCommandData,
    origin: Origin,
) -> Result<Outcome, LabError> {
    admit(labs, user, command, origin).await?.run().await
}

/// The status messages about a lab, named by its current topology name.
async fn messages(labs: &Labs, lab: &LabRecord) -> LabMessages {
    let topology = match labs.store.topology(&lab.topology_id).await {
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
fn lab_log(labs: &Labs, lab_id: &str) -> Arc<LogStream> {
    labs.logs.open(
        &Namespace::lab_logs(lab_id).path(),
        labs.settings.lab_log_backlog,
    )
}

/// Tells clients to refetch the lab.
fn lab_updated(labs: &Labs, lab_id: &str) {
    labs.events
        .send(LabEvent::LabUpdated(Some(lab_id.to_owned())));
}

/// Changes the lab's instance and sends a lab update.
fn update_instance(labs: &Labs, lab_id: &str, change: impl FnOnce(&mut InstanceOut)) {
    labs.instances.modify_instance(lab_id, |instance| {
        change(instance);
        instance.latest_state_change = Timestamp::now_utc();
    });
    lab_updated(labs, lab_id);
}

fn set_state(labs: &Labs, lab_id: &str, new: InstanceState) {
    update_instance(labs, lab_id, |i| i.state = new);
}
