//! The clabernetes provider's settings: plain data, in every build (the configuration reads
//! them even where the provider itself, cargo feature `clabernetes`, is left out).

use std::path::PathBuf;
use std::time::Duration;

/// How the clabernetes provider reaches its cluster (`clabernetes:` in `config.yml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClabernetesSettings {
    /// A kubeconfig file (`clabernetes.kubeconfig`); else `KUBECONFIG`, `~/.kube/config` or
    /// the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig (`clabernetes.context`); else its current one.
    pub context: Option<String>,
    /// What each lab's namespace name starts with (`clabernetes.namespacePrefix`).
    pub namespace_prefix: String,
    /// How long a deploy may wait for every node to be ready (`clabernetes.deployTimeout`,
    /// seconds).
    pub deploy_timeout: Duration,
}

impl Default for ClabernetesSettings {
    fn default() -> Self {
        ClabernetesSettings {
            kubeconfig: None,
            context: None,
            namespace_prefix: "antimony-".into(),
            deploy_timeout: Duration::from_secs(15 * 60),
        }
    }
}
