//! What the server follows: a node's output (its pod's log, into which the launcher tails the
//! node's container output) and node events (pods becoming ready or going away, from a watch
//! of the pods of every lab).

use std::collections::HashMap;

use antimony_protocol::Timestamp;
use futures_util::AsyncReadExt;
use futures_util::stream::{self, BoxStream, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Api;
use kube::api::LogParams;
use kube::runtime::watcher::{self, Event};

use super::pods::{PodSummary, current_pod, lab_pods, node_of};
use super::topology::{NODE_LABEL, container_id};
use super::{ClabernetesDriver, api_error};
use crate::driver::lines::Lines;
use crate::driver::{ContainerEvent, DriverError, LogLine};

/// A node's log lines: its current pod's log with timestamps, from `since` on (whole seconds
/// back from now; the caller skips lines it has seen), following with `follow`.
pub(super) fn node_logs(
    driver: ClabernetesDriver,
    container_id: String,
    since: Option<Timestamp>,
    follow: bool,
) -> BoxStream<'static, Result<LogLine, DriverError>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<LogLine, DriverError>>(256);
    tokio::spawn(async move {
        if let Err(e) = pump_logs(&driver, &container_id, since, follow, &tx).await {
            let _ = tx.send(Err(e)).await;
        }
    });
    stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
    .boxed()
}

async fn pump_logs(
    driver: &ClabernetesDriver,
    container_id: &str,
    since: Option<Timestamp>,
    follow: bool,
    tx: &tokio::sync::mpsc::Sender<Result<LogLine, DriverError>>,
) -> Result<(), DriverError> {
    let node = driver.node(container_id).await?;
    let client = driver.client()?;
    let pods = lab_pods(client, &node.namespace).await?;
    let pod = current_pod(&pods, &node.node)
        .and_then(|p| p.metadata.name.clone())
        .ok_or_else(|| DriverError::Kubernetes(format!("node {} has no pod (yet)", node.node)))?;
    let since_seconds = since.map(|t| {
        let back = Timestamp::now_utc().unix_timestamp() - t.unix_timestamp();
        // A second more than needed: the caller drops what it has seen.
        back.max(0) + 1
    });
    let params = LogParams {
        follow,
        timestamps: true,
        since_seconds,
        ..LogParams::default()
    };
    let api: Api<Pod> = Api::namespaced(client.clone(), &node.namespace);
    let reader = api
        .log_stream(&pod, &params)
        .await
        .map_err(|e| api_error("reading the node's log", e))?;
    let mut reader = Box::pin(reader);
    let mut splitter = Lines::default();
    let mut buffer = vec![0_u8; 16 * 1024];
    loop {
        let n = reader
            .read(&mut buffer)
            .await
            .map_err(|e| DriverError::Kubernetes(format!("reading the node's log: {e}")))?;
        let lines = if n == 0 {
            splitter.finish().into_iter().collect()
        } else {
            splitter.feed(buffer.get(..n).unwrap_or_default())
        };
        for line in lines {
            if tx.send(Ok(LogLine::parse(&line))).await.is_err() {
                return Ok(());
            }
        }
        if n == 0 {
            return Ok(());
        }
    }
}

/// Node events: `start` when a node's pod becomes ready, `die` when it has none ready any
/// more (its pod was deleted, failed or is going away). Pods of other namespaces than the
/// driver's are ignored.
pub(super) fn events(
    driver: &ClabernetesDriver,
) -> BoxStream<'static, Result<ContainerEvent, DriverError>> {
    let client = match driver.client() {
        Ok(client) => client.clone(),
        Err(e) => return stream::once(async move { Err(e) }).boxed(),
    };
    let prefix = driver.settings.namespace_prefix.clone();
    let pods: Api<Pod> = Api::all(client);
    let mut tracker = PodTracker::new(prefix);
    watcher::watcher(pods, watcher::Config::default().labels(NODE_LABEL))
        .flat_map(move |event| {
            let out: Vec<Result<ContainerEvent, DriverError>> = match event {
                Ok(event) => tracker.apply(event).into_iter().map(Ok).collect(),
                Err(e) => vec![Err(DriverError::Kubernetes(format!(
                    "watching the labs' pods: {e}"
                )))],
            };
            stream::iter(out)
        })
        .boxed()
}

/// Which pods are ready, by uid, and which node (container id) each runs.
#[derive(Debug)]
struct PodTracker {
    prefix: String,
    pods: HashMap<String, (String, bool)>,
    /// The list being read again after a (re)connect.
    relisting: Option<HashMap<String, (String, bool)>>,
}

impl PodTracker {
    fn new(prefix: String) -> Self {
        PodTracker {
            prefix,
            pods: HashMap::new(),
            relisting: None,
        }
    }

    fn entry(&self, pod: &Pod) -> Option<(String, (String, bool))> {
        let namespace = pod.metadata.namespace.as_deref()?;
        if !namespace.starts_with(&self.prefix) {
            return None;
        }
        let uid = pod.metadata.uid.clone()?;
        let id = container_id(namespace, node_of(pod)?);
        Some((uid, (id, PodSummary::of(pod).ready)))
    }

    /// The events a watch event makes.
    fn apply(&mut self, event: Event<Pod>) -> Vec<ContainerEvent> {
        let before = self.ready_nodes();
        match event {
            Event::Init => {
                self.relisting = Some(HashMap::new());
                return Vec::new();
            }
            Event::InitApply(pod) => {
                if let (Some((uid, entry)), Some(list)) = (self.entry(&pod), &mut self.relisting) {
                    list.insert(uid, entry);
                }
                return Vec::new();
            }
            Event::InitDone => {
                if let Some(list) = self.relisting.take() {
                    self.pods = list;
                }
            }
            Event::Apply(pod) => {
                if let Some((uid, entry)) = self.entry(&pod) {
                    self.pods.insert(uid, entry);
                }
            }
            Event::Delete(pod) => {
                if let Some((uid, _)) = self.entry(&pod) {
                    self.pods.remove(&uid);
                }
            }
        }
        let after = self.ready_nodes();
        let mut events: Vec<ContainerEvent> = after
            .iter()
            .filter(|id| !before.contains(*id))
            .map(|id| ContainerEvent {
                container_id: id.clone(),
                action: "start".into(),
            })
            .chain(
                before
                    .iter()
                    .filter(|id| !after.contains(*id))
                    .map(|id| ContainerEvent {
                        container_id: id.clone(),
                        action: "die".into(),
                    }),
            )
            .collect();
        events.sort_by(|a, b| a.container_id.cmp(&b.container_id));
        events
    }

    fn ready_nodes(&self) -> std::collections::BTreeSet<String> {
        self.pods
            .values()
            .filter(|(_, ready)| *ready)
            .map(|(id, _)| id.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(namespace: &str, uid: &str, node: &str, ready: bool) -> Pod {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": uid, "namespace": namespace, "uid": uid,
                         "labels": {NODE_LABEL: node}},
            "status": {"phase": "Running",
                       "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}]}
        }))
        .unwrap()
    }

    fn actions(events: Vec<ContainerEvent>) -> Vec<String> {
        events.into_iter().map(|e| e.action).collect()
    }

    #[test]
    fn readiness_changes_become_start_and_die() {
        let mut tracker = PodTracker::new("antimony-".into());
        assert!(tracker.apply(Event::Init).is_empty());
        assert!(
            tracker
                .apply(Event::InitApply(pod("antimony-a", "1", "srl1", true)))
                .is_empty()
        );
        assert_eq!(
            actions(tracker.apply(Event::InitDone)),
            ["start"],
            "known after a list"
        );
        assert!(
            tracker
                .apply(Event::Apply(pod("antimony-a", "1", "srl1", true)))
                .is_empty(),
            "no change, no event"
        );
        let id = container_id("antimony-a", "srl1");
        // A restart: the new pod is made, the old one goes, the new one becomes ready.
        assert!(
            tracker
                .apply(Event::Apply(pod("antimony-a", "2", "srl1", false)))
                .is_empty()
        );
        let died = tracker.apply(Event::Delete(pod("antimony-a", "1", "srl1", true)));
        assert_eq!(died[0].container_id, id);
        assert_eq!(actions(died), ["die"]);
        assert_eq!(
            actions(tracker.apply(Event::Apply(pod("antimony-a", "2", "srl1", true)))),
            ["start"]
        );
        assert!(
            tracker
                .apply(Event::Apply(pod("elsewhere", "3", "x", true)))
                .is_empty(),
            "other namespaces are not labs"
        );
    }
}
