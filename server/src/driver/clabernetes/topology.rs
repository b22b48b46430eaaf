//! The clabernetes `Topology` custom resource (group `clabernetes.containerlab.dev`, version
//! `v1alpha1`) as far as this driver reads and writes it, the lab definition it carries, and
//! the names this driver gives things in the cluster.
//!
//! Everything here is read from the API server, so every field is optional and bounded:
//! a resource of the wrong shape is an error, never a panic.

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::NamespaceResourceScope;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};
use sha2::Digest;

use crate::driver::DriverError;

/// The API group of clabernetes' resources.
pub(super) const GROUP: &str = "clabernetes.containerlab.dev";
/// The version of the `Topology` resource this driver speaks.
pub(super) const VERSION: &str = "v1alpha1";
/// The label on every namespace and topology this driver made.
pub(super) const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "antimony");
/// The annotation naming the containerlab lab (the instance name) a topology deploys.
pub(super) const INSTANCE_ANNOTATION: &str = "antimony.dev/instance";
/// clabernetes' label naming the topology that owns a pod.
pub(super) const OWNER_LABEL: &str = "clabernetes/topologyOwner";
/// clabernetes' label naming the node a pod runs.
pub(super) const NODE_LABEL: &str = "clabernetes/topologyNode";
/// The name of the topology resource in each lab's namespace (the namespace tells labs
/// apart; a short name keeps clabernetes' `<topology>-<node>` names within 63 characters).
pub(super) const TOPOLOGY_NAME: &str = "lab";
/// The largest lab definition read (a topology file or a resource's definition).
pub(super) const MAX_DEFINITION: usize = 1024 * 1024;
/// The most nodes a lab may have.
const MAX_NODES: usize = 1000;

/// A clabernetes `Topology`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Topology {
    /// `clabernetes.containerlab.dev/v1alpha1`.
    #[serde(default)]
    pub api_version: String,
    /// `Topology`.
    #[serde(default)]
    pub kind: String,
    /// Name, namespace, labels, annotations.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// What to deploy.
    #[serde(default)]
    pub spec: TopologySpec,
    /// What the controller reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<TopologyStatus>,
}

/// The spec: the definition only; everything else keeps clabernetes' defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct TopologySpec {
    /// The lab definition.
    #[serde(default)]
    pub definition: Definition,
}

/// A topology's definition: a containerlab topology as YAML text.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Definition {
    /// The containerlab topology.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containerlab: Option<String>,
}

/// The controller's report.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TopologyStatus {
    /// Whether every node reports ready.
    #[serde(default)]
    pub topology_ready: bool,
    /// `deploying`, `running`, `degraded` or `deployfailed`.
    #[serde(default)]
    pub topology_state: Option<String>,
    /// Node name → `ready`, `notready`, `unknown`.
    #[serde(default)]
    pub node_readiness: Option<BTreeMap<String, String>>,
    /// Node name → its LoadBalancer service.
    #[serde(default)]
    pub exposed_ports: Option<BTreeMap<String, Option<ExposedPorts>>>,
}

/// A node's LoadBalancer service.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ExposedPorts {
    /// The address the cluster gave it, empty while pending.
    #[serde(default)]
    pub load_balancer_address: String,
}

impl kube::Resource for Topology {
    type DynamicType = ();
    type Scope = NamespaceResourceScope;

    fn kind(_: &()) -> Cow<'_, str> {
        Cow::Borrowed("Topology")
    }

    fn group(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(GROUP)
    }

    fn version(_: &()) -> Cow<'_, str> {
        Cow::Borrowed(VERSION)
    }

    fn plural(_: &()) -> Cow<'_, str> {
        Cow::Borrowed("topologies")
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

impl Topology {
    /// The resource that deploys `definition` (the lab named `instance`) in `namespace`.
    pub(super) fn new(namespace: &str, instance: &str, definition: String) -> Self {
        Topology {
            api_version: format!("{GROUP}/{VERSION}"),
            kind: "Topology".into(),
            metadata: ObjectMeta {
                name: Some(TOPOLOGY_NAME.into()),
                namespace: Some(namespace.into()),
                labels: Some(BTreeMap::from([(
                    MANAGED_BY.0.to_owned(),
                    MANAGED_BY.1.to_owned(),
                )])),
                annotations: Some(BTreeMap::from([(
                    INSTANCE_ANNOTATION.to_owned(),
                    instance.to_owned(),
                )])),
                ..ObjectMeta::default()
            },
            spec: TopologySpec {
                definition: Definition {
                    containerlab: Some(definition),
                },
            },
            status: None,
        }
    }

    /// The instance name this driver recorded on it.
    pub(super) fn instance(&self) -> Option<&str> {
        self.metadata
            .annotations
            .as_ref()?
            .get(INSTANCE_ANNOTATION)
            .map(String::as_str)
    }
}

/// A node of a lab definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NodeDefinition {
    /// The node name.
    pub name: String,
    /// Its kind (its own, else the defaults').
    pub kind: String,
    /// Its image (its own, else its kind's, else the defaults').
    pub image: String,
}

/// What this driver needs of a containerlab topology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LabDefinition {
    /// `name:`, the instance name.
    pub name: String,
    /// The nodes, by name.
    pub nodes: Vec<NodeDefinition>,
}

impl LabDefinition {
    /// Reads a containerlab topology: its name and nodes, with kinds and images resolved as
    /// containerlab does (node, then `kinds.<kind>`, then `defaults`).
    pub(super) fn parse(text: &str) -> Result<Self, DriverError> {
        let bad = |message: String| DriverError::Output {
            tool: "clabernetes",
            message,
        };
        if text.len() > MAX_DEFINITION {
            return Err(bad(format!(
                "the topology is {} bytes; at most {MAX_DEFINITION} are read",
                text.len()
            )));
        }
        let document: serde_norway::Value =
            serde_norway::from_str(text).map_err(|e| bad(format!("topology YAML: {e}")))?;
        let text_of = |value: Option<&serde_norway::Value>| {
            value
                .and_then(serde_norway::Value::as_str)
                .map(str::to_owned)
        };
        let name = text_of(document.get("name"))
            .filter(|n| !n.is_empty())
            .ok_or_else(|| bad("the topology has no name".into()))?;
        let topology = document.get("topology");
        let defaults = topology.and_then(|t| t.get("defaults"));
        let kinds = topology.and_then(|t| t.get("kinds"));
        let mut nodes = Vec::new();
        if let Some(map) = topology
            .and_then(|t| t.get("nodes"))
            .and_then(serde_norway::Value::as_mapping)
        {
            if map.len() > MAX_NODES {
                return Err(bad(format!("more than {MAX_NODES} nodes")));
            }
            for (key, node) in map {
                let name = key
                    .as_str()
                    .ok_or_else(|| bad("a node name is not a string".into()))?;
                let kind = text_of(node.get("kind"))
                    .or_else(|| text_of(defaults.and_then(|d| d.get("kind"))))
                    .unwrap_or_else(|| "linux".into());
                let image = text_of(node.get("image"))
                    .or_else(|| text_of(kinds.and_then(|k| k.get(&kind)?.get("image"))))
                    .or_else(|| text_of(defaults.and_then(|d| d.get("image"))))
                    .unwrap_or_default();
                nodes.push(NodeDefinition {
                    name: name.to_owned(),
                    kind,
                    image,
                });
            }
        }
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(LabDefinition { name, nodes })
    }
}

/// The namespace of the lab named `instance`: `<prefix><instance>`, made a DNS label
/// (lower case, `a-z0-9-`, at most 63 characters); when that changed or shortened the name,
/// a hash of the name keeps labs apart.
pub(super) fn namespace_for(prefix: &str, instance: &str) -> String {
    let wanted = format!("{prefix}{instance}");
    let mut label: String = wanted
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-') => c,
            _ => '-',
        })
        .collect();
    if label != wanted || label.len() > 63 {
        let hash = short_hash(&wanted);
        label.truncate(63 - hash.len() - 1);
        label = format!("{}-{hash}", label.trim_end_matches('-'));
    }
    let label = label.trim_matches('-').to_owned();
    if label.is_empty() {
        short_hash(&wanted)
    } else {
        label
    }
}

/// The container id the server knows a node by: 12 hex digits of a hash of its namespace
/// and node name, the same before and after a server restart and across pod restarts.
pub(super) fn container_id(namespace: &str, node: &str) -> String {
    let digest = sha2::Sha256::digest(format!("{namespace}/{node}").as_bytes());
    digest.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

/// The container name the server strips `clab-<instance>-` from to name the node.
pub(super) fn container_name(instance: &str, node: &str) -> String {
    format!("clab-{instance}-{node}")
}

fn short_hash(text: &str) -> String {
    let digest = sha2::Sha256::digest(text.as_bytes());
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_are_dns_labels_that_keep_labs_apart() {
        assert_eq!(
            namespace_for("antimony-", "spine-leaf-1718212345678"),
            "antimony-spine-leaf-1718212345678"
        );
        let odd = namespace_for("antimony-", "My Lab_1-1718212345678");
        assert!(odd.starts_with("antimony-my-lab-1-1718212345678-"), "{odd}");
        assert_ne!(odd, namespace_for("antimony-", "My Lab-1-1718212345678"));
        let long = namespace_for("antimony-", &"x".repeat(200));
        assert!(long.len() <= 63, "{long}");
        assert!(
            long.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        );
        assert!(!namespace_for("", "___").is_empty());
    }

    #[test]
    fn container_ids_are_stable_and_distinct() {
        let a = container_id("antimony-lab", "srl1");
        assert_eq!(a.len(), 12);
        assert_eq!(a, container_id("antimony-lab", "srl1"));
        assert_ne!(a, container_id("antimony-lab", "srl2"));
        assert_ne!(a, container_id("antimony-other", "srl1"));
    }

    #[test]
    fn definitions_resolve_kinds_and_images_as_containerlab_does() {
        let text = "name: lab-1\ntopology:\n  defaults:\n    kind: linux\n  kinds:\n    nokia_srlinux:\n      image: ghcr.io/nokia/srlinux\n  nodes:\n    srl1:\n      kind: nokia_srlinux\n    client:\n      image: alpine:3\n";
        let lab = LabDefinition::parse(text).unwrap();
        assert_eq!(lab.name, "lab-1");
        assert_eq!(
            lab.nodes,
            [
                NodeDefinition {
                    name: "client".into(),
                    kind: "linux".into(),
                    image: "alpine:3".into()
                },
                NodeDefinition {
                    name: "srl1".into(),
                    kind: "nokia_srlinux".into(),
                    image: "ghcr.io/nokia/srlinux".into()
                },
            ]
        );
        assert!(LabDefinition::parse("topology: {}").is_err(), "no name");
        assert!(LabDefinition::parse("name: [").is_err());
        assert!(LabDefinition::parse(&"#".repeat(MAX_DEFINITION + 1)).is_err());
        assert!(
            LabDefinition::parse("name: x\ntopology:\n  nodes:\n    [1]: {}\n").is_err(),
            "a node name that is not a string"
        );
    }

    #[test]
    fn topologies_carry_their_instance_and_serialize_as_clabernetes_expects() {
        let topology = Topology::new("antimony-x", "x-1", "name: x-1\n".into());
        assert_eq!(topology.instance(), Some("x-1"));
        let json = serde_json::to_value(&topology).unwrap();
        assert_eq!(json["apiVersion"], "clabernetes.containerlab.dev/v1alpha1");
        assert_eq!(json["kind"], "Topology");
        assert_eq!(json["spec"]["definition"]["containerlab"], "name: x-1\n");
        assert_eq!(
            json["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "antimony"
        );
        let status: Topology = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "lab"},
            "status": {"topologyReady": true, "topologyState": "running",
                       "nodeReadiness": {"srl1": "ready"}, "exposedPorts": {"srl1": null}}
        }))
        .unwrap();
        assert!(status.status.unwrap().topology_ready);
    }
}
