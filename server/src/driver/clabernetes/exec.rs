//! Shells on clabernetes nodes: an exec with a TTY into the node's launcher pod (the pod exec
//! API over WebSocket, channel protocol v5 or v4) running the launcher's `shellin`, which
//! `docker exec`s the shell in the node's container. `/bin/bash` first; a node without it
//! (the exec fails at once) gets `/bin/sh`. The size follows on the resize channel.
//!
//! Whether a shell started is read from the exec, not from the clock: a shell that cannot
//! start prints Docker's error and ends with a failure status, a shell that started prints
//! its prompt. So a shell is handed out once it has printed something and no failure status
//! follows it, or after [`START_LIMIT`] of silence. (A fixed one-second check handed out a
//! dead bash on a busy machine, and the user's first input was lost.)

use std::time::Duration;

use antimony_protocol::TerminalSize;
use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::SinkExt;
use futures_util::future::BoxFuture;
use futures_util::stream::StreamExt;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use kube::Api;
use kube::api::{AttachParams, AttachedProcess, TerminalSize as KubeSize};
use tokio::io::AsyncWriteExt;

use super::pods::{PodSummary, current_pod, lab_pods};
use super::{ClabernetesDriver, NodeRef, api_error};
use crate::driver::DriverError;
use crate::driver::terminal::{Terminal, TerminalInput};

/// The shells tried, in order.
const SHELLS: [&str; 2] = ["/bin/bash", "/bin/sh"];
/// How long a shell that prints nothing may take to fail before it counts as started.
const START_LIMIT: Duration = Duration::from_secs(10);
/// How long a failure status may lag behind the output before it (Docker's error message):
/// both come in one burst from the API server.
const STATUS_GRACE: Duration = Duration::from_millis(500);
/// The most bytes read from the terminal at a time.
const READ_BUFFER: usize = 16 * 1024;

/// Opens a shell on `node` with a TTY of `size`.
#[tracing::instrument(
    name = "clabernetes",
    skip(driver),
    fields(action = "exec"),
    err(Display, level = "info")
)]
pub(super) async fn open(
    driver: &ClabernetesDriver,
    node: &NodeRef,
    size: TerminalSize,
) -> Result<Terminal, DriverError> {
    let client = driver.client()?;
    let pods = lab_pods(client, &node.namespace).await?;
    let pod = current_pod(&pods, &node.node)
        .filter(|p| PodSummary::of(p).state() == "running")
        .and_then(|p| p.metadata.name.clone())
        .ok_or_else(|| DriverError::Kubernetes(format!("node {} has no running pod", node.node)))?;
    let api: Api<Pod> = Api::namespaced(client.clone(), &node.namespace);
    let mut failure = None;
    for shell in SHELLS {
        match start(&api, &pod, shell, size).await {
            Ok(terminal) => return Ok(terminal),
            Err(error) => {
                tracing::debug!(shell, %error, "no shell");
                failure = Some(error);
            }
        }
    }
    Err(failure.unwrap_or_else(|| DriverError::Kubernetes("no shell to start".into())))
}

async fn start(
    api: &Api<Pod>,
    pod: &str,
    shell: &str,
    size: TerminalSize,
) -> Result<Terminal, DriverError> {
    let command = ["shellin", shell];
    let mut process = api
        .exec(pod, command, &AttachParams::interactive_tty())
        .await
        .map_err(|e| api_error("starting a shell in the node's pod", e))?;
    let mut resize = process
        .terminal_size()
        .ok_or_else(|| DriverError::Kubernetes("the exec has no TTY".into()))?;
    let _ = resize.try_send(kube_size(size));
    let stdout = process
        .stdout()
        .ok_or_else(|| DriverError::Kubernetes("the exec has no output".into()))?;
    let stdin = process
        .stdin()
        .ok_or_else(|| DriverError::Kubernetes("the exec has no input".into()))?;
    let mut output = tokio_util::io::ReaderStream::with_capacity(stdout, READ_BUFFER)
        .map(|chunk| chunk.map_err(|e| DriverError::Kubernetes(format!("reading the shell: {e}"))))
        .boxed();
    let failed = |status: Status| {
        DriverError::Kubernetes(format!(
            "{} failed to start: {}",
            command.join(" "),
            status.message.unwrap_or_default()
        ))
    };
    let mut first = None;
    if let Some(status) = process.take_status() {
        let mut status = Box::pin(status);
        let ended = tokio::select! {
            ended = &mut status => Some(ended),
            chunk = output.next() => {
                first = chunk;
                // Docker's error message comes just before the failure status.
                tokio::time::timeout(STATUS_GRACE, &mut status).await.ok()
            }
            () = tokio::time::sleep(START_LIMIT) => None,
        };
        match ended {
            Some(Some(status)) if status.status.as_deref() != Some("Success") => {
                process.abort();
                return Err(failed(status));
            }
            // The connection ended without a status: no shell there either.
            Some(None) => {
                process.abort();
                return Err(DriverError::Kubernetes(format!(
                    "{} ended before it started",
                    command.join(" ")
                )));
            }
            _ => {}
        }
    }
    // What the shell printed while it was being checked goes out first.
    let output = futures_util::stream::iter(first).chain(output).boxed();
    Ok(Terminal {
        output,
        input: Box::new(ExecInput {
            stdin: Box::new(stdin),
            resize: Box::new(resize.sink_map_err(|_| ())),
            process,
        }),
        via: format!("kubernetes exec {pod} {}", command.join(" ")),
    })
}

fn kube_size(size: TerminalSize) -> KubeSize {
    KubeSize {
        width: size.cols,
        height: size.rows,
    }
}

struct ExecInput {
    stdin: Box<dyn tokio::io::AsyncWrite + Send + Unpin>,
    resize: Box<dyn futures_util::Sink<KubeSize, Error = ()> + Send + Unpin>,
    /// Keeps the exec's connection: dropping it ends the session.
    process: AttachedProcess,
}

impl TerminalInput for ExecInput {
    fn write(&mut self, bytes: Bytes) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            let failed =
                |e: std::io::Error| DriverError::Kubernetes(format!("writing to the shell: {e}"));
            self.stdin.write_all(&bytes).await.map_err(failed)?;
            self.stdin.flush().await.map_err(failed)
        }
        .boxed()
    }

    fn resize(&mut self, size: TerminalSize) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            self.resize
                .send(kube_size(size))
                .await
                .map_err(|_| DriverError::Kubernetes("the shell has ended".into()))
        }
        .boxed()
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        async move {
            let _ = self.stdin.shutdown().await;
            self.process.abort();
        }
        .boxed()
    }
}
