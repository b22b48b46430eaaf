//! Nodes through the Docker Engine API (`bollard`, honouring `DOCKER_HOST`): start, stop and
//! restart, the log stream of a container, and container events (PROTOCOL.md §7.4).

use std::collections::HashMap;
use std::time::Duration;

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::query_parameters::{
    EventsOptions, LogsOptions, RestartContainerOptions, StopContainerOptions,
};
use futures_util::stream::{BoxStream, StreamExt};

use antimony_protocol::Timestamp;

use super::docker_error::docker_error;
use super::exec::{self, Endpoint};
use super::lines::Lines;
use super::terminal::Terminal;
use super::{ContainerEvent, DriverError, LogLine};

/// The container events that matter to labs.
const EVENTS: [&str; 5] = ["create", "start", "stop", "die", "destroy"];

/// A Docker engine client.
#[derive(Debug, Clone)]
pub struct DockerNodes {
    docker: Result<Docker, String>,
    /// Where the engine listens, for the hijacked connections of interactive execs.
    endpoint: Result<Endpoint, DriverError>,
}

/// The shells tried, in order, when a node is reached through `docker exec`.
const SHELLS: [&str; 2] = ["/bin/bash", "/bin/sh"];

impl DockerNodes {
    /// The engine of `DOCKER_HOST`, or the default local socket.
    pub fn from_env() -> Self {
        let host = std::env::var("DOCKER_HOST").ok();
        DockerNodes {
            docker: Docker::connect_with_defaults().map_err(|e| e.to_string()),
            endpoint: Endpoint::parse(host.as_deref()),
        }
    }

    /// The engine at `host` (`unix:///path`, `tcp://host:port`, …).
    pub fn connect(host: &str) -> Self {
        DockerNodes {
            docker: Docker::connect_with_host(host).map_err(|e| e.to_string()),
            endpoint: Endpoint::parse(Some(host)),
        }
    }

    /// A terminal in a container: `/bin/bash`, or `/bin/sh` where there is no bash, with a
    /// TTY of `size`.
    #[tracing::instrument(
        name = "docker",
        skip(self),
        fields(action = "exec"),
        err(Display, level = "info")
    )]
    pub async fn open_terminal(
        &self,
        id: &str,
        size: antimony_protocol::TerminalSize,
    ) -> Result<Terminal, DriverError> {
        let docker = self.client()?;
        let endpoint = self.endpoint.as_ref().map_err(Clone::clone)?;
        let mut failure = None;
        for shell in SHELLS {
            match exec::open(docker, endpoint, id, &[shell], size).await {
                Ok(terminal) => return Ok(terminal),
                Err(error) => {
                    tracing::debug!(shell, %error, "no shell");
                    failure = Some(error);
                }
            }
        }
        Err(failure.unwrap_or_else(|| DriverError::Docker("no shell to start".into())))
    }

    fn client(&self) -> Result<&Docker, DriverError> {
        self.docker.as_ref().map_err(|e| DriverError::Missing {
            tool: "Docker",
            hint: format!("cannot connect to the Docker engine ({e}); install and start Docker, or set DOCKER_HOST"),
        })
    }

    /// Starts a container.
    #[tracing::instrument(
        name = "docker",
        skip(self),
        fields(action = "start"),
        err(Display, level = "warn")
    )]
    pub async fn start(&self, id: &str) -> Result<(), DriverError> {
        self.client()?
            .start_container(id, None)
            .await
            .map_err(docker_error)
    }

    /// Stops a container, killing it after `timeout`.
    #[tracing::instrument(
        name = "docker",
        skip(self),
        fields(action = "stop"),
        err(Display, level = "warn")
    )]
    pub async fn stop(&self, id: &str, timeout: Duration) -> Result<(), DriverError> {
        let options = StopContainerOptions {
            signal: None,
            t: Some(seconds(timeout)),
        };
        self.client()?
            .stop_container(id, Some(options))
            .await
            .map_err(docker_error)
    }

    /// Restarts a container, killing it after `timeout`.
    #[tracing::instrument(
        name = "docker",
        skip(self),
        fields(action = "restart"),
        err(Display, level = "warn")
    )]
    pub async fn restart(&self, id: &str, timeout: Duration) -> Result<(), DriverError> {
        let options = RestartContainerOptions {
            signal: None,
            t: Some(seconds(timeout)),
        };
        self.client()?
            .restart_container(id, Some(options))
            .await
            .map_err(docker_error)
    }

    /// The engine's version.
    pub async fn version(&self) -> Result<String, DriverError> {
        let version = self.client()?.version().await.map_err(docker_error)?;
        Ok(version.version.unwrap_or_else(|| "unknown".into()))
    }

    /// A container's output as lines, following with `follow`. Multiplexed streams
    /// (containers without a TTY) are demultiplexed; stdout and stderr are split into lines
    /// separately.
    pub fn logs(
        &self,
        id: String,
        since: Option<Timestamp>,
        follow: bool,
    ) -> BoxStream<'static, Result<LogLine, DriverError>> {
        let docker = match self.client() {
            Ok(docker) => docker.clone(),
            Err(e) => return futures_util::stream::once(async move { Err(e) }).boxed(),
        };
        // Docker's `since` has whole seconds: lines of that second already seen are
        // skipped by the caller, which compares the full timestamps.
        let since = since.map_or(0, |t| i32::try_from(t.unix_timestamp()).unwrap_or(0));
        let options = LogsOptions {
            follow,
            stdout: true,
            stderr: true,
            timestamps: true,
            since,
            tail: "all".into(),
            ..LogsOptions::default()
        };
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<LogLine, DriverError>>(256);
        tokio::spawn(async move {
            let mut chunks = docker.logs(&id, Some(options));
            let mut splitter = LineSplitter::default();
            while let Some(chunk) = chunks.next().await {
                let lines = match chunk {
                    Ok(output) => {
                        let (stream, bytes) = match output {
                            LogOutput::StdErr { message } => (2, message),
                            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                                (1, message)
                            }
                            LogOutput::StdIn { message } => (0, message),
                        };
                        splitter.feed(stream, &bytes)
                    }
                    Err(e) => {
                        let _ = tx.send(Err(docker_error(e))).await;
                        return;
                    }
                };
                for line in lines {
                    if tx.send(Ok(LogLine::parse(&line))).await.is_err() {
                        return;
                    }
                }
            }
            // A last line without its newline still counts.
            for line in splitter.finish() {
                let _ = tx.send(Ok(LogLine::parse(&line))).await;
            }
        });
        futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
        .boxed()
    }

    /// Container events, filtered to the actions labs care about.
    pub fn events(&self) -> BoxStream<'static, Result<ContainerEvent, DriverError>> {
        let docker = match self.client() {
            Ok(docker) => docker.clone(),
            Err(e) => return futures_util::stream::once(async move { Err(e) }).boxed(),
        };
        let filters = HashMap::from([
            ("type".to_owned(), vec!["container".to_owned()]),
            (
                "event".to_owned(),
                EVENTS.iter().map(|e| (*e).to_owned()).collect(),
            ),
        ]);
        docker
            .events(Some(EventsOptions {
                filters: Some(filters),
                ..EventsOptions::default()
            }))
            .filter_map(|event| async move {
                match event {
                    Ok(message) => {
                        let action = message.action?;
                        let id = message.actor?.id?;
                        EVENTS.contains(&action.as_str()).then(|| {
                            Ok(ContainerEvent {
                                container_id: id.chars().take(12).collect(),
                                action,
                            })
                        })
                    }
                    Err(e) => Some(Err(docker_error(e))),
                }
            })
            .boxed()
    }
}

fn seconds(timeout: Duration) -> i32 {
    i32::try_from(timeout.as_secs()).unwrap_or(i32::MAX)
}

/// Turns chunks of several byte streams (stdout, stderr) into complete lines each, bounded
/// per line (see [`Lines`]).
#[derive(Debug, Default)]
struct LineSplitter {
    streams: [Lines; 3],
}

impl LineSplitter {
    /// The unfinished last line of each stream.
    fn finish(&mut self) -> Vec<String> {
        self.streams.iter_mut().filter_map(Lines::finish).collect()
    }

    fn feed(&mut self, stream: usize, bytes: &[u8]) -> Vec<String> {
        self.streams
            .get_mut(stream)
            .map(|lines| lines.feed(bytes))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_per_stream_across_chunks() {
        let mut splitter = LineSplitter::default();
        assert_eq!(splitter.feed(1, b"one\ntw"), ["one"]);
        assert_eq!(splitter.feed(2, b"err\r\n"), ["err"]);
        assert_eq!(splitter.feed(1, b"o\nthree\n"), ["two", "three"]);
        assert!(splitter.feed(1, b"partial").is_empty());
        assert_eq!(splitter.finish(), ["partial"]);
        assert!(splitter.finish().is_empty());
        assert!(
            splitter.feed(7, b"x\n").is_empty(),
            "unknown streams are ignored"
        );
    }
}
