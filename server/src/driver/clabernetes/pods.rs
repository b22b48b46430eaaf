//! A lab's nodes as the cluster has them: the topology's nodes with their pods' states and
//! addresses (inspect, and of every lab for recovery), the pod a node runs in now, and a
//! node restart (its pod deleted, its deployment making a new one).

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::{DeleteParams, ListParams};
use kube::runtime::watcher;
use kube::runtime::{WatchStreamExt, watcher::Event};

use super::topology::{
    LabDefinition, MANAGED_BY, NODE_LABEL, NodeDefinition, OWNER_LABEL, TOPOLOGY_NAME, Topology,
    container_id, container_name,
};
use super::{ClabernetesDriver, NodeRef, api_error, not_found};
use crate::driver::{ContainerInfo, DriverError};

/// How long a restart waits for the node's new pod to be ready.
const RESTART_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// A pod's state in a word, and whether it is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct PodSummary {
    /// `Pending`, `Running`, … or `Terminating`.
    pub phase: String,
    /// Whether its `Ready` condition holds.
    pub ready: bool,
    /// Why a container waits (`ImagePullBackOff`, `CrashLoopBackOff`, …).
    pub waiting: Option<String>,
}

impl PodSummary {
    pub(super) fn of(pod: &Pod) -> Self {
        let status = pod.status.as_ref();
        let phase = if pod.metadata.deletion_timestamp.is_some() {
            "Terminating".to_owned()
        } else {
            status
                .and_then(|s| s.phase.clone())
                .unwrap_or_else(|| "Pending".into())
        };
        let ready = pod.metadata.deletion_timestamp.is_none()
            && status
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        let waiting = status
            .and_then(|s| s.container_statuses.as_ref())
            .and_then(|c| {
                c.iter()
                    .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone())
            });
        PodSummary {
            phase,
            ready,
            waiting,
        }
    }

    /// The Docker-like state the server shows: `running`, `starting` or `exited`.
    pub(super) fn state(&self) -> &'static str {
        match self.phase.as_str() {
            "Running" if self.ready => "running",
            "Pending" | "Running" => "starting",
            _ => "exited",
        }
    }
}

impl std::fmt::Display for PodSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.phase)?;
        if self.ready {
            f.write_str(", ready")?;
        }
        if let Some(reason) = &self.waiting {
            write!(f, " ({reason})")?;
        }
        Ok(())
    }
}

/// The node a pod runs, from clabernetes' label.
pub(super) fn node_of(pod: &Pod) -> Option<&str> {
    pod.metadata
        .labels
        .as_ref()?
        .get(NODE_LABEL)
        .map(String::as_str)
}

/// The pod that stands for `node` among `pods`: the newest one that is not going away.
pub(super) fn current_pod<'a>(pods: &'a [Pod], node: &str) -> Option<&'a Pod> {
    let mut candidates: Vec<&Pod> = pods.iter().filter(|p| node_of(p) == Some(node)).collect();
    candidates.sort_by_key(|p| {
        (
            p.metadata.deletion_timestamp.is_none(),
            p.metadata.creation_timestamp.clone(),
        )
    });
    candidates.last().copied()
}

/// The pods of the lab in `namespace`.
pub(super) async fn lab_pods(
    client: &kube::Client,
    namespace: &str,
) -> Result<Vec<Pod>, DriverError> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let params = ListParams::default().labels(&format!("{OWNER_LABEL}={TOPOLOGY_NAME}"));
    Ok(pods
        .list(&params)
        .await
        .map_err(|e| api_error("listing the lab's pods", e))?
        .items)
}

/// The containers of the lab in `namespace`; none when it has no topology.
pub(super) async fn inspect(
    driver: &ClabernetesDriver,
    namespace: &str,
) -> Result<Vec<ContainerInfo>, DriverError> {
    let client = driver.client()?;
    let topologies: Api<Topology> = Api::namespaced(client.clone(), namespace);
    let topology = match topologies.get(TOPOLOGY_NAME).await {
        Ok(topology) => topology,
        Err(e) if not_found(&e) => return Ok(Vec::new()),
        Err(e) => return Err(api_error("reading the topology", e)),
    };
    let pods = lab_pods(client, namespace).await?;
    Ok(containers(driver, namespace, &topology, &pods).1)
}

/// The containers of every lab this driver deployed, by instance name.
pub(super) async fn inspect_all(
    driver: &ClabernetesDriver,
) -> Result<HashMap<String, Vec<ContainerInfo>>, DriverError> {
    let client = driver.client()?;
    let topologies: Api<Topology> = Api::all(client.clone());
    let params = ListParams::default().labels(&format!("{}={}", MANAGED_BY.0, MANAGED_BY.1));
    let list = topologies
        .list(&params)
        .await
        .map_err(|e| api_error("listing clabernetes topologies", e))?;
    let mut labs = HashMap::new();
    for topology in list.items {
        let Some(namespace) = topology.metadata.namespace.clone() else {
            continue;
        };
        if !namespace.starts_with(&driver.settings.namespace_prefix) {
            continue;
        }
        let pods = lab_pods(client, &namespace).await?;
        let (instance, containers) = containers(driver, &namespace, &topology, &pods);
        if let Some(instance) = instance {
            labs.insert(instance, containers);
        }
    }
    Ok(labs)
}

/// The topology's nodes as containers (and the instance name it was deployed as); every node
/// is remembered by its id.
fn containers(
    driver: &ClabernetesDriver,
    namespace: &str,
    topology: &Topology,
    pods: &[Pod],
) -> (Option<String>, Vec<ContainerInfo>) {
    let definition = topology
        .spec
        .definition
        .containerlab
        .as_deref()
        .and_then(|text| LabDefinition::parse(text).ok());
    let instance = topology
        .instance()
        .map(str::to_owned)
        .or_else(|| definition.as_ref().map(|d| d.name.clone()));
    let status = topology.status.clone().unwrap_or_default();
    // Nodes the definition names; else those the controller or the pods name.
    let nodes: Vec<NodeDefinition> = match definition {
        Some(definition) => definition.nodes,
        None => {
            let mut names: Vec<String> = status
                .node_readiness
                .clone()
                .unwrap_or_default()
                .into_keys()
                .chain(pods.iter().filter_map(node_of).map(str::to_owned))
                .collect();
            names.sort();
            names.dedup();
            names
                .into_iter()
                .map(|name| NodeDefinition {
                    name,
                    kind: "linux".into(),
                    image: String::new(),
                })
                .collect()
        }
    };
    let instance_name = instance.clone().unwrap_or_default();
    let exposed = status.exposed_ports.unwrap_or_default();
    let mut remembered = Vec::new();
    let containers = nodes
        .into_iter()
        .map(|node| {
            let id = container_id(namespace, &node.name);
            let pod = current_pod(pods, &node.name);
            let state = pod.map_or("exited", |p| PodSummary::of(p).state());
            let balancer = exposed
                .get(&node.name)
                .and_then(Option::as_ref)
                .map(|e| e.load_balancer_address.clone())
                .filter(|a| !a.is_empty());
            let pod_ip = pod
                .and_then(|p| p.status.as_ref()?.pod_ip.clone())
                .filter(|a| !a.is_empty());
            remembered.push((id.clone(), node.name.clone()));
            ContainerInfo {
                name: container_name(&instance_name, &node.name),
                container_id: id,
                kind: node.kind,
                image: node.image,
                state: state.to_owned(),
                ipv4: address(balancer.or(pod_ip)),
                ipv6: "N/A".into(),
            }
        })
        .collect();
    driver.remember(namespace, &remembered);
    (instance, containers)
}

/// An address with its prefix length, as containerlab shows them; `N/A` without one.
fn address(address: Option<String>) -> String {
    match address {
        Some(a) => match a.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(_)) => format!("{a}/32"),
            Ok(std::net::IpAddr::V6(_)) => format!("{a}/128"),
            // A load balancer's host name.
            Err(_) => a,
        },
        None => "N/A".into(),
    }
}

/// Forgets the nodes of a destroyed lab.
pub(super) fn forget_namespace(driver: &ClabernetesDriver, namespace: &str) {
    driver
        .nodes
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .retain(|_, node| node.namespace != namespace);
}

/// Restarts a node: deletes its pods, then waits until the new one is ready.
#[tracing::instrument(
    name = "clabernetes",
    skip(driver),
    fields(action = "restart"),
    err(Display, level = "warn")
)]
pub(super) async fn restart(driver: &ClabernetesDriver, node: &NodeRef) -> Result<(), DriverError> {
    let client = driver.client()?;
    let pods: Api<Pod> = Api::namespaced(client.clone(), &node.namespace);
    let selector = format!("{OWNER_LABEL}={TOPOLOGY_NAME},{NODE_LABEL}={}", node.node);
    let old: Vec<String> = pods
        .list(&ListParams::default().labels(&selector))
        .await
        .map_err(|e| api_error("listing the node's pods", e))?
        .items
        .into_iter()
        .filter_map(|p| p.metadata.uid)
        .collect();
    pods.delete_collection(
        &DeleteParams::default(),
        &ListParams::default().labels(&selector),
    )
    .await
    .map_err(|e| api_error("deleting the node's pod", e))?;
    let mut events = watcher(pods, watcher::Config::default().labels(&selector))
        .default_backoff()
        .boxed();
    let ready = async {
        while let Some(event) = events.next().await {
            let pod = match event {
                Ok(Event::Apply(pod) | Event::InitApply(pod)) => pod,
                Ok(_) => continue,
                Err(e) => {
                    tracing::debug!(error = %e, "watching the restarted node failed");
                    continue;
                }
            };
            let new = pod.metadata.uid.as_ref().is_some_and(|u| !old.contains(u));
            if new && PodSummary::of(&pod).ready {
                return Ok(());
            }
        }
        Err(DriverError::Kubernetes("the pod watch ended".into()))
    };
    tokio::time::timeout(RESTART_TIMEOUT, ready)
        .await
        .map_err(|_| {
            DriverError::Kubernetes(format!(
                "node {} had no ready pod {} s after its restart",
                node.node,
                RESTART_TIMEOUT.as_secs()
            ))
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn pod_states_read_as_docker_states() {
        let running = pod(serde_json::json!({
            "metadata": {"name": "lab-srl1-x", "labels": {NODE_LABEL: "srl1"}},
            "status": {"phase": "Running", "podIP": "10.244.0.5",
                       "conditions": [{"type": "Ready", "status": "True"}]}
        }));
        assert_eq!(PodSummary::of(&running).state(), "running");
        assert_eq!(PodSummary::of(&running).to_string(), "Running, ready");
        let pulling = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "status": {"phase": "Pending", "containerStatuses": [{"name": "srl1", "image": "i",
                "imageID": "", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ImagePullBackOff"}}}]}
        }));
        assert_eq!(PodSummary::of(&pulling).state(), "starting");
        assert_eq!(
            PodSummary::of(&pulling).to_string(),
            "Pending (ImagePullBackOff)"
        );
        let going = pod(serde_json::json!({
            "metadata": {"name": "p", "deletionTimestamp": "2026-01-01T00:00:00Z"},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        }));
        assert_eq!(PodSummary::of(&going).state(), "exited");
        assert_eq!(
            PodSummary::of(&pod(serde_json::json!({}))).state(),
            "starting"
        );
    }

    #[test]
    fn the_current_pod_is_the_newest_that_stays() {
        let pods = vec![
            pod(
                serde_json::json!({"metadata": {"name": "new", "labels": {NODE_LABEL: "a"},
                "creationTimestamp": "2026-01-01T00:00:02Z"}}),
            ),
            pod(
                serde_json::json!({"metadata": {"name": "old", "labels": {NODE_LABEL: "a"},
                "creationTimestamp": "2026-01-01T00:00:01Z"}}),
            ),
            pod(
                serde_json::json!({"metadata": {"name": "going", "labels": {NODE_LABEL: "a"},
                "creationTimestamp": "2026-01-01T00:00:03Z",
                "deletionTimestamp": "2026-01-01T00:00:04Z"}}),
            ),
            pod(serde_json::json!({"metadata": {"name": "other", "labels": {NODE_LABEL: "b"}}})),
        ];
        let current = current_pod(&pods, "a").unwrap();
        assert_eq!(current.metadata.name.as_deref(), Some("new"));
        assert!(current_pod(&pods, "c").is_none());
    }

    #[test]
    fn addresses_get_prefixes() {
        assert_eq!(address(Some("10.0.0.1".into())), "10.0.0.1/32");
        assert_eq!(address(Some("fd00::1".into())), "fd00::1/128");
        assert_eq!(address(Some("lb.example.org".into())), "lb.example.org");
        assert_eq!(address(None), "N/A");
    }
}
