//! The clabernetes provider (`general.provider: clabernetes`): containerlab topologies on
//! Kubernetes through the clabernetes controller, talked to over the Kubernetes API (kube),
//! never through `kubectl`.
//!
//! Each lab lives in a namespace of its own (`<prefix><instance name>`) holding one
//! clabernetes `Topology` resource made from the lab's topology file; the controller turns it
//! into a deployment (and a launcher pod running containerlab) per node. The driver maps that
//! onto the server's model: a node is known by a container id hashed from its namespace and
//! name (stable across pod and server restarts), its state is its pod's, its log the pod's log
//! (the launcher tails the node's output into it), its shell an exec into the pod that runs
//! the launcher's `shellin` (a `docker exec` into the node), and a restart deletes the pod so
//! its deployment makes a new one. Stopping and starting single nodes is not something
//! clabernetes does: [`LabDriver::refuses`] says so before anything happens.
//!
//! Recovery finds labs again from the `Topology` resources this driver labelled.

mod body;
mod deploy;
mod exec;
mod pods;
mod streams;
mod topology;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use tokio_util::sync::CancellationToken;

use super::ClabernetesSettings;
use super::prerequisites::{self, Prerequisites};
use super::{ContainerEvent, ContainerInfo, DriverError, LabDriver, LogLine, NodeAction, Terminal};
use crate::logs::LogStream;

/// The tool named in errors and prerequisite checks.
const TOOL: &str = "Kubernetes";
/// The provider named in refusals.
const PROVIDER: &str = "clabernetes";

/// A node as the cluster knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NodeRef {
    /// The lab's namespace.
    namespace: String,
    /// The node name (clabernetes' `clabernetes/topologyNode` label).
    node: String,
}

/// Deploys labs as clabernetes topologies.
#[derive(Clone)]
pub struct ClabernetesDriver {
    client: Result<kube::Client, String>,
    settings: ClabernetesSettings,
    /// Container id → node, filled by every inspect.
    nodes: Arc<Mutex<HashMap<String, NodeRef>>>,
}

impl std::fmt::Debug for ClabernetesDriver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClabernetesDriver")
            .field("connected", &self.client.is_ok())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ClabernetesDriver {
    /// A driver for the cluster of `settings`. A cluster that cannot be configured (no
    /// kubeconfig) is not an error here: every call then says what is missing, as the
    /// prerequisite check does.
    pub async fn connect(settings: ClabernetesSettings) -> Self {
        let client = client(&settings).await;
        if let Err(error) = &client {
            tracing::warn!(%error, "no Kubernetes cluster for the clabernetes provider");
        }
        ClabernetesDriver {
            client,
            settings,
            nodes: Arc::default(),
        }
    }

    fn client(&self) -> Result<&kube::Client, DriverError> {
        self.client.as_ref().map_err(|e| DriverError::Missing {
            tool: TOOL,
            hint: format!(
                "no Kubernetes cluster is configured ({e}); set clabernetes.kubeconfig or \
                 KUBECONFIG (docs/clabernetes.md)"
            ),
        })
    }

    /// The namespace of the lab named `instance`.
    fn namespace(&self, instance: &str) -> String {
        topology::namespace_for(&self.settings.namespace_prefix, instance)
    }

    /// Remembers the nodes of an inspect.
    fn remember(&self, namespace: &str, nodes: &[(String, String)]) {
        let mut known = self
            .nodes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (id, node) in nodes {
            known.insert(
                id.clone(),
                NodeRef {
                    namespace: namespace.to_owned(),
                    node: node.clone(),
                },
            );
        }
    }

    /// The node behind a container id; labs deployed before a restart are found by listing
    /// them again.
    async fn node(&self, container_id: &str) -> Result<NodeRef, DriverError> {
        let known = |driver: &Self| {
            driver
                .nodes
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(container_id)
                .cloned()
        };
        if let Some(node) = known(self) {
            return Ok(node);
        }
        pods::inspect_all(self).await?;
        known(self).ok_or_else(|| {
            DriverError::Kubernetes(format!("no clabernetes node has the id {container_id}"))
        })
    }
}

/// A kube client for `settings`, its answers bounded ([`body`]).
async fn client(settings: &ClabernetesSettings) -> Result<kube::Client, String> {
    use kube::config::{KubeConfigOptions, Kubeconfig};
    let options = KubeConfigOptions {
        context: settings.context.clone(),
        ..KubeConfigOptions::default()
    };
    let config = match &settings.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path)
                .map_err(|e| format!("reading {}: {e}", path.display()))?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| e.to_string())?
        }
        None if settings.context.is_some() => kube::Config::from_kubeconfig(&options)
            .await
            .map_err(|e| e.to_string())?,
        None => kube::Config::infer().await.map_err(|e| e.to_string())?,
    };
    Ok(kube::client::ClientBuilder::try_from(config)
        .map_err(|e| e.to_string())?
        .with_layer(&tower::util::MapResponseLayer::new(body::bound))
        .build())
}

/// A Kubernetes API failure as a driver error: unreachable, forbidden, or what it said.
fn api_error(doing: &str, error: kube::Error) -> DriverError {
    match error {
        kube::Error::Api(status) if status.code == 403 => DriverError::NotPermitted {
            tool: TOOL,
            hint: format!(
                "{doing}: {}; give the server's account the rules of docs/clabernetes.md",
                status.message
            ),
        },
        kube::Error::Api(status) => {
            DriverError::Kubernetes(format!("{doing}: {} ({})", status.message, status.code))
        }
        kube::Error::HyperError(e) => DriverError::Missing {
            tool: TOOL,
            hint: format!("{doing}: the API server is not reachable ({e})"),
        },
        kube::Error::Service(e) => DriverError::Missing {
            tool: TOOL,
            hint: format!("{doing}: the API server is not reachable ({e})"),
        },
        other => DriverError::Kubernetes(format!("{doing}: {other}")),
    }
}

/// Whether an API failure is a 404.
fn not_found(error: &kube::Error) -> bool {
    matches!(error, kube::Error::Api(status) if status.code == 404)
}

/// Reads a topology file (bounded) and parses what the driver needs.
async fn read_topology(path: &Path) -> Result<(String, topology::LabDefinition), DriverError> {
    let bad = |message: String| DriverError::Output {
        tool: PROVIDER,
        message,
    };
    let size = tokio::fs::metadata(path)
        .await
        .map_err(|e| bad(format!("reading {}: {e}", path.display())))?
        .len();
    if size > topology::MAX_DEFINITION as u64 {
        return Err(bad(format!(
            "{} is {size} bytes; at most {} are deployed",
            path.display(),
            topology::MAX_DEFINITION
        )));
    }
    let text = tokio::fs::read_to_string(path)
        .await
        .map_err(|e| bad(format!("reading {}: {e}", path.display())))?;
    let lab = topology::LabDefinition::parse(&text)?;
    Ok((text, lab))
}

impl LabDriver for ClabernetesDriver {
    fn deploy(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        async move { deploy::deploy(self, &topology, &log, &cancel).await }.boxed()
    }

    fn redeploy(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            let (_, lab) = read_topology(&topology).await?;
            deploy::delete_namespace(self, &self.namespace(&lab.name), &log).await?;
            deploy::deploy(self, &topology, &log, &cancel).await
        }
        .boxed()
    }

    fn destroy(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            let (_, lab) = read_topology(&topology).await?;
            deploy::delete_namespace(self, &self.namespace(&lab.name), &log).await
        }
        .boxed()
    }

    fn inspect(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
    ) -> BoxFuture<'_, Result<Vec<ContainerInfo>, DriverError>> {
        async move {
            let result = async {
                let (_, lab) = read_topology(&topology).await?;
                pods::inspect(self, &self.namespace(&lab.name)).await
            }
            .await;
            if let Err(e) = &result {
                log.push(format!("[clabernetes] inspect failed: {e}"));
            }
            result
        }
        .boxed()
    }

    fn inspect_all(
        &self,
    ) -> BoxFuture<'_, Result<HashMap<String, Vec<ContainerInfo>>, DriverError>> {
        async move { pods::inspect_all(self).await }.boxed()
    }

    fn refuses(&self, action: NodeAction) -> Option<DriverError> {
        let (action, reason) = match action {
            NodeAction::Restart => return None,
            NodeAction::Stop => (
                "stop a single node",
                "its controller keeps every node's deployment running; restart the node or \
                 destroy the lab instead",
            ),
            NodeAction::Start => (
                "start a single node",
                "its nodes are never stopped: the controller keeps each one running",
            ),
        };
        Some(DriverError::Unsupported {
            provider: PROVIDER,
            action,
            reason,
        })
    }

    fn start_node(&self, _container_id: String) -> BoxFuture<'_, Result<(), DriverError>> {
        let refused = self.refuses(NodeAction::Start);
        async move { refused.map_or(Ok(()), Err) }.boxed()
    }

    fn stop_node(
        &self,
        _container_id: String,
        _timeout: Duration,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        let refused = self.refuses(NodeAction::Stop);
        async move { refused.map_or(Ok(()), Err) }.boxed()
    }

    fn restart_node(
        &self,
        container_id: String,
        _timeout: Duration,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            let node = self.node(&container_id).await?;
            pods::restart(self, &node).await
        }
        .boxed()
    }

    fn node_logs(
        &self,
        container_id: String,
        since: Option<antimony_protocol::Timestamp>,
        follow: bool,
    ) -> BoxStream<'static, Result<LogLine, DriverError>> {
        streams::node_logs(self.clone(), container_id, since, follow)
    }

    fn events(&self) -> BoxStream<'static, Result<ContainerEvent, DriverError>> {
        streams::events(self)
    }

    fn open_terminal(
        &self,
        container_id: String,
        size: antimony_protocol::TerminalSize,
    ) -> BoxFuture<'_, Result<Terminal, DriverError>> {
        async move {
            let node = self.node(&container_id).await?;
            exec::open(self, &node, size).await
        }
        .boxed()
    }

    fn prerequisites(&self) -> BoxFuture<'_, Prerequisites> {
        async move {
            let version = match self.client() {
                Ok(client) => client
                    .apiserver_version()
                    .await
                    .map(|info| format!("Kubernetes {}", info.git_version))
                    .map_err(|e| api_error("reading the API server's version", e)),
                Err(e) => Err(e),
            };
            let mut checks = vec![prerequisites::from_result(
                "kubernetes",
                "Kubernetes API server",
                &version,
            )];
            if version.is_ok() {
                checks.push(crd_check(self).await);
            }
            Prerequisites::new(checks)
        }
        .boxed()
    }
}

/// Whether the cluster serves clabernetes' `Topology` resource.
async fn crd_check(driver: &ClabernetesDriver) -> prerequisites::Check {
    let (id, title) = ("clabernetes", "clabernetes controller");
    let group = format!("{}/{}", topology::GROUP, topology::VERSION);
    let listed = match driver.client() {
        Ok(client) => client.list_api_group_resources(&group).await,
        Err(e) => return prerequisites::failed(id, title, e.to_string(), "see the app's log"),
    };
    match listed {
        Ok(list) if list.resources.iter().any(|r| r.name == "topologies") => {
            prerequisites::passed(id, title, format!("{group} topologies"))
        }
        Ok(_) | Err(kube::Error::Api(_)) => prerequisites::failed(
            id,
            title,
            format!("the cluster does not serve {group} topologies"),
            "install clabernetes with its Helm chart (docs/clabernetes.md)",
        ),
        Err(e) => prerequisites::failed(
            id,
            title,
            api_error("discovering clabernetes", e).to_string(),
            "see the app's log for details",
        ),
    }
}
