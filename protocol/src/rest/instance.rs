//! A deployed lab's instance, its nodes and their states (PROTOCOL.md §4.2, §6.1, §6.2).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Timestamp;
use crate::int_enum::int_enum;

int_enum! {
    /// A lab's state: `instance.state`, and the values of `stateFilter[]`.
    ///
    /// `Inactive` and `Scheduled` are pseudo-states of labs without an instance; they never
    /// appear in `instance.state`.
    pub enum InstanceState: i8 {
        /// No instance and not queued for deployment.
        Inactive = -1,
        /// No instance; queued for deployment at its start time.
        Scheduled = -2,
        /// containerlab deploy (or redeploy) and inspect are running.
        Deploying = 0,
        /// Deployed and inspected (also every lab recovered after a server restart).
        Running = 1,
        /// containerlab destroy is running (stays here if destroy fails).
        Stopping = 2,
        /// Deploy, redeploy or inspect failed.
        Failed = 3,
    }
}

impl InstanceState {
    /// Whether a lab in this state has an instance (so its log namespace exists).
    pub const fn has_instance(self) -> bool {
        !matches!(self, InstanceState::Inactive | InstanceState::Scheduled)
    }
}

/// `LabOut.instance`: present while a lab is deployed (or being deployed, stopped, failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct InstanceOut {
    /// Always `""` on the Go server (never filled).
    #[serde(default)]
    pub name: String,
    /// When the instance was created.
    pub deployed: Timestamp,
    /// The state; never a pseudo-state.
    pub state: InstanceState,
    /// When `state` last changed.
    pub latest_state_change: Timestamp,
    /// The nodes; `null` while there are none (e.g. while deploying).
    pub nodes: Option<Vec<InstanceNode>>,
    /// Whether the instance was re-attached after a server restart.
    #[serde(default)]
    pub recovered: bool,
}

/// A node's state: `starting`, `running`, `exited`, or any other Docker state as it came.
#[derive(Debug, Clone, PartialEq, Eq, Hash, ts_rs::TS)]
#[ts(type = "\"starting\" | \"running\" | \"exited\" | (string & {})")]
pub enum NodeState {
    /// The container runs but has not answered yet.
    Starting,
    /// The container answered (e.g. its SSH prompt appeared).
    Running,
    /// The container stopped.
    Exited,
    /// Another Docker state (`created`, `paused`, `restarting`, `dead`, …), kept verbatim.
    Other(String),
}

impl NodeState {
    /// The wire text.
    pub fn as_str(&self) -> &str {
        match self {
            NodeState::Starting => "starting",
            NodeState::Running => "running",
            NodeState::Exited => "exited",
            NodeState::Other(state) => state,
        }
    }
}

impl From<&str> for NodeState {
    fn from(value: &str) -> Self {
        match value {
            "starting" => NodeState::Starting,
            "running" => NodeState::Running,
            "exited" => NodeState::Exited,
            other => NodeState::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for NodeState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for NodeState {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(NodeState::from(text.as_ref()))
    }
}

/// One node of an instance.
///
/// The Go server writes the container name under the misspelled key `containnerName`; the
/// web UI's type says `containerName`. This type reads either (preferring `containerName`)
/// and writes both.
#[derive(Debug, Clone, PartialEq, Eq, ts_rs::TS)]
#[ts(as = "InstanceNodeWire")]
pub struct InstanceNode {
    /// The node name from the topology.
    pub name: String,
    /// The containerlab kind, `""` when the topology sets none per node.
    pub kind: String,
    /// IPv4 address with prefix (`172.20.20.2/24`), or `N/A`.
    pub ipv4: String,
    /// IPv6 address with prefix, or `N/A`.
    pub ipv6: String,
    /// The node state.
    pub state: NodeState,
    /// The 12-character short Docker container id; also names the node's log namespace.
    pub container_id: String,
    /// The full container name, normally `clab-<instanceName>-<node>`.
    pub container_name: String,
    /// Packet-capture commands per interface; `None` unless capture is enabled.
    pub interface_captures: Option<BTreeMap<String, String>>,
    /// Whether start, stop and restart are allowed for this node's kind.
    pub can_restart: bool,
}

/// The JSON shape of [`InstanceNode`], with both spellings of the container name. It reads
/// the wire and describes it to TypeScript; `InstanceNode`'s own `Serialize` writes it.
#[derive(Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "InstanceNode")]
struct InstanceNodeWire {
    name: String,
    #[serde(default)]
    kind: String,
    ipv4: String,
    ipv6: String,
    state: NodeState,
    container_id: String,
    #[serde(default)]
    container_name: String,
    /// The Go server's spelling.
    #[serde(default)]
    containner_name: String,
    #[serde(default)]
    interface_captures: Option<BTreeMap<String, String>>,
    #[serde(default)]
    can_restart: bool,
}

impl Serialize for InstanceNode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut node = serializer.serialize_struct("InstanceNode", 10)?;
        node.serialize_field("name", &self.name)?;
        node.serialize_field("kind", &self.kind)?;
        node.serialize_field("ipv4", &self.ipv4)?;
        node.serialize_field("ipv6", &self.ipv6)?;
        node.serialize_field("state", &self.state)?;
        node.serialize_field("containerId", &self.container_id)?;
        node.serialize_field("containerName", &self.container_name)?;
        node.serialize_field("containnerName", &self.container_name)?;
        node.serialize_field("interfaceCaptures", &self.interface_captures)?;
        node.serialize_field("canRestart", &self.can_restart)?;
        node.end()
    }
}

impl<'de> Deserialize<'de> for InstanceNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = InstanceNodeWire::deserialize(deserializer)?;
        let container_name = if wire.container_name.is_empty() {
            wire.containner_name
        } else {
            wire.container_name
        };
        Ok(InstanceNode {
            name: wire.name,
            kind: wire.kind,
            ipv4: wire.ipv4,
            ipv6: wire.ipv6,
            state: wire.state,
            container_id: wire.container_id,
            container_name,
            interface_captures: wire.interface_captures,
            can_restart: wire.can_restart,
        })
    }
}
