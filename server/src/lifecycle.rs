//! The lab lifecycle (PROTOCOL.md §6): deploy, redeploy, destroy (cancelling a running
//! deploy), node start/stop/restart, the scheduler, Docker events and recovery after a
//! restart. Every change of an instance sends a lab update, and the status messages of §6.9.
//!
//! Each lab has one operation lock, taken in arrival order. A deploy claims the lab first, so
//! concurrent deploys of one lab run exactly one deploy and answer 5002 to the others; a
//! destroy cancels a running deploy before it waits for the lock.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antimony_protocol::rest::{InstanceNode, InstanceOut, InstanceState, NodeState};
use antimony_protocol::{
    ErrorBody, ErrorCode, LabCommand, LabCommandData, Namespace, Timestamp, is_well_formed_uuid,
};
use futures_util::StreamExt;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::driver::{ContainerInfo, DriverError};
use crate::events::ServerEvent;
use crate::files::DEFINITION_FILE;
use crate::logs::LogStream;
use crate::permissions::can_control_lab;
use crate::status::LabMessages;
use crate::store::{LabFilter, LabRecord, LabUpdate, User};

/// Docker's grace period before it kills a stopped or restarted container.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// The result of a lab command: the ack payload, or the ack error.
pub type CommandResult = Result<serde_json::Value, ErrorBody>;

/// Who asked for a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A user, over `/lab-commands`.
    User,
    /// The scheduler, at a lab's start or end time.
    Scheduler,
}

/// Per-lab coordination.
#[derive(Debug, Default)]
pub struct LabLocks {
    slots: Mutex<HashMap<String, Arc<LabSlot>>>,
}

#[derive(Debug, Default)]
struct LabSlot {
    /// Held by the operation running on the lab.
    op: Arc<tokio::sync::Mutex<()>>,
    /// Set while a deploy is queued or running.
    deploy_claimed: AtomicBool,
    /// Cancels the running deploy.
    deploy_cancel: Mutex<Option<CancellationToken>>,
    /// Stops the node log followers of the current instance.
    followers: Mutex<Option<CancellationToken>>,
}

impl LabLocks {
    /// Whether an operation runs on the lab, or a deploy waits for its turn.
    pub fn is_busy(&self, lab_id: &str) -> bool {
        let slot = self.slot(lab_id);
        slot.deploy_claimed.load(Ordering::Acquire) || slot.op.try_lock().is_err()
    }

    /// Forgets a deleted lab's coordination state.
    pub fn forget(&self, lab_id: &str) {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(slot) = slots.remove(lab_id)
            && let Some(followers) = locked(&slot.followers).take()
        {
            followers.cancel();
        }
    }

    fn slot(&self, lab_id: &str) -> Arc<LabSlot> {
        let mut slots = self
            .slots
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Arc::clone(slots.entry(lab_id.to_owned()).or_default())
    }
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Tells the caller (the per-socket command queue) that the command has its place in its
/// lab's order, or was answered without one. Fires at most once; dropping it fires it.
struct Accepted(Option<oneshot::Sender<()>>);

impl Accepted {
    fn fire(&mut self) {
        if let Some(tx) = self.0.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Accepted {
    fn drop(&mut self) {
        self.fire();
    }
}

fn error(code: ErrorCode, message: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, message)
}

fn internal(err: crate::Error) -> ErrorBody {
    tracing::error!(error = %err, "lab command failed");
    ErrorBody::from_code(ErrorCode::ServerError)
}

fn driver_error(code: ErrorCode, err: &DriverError) -> ErrorBody {
    error(code, err.to_string())
}

/// Runs one lab command for `user`. `accepted` fires once the command has its place in the
/// lab's order (or was refused), so the caller can start the next command of the same socket.
pub async fn execute(
    state: &AppState,
    user: &User,
    command: LabCommandData,
    origin: Origin,
    accepted: oneshot::Sender<()>,
) -> CommandResult {
    let mut accepted = Accepted(Some(accepted));
    if matches!(
        command.command,
        LabCommand::FetchShells | LabCommand::OpenShell | LabCommand::CloseShell
    ) {
        return Err(error(
            ErrorCode::ServerError,
            "interactive shells are not supported by this server yet",
        ));
    }
    if !is_well_formed_uuid(&command.lab_id) {
        return Err(ErrorBody::from_code(ErrorCode::InvalidUuid));
    }
    let lab = state
        .store
        .lab(&command.lab_id)
        .await
        .map_err(internal)?
        .ok_or_else(|| ErrorBody::from_code(ErrorCode::IdNotFound))?;
    tracing::info!(user = %user.id, lab = %lab.id, command = ?command.command, ?origin, "lab command");
    match command.command {
        _ if !can_control_lab(user, &lab) => {
            let verb = if command.command == LabCommand::Deploy {
                "deploy"
            } else {
                "destroy"
            };
            Err(error(
                ErrorCode::NoAccess,
                format!("{verb} access to the provided lab is not granted"),
            ))
        }
        LabCommand::Deploy => deploy(state, lab, origin, &mut accepted).await,
        LabCommand::Destroy => destroy(state, lab, &mut accepted).await,
        node_command => {
            let Some(node) = command.node.filter(|n| !n.is_empty()) else {
                return Err(ErrorBody::from_code(ErrorCode::NodeNotFound));
            };
            node_action(state, lab, node_command, &node, &mut accepted).await
        }
    }
}

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

fn lab_log(state: &AppState, lab_id: &str) -> Arc<LogStream> {
    state.logs.open(
        &Namespace::lab_logs(lab_id).path(),
        state.config.lab_log_backlog,
    )
}

fn run_file(state: &AppState, lab_id: &str) -> PathBuf {
    state.config.run_dir.join(lab_id).join(DEFINITION_FILE)
}

/// Changes the lab's instance and sends a lab update.
fn update_instance(state: &AppState, lab_id: &str, change: impl FnOnce(&mut InstanceOut)) {
    state.runtime.modify_instance(lab_id, |instance| {
        change(instance);
        instance.latest_state_change = Timestamp::now_utc();
    });
    state
        .events
        .send(ServerEvent::LabUpdated(Some(lab_id.to_owned())));
}

fn set_state(state: &AppState, lab_id: &str, new: InstanceState) {
    update_instance(state, lab_id, |i| i.state = new);
}

/// Deploy, or redeploy when the lab has an instance.
async fn deploy(
    state: &AppState,
    lab: LabRecord,
    origin: Origin,
    accepted: &mut Accepted,
) -> CommandResult {
    let slot = state.locks.slot(&lab.id);
    let messages = messages(state, &lab).await;
    let redeploy = state.runtime.instance(&lab.id).is_some();
    if slot.deploy_claimed.swap(true, Ordering::AcqRel) {
        messages.send(&state.events, None, messages.already_deploying(redeploy));
        state
            .events
            .send(ServerEvent::LabUpdated(Some(lab.id.clone())));
        return Err(ErrorBody::from_code(ErrorCode::LabDeploying));
    }
    let cancel = CancellationToken::new();
    *locked(&slot.deploy_cancel) = Some(cancel.clone());
    let guard = Arc::clone(&slot.op).lock_owned().await;
    accepted.fire();
    // The lab may have been deleted while this deploy waited for its turn.
    let current = state.store.lab(&lab.id).await.map_err(internal);
    let has_run_file = run_file(state, &lab.id).exists();
    let result = match current {
        _ if cancel.is_cancelled() => Err(error(
            ErrorCode::ContainerlabFailed,
            "the deployment was cancelled",
        )),
        Err(e) => Err(e),
        Ok(None) => Err(ErrorBody::from_code(ErrorCode::IdNotFound)),
        // A failed first deploy may have no run environment to redeploy: start afresh.
        Ok(Some(lab)) if state.runtime.instance(&lab.id).is_some() && has_run_file => {
            redeploy_lab(state, &lab, &messages, &slot, cancel).await
        }
        Ok(Some(lab)) => deploy_lab(state, &lab, &messages, &slot, origin, cancel).await,
    };
    *locked(&slot.deploy_cancel) = None;
    slot.deploy_claimed.store(false, Ordering::Release);
    drop(guard);
    result
}

/// The containerlab lab name: the topology name with spaces and `_` as `-`, then the time.
fn instance_name(topology: &str) -> String {
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
    state: &AppState,
    lab: &LabRecord,
    messages: &LabMessages,
    slot: &LabSlot,
    origin: Origin,
    cancel: CancellationToken,
) -> CommandResult {
    let now = Timestamp::now_utc();
    if origin == Origin::User && lab.end_time.is_some_and(|end| end <= now) {
        // A deploy after the end time makes the lab indefinite rather than destroying it at once.
        state
            .store
            .update_lab(
                &lab.id,
                LabUpdate {
                    end_time: Some(None),
                    ..LabUpdate::default()
                },
            )
            .await
            .map_err(internal)?;
    }
    let instance_name = instance_name(&messages.topology);
    let log = lab_log(state, &lab.id);
    state.runtime.set_instance(
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
        state
            .store
            .set_instance_name(&lab.id, &instance_name)
            .await?;
        prepare_run_dir(state, lab, &instance_name).await
    }
    .await;
    let run_file = match prepared {
        Ok(run_file) => run_file,
        Err(e) => {
            set_state(state, &lab.id, InstanceState::Failed);
            messages.send(
                &state.events,
                Some(&log),
                messages.environment_failed(&e.to_string()),
            );
            return Err(internal(e));
        }
    };
    state
        .events
        .send(ServerEvent::LabUpdated(Some(lab.id.clone())));
    messages.send(
        &state.events,
        Some(&log),
        messages.deploying(&instance_name),
    );
    match state
        .driver
        .deploy(run_file.clone(), Arc::clone(&log), cancel)
        .await
    {
        Ok(()) => finish_deploy(state, lab, messages, slot, &run_file, &log, false).await,
        Err(e) => deploy_failed(state, lab, messages, &log, false, &e).await,
    }
}

async fn redeploy_lab(
    state: &AppState,
    lab: &LabRecord,
    messages: &LabMessages,
    slot: &LabSlot,
    cancel: CancellationToken,
) -> CommandResult {
    stop_followers(state, slot, &lab.id).await;
    let log = lab_log(state, &lab.id);
    update_instance(state, &lab.id, |i| {
        i.state = InstanceState::Deploying;
        i.nodes = None;
    });
    let instance_name = lab.instance_name.clone().unwrap_or_default();
    messages.send(
        &state.events,
        Some(&log),
        messages.redeploying(&instance_name),
    );
    let run_file = run_file(state, &lab.id);
    match state
        .driver
        .redeploy(run_file.clone(), Arc::clone(&log), cancel)
        .await
    {
        Ok(()) => finish_deploy(state, lab, messages, slot, &run_file, &log, true).await,
        Err(e) => deploy_failed(state, lab, messages, &log, true, &e).await,
    }
}

async fn deploy_failed(
    state: &AppState,
    lab: &LabRecord,
    messages: &LabMessages,
    log: &LogStream,
    redeploy: bool,
    err: &DriverError,
) -> CommandResult {
    set_state(state, &lab.id, InstanceState::Failed);
    if *err == DriverError::Cancelled {
        log.push("[antimony] the deployment was cancelled");
        return Err(error(
            ErrorCode::ContainerlabFailed,
            "the deployment was cancelled",
        ));
    }
    messages.send(
        &state.events,
        Some(log),
        messages.deploy_failed(redeploy, &err.to_string()),
    );
    if let Err(e) = state
        .store
        .set_last_deploy_failed(&lab.topology_id, true)
        .await
    {
        tracing::warn!(error = %e, "cannot record the failed deployment");
    }
    Err(driver_error(ErrorCode::ContainerlabFailed, err))
}

async fn finish_deploy(
    state: &AppState,
    lab: &LabRecord,
    messages: &LabMessages,
    slot: &LabSlot,
    run_file: &Path,
    log: &Arc<LogStream>,
    redeploy: bool,
) -> CommandResult {
    let containers = match state
        .driver
        .inspect(run_file.to_path_buf(), Arc::clone(log))
        .await
    {
        Ok(containers) => containers,
        Err(e) => {
            set_state(state, &lab.id, InstanceState::Failed);
            messages.send(
                &state.events,
                Some(log),
                messages.inspect_failed(&e.to_string()),
            );
            return Err(driver_error(ErrorCode::ContainerlabFailed, &e));
        }
    };
    let instance_name = state
        .store
        .lab(&lab.id)
        .await
        .ok()
        .flatten()
        .and_then(|l| l.instance_name)
        .unwrap_or_default();
    let nodes = build_nodes(state, &instance_name, &containers);
    start_followers(state, slot, &lab.id, &nodes);
    update_instance(state, &lab.id, |i| {
        i.state = InstanceState::Running;
        i.nodes = Some(nodes);
    });
    messages.send(&state.events, Some(log), messages.deployed(redeploy));
    if let Err(e) = state
        .store
        .set_last_deploy_failed(&lab.topology_id, false)
        .await
    {
        tracing::warn!(error = %e, "cannot record the deployment");
    }
    Ok(serde_json::Value::Null)
}

/// Copies the topology's directory to `<run>/<labId>/` and writes the current definition
/// there with `name:` set to the instance name. Returns the run file.
async fn prepare_run_dir(
    state: &AppState,
    lab: &LabRecord,
    instance_name: &str,
) -> crate::Result<PathBuf> {
    let source = state.files.dir(&lab.topology_id);
    let target = state.config.run_dir.join(&lab.id);
    let definition = state.files.read_definition(&lab.topology_id).await?;
    let instance_name = instance_name.to_owned();
    tokio::task::spawn_blocking(move || {
        copy_dir(&source, &target)?;
        let mut document: serde_norway::Value = serde_norway::from_str(&definition)
            .map_err(|e| crate::Error::Corrupt(format!("stored topology: {e}")))?;
        if let serde_norway::Value::Mapping(map) = &mut document {
            map.insert("name".into(), serde_norway::Value::String(instance_name));
        }
        let text =
            serde_norway::to_string(&document).map_err(|e| crate::Error::Corrupt(e.to_string()))?;
        let file = target.join(DEFINITION_FILE);
        std::fs::write(&file, text)
            .map_err(|e| crate::Error::io(format!("writing {}", file.display()), e))?;
        Ok(file)
    })
    .await
    .map_err(|e| crate::Error::Task(e.to_string()))?
}

fn copy_dir(source: &Path, target: &Path) -> crate::Result<()> {
    std::fs::create_dir_all(target)
        .map_err(|e| crate::Error::io(format!("creating {}", target.display()), e))?;
    let entries = match std::fs::read_dir(source) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(crate::Error::io(format!("reading {}", source.display()), e)),
    };
    for entry in entries {
        let entry =
            entry.map_err(|e| crate::Error::io(format!("reading {}", source.display()), e))?;
        let to = target.join(entry.file_name());
        let kind = entry
            .file_type()
            .map_err(|e| crate::Error::io("reading a file type", e))?;
        if kind.is_dir() {
            copy_dir(&entry.path(), &to)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &to)
                .map_err(|e| crate::Error::io(format!("copying to {}", to.display()), e))?;
        }
    }
    Ok(())
}

/// Instance nodes from inspect output. Node names strip `clab-<instance>-` from the container
/// name (the Go server keeps what follows the last `-`, which breaks `leaf-1`).
fn build_nodes(
    state: &AppState,
    instance_name: &str,
    containers: &[ContainerInfo],
) -> Vec<InstanceNode> {
    let prefix = format!("clab-{instance_name}-");
    let mut nodes: Vec<InstanceNode> = containers
        .iter()
        .map(|c| InstanceNode {
            name: c.name.strip_prefix(&prefix).unwrap_or(&c.name).to_owned(),
            kind: c.kind.clone(),
            ipv4: c.ipv4.clone(),
            ipv6: c.ipv6.clone(),
            state: NodeState::from(c.state.as_str()),
            container_id: c.container_id.clone(),
            container_name: c.name.clone(),
            interface_captures: None,
            can_restart: state.kinds.get(&c.kind).can_restart,
        })
        .collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    nodes
}

/// Follows every node's container log into its node log stream until the instance ends.
fn start_followers(state: &AppState, slot: &LabSlot, lab_id: &str, nodes: &[InstanceNode]) {
    let token = state.shutdown.child_token();
    if let Some(old) = locked(&slot.followers).replace(token.clone()) {
        old.cancel();
    }
    for node in nodes {
        let stream = state.logs.open(
            &Namespace::node_logs(lab_id, &node.container_id).path(),
            state.config.node_log_backlog,
        );
        if stream.is_empty() {
            stream.mark_catching_up();
        }
        tokio::spawn(follow_node(
            state.clone(),
            token.clone(),
            node.container_id.clone(),
            stream,
        ));
    }
}

/// Follows one container's output into its node log. It first reads the output so far
/// (then the stream counts as caught up, so subscribers get a whole backlog), then follows.
/// When the stream ends (the container stopped), it follows again from the last line's
/// time, skipping lines already seen, so nothing printed in between is lost or repeated.
async fn follow_node(
    state: AppState,
    token: CancellationToken,
    container_id: String,
    stream: Arc<LogStream>,
) {
    let mut delay = Duration::from_millis(200);
    let mut last: Option<Timestamp> = None;
    let mut caught_up = false;
    loop {
        let mut lines = state
            .driver
            .node_logs(container_id.clone(), last, caught_up);
        let mut failed = false;
        loop {
            tokio::select! {
                () = token.cancelled() => return,
                next = lines.next() => match next {
                    Some(Ok(line)) => {
                        if let (Some(time), Some(seen)) = (line.time, last)
                            && time <= seen
                        {
                            continue;
                        }
                        if line.time.is_some() {
                            last = line.time;
                        }
                        stream.push(line.text);
                        delay = Duration::from_millis(200);
                    }
                    Some(Err(error)) => {
                        tracing::debug!(container = %container_id, %error, "node log stream failed");
                        failed = true;
                        break;
                    }
                    None => break,
                },
            }
        }
        if !caught_up && !failed {
            // The history is in: follow from here on, right away.
            caught_up = true;
            stream.mark_caught_up();
            continue;
        }
        tokio::select! {
            () = token.cancelled() => return,
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

/// Ends the lab's log streams: new subscribers are refused, connected ones disconnected, and
/// the next deployment starts an empty lab log.
async fn close_lab_streams(state: &AppState, slot: &LabSlot, lab_id: &str) {
    stop_followers(state, slot, lab_id).await;
    let lab_namespace = Namespace::lab_logs(lab_id).path();
    state.logs.remove(&lab_namespace);
    crate::socket::close_namespaces(state, std::slice::from_ref(&lab_namespace)).await;
}

/// [`close_lab_streams`] for a lab being deleted.
pub async fn forget_lab(state: &AppState, lab_id: &str) {
    let slot = state.locks.slot(lab_id);
    close_lab_streams(state, &slot, lab_id).await;
    state.locks.forget(lab_id);
    state.runtime.forget(lab_id);
}

async fn stop_followers(state: &AppState, slot: &LabSlot, lab_id: &str) {
    if let Some(token) = locked(&slot.followers).take() {
        token.cancel();
    }
    let node_streams = state
        .logs
        .remove_prefixed(&format!("{}/", Namespace::lab_logs(lab_id).path()));
    crate::socket::close_namespaces(state, &node_streams).await;
}

async fn destroy(state: &AppState, lab: LabRecord, accepted: &mut Accepted) -> CommandResult {
    let slot = state.locks.slot(&lab.id);
    let messages = messages(state, &lab).await;
    let cancel = locked(&slot.deploy_cancel).clone();
    if let Some(cancel) = cancel.filter(|c| !c.is_cancelled()) {
        cancel.cancel();
        messages.send(
            &state.events,
            Some(&lab_log(state, &lab.id)),
            messages.cancelling(),
        );
        state
            .events
            .send(ServerEvent::LabUpdated(Some(lab.id.clone())));
    }
    let _guard = Arc::clone(&slot.op).lock_owned().await;
    accepted.fire();
    if state.runtime.instance(&lab.id).is_none() {
        return Err(ErrorBody::from_code(ErrorCode::LabNotRunning));
    }
    let log = lab_log(state, &lab.id);
    set_state(state, &lab.id, InstanceState::Stopping);
    messages.send(&state.events, Some(&log), messages.destroying());
    let run_file = run_file(state, &lab.id);
    if run_file.exists() {
        if let Err(e) = state.driver.destroy(run_file, Arc::clone(&log)).await {
            messages.send(
                &state.events,
                Some(&log),
                messages.destroy_failed(&e.to_string()),
            );
            return Err(driver_error(ErrorCode::ContainerlabFailed, &e));
        }
    } else {
        // The environment was never created (a failed first deploy): nothing to destroy.
        log.push("[antimony] no run environment: nothing for containerlab to destroy");
    }
    close_lab_streams(state, &slot, &lab.id).await;
    state.runtime.remove_instance(&lab.id);
    state
        .events
        .send(ServerEvent::LabUpdated(Some(lab.id.clone())));
    messages.send(&state.events, None, messages.destroyed());
    Ok(serde_json::Value::Null)
}

async fn node_action(
    state: &AppState,
    lab: LabRecord,
    command: LabCommand,
    node_name: &str,
    accepted: &mut Accepted,
) -> CommandResult {
    let slot = state.locks.slot(&lab.id);
    let _guard = Arc::clone(&slot.op).lock_owned().await;
    accepted.fire();
    // What was true when the command arrived may have changed while it waited (a deploy
    // before it set the instance name, or the lab was deleted).
    let lab = state
        .store
        .lab(&lab.id)
        .await
        .map_err(internal)?
        .ok_or_else(|| ErrorBody::from_code(ErrorCode::IdNotFound))?;
    let instance = state
        .runtime
        .instance(&lab.id)
        .ok_or_else(|| ErrorBody::from_code(ErrorCode::LabNotRunning))?;
    let node = instance
        .nodes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|n| n.name == node_name)
        .cloned()
        .ok_or_else(|| ErrorBody::from_code(ErrorCode::NodeNotFound))?;
    let (verb, doing) = match command {
        LabCommand::StartNode => ("start", "starting"),
        LabCommand::StopNode => ("stop", "stopping"),
        _ => ("restart", "restarting"),
    };
    if !node.can_restart {
        return Err(error(
            ErrorCode::ServerError,
            format!("unable to {verb} nodes of kind '{}'", node.kind),
        ));
    }
    match (command, &node.state) {
        (LabCommand::StartNode, NodeState::Starting | NodeState::Running) => {
            return Err(error(
                ErrorCode::ServerError,
                format!("node is already {}", node.state),
            ));
        }
        (LabCommand::StopNode, NodeState::Exited) => {
            return Err(error(ErrorCode::ServerError, "node is already stopped"));
        }
        _ => {}
    }
    let id = node.container_id.clone();
    let result = match command {
        LabCommand::StartNode => state.driver.start_node(id).await,
        LabCommand::StopNode => state.driver.stop_node(id, STOP_TIMEOUT).await,
        _ => state.driver.restart_node(id, STOP_TIMEOUT).await,
    };
    if let Err(e) = result {
        // The node may have changed anyway: clients refetch.
        state
            .events
            .send(ServerEvent::LabUpdated(Some(lab.id.clone())));
        return Err(driver_error(ErrorCode::ServerError, &e));
    }
    let messages = messages(state, &lab).await;
    messages.send(
        &state.events,
        Some(&lab_log(state, &lab.id)),
        messages.node(node_name, doing),
    );
    // Re-inspect so the node's state is what Docker says now.
    let containers = match state
        .driver
        .inspect(run_file(state, &lab.id), lab_log(state, &lab.id))
        .await
    {
        Ok(containers) => containers,
        Err(e) => {
            state
                .events
                .send(ServerEvent::LabUpdated(Some(lab.id.clone())));
            return Err(driver_error(ErrorCode::ServerError, &e));
        }
    };
    let instance_name = lab.instance_name.clone().unwrap_or_default();
    let nodes = build_nodes(state, &instance_name, &containers);
    update_instance(state, &lab.id, |i| i.nodes = Some(nodes));
    Ok(serde_json::Value::Null)
}

/// Deploys queued labs at their start time and destroys deployed labs at their end time.
pub async fn run_scheduler(state: AppState, shutdown: CancellationToken) {
    let mut attempted_destroy: HashMap<String, Timestamp> = HashMap::new();
    // The Go server polls its queues every 50 ms; the lab list is cached, so this is cheap.
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        let labs = match state.store.labs(LabFilter::default()).await {
            Ok(labs) => labs,
            Err(error) => {
                tracing::warn!(%error, "scheduler cannot read labs");
                continue;
            }
        };
        let now = Timestamp::now_utc();
        for lab in labs {
            if state.runtime.state(&lab.id) == InstanceState::Scheduled && lab.start_time <= now {
                state.runtime.dequeue(&lab.id);
                tracing::info!(lab = %lab.id, "scheduled deployment");
                let (state, lab) = (state.clone(), (*lab).clone());
                tokio::spawn(async move {
                    let (tx, _rx) = oneshot::channel();
                    if let Err(e) = execute(
                        &state,
                        &User::native_admin(),
                        LabCommandData::new(lab.id.clone(), LabCommand::Deploy),
                        Origin::Scheduler,
                        tx,
                    )
                    .await
                    {
                        tracing::warn!(lab = %lab.id, error = %e, "scheduled deployment failed");
                    }
                });
            }
            let Some(end) = lab.end_time else { continue };
            let has_instance = state.runtime.instance(&lab.id).is_some();
            if has_instance && end <= now && attempted_destroy.get(&lab.id) != Some(&end) {
                attempted_destroy.insert(lab.id.clone(), end);
                tracing::info!(lab = %lab.id, "scheduled destruction");
                let (state, lab_id) = (state.clone(), lab.id.clone());
                tokio::spawn(async move {
                    let (tx, _rx) = oneshot::channel();
                    if let Err(e) = execute(
                        &state,
                        &User::native_admin(),
                        LabCommandData::new(lab_id.clone(), LabCommand::Destroy),
                        Origin::Scheduler,
                        tx,
                    )
                    .await
                    {
                        tracing::warn!(lab = %lab_id, error = %e, "scheduled destruction failed");
                    }
                });
            }
        }
    }
}

/// Turns container events into node state changes and lab updates; reconnects with back-off
/// when the engine's event stream ends.
pub async fn watch_container_events(state: AppState, shutdown: CancellationToken) {
    let mut delay = Duration::from_secs(1);
    loop {
        let mut events = state.driver.events();
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
                        if let Some(lab_id) = state.runtime.lab_of_container(&event.container_id) {
                            if let Some(new_state) = new_state {
                                state.runtime.set_node_state(&lab_id, &event.container_id, new_state);
                            }
                            state.events.send(ServerEvent::LabUpdated(Some(lab_id)));
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

/// Re-attaches labs whose containers still run (PROTOCOL.md §6.11): state `running`,
/// `recovered: true`, an empty lab log, and node logs followed from the start.
pub async fn recover(state: &AppState) {
    recover_instances(state).await;
    // Clients connected before now refetch everything.
    state.events.send(ServerEvent::LabUpdated(None));
}

async fn recover_instances(state: &AppState) {
    let deployed = match state.driver.inspect_all().await {
        Ok(deployed) => deployed,
        Err(error) => {
            tracing::warn!(%error, "cannot list deployed labs; none are recovered");
            return;
        }
    };
    let labs = match state.store.labs(LabFilter::default()).await {
        Ok(labs) => labs,
        Err(error) => {
            tracing::error!(%error, "cannot read labs for recovery");
            return;
        }
    };
    let mut recovered = 0;
    for lab in labs {
        let Some(containers) = lab
            .instance_name
            .as_ref()
            .and_then(|name| deployed.get(name))
        else {
            continue;
        };
        let nodes = build_nodes(
            state,
            lab.instance_name.as_deref().unwrap_or_default(),
            containers,
        );
        let now = Timestamp::now_utc();
        lab_log(state, &lab.id);
        let slot = state.locks.slot(&lab.id);
        start_followers(state, &slot, &lab.id, &nodes);
        state.runtime.set_instance(
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
    }
    tracing::info!(recovered, "recovered deployed labs");
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

    #[test]
    fn copies_a_topology_directory() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("storage/t");
        std::fs::create_dir_all(source.join("config")).unwrap();
        std::fs::write(source.join("config/a.cfg"), "x").unwrap();
        copy_dir(&source, &dir.path().join("run/l")).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("run/l/config/a.cfg")).unwrap(),
            "x"
        );
        copy_dir(&dir.path().join("missing"), &dir.path().join("run/m")).unwrap();
    }
}
