//! The owner's side of shells across instances: the terminals other instances attach to
//! shells held here. The user is checked once, on attach, as for this instance's own
//! sockets; input and sizes are taken only for an attach that was allowed, in the order they
//! came; the output goes out from the backlog on, holding the shell back while it is sent.

use std::sync::Arc;

use antimony_protocol::{ErrorBody, ErrorCode, TerminalSize, is_well_formed_uuid};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{ATTACHED_LIMIT, Attached, BATCH_BYTES, INPUT_LIMIT, lock};
use crate::cluster::Cluster;
use crate::cluster::forward::{BATCH_LINES, ShellOutput, ShellRequest};
use crate::cluster::lines::first_within;
use crate::config::valid_instance;
use crate::lab::{Labs, Shell};
use crate::logs::Lagged;

/// Serves the terminals other instances attach to shells held here, until `shutdown`.
pub async fn serve_shells(
    cluster: Cluster,
    labs: Labs,
    mut requests: mpsc::Receiver<ShellRequest>,
    shutdown: CancellationToken,
) {
    while let Some(Some(request)) = shutdown.run_until_cancelled(requests.recv()).await {
        let from = match &request {
            ShellRequest::Attach { from, .. }
            | ShellRequest::Input { from, .. }
            | ShellRequest::Resize { from, .. }
            | ShellRequest::Detach { from, .. } => from.clone(),
        };
        if !valid_instance(&from) {
            tracing::warn!("dropped a shell request from an instance with an invalid name");
            continue;
        }
        match request {
            ShellRequest::Attach {
                id, user, shell, ..
            } => {
                if !is_well_formed_uuid(&shell) {
                    answer(
                        &cluster,
                        &from,
                        id,
                        Err(ErrorBody::from_code(ErrorCode::ShellNotFound)),
                    )
                    .await;
                    continue;
                }
                let (cluster, labs, stop) = (cluster.clone(), labs.clone(), shutdown.child_token());
                labs.tasks.clone().spawn(async move {
                    serve_attach(&cluster, &labs, (from, id), &user, &shell, stop).await;
                });
            }
            ShellRequest::Input {
                attach,
                shell,
                data,
                ack,
                ..
            } => {
                let result = if data.len() > INPUT_LIMIT {
                    Err(ErrorBody::new(
                        ErrorCode::InvalidRequest,
                        format!(
                            "the socket request was invalid: shell input is larger than {INPUT_LIMIT} bytes"
                        ),
                    ))
                } else {
                    attached(&cluster, &from, attach, &shell)
                        .and_then(|shell| shell.write(data).map_err(ErrorBody::from))
                };
                if let (Err(body), Some(ack)) = (result, ack) {
                    answer(&cluster, &from, ack, Err(body)).await;
                }
            }
            ShellRequest::Resize {
                attach,
                shell,
                size,
                ack,
                ..
            } => {
                let result = attached(&cluster, &from, attach, &shell).and_then(|shell| {
                    let size = TerminalSize::from_wire(&size).map_err(|e| {
                        ErrorBody::new(
                            ErrorCode::InvalidRequest,
                            format!("the socket request was invalid: {e}"),
                        )
                    })?;
                    shell.resize(size).map_err(ErrorBody::from)
                });
                if let Some(ack) = ack {
                    answer(&cluster, &from, ack, result).await;
                }
            }
            ShellRequest::Detach { attach, .. } => {
                if let Some(attached) = lock(&cluster.0.shells.attached).remove(&(from, attach)) {
                    attached.stop.cancel();
                }
            }
        }
    }
}

/// The shell of an attach, if it is that attach's shell.
fn attached(
    cluster: &Cluster,
    from: &str,
    attach: u64,
    shell: &str,
) -> Result<Arc<Shell>, ErrorBody> {
    lock(&cluster.0.shells.attached)
        .get(&(from.to_owned(), attach))
        .filter(|a| a.shell.id == shell)
        .map(|a| Arc::clone(&a.shell))
        .ok_or_else(|| ErrorBody::from_code(ErrorCode::ShellNotFound))
}

/// Answers a request of `to` with an ack body.
async fn answer(cluster: &Cluster, to: &str, id: u64, result: Result<(), ErrorBody>) {
    let body = match result {
        Ok(()) => json!({ "payload": null }),
        Err(error) => serde_json::to_value(error).unwrap_or(Value::Null),
    };
    if let Err(error) = cluster.forwarder().reply(to, id, false, Some(body)).await {
        tracing::warn!(%error, "cannot answer a terminal of another server");
    }
}

/// Checks an attach, answers it, and sends the shell's output until it ends.
#[tracing::instrument(name = "shell-attach", skip_all, fields(from = %key.0, shell = %shell_id))]
async fn serve_attach(
    cluster: &Cluster,
    labs: &Labs,
    key: (String, u64),
    user: &str,
    shell_id: &str,
    stop: CancellationToken,
) {
    let (from, id) = (key.0.clone(), key.1);
    let user = match labs.store.user(user).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let body = ErrorBody::new(ErrorCode::ServerError, "the user is unknown");
            return answer(cluster, &from, id, Err(body)).await;
        }
        Err(error) => {
            tracing::error!(%error, "cannot look up the user of a terminal");
            return answer(
                cluster,
                &from,
                id,
                Err(ErrorBody::from_code(ErrorCode::ServerError)),
            )
            .await;
        }
    };
    let Some(shell) = labs.shells.get(shell_id) else {
        return answer(
            cluster,
            &from,
            id,
            Err(ErrorBody::from_code(ErrorCode::ShellNotFound)),
        )
        .await;
    };
    if !shell.may_use(&user) {
        let body = ErrorBody::new(
            ErrorCode::NoAccess,
            "access to the provided shell is not granted",
        );
        return answer(cluster, &from, id, Err(body)).await;
    }
    let taken = {
        let mut attached = lock(&cluster.0.shells.attached);
        let room = attached.len() < ATTACHED_LIMIT && !attached.contains_key(&key);
        if room {
            let stop = stop.clone();
            attached.insert(
                key.clone(),
                Attached {
                    shell: Arc::clone(&shell),
                    stop,
                },
            );
        }
        room
    };
    if !taken {
        let body = ErrorBody::new(
            ErrorCode::ServerError,
            "too many terminals of other servers are attached",
        );
        return answer(cluster, &from, id, Err(body)).await;
    }
    if let Err(error) = cluster.forwarder().place_shell(shell_id).await {
        tracing::warn!(%error, "cannot renew where a shell lives");
    }
    answer(cluster, &from, id, Ok(())).await;
    send_output(cluster, &key, &shell, &stop).await;
    lock(&cluster.0.shells.attached).remove(&key);
}

/// Sends a shell's output to one terminal of another instance: the backlog, then every chunk,
/// holding the shell back while it sends; then the close.
async fn send_output(
    cluster: &Cluster,
    (to, attach): &(String, u64),
    shell: &Shell,
    stop: &CancellationToken,
) {
    let stream = &shell.output;
    let (mut watch, mut closed) = (stream.watch(), stream.watch_closed());
    let (kept, backlog, position) = stream.chunks();
    let mut cursor = backlog - kept.len() as u64;
    let mut at = position.start;
    let hold = stream.hold(cursor);
    let send = async |first: u64, at: u64, chunks: Vec<String>, closed: Option<String>| {
        let output = ShellOutput {
            from: cluster.instance().to_owned(),
            attach: *attach,
            first,
            at,
            backlog,
            chunks,
            closed,
        };
        cluster.forwarder().send_shell_output(to, &output).await
    };
    let mut started = false;
    loop {
        watch.borrow_and_update();
        let ending = stream.is_closed();
        let lines = match stream.read(cursor, BATCH_LINES) {
            Ok((lines, _)) => lines,
            // Trimmed before it was sent: the gap ends the terminal, which attaches again.
            Err(Lagged { missed }) => {
                let _ = send(cursor + missed, at, Vec::new(), None).await;
                return;
            }
        };
        if lines.is_empty() {
            if ending {
                let reason = shell.close_reason().unwrap_or_default().to_owned();
                let _ = send(cursor, at, Vec::new(), Some(reason)).await;
                return;
            }
            if !started {
                started = true;
                if !matches!(send(cursor, at, Vec::new(), None).await, Ok(true)) {
                    return;
                }
            }
            tokio::select! {
                () = stop.cancelled() => return,
                _ = watch.changed() => {}
                _ = closed.changed() => {}
            }
            continue;
        }
        let batch = first_within(&lines, BATCH_BYTES);
        let (count, size) = (
            batch.len() as u64,
            batch.iter().map(String::len).sum::<usize>() as u64,
        );
        match send(cursor, at, batch, None).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!("the terminal's server stopped listening");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot send a shell's output to another server");
                return;
            }
        }
        started = true;
        cursor += count;
        at += size;
        hold.advance(cursor);
        if stop.is_cancelled() {
            return;
        }
    }
}
