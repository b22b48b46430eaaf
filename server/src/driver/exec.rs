//! `docker exec` with a TTY, for shells: create the exec (`POST /containers/{id}/exec`),
//! start it with the connection hijacked (`POST /exec/{id}/start`, `Upgrade: tcp`, then the
//! raw TTY stream both ways), follow the size (`POST /exec/{id}/resize`) and see whether it
//! started (`GET /exec/{id}/json`).
//!
//! The start is made here over hyper rather than through bollard's `start_exec`: bollard
//! decodes the stream with a reader that takes a first byte below 3 for a multiplexing
//! header and then waits for as many bytes as that "header" says (up to 4 GiB). A node's
//! terminal may print any byte, so the raw stream is read as it is.

use std::time::Duration;

use antimony_protocol::TerminalSize;
use bollard::Docker;
use bollard::exec::CreateExecOptions;
use bollard::query_parameters::ResizeExecOptions;
use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use futures_util::stream::StreamExt;
use http_body_util::Full;
use hyper::Request;
use hyper::header::{CONNECTION, CONTENT_TYPE, HOST, UPGRADE};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::DriverError;
use super::docker_error::docker_error;
use super::terminal::{Terminal, TerminalInput};

/// How long a shell's exec may take to start before its exit code is checked.
const START_CHECK: Duration = Duration::from_millis(50);
/// The most bytes read from the terminal at a time.
const READ_BUFFER: usize = 16 * 1024;

/// Where the Docker engine listens, as `DOCKER_HOST` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Endpoint {
    /// A unix socket.
    Unix(std::path::PathBuf),
    /// Plain TCP (`tcp://host:port`, `http://…`).
    Tcp(String),
}

impl Endpoint {
    /// Parses `DOCKER_HOST`'s forms (`unix:///path`, `tcp://host:port`, `http://host:port`);
    /// none means the local socket.
    pub(super) fn parse(host: Option<&str>) -> Result<Self, DriverError> {
        let host = host.unwrap_or("unix:///var/run/docker.sock");
        if let Some(path) = host.strip_prefix("unix://") {
            return Ok(Endpoint::Unix(path.into()));
        }
        if let Some(address) = host
            .strip_prefix("tcp://")
            .or_else(|| host.strip_prefix("http://"))
        {
            return Ok(Endpoint::Tcp(address.trim_end_matches('/').to_owned()));
        }
        Err(DriverError::Docker(format!(
            "interactive shells need a Docker engine on a unix socket or plain TCP, not {host}"
        )))
    }
}

/// A byte stream to the engine.
trait Io: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Io for T {}

async fn connect(endpoint: &Endpoint) -> Result<Box<dyn Io>, DriverError> {
    let unreachable = |e: std::io::Error| DriverError::Missing {
        tool: "Docker",
        hint: format!("the Docker engine is not reachable ({e}); is it running?"),
    };
    Ok(match endpoint {
        Endpoint::Unix(path) => Box::new(
            tokio::net::UnixStream::connect(path)
                .await
                .map_err(unreachable)?,
        ),
        Endpoint::Tcp(address) => Box::new(
            tokio::net::TcpStream::connect(address)
                .await
                .map_err(unreachable)?,
        ),
    })
}

/// Starts exec `id` with the connection hijacked; returns the raw TTY stream.
async fn start_hijacked(
    endpoint: &Endpoint,
    id: &str,
) -> Result<hyper::upgrade::Upgraded, DriverError> {
    let io = connect(endpoint).await?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| DriverError::Docker(format!("exec start: {e}")))?;
    tokio::spawn(async move {
        // Serves the connection until the upgrade takes it over.
        let _ = connection.with_upgrades().await;
    });
    let request = Request::post(format!("/exec/{id}/start"))
        .header(HOST, "docker")
        .header(CONTENT_TYPE, "application/json")
        .header(CONNECTION, "Upgrade")
        .header(UPGRADE, "tcp")
        .body(Full::new(Bytes::from_static(
            br#"{"Detach":false,"Tty":true}"#,
        )))
        .map_err(|e| DriverError::Docker(format!("exec start: {e}")))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| DriverError::Docker(format!("exec start: {e}")))?;
    let status = response.status();
    if status != hyper::StatusCode::SWITCHING_PROTOCOLS && status != hyper::StatusCode::OK {
        return Err(DriverError::Docker(format!("exec start answered {status}")));
    }
    hyper::upgrade::on(response)
        .await
        .map_err(|e| DriverError::Docker(format!("exec start: {e}")))
}

/// Opens `command` in a container with a TTY of `size`; when it exits at once with an
/// error (no such shell), says so with its exit code.
pub(super) async fn open(
    docker: &Docker,
    endpoint: &Endpoint,
    container_id: &str,
    command: &[&str],
    size: TerminalSize,
) -> Result<Terminal, DriverError> {
    let created = docker
        .create_exec(
            container_id,
            CreateExecOptions {
                attach_stdin: Some(true),
                attach_stdout: Some(true),
                attach_stderr: Some(true),
                tty: Some(true),
                cmd: Some(command.iter().map(|c| (*c).to_owned()).collect()),
                env: Some(vec!["TERM=xterm-256color".to_owned()]),
                ..CreateExecOptions::default()
            },
        )
        .await
        .map_err(docker_error)?;
    let id = created.id;
    let upgraded = start_hijacked(endpoint, &id).await?;
    let (reader, writer) = tokio::io::split(TokioIo::new(upgraded));
    let resize = |size: TerminalSize| ResizeExecOptions {
        h: i32::from(size.rows),
        w: i32::from(size.cols),
    };
    // Docker gives the TTY its size once the process runs; an error means it already ended.
    let _ = docker.resize_exec(&id, resize(size)).await;
    tokio::time::sleep(START_CHECK).await;
    let inspected = docker.inspect_exec(&id).await.map_err(docker_error)?;
    if inspected.running == Some(false) && inspected.exit_code.is_some_and(|code| code != 0) {
        return Err(DriverError::Docker(format!(
            "{} failed to start (exit code {})",
            command.join(" "),
            inspected.exit_code.unwrap_or_default()
        )));
    }
    let output = tokio_util::io::ReaderStream::with_capacity(reader, READ_BUFFER)
        .map(|chunk| chunk.map_err(|e| DriverError::Docker(format!("reading the shell: {e}"))))
        .boxed();
    Ok(Terminal {
        output,
        input: Box::new(ExecInput {
            docker: docker.clone(),
            id,
            writer: Box::new(writer),
        }),
        via: format!("docker exec {}", command.join(" ")),
    })
}

struct ExecInput {
    docker: Docker,
    id: String,
    writer: Box<dyn AsyncWrite + Send + Unpin>,
}

impl TerminalInput for ExecInput {
    fn write(&mut self, bytes: Bytes) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            self.writer
                .write_all(&bytes)
                .await
                .map_err(|e| DriverError::Docker(format!("writing to the shell: {e}")))?;
            self.writer
                .flush()
                .await
                .map_err(|e| DriverError::Docker(format!("writing to the shell: {e}")))
        }
        .boxed()
    }

    fn resize(&mut self, size: TerminalSize) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            self.docker
                .resize_exec(
                    &self.id,
                    ResizeExecOptions {
                        h: i32::from(size.rows),
                        w: i32::from(size.cols),
                    },
                )
                .await
                .map_err(docker_error)
        }
        .boxed()
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        async move {
            let _ = self.writer.shutdown().await;
        }
        .boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hosts_are_understood() {
        assert_eq!(
            Endpoint::parse(None).unwrap(),
            Endpoint::Unix("/var/run/docker.sock".into())
        );
        assert_eq!(
            Endpoint::parse(Some("unix:///tmp/d.sock")).unwrap(),
            Endpoint::Unix("/tmp/d.sock".into())
        );
        assert_eq!(
            Endpoint::parse(Some("tcp://10.0.0.1:2375")).unwrap(),
            Endpoint::Tcp("10.0.0.1:2375".into())
        );
        assert!(Endpoint::parse(Some("ssh://host")).is_err());
    }
}
