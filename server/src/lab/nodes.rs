//! Nodes: building an instance's node list from `containerlab inspect`, and the node
//! commands start, stop and restart (PROTOCOL.md §5.5).

use std::sync::Arc;

use antimony_protocol::LabCommand;
use antimony_protocol::rest::{InstanceNode, NodeState};
use tokio::sync::OwnedMutexGuard;

use super::Labs;
use super::{
    LabError, Outcome, STOP_TIMEOUT, lab_log, lab_updated, messages, run_dir, update_instance,
};
use crate::driver::{ContainerInfo, NodeAction};
use crate::store::LabRecord;

/// A node command with its place in the lab's order.
#[derive(Debug)]
pub(super) struct Ticket {
    lab_id: String,
    command: LabCommand,
    node: String,
    _turn: OwnedMutexGuard<()>,
}

/// Waits for the lab's turn.
pub(super) async fn admit(
    labs: &Labs,
    lab: LabRecord,
    command: LabCommand,
    node: String,
) -> Ticket {
    let slot = labs.locks.slot(&lab.id);
    let turn = Arc::clone(&slot.op).lock_owned().await;
    Ticket {
        lab_id: lab.id,
        command,
        node,
        _turn: turn,
    }
}

/// Starts, stops or restarts the node, then re-inspects the lab so the node's state is what
/// Docker says now.
#[tracing::instrument(skip_all, fields(lab = %ticket.lab_id, node = %ticket.node, command = ?ticket.command))]
pub(super) async fn run(labs: &Labs, ticket: Ticket) -> Result<Outcome, LabError> {
    let Ticket {
        lab_id,
        command,
        node: node_name,
        _turn,
    } = ticket;
    // What was true when the command arrived may have changed while it waited (a deploy
    // before it set the instance name, or the lab was deleted).
    let lab = labs.store.lab(&lab_id).await?.ok_or(LabError::NotFound)?;
    let instance = labs
        .instances
        .instance(&lab.id)
        .ok_or(LabError::NotRunning)?;
    let node = instance
        .nodes
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|n| n.name == node_name)
        .cloned()
        .ok_or(LabError::NodeNotFound)?;
    let (verb, doing) = match command {
        LabCommand::StartNode => ("start", "starting"),
        LabCommand::StopNode => ("stop", "stopping"),
        _ => ("restart", "restarting"),
    };
    if !node.can_restart {
        return Err(LabError::Refused(format!(
            "unable to {verb} nodes of kind '{}'",
            node.kind
        )));
    }
    let action = match command {
        LabCommand::StartNode => NodeAction::Start,
        LabCommand::StopNode => NodeAction::Stop,
        _ => NodeAction::Restart,
    };
    if let Some(refused) = labs.driver.refuses(action) {
        return Err(LabError::Refused(refused.to_string()));
    }
    match (command, &node.state) {
        (LabCommand::StartNode, NodeState::Starting | NodeState::Running) => {
            return Err(LabError::Refused(format!("node is already {}", node.state)));
        }
        (LabCommand::StopNode, NodeState::Exited) => {
            return Err(LabError::Refused("node is already stopped".into()));
        }
        _ => {}
    }
    if command != LabCommand::StartNode {
        // A stopped node's shells end with it (PROTOCOL.md §5.5).
        labs.shells.close_where(
            |shell| shell.lab_id == lab.id && shell.node == node_name,
            antimony_protocol::close_reason::NODE_STOPPED,
        );
    }
    let id = node.container_id.clone();
    let result = match command {
        LabCommand::StartNode => labs.driver.start_node(id).await,
        LabCommand::StopNode => labs.driver.stop_node(id, STOP_TIMEOUT).await,
        _ => labs.driver.restart_node(id, STOP_TIMEOUT).await,
    };
    if let Err(e) = result {
        // The node may have changed anyway: clients refetch.
        lab_updated(labs, &lab.id);
        return Err(LabError::Driver(e));
    }
    let messages = messages(labs, &lab).await;
    let log = lab_log(labs, &lab.id);
    messages.send(&labs.events, Some(&log), messages.node(&node_name, doing));
    let containers = match labs
        .driver
        .inspect(run_dir::run_file(labs, &lab.id), log)
        .await
    {
        Ok(containers) => containers,
        Err(e) => {
            lab_updated(labs, &lab.id);
            return Err(LabError::Driver(e));
        }
    };
    let instance_name = lab.instance_name.clone().unwrap_or_default();
    let nodes = build(labs, &instance_name, &containers);
    update_instance(labs, &lab.id, |i| i.nodes = Some(nodes));
    Ok(Outcome::Done)
}

/// Instance nodes from inspect output. Node names strip `clab-<instance>-` from the container
/// name (the Go server keeps what follows the last `-`, which breaks `leaf-1`).
pub(super) fn build(
    labs: &Labs,
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
            can_restart: labs.kinds.get(&c.kind).can_restart,
        })
        .collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    nodes
}
