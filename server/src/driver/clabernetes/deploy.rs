//! Deploying a lab (its namespace and its `Topology`, then watching the controller bring its
//! pods up) and destroying one (deleting its namespace and waiting until it is gone). What
//! happens goes to the lab's log as it comes.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::Api;
use kube::api::{DeleteParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use kube::runtime::{WatchStreamExt, wait};
use tokio_util::sync::CancellationToken;

use super::pods::{self, PodSummary};
use super::topology::{
    INSTANCE_ANNOTATION, MANAGED_BY, OWNER_LABEL, TOPOLOGY_NAME, Topology, TopologyStatus,
};
use super::{ClabernetesDriver, api_error, not_found, read_topology};
use crate::driver::DriverError;
use crate::logs::LogStream;

/// How long a destroy waits for the namespace to go.
const DELETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Watch failures in a row after which a deploy gives up.
const WATCH_FAILURES: u32 = 5;

/// Creates the lab's namespace and topology, then waits until the controller says every
/// node is ready (or the deploy failed, timed out or was cancelled).
#[tracing::instrument(
    name = "clabernetes",
    skip_all,
    fields(action = "deploy"),
    err(Display, level = "warn")
)]
pub(super) async fn deploy(
    driver: &ClabernetesDriver,
    path: &Path,
    log: &LogStream,
    cancel: &CancellationToken,
) -> Result<(), DriverError> {
    let (text, lab) = read_topology(path).await?;
    let client = driver.client()?;
    let namespace = driver.namespace(&lab.name);
    log.push(format!("[clabernetes] creating namespace {namespace}"));
    create_namespace(client, &namespace, &lab.name).await?;
    log.push(format!(
        "[clabernetes] creating topology {namespace}/{TOPOLOGY_NAME} with {} nodes",
        lab.nodes.len()
    ));
    let topologies: Api<Topology> = Api::namespaced(client.clone(), &namespace);
    let topology = Topology::new(&namespace, &lab.name, text);
    match topologies.create(&PostParams::default(), &topology).await {
        Ok(_) => {}
        Err(kube::Error::Api(status)) if status.code == 409 => {
            // Left by a deploy that failed half-way: it takes the definition of this one.
            let patch = serde_json::json!({ "spec": topology.spec });
            topologies
                .patch(
                    TOPOLOGY_NAME,
                    &PatchParams::default(),
                    &Patch::Merge(&patch),
                )
                .await
                .map_err(|e| api_error("updating the topology", e))?;
        }
        Err(e) => return Err(api_error("creating the topology", e)),
    }
    let timeout = driver.settings.deploy_timeout;
    tokio::select! {
        () = cancel.cancelled() => Err(DriverError::Cancelled),
        outcome = tokio::time::timeout(timeout, wait_ready(client, &namespace, log)) => match outcome {
            Ok(result) => result,
            Err(_) => Err(DriverError::Kubernetes(format!(
                "the topology's nodes were not all ready within {} s (clabernetes.deployTimeout)",
                timeout.as_secs()
            ))),
        },
    }
}

async fn create_namespace(
    client: &kube::Client,
    namespace: &str,
    instance: &str,
) -> Result<(), DriverError> {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let object = Namespace {
        metadata: ObjectMeta {
            name: Some(namespace.to_owned()),
            labels: Some([(MANAGED_BY.0.to_owned(), MANAGED_BY.1.to_owned())].into()),
            annotations: Some([(INSTANCE_ANNOTATION.to_owned(), instance.to_owned())].into()),
            ..ObjectMeta::default()
        },
        ..Namespace::default()
    };
    match namespaces.create(&PostParams::default(), &object).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        Err(e) => Err(api_error("creating the lab's namespace", e)),
    }
}

/// Watches the topology and its pods, logging what changes, until the topology is ready.
async fn wait_ready(
    client: &kube::Client,
    namespace: &str,
    log: &LogStream,
) -> Result<(), DriverError> {
    let topologies: Api<Topology> = Api::namespaced(client.clone(), namespace);
    let pods: Api<Pod> = Api::namespaced(client.clone(), namespace);
    let mut topology_events = watcher(
        topologies,
        watcher::Config::default().fields(&format!("metadata.name={TOPOLOGY_NAME}")),
    )
    .default_backoff()
    .applied_objects()
    .boxed();
    let mut pod_events = watcher(
        pods,
        watcher::Config::default().labels(&format!("{OWNER_LABEL}={TOPOLOGY_NAME}")),
    )
    .default_backoff()
    .touched_objects()
    .boxed();
    let mut last_status = String::new();
    let mut last_pods: HashMap<String, PodSummary> = HashMap::new();
    let mut failures = 0;
    loop {
        tokio::select! {
            next = topology_events.next() => match next {
                Some(Ok(topology)) => {
                    failures = 0;
                    let status = topology.status.unwrap_or_default();
                    let summary = describe(&status);
                    if summary != last_status {
                        log.push(format!("[clabernetes] topology: {summary}"));
                        last_status = summary;
                    }
                    if status.topology_state.as_deref() == Some("deployfailed") {
                        return Err(DriverError::Kubernetes(
                            "clabernetes reports the deployment failed (topologyState deployfailed)".into(),
                        ));
                    }
                    if status.topology_ready {
                        return Ok(());
                    }
                }
                Some(Err(e)) => watch_failed(&mut failures, log, &e)?,
                None => return Err(DriverError::Kubernetes("the topology watch ended".into())),
            },
            next = pod_events.next() => match next {
                Some(Ok(pod)) => {
                    failures = 0;
                    let summary = PodSummary::of(&pod);
                    let name = pod.metadata.name.clone().unwrap_or_default();
                    if last_pods.get(&name) != Some(&summary) {
                        log.push(format!("[clabernetes] pod {name}: {summary}"));
                        last_pods.insert(name, summary);
                    }
                }
                Some(Err(e)) => watch_failed(&mut failures, log, &e)?,
                None => return Err(DriverError::Kubernetes("the pod watch ended".into())),
            },
        }
    }
}

/// Counts a failed watch; too many in a row end the deploy with the last one, and one that
/// retrying cannot mend ends it at once.
fn watch_failed(
    failures: &mut u32,
    log: &LogStream,
    error: &watcher::Error,
) -> Result<(), DriverError> {
    if let Some(reason) = permanent(error) {
        log.push(format!(
            "[clabernetes] the API server's answer cannot be used: {reason}"
        ));
        return Err(DriverError::Kubernetes(format!(
            "the API server's answer about the deployment cannot be used: {reason}"
        )));
    }
    *failures += 1;
    tracing::debug!(%error, failures, "watch failed");
    if *failures >= WATCH_FAILURES {
        log.push(format!(
            "[clabernetes] watching the deployment failed: {error}"
        ));
        return Err(DriverError::Kubernetes(format!(
            "watching the deployment: {error}"
        )));
    }
    Ok(())
}

/// Why a watch failure will not go away by retrying, if it will not: an answer of the wrong
/// shape (the event is lost; the watch goes on without it), or a refusal (not allowed, or
/// the namespace is gone).
fn permanent(error: &watcher::Error) -> Option<String> {
    let client = match error {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => e,
        watcher::Error::WatchError(status) => {
            return matches!(status.code, 401 | 403 | 404).then(|| error.to_string());
        }
        watcher::Error::NoResourceVersion => return Some(error.to_string()),
    };
    match client {
        kube::Error::SerdeError(e) => Some(format!("an object of the wrong shape ({e})")),
        // kube reads a watch line it cannot decode as a `Status` when it can: any JSON object
        // without a code is such a line.
        kube::Error::Api(status) if status.code == 0 => {
            Some("a watch event of the wrong shape".into())
        }
        kube::Error::Api(status) if matches!(status.code, 401 | 403 | 404) => {
            Some(error.to_string())
        }
        _ => None,
    }
}

/// `deploying, 1 of 2 nodes ready`.
fn describe(status: &TopologyStatus) -> String {
    let readiness = status.node_readiness.clone().unwrap_or_default();
    let ready = readiness.values().filter(|r| *r == "ready").count();
    format!(
        "{}, {ready} of {} nodes ready",
        status.topology_state.as_deref().unwrap_or("pending"),
        readiness.len()
    )
}

/// Deletes the lab's namespace (and with it the topology and its pods) and waits until it is
/// gone. A namespace that does not exist is already destroyed.
#[tracing::instrument(
    name = "clabernetes",
    skip(driver, log),
    fields(action = "destroy"),
    err(Display, level = "warn")
)]
pub(super) async fn delete_namespace(
    driver: &ClabernetesDriver,
    namespace: &str,
    log: &LogStream,
) -> Result<(), DriverError> {
    let client = driver.client()?;
    let namespaces: Api<Namespace> = Api::all(client.clone());
    log.push(format!("[clabernetes] deleting namespace {namespace}"));
    match namespaces
        .delete(namespace, &DeleteParams::foreground())
        .await
    {
        Ok(_) => {}
        Err(e) if not_found(&e) => {
            log.push(format!(
                "[clabernetes] namespace {namespace} does not exist"
            ));
            pods::forget_namespace(driver, namespace);
            return Ok(());
        }
        Err(e) => return Err(api_error("deleting the lab's namespace", e)),
    }
    let gone = wait::await_condition(namespaces, namespace, |n: Option<&Namespace>| n.is_none());
    match tokio::time::timeout(DELETE_TIMEOUT, gone).await {
        Ok(Ok(_)) => {
            log.push(format!("[clabernetes] namespace {namespace} is gone"));
            pods::forget_namespace(driver, namespace);
            Ok(())
        }
        Ok(Err(e)) => Err(DriverError::Kubernetes(format!(
            "waiting for namespace {namespace} to go: {e}"
        ))),
        Err(_) => Err(DriverError::Kubernetes(format!(
            "namespace {namespace} was still there after {} s",
            DELETE_TIMEOUT.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_summed_up() {
        assert_eq!(
            describe(&TopologyStatus::default()),
            "pending, 0 of 0 nodes ready"
        );
        let status: TopologyStatus = serde_json::from_value(serde_json::json!({
            "topologyState": "deploying",
            "nodeReadiness": {"a": "ready", "b": "notready"}
        }))
        .unwrap();
        assert_eq!(describe(&status), "deploying, 1 of 2 nodes ready");
    }
}
