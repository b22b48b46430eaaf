//! The containerlab provider: the `containerlab` command for labs (PROTOCOL.md §7.2, §7.3)
//! and the Docker Engine API for nodes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use serde::Deserialize;
use tokio::io::AsyncReadExt;
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

use super::docker::DockerNodes;
use super::lines::Lines;
use super::prerequisites;
use super::{ContainerEvent, ContainerInfo, DriverError, LabDriver, LogLine, Prerequisites};
use crate::logs::LogStream;

/// How many stderr lines a failure message quotes.
const ERROR_TAIL: usize = 5;
/// The most stdout kept from one containerlab run (32 MiB: inspect's JSON of many labs is a
/// few MB); the rest is read and dropped.
const MAX_STDOUT: u64 = 32 * 1024 * 1024;

/// Runs `containerlab` and talks to Docker.
#[derive(Debug, Clone)]
pub struct ContainerlabDriver {
    binary: PathBuf,
    work_dir: PathBuf,
    docker: DockerNodes,
}

impl ContainerlabDriver {
    /// A driver running `binary` (`containerlab` from `PATH` by default) in `work_dir` (the
    /// parent of the run directory), and the Docker engine at `docker_host` (else
    /// `DOCKER_HOST`, else the default socket).
    pub fn new(
        binary: impl Into<PathBuf>,
        work_dir: impl Into<PathBuf>,
        docker_host: Option<&str>,
    ) -> Self {
        let docker = match docker_host {
            Some(host) => DockerNodes::connect(host),
            None => DockerNodes::from_env(),
        };
        ContainerlabDriver {
            binary: binary.into(),
            work_dir: work_dir.into(),
            docker,
        }
    }

    /// Runs `containerlab <args>` in `dir`. stderr goes to `log` line by line as it comes;
    /// stdout is returned (and, unless `quiet`, also written to `log` after the process ends).
    #[tracing::instrument(name = "containerlab", skip(self, dir, log, cancel), fields(?args), err(Display, level = "warn"))]
    async fn run(
        &self,
        command: &'static str,
        args: &[&str],
        dir: Option<&Path>,
        log: Option<&LogStream>,
        cancel: Option<&CancellationToken>,
    ) -> Result<String, DriverError> {
        let mut cmd = Command::new(&self.binary);
        cmd.arg(command)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd.current_dir(dir.unwrap_or(&self.work_dir));
        tracing::debug!(binary = %self.binary.display(), command, ?args, "running containerlab");
        let mut child = cmd.spawn().map_err(|e| spawn_error(&self.binary, e))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let read_stdout = async move {
            let mut text = String::new();
            if let Some(stdout) = stdout {
                // Bounded: inspect's JSON for many labs is a few MB; a runaway tool is cut.
                let mut bytes = Vec::new();
                let mut limited = stdout.take(MAX_STDOUT);
                let _ = limited.read_to_end(&mut bytes).await;
                // Read (and drop) the rest, so the process never blocks on a full pipe.
                let mut stdout = limited.into_inner();
                let _ = tokio::io::copy(&mut stdout, &mut tokio::io::sink()).await;
                text = String::from_utf8_lossy(&bytes).into_owned();
            }
            text
        };
        let read_stderr = async move {
            let mut tail = std::collections::VecDeque::with_capacity(ERROR_TAIL);
            if let Some(mut stderr) = stderr {
                // Read to the end whatever the bytes are: a closed pipe would kill containerlab.
                // Every complete line of a read goes to the log at once: one lock and one
                // wake-up of the subscribers per read. Lines are bounded (see `Lines`).
                let mut splitter = Lines::default();
                let mut buffer = vec![0_u8; 64 * 1024];
                let mut open = true;
                while open {
                    let mut batch = match stderr.read(&mut buffer).await {
                        Ok(0) | Err(_) => {
                            open = false;
                            splitter.finish().into_iter().collect()
                        }
                        Ok(n) => splitter.feed(buffer.get(..n).unwrap_or_default()),
                    };
                    for line in batch.iter().rev().take(ERROR_TAIL).rev() {
                        if tail.len() == ERROR_TAIL {
                            tail.pop_front();
                        }
                        tail.push_back(line.clone());
                    }
                    if let Some(log) = log {
                        log.push_lines(batch.drain(..));
                    }
                }
            }
            tail
        };
        let finished = async { tokio::join!(child.wait(), read_stdout, read_stderr) };
        // Deploys can take very long and are cancelled by a destroy; the rest time out, so a
        // wedged containerlab cannot hold its lab forever. Dropping the child kills it.
        let limit = match command {
            "deploy" | "redeploy" => None,
            "destroy" => Some(Duration::from_secs(15 * 60)),
            "inspect" => Some(Duration::from_secs(120)),
            _ => Some(Duration::from_secs(30)),
        };
        let timed = async {
            match limit {
                Some(limit) => tokio::time::timeout(limit, finished)
                    .await
                    .map_err(|_| limit),
                None => Ok(finished.await),
            }
        };
        let outcome = match cancel {
            Some(cancel) => tokio::select! {
                result = timed => result,
                () = cancel.cancelled() => return Err(DriverError::Cancelled),
            },
            None => timed.await,
        };
        let (status, stdout, tail) = outcome.map_err(|limit| DriverError::Containerlab {
            command,
            message: format!(
                "no answer within {} s; the process was killed",
                limit.as_secs()
            ),
        })?;
        let status = status.map_err(|e| DriverError::Containerlab {
            command,
            message: e.to_string(),
        })?;
        if let Some(log) = log {
            log.push_lines(stdout.lines().map(str::to_owned));
        }
        tracing::info!(%status, "containerlab exited");
        if status.success() {
            Ok(stdout)
        } else {
            let detail: Vec<String> = tail.into_iter().collect();
            Err(DriverError::Containerlab {
                command,
                message: format!("{status}: {}", detail.join(" | ")),
            })
        }
    }

    /// `containerlab <command> -t <dir-name>/<lab>/topology.clab.yaml`, run in the parent of
    /// the run directory, as the Go server's relative command lines are.
    async fn lab_command(
        &self,
        command: &'static str,
        topology: &Path,
        extra: &[&str],
        log: &LogStream,
        cancel: Option<&CancellationToken>,
    ) -> Result<String, DriverError> {
        let (dir, relative) = split_run_path(topology);
        let relative = relative.to_string_lossy().into_owned();
        let mut args = vec!["-t", relative.as_str()];
        args.extend_from_slice(extra);
        self.run(command, &args, dir.as_deref(), Some(log), cancel)
            .await
    }
}

/// `<run>/<lab>/topology.clab.yaml` → (`<parent of run>`, `<run name>/<lab>/topology.clab.yaml`).
fn split_run_path(topology: &Path) -> (Option<PathBuf>, PathBuf) {
    let run_dir = topology.parent().and_then(Path::parent);
    match run_dir.and_then(|run| Some((run.parent()?, run))) {
        Some((base, _run)) if !base.as_os_str().is_empty() => {
            let relative = topology
                .strip_prefix(base)
                .map(Path::to_path_buf)
                .unwrap_or_else(|_| topology.to_path_buf());
            (Some(base.to_path_buf()), relative)
        }
        _ => (None, topology.to_path_buf()),
    }
}

fn spawn_error(binary: &Path, error: std::io::Error) -> DriverError {
    match error.kind() {
        std::io::ErrorKind::NotFound => DriverError::Missing {
            tool: "containerlab",
            hint: format!(
                "`{}` was not found; install containerlab (https://containerlab.dev/install/) and make sure it is on PATH",
                binary.display()
            ),
        },
        std::io::ErrorKind::PermissionDenied => DriverError::NotPermitted {
            tool: "containerlab",
            hint: format!("`{}` cannot be executed by this user", binary.display()),
        },
        _ => DriverError::Containerlab {
            command: "spawn",
            message: error.to_string(),
        },
    }
}

/// One entry of `containerlab inspect --format json` (0.73 summary format).
#[derive(Debug, Clone, Deserialize)]
pub struct ClabContainer {
    /// The lab name (the instance name).
    #[serde(default)]
    pub lab_name: String,
    /// The container name.
    pub name: String,
    /// The short container id.
    pub container_id: String,
    /// The image.
    #[serde(default)]
    pub image: String,
    /// The kind.
    #[serde(default)]
    pub kind: String,
    /// The Docker state.
    #[serde(default)]
    pub state: String,
    /// IPv4 with prefix, or `N/A`.
    #[serde(default)]
    pub ipv4_address: String,
    /// IPv6 with prefix, or `N/A`.
    #[serde(default)]
    pub ipv6_address: String,
}

impl From<ClabContainer> for ContainerInfo {
    fn from(c: ClabContainer) -> Self {
        let or_na = |s: String| if s.is_empty() { "N/A".to_owned() } else { s };
        ContainerInfo {
            container_id: c.container_id.chars().take(12).collect(),
            name: c.name,
            kind: c.kind,
            image: c.image,
            state: c.state,
            ipv4: or_na(c.ipv4_address),
            ipv6: or_na(c.ipv6_address),
        }
    }
}

/// Parses inspect output: an object keyed by lab name; empty output or `{}` is no lab.
pub fn parse_inspect(output: &str) -> Result<HashMap<String, Vec<ContainerInfo>>, DriverError> {
    if output.trim().is_empty() {
        return Ok(HashMap::new());
    }
    let labs: HashMap<String, Vec<ClabContainer>> =
        serde_json::from_str(output).map_err(|e| DriverError::Output {
            tool: "containerlab",
            message: format!("inspect JSON: {e}"),
        })?;
    Ok(labs
        .into_iter()
        .map(|(lab, containers)| (lab, containers.into_iter().map(Into::into).collect()))
        .collect())
}

impl LabDriver for ContainerlabDriver {
    fn deploy(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            self.lab_command("deploy", &topology, &[], &log, Some(&cancel))
                .await
                .map(drop)
        }
        .boxed()
    }

    fn redeploy(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
        cancel: CancellationToken,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            self.lab_command("redeploy", &topology, &[], &log, Some(&cancel))
                .await
                .map(drop)
        }
        .boxed()
    }

    fn destroy(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            self.lab_command("destroy", &topology, &[], &log, None)
                .await
                .map(drop)
        }
        .boxed()
    }

    fn inspect(
        &self,
        topology: PathBuf,
        log: Arc<LogStream>,
    ) -> BoxFuture<'_, Result<Vec<ContainerInfo>, DriverError>> {
        async move {
            let (dir, relative) = split_run_path(&topology);
            let relative = relative.to_string_lossy().into_owned();
            // Inspect's stdout is JSON, not log output: only stderr goes to the log.
            let output = self
                .run(
                    "inspect",
                    &["-t", &relative, "--format", "json"],
                    dir.as_deref(),
                    None,
                    None,
                )
                .await;
            let output = match output {
                Ok(output) => output,
                Err(e) => {
                    log.push(format!("containerlab inspect failed: {e}"));
                    return Err(e);
                }
            };
            Ok(parse_inspect(&output)?.into_values().flatten().collect())
        }
        .boxed()
    }

    fn inspect_all(
        &self,
    ) -> BoxFuture<'_, Result<HashMap<String, Vec<ContainerInfo>>, DriverError>> {
        async move {
            parse_inspect(
                &self
                    .run("inspect", &["--all", "--format", "json"], None, None, None)
                    .await?,
            )
        }
        .boxed()
    }

    fn open_terminal(
        &self,
        container_id: String,
        size: antimony_protocol::TerminalSize,
    ) -> BoxFuture<'_, Result<super::Terminal, DriverError>> {
        async move { self.docker.open_terminal(&container_id, size).await }.boxed()
    }

    fn start_node(&self, container_id: String) -> BoxFuture<'_, Result<(), DriverError>> {
        async move { self.docker.start(&container_id).await }.boxed()
    }

    fn stop_node(
        &self,
        container_id: String,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        async move { self.docker.stop(&container_id, timeout).await }.boxed()
    }

    fn restart_node(
        &self,
        container_id: String,
        timeout: Duration,
    ) -> BoxFuture<'_, Result<(), DriverError>> {
        async move { self.docker.restart(&container_id, timeout).await }.boxed()
    }

    fn node_logs(
        &self,
        container_id: String,
        since: Option<antimony_protocol::Timestamp>,
        follow: bool,
    ) -> BoxStream<'static, Result<LogLine, DriverError>> {
        self.docker.logs(container_id, since, follow)
    }

    fn events(&self) -> BoxStream<'static, Result<ContainerEvent, DriverError>> {
        self.docker.events()
    }

    fn prerequisites(&self) -> BoxFuture<'_, Prerequisites> {
        async move {
            let containerlab = self.run("version", &[], None, None, None).await.map(|out| {
                out.lines()
                    .find_map(|l| {
                        l.trim()
                            .strip_prefix("version:")
                            .map(|v| v.trim().to_owned())
                    })
                    .unwrap_or_else(|| out.lines().next().unwrap_or_default().trim().to_owned())
            });
            let docker = self.docker.version().await;
            let mut checks = vec![prerequisites::from_result(
                "containerlab",
                "containerlab",
                &containerlab,
            )];
            // Whether it may deploy only matters once it is there.
            if containerlab.is_ok() {
                checks.push(prerequisites::check_containerlab_permission(&self.binary));
            }
            checks.push(prerequisites::from_result(
                "docker",
                "Docker engine",
                &docker,
            ));
            Prerequisites::new(checks)
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_073_inspect_format() {
        let output = r#"{ "spine-leaf-1718212345678": [
          { "lab_name": "spine-leaf-1718212345678", "labPath": "run/x/topology.clab.yaml",
            "name": "clab-spine-leaf-1718212345678-srl1", "container_id": "0123456789abcdef",
            "image": "ghcr.io/nokia/srlinux", "kind": "nokia_srlinux", "state": "running",
            "status": "Up 2 minutes", "ipv4_address": "172.20.20.2/24",
            "ipv6_address": "3fff:172:20:20::2/64", "owner": "root" },
          { "lab_name": "spine-leaf-1718212345678", "name": "clab-spine-leaf-1718212345678-leaf-1",
            "container_id": "ba9876543210", "kind": "linux", "state": "exited",
            "ipv4_address": "N/A", "ipv6_address": "" } ] }"#;
        let labs = parse_inspect(output).unwrap();
        let containers = &labs["spine-leaf-1718212345678"];
        assert_eq!(containers[0].container_id, "0123456789ab", "short ids");
        assert_eq!(containers[0].ipv4, "172.20.20.2/24");
        assert_eq!(containers[1].ipv6, "N/A");
        assert_eq!(containers[1].state, "exited");
        assert!(parse_inspect("").unwrap().is_empty());
        assert!(parse_inspect("{}").unwrap().is_empty());
        assert!(matches!(
            parse_inspect("not json"),
            Err(DriverError::Output { .. })
        ));
    }

    #[test]
    fn run_paths_are_relative_to_the_parent_of_the_run_directory() {
        let (dir, relative) = split_run_path(Path::new("/data/run/lab-1/topology.clab.yaml"));
        assert_eq!(dir.as_deref(), Some(Path::new("/data")));
        assert_eq!(relative, Path::new("run/lab-1/topology.clab.yaml"));
        let (dir, relative) = split_run_path(Path::new("run/lab-1/topology.clab.yaml"));
        assert_eq!(dir, None);
        assert_eq!(relative, Path::new("run/lab-1/topology.clab.yaml"));
    }

    #[tokio::test]
    async fn a_missing_binary_is_a_clear_error() {
        let driver = ContainerlabDriver::new("/nonexistent/containerlab", ".", None);
        let log = Arc::new(LogStream::new(10));
        let err = driver
            .deploy(
                PathBuf::from("/tmp/run/x/topology.clab.yaml"),
                log,
                CancellationToken::new(),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&err, DriverError::Missing { tool: "containerlab", hint } if hint.contains("install containerlab")),
            "{err}"
        );
    }
}
