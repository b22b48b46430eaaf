//! The lab driver: what deploys labs and controls their nodes, behind a trait. Production
//! uses [`ContainerlabDriver`] (the `containerlab` command for labs and the Docker Engine API
//! for nodes) or, with `general.provider: clabernetes`, `ClabernetesDriver` (clabernetes
//! topologies through the Kubernetes API; cargo feature `clabernetes`, on by default and off
//! in the desktop app, whose bundled server only runs labs on its own machine).

#[cfg(feature = "clabernetes")]
mod clabernetes;
mod clabernetes_settings;
mod containerlab;
mod docker;
mod docker_error;
mod exec;
pub mod lines;
pub mod prerequisites;
pub mod ssh;
mod terminal;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use tokio_util::sync::CancellationToken;

#[cfg(feature = "clabernetes")]
pub use clabernetes::ClabernetesDriver;
pub use clabernetes_settings::ClabernetesSettings;
pub use containerlab::{ClabContainer, ContainerlabDriver, parse_inspect};
pub use docker::DockerNodes;
pub use prerequisites::{Check, Prerequisites};
pub use terminal::{Terminal, TerminalInput};

use crate::logs::LogStream;

/// Why a driver call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriverError {
    /// A tool is not installed (or not on `PATH`, or its socket does not exist).
    #[error("{tool} is not available: {hint}")]
    Missing {
        /// `containerlab` or `Docker`.
        tool: &'static str,
        /// What to do about it.
        hint: String,
    },
    /// A tool exists but this user may not use it.
    #[error("permission denied for {tool}: {hint}")]
    NotPermitted {
        /// `containerlab` or `Docker`.
        tool: &'static str,
        /// What to do about it.
        hint: String,
    },
    /// containerlab ran and failed.
    #[error("containerlab {command} failed: {message}")]
    Containerlab {
        /// The subcommand.
        command: &'static str,
        /// Exit status and the last lines of its error output.
        message: String,
    },
    /// The call was cancelled (a destroy cancelled a deploy).
    #[error("cancelled")]
    Cancelled,
    /// Docker refused or failed.
    #[error("docker: {0}")]
    Docker(String),
    /// An SSH login or session failed.
    #[error("ssh {0}")]
    Ssh(String),
    /// The Kubernetes API refused or failed (the clabernetes provider).
    #[error("kubernetes: {0}")]
    Kubernetes(String),
    /// The provider cannot do this at all.
    #[error("{provider} cannot {action}: {reason}")]
    Unsupported {
        /// `clabernetes`.
        provider: &'static str,
        /// What was asked (`stop a single node`).
        action: &'static str,
        /// Why not, and what to do instead.
        reason: &'static str,
    },
    /// Output that could not be understood.
    #[error("unexpected output from {tool}: {message}")]
    Output {
        /// The tool.
        tool: &'static str,
        /// What was wrong.
        message: String,
    },
}

/// One container of a deployed lab, as `containerlab inspect` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    /// The full container name, normally `clab-<lab>-<node>`.
    pub name: String,
    /// The 12-character short id.
    pub container_id: String,
    /// The containerlab kind.
    pub kind: String,
    /// The image.
    pub image: String,
    /// The Docker state (`running`, `exited`, …).
    pub state: String,
    /// IPv4 with prefix, or `N/A`.
    pub ipv4: String,
    /// IPv6 with prefix, or `N/A`.
    pub ipv6: String,
}

/// One line of a container's output, with Docker's timestamp when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// When the container printed it.
    pub time: Option<antimony_protocol::Timestamp>,
    /// The line, without its timestamp.
    pub text: String,
}

impl LogLine {
    /// Splits Docker's `<RFC 3339 time> <text>`; a line without a time is kept whole.
    pub fn parse(line: &str) -> Self {
        match line.split_once(' ').and_then(|(stamp, text)| {
            Some((antimony_protocol::Timestamp::parse(stamp).ok()?, text))
        }) {
            Some((time, text)) => LogLine {
                time: Some(time),
                text: text.to_owned(),
            },
            None => LogLine {
                time: None,
                text: line.to_owned(),
            },
        }
    }
}

/// A container event from the engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerEvent {
    /// The short (12-character) container id.
    pub container_id: String,
    /// `create`, `start`, `stop`, `die` or `destroy`.
    pub action: String,
}

/// A node command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeAction {
    /// Start a stopped node.
    Start,
    /// Stop a running node.
    Stop,
    /// Restart a node.
    Restart,
}

/// Deploys labs and controls their nodes.
///
/// Lab calls take the topology file of the lab's run directory; their output goes to the
/// lab's log as it comes. Node calls take the 12-character container id.
pub trait LabDriver: Send + Sync + std::fmt::Debug + 'static {
    /// `containerlab deploy`; stops (killing the process) when `cancel` fires.
    fn deploy(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<(), DriverError>>;
    /// `containerlab redeploy`.
    fn redeploy(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<(), DriverError>>;
    /// `containerlab destroy`.
    fn destroy(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
    ) -> BoxFuture<'_, Result<(), DriverError>>;
    /// The containers of one lab.
    fn inspect(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
    ) -> BoxFuture<'_, Result<Vec<ContainerInfo>, DriverError>>;
    /// The containers of every lab, by lab name (for recovery after a restart).
    fn inspect_all(
        &self,
    ) -> BoxFuture<'_, Result<HashMap<String, Vec<ContainerInfo>>, DriverError>>;
    /// Why this driver cannot run `action` on any node, if it cannot: asked before a node
    /// command changes anything.
    fn refuses(&self, action: NodeAction) -> Option<DriverError> {
        let _ = action;
        None
    }
    /// Starts a container.
    fn start_node(&self, container_id: String) -> BoxFuture<'_, Result<(), DriverError>>;
    /// Stops a container, killing it after `timeout`.
    fn stop_node(
        &self,
        container_id: String,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<(), DriverError>>;
    /// Restarts a container, killing it after `timeout`.
    fn restart_node(
        &self,
        container_id: String,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<(), DriverError>>;
    /// A container's output lines: all of it, or from `since` on (whole seconds; the caller
    /// skips lines it has seen by their time). With `follow` the stream goes on with new
    /// output; without, it ends after the output so far.
    fn node_logs(
        &self,
        container_id: String,
        since: Option<antimony_protocol::Timestamp>,
        follow: bool,
    ) -> BoxStream<'static, Result<LogLine, DriverError>>;
    /// Container events (create, start, stop, die, destroy) as they happen.
    fn events(&self) -> BoxStream<'static, Result<ContainerEvent, DriverError>>;
    /// An interactive terminal in a container (a shell, with a TTY of `size`).
    fn open_terminal(
        &self,
        container_id: String,
        size: antimony_protocol::TerminalSize,
    ) -> BoxFuture<'_, Result<Terminal, DriverError>>;
    /// Whether the tools are there and usable.
    fn prerequisites(&self) -> BoxFuture<'_, Prerequisites>;
}
