//! `general.provider`: which lab driver deploys labs. `containerlab` (the default) runs
//! containerlab and Docker on this machine; `clabernetes` deploys clabernetes topologies on a
//! Kubernetes cluster, configured by the `clabernetes` section (`kubeconfig`, `context`,
//! `namespacePrefix`, `deployTimeout`).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use crate::driver::ClabernetesSettings;
use crate::{Error, Result};

/// The lab driver a server uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Provider {
    /// containerlab and Docker on this machine.
    #[default]
    Containerlab,
    /// clabernetes on a Kubernetes cluster.
    Clabernetes(ClabernetesSettings),
}

/// The `general` keys of `config.yml`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct GeneralSection {
    provider: Option<String>,
}

/// The `clabernetes` keys of `config.yml`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub(super) struct ClabernetesSection {
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
    namespace_prefix: Option<String>,
    deploy_timeout: Option<u64>,
}

impl GeneralSection {
    /// The provider the file names, with its settings.
    pub(super) fn provider(&self, section: ClabernetesSection) -> Result<Provider> {
        match self.provider.as_deref().map(str::trim) {
            None | Some("" | "containerlab") => Ok(Provider::Containerlab),
            Some("clabernetes") => section.settings().map(Provider::Clabernetes),
            Some(other) => Err(Error::Config(format!(
                "general.provider {other:?} is not a provider: use containerlab or clabernetes"
            ))),
        }
    }
}

impl ClabernetesSection {
    fn settings(self) -> Result<ClabernetesSettings> {
        let mut settings = ClabernetesSettings {
            kubeconfig: self.kubeconfig,
            context: self.context.filter(|c| !c.is_empty()),
            ..ClabernetesSettings::default()
        };
        if let Some(prefix) = self.namespace_prefix {
            let valid = prefix.len() <= 30
                && prefix
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !prefix.starts_with('-');
            if !valid {
                return Err(Error::Config(format!(
                    "clabernetes.namespacePrefix {prefix:?} must be up to 30 characters of \
                     a-z, 0-9 and '-', not starting with '-'"
                )));
            }
            settings.namespace_prefix = prefix;
        }
        if let Some(seconds) = self.deploy_timeout.filter(|s| *s > 0) {
            settings.deploy_timeout = Duration::from_secs(seconds);
        }
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> Result<Provider> {
        #[derive(Deserialize)]
        struct File {
            #[serde(default)]
            general: GeneralSection,
            #[serde(default)]
            clabernetes: ClabernetesSection,
        }
        let file: File = serde_norway::from_str(yaml).unwrap();
        file.general.provider(file.clabernetes)
    }

    #[test]
    fn the_provider_and_its_settings_are_read() {
        assert_eq!(parse("{}").unwrap(), Provider::Containerlab);
        assert_eq!(
            parse("general:\n  provider: containerlab\n").unwrap(),
            Provider::Containerlab
        );
        assert_eq!(
            parse("general:\n  provider: clabernetes\n").unwrap(),
            Provider::Clabernetes(ClabernetesSettings::default())
        );
        let Provider::Clabernetes(settings) = parse(
            "general:\n  provider: clabernetes\nclabernetes:\n  kubeconfig: /etc/k.yaml\n  \
             context: kind-lab\n  namespacePrefix: lab-\n  deployTimeout: 60\n",
        )
        .unwrap() else {
            panic!("not clabernetes");
        };
        assert_eq!(settings.kubeconfig, Some(PathBuf::from("/etc/k.yaml")));
        assert_eq!(settings.context.as_deref(), Some("kind-lab"));
        assert_eq!(settings.namespace_prefix, "lab-");
        assert_eq!(settings.deploy_timeout, Duration::from_secs(60));
        let err = parse("general:\n  provider: kne\n").unwrap_err();
        assert!(err.to_string().contains("not a provider"), "{err}");
        let err =
            parse("general:\n  provider: clabernetes\nclabernetes:\n  namespacePrefix: Lab_\n")
                .unwrap_err();
        assert!(err.to_string().contains("namespacePrefix"), "{err}");
    }
}
