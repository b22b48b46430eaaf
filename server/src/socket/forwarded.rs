//! `/lab-commands` across instances (docs/scaling-out.md): a command for a lab that another
//! instance owns is sent to the owner ([`crate::cluster::forward`]), which admits and runs it
//! as its own socket worker would and sends back the same ack body.
//!
//! The asking side waits for the owner to admit a command before it takes the socket's next
//! one (so one socket's commands keep their order), at most [`ADMIT_LIMIT`]; then for the
//! result, for as long as the owner holds the lab's lease (at most [`RUN_LIMIT`]). A silent or
//! dead owner is answered with a 5000 ack naming it; a reply of another shape too.
//!
//! Shell commands are forwarded too: a shell lives on its lab's owner, which notes where in
//! Redis ([`place_opened`]) so that `/shells/<id>` on any instance finds it (`shells`).

use std::time::{Duration, Instant};

use antimony_protocol::{ErrorBody, ErrorCode, LabCommand, LabCommandData, is_well_formed_uuid};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::acks::{ack_body, error_body, parse, payload};
use crate::AppState;
use crate::cluster::{Cluster, Pending, Reply, Request, Route, lab_lease};
use crate::lab::{self, Origin};

/// How long the owner may take to admit a forwarded command.
const ADMIT_LIMIT: Duration = Duration::from_secs(60);
/// How long a forwarded command may run (a deploy waits for containerlab).
const RUN_LIMIT: Duration = Duration::from_secs(3600);

/// Where a command runs: malformed lab ids here, the rest on the lab's owner (a deploy
/// claims an unowned lab).
pub(super) async fn route(cluster: &Cluster, command: &LabCommandData) -> crate::Result<Route> {
    if !is_well_formed_uuid(&command.lab_id) {
        return Ok(Route::Here);
    }
    cluster
        .route(&command.lab_id, command.command == LabCommand::Deploy)
        .await
}

/// Sends a command to `owner` and returns once the owner admitted it (or answered, or was
/// silent for too long); the returned future gives the ack body.
pub(super) async fn forward(
    cluster: &Cluster,
    owner: &str,
    user: &crate::store::User,
    command: &LabCommandData,
    argument: Option<Value>,
) -> BoxFuture<'static, Value> {
    let argument = argument.unwrap_or(Value::Null);
    let mut pending = match cluster.forwarder().request(owner, &user.id, argument).await {
        Ok(pending) => pending,
        Err(error) => {
            tracing::error!(%error, owner, "cannot forward a lab command");
            return futures_util::future::ready(unavailable(owner)).boxed();
        }
    };
    tracing::debug!(owner, lab = %command.lab_id, "forwarded a lab command");
    match tokio::time::timeout(ADMIT_LIMIT, pending.replies.recv()).await {
        Ok(Some(Reply {
            body: Some(body), ..
        })) => futures_util::future::ready(checked(body)).boxed(),
        Ok(Some(Reply { admitted: true, .. })) => {
            let (cluster, owner, lab_id) =
                (cluster.clone(), owner.to_owned(), command.lab_id.clone());
            async move { finish(&cluster, &owner, &lab_id, pending).await }.boxed()
        }
        _ => {
            tracing::warn!(
                owner,
                "the owner of a lab did not admit a forwarded command"
            );
            futures_util::future::ready(unavailable(owner)).boxed()
        }
    }
}

/// Waits for the final reply while the owner keeps the lab.
async fn finish(cluster: &Cluster, owner: &str, lab_id: &str, mut pending: Pending) -> Value {
    let deadline = Instant::now() + RUN_LIMIT;
    loop {
        tokio::select! {
            reply = pending.replies.recv() => match reply {
                Some(Reply { body: Some(body), .. }) => return checked(body),
                Some(_) => {}
                None => return unavailable(owner),
            },
            () = tokio::time::sleep(cluster.lease()) => {
                let holder = cluster.leases().holder(&lab_lease(lab_id)).await;
                if !matches!(&holder, Ok(Some(h)) if h == owner) || Instant::now() > deadline {
                    tracing::warn!(owner, lab = %lab_id, "the owner of a lab stopped before a forwarded command ended");
                    return unavailable(owner);
                }
            }
        }
    }
}

/// With several instances: notes where a shell opened here lives, before its ack goes out.
pub(super) async fn place_opened(state: &AppState, result: &Result<lab::Outcome, lab::LabError>) {
    if let (Some(cluster), Ok(lab::Outcome::ShellOpened(shell))) = (&state.cluster, result)
        && let Err(error) = cluster.forwarder().place_shell(shell).await
    {
        tracing::warn!(%error, "cannot note where a shell lives: other servers will not find it");
    }
}

/// An ack body from another instance, if it has an ack body's shape.
pub(super) fn checked(body: Value) -> Value {
    let fits = match body.as_object() {
        Some(object) if object.len() == 1 => object.contains_key("payload"),
        Some(object) if object.len() == 2 => {
            object.get("code").is_some_and(Value::is_i64)
                && object.get("message").is_some_and(Value::is_string)
        }
        _ => false,
    };
    if fits {
        return body;
    }
    tracing::warn!("another instance answered a forwarded command with a malformed body");
    ack_body(Err(ErrorBody::from_code(ErrorCode::ServerError)))
}

fn unavailable(owner: &str) -> Value {
    ack_body(Err(ErrorBody::new(
        ErrorCode::ServerError,
        format!("the server that runs this lab ({owner}) did not answer; try again"),
    )))
}

/// Serves the commands other instances forward to this one, until `shutdown`.
pub(crate) async fn serve(
    state: AppState,
    mut requests: mpsc::Receiver<Request>,
    shutdown: CancellationToken,
) {
    while let Some(Some(request)) = shutdown.run_until_cancelled(requests.recv()).await {
        state.tasks.spawn(serve_one(state.clone(), request));
    }
}

#[tracing::instrument(name = "forwarded", skip_all, fields(from = %request.from, user = %request.user))]
async fn serve_one(state: AppState, request: Request) {
    let Some(cluster) = state.cluster.clone() else {
        return;
    };
    let answer = async |admitted: bool, body: Option<Value>| {
        if let Err(error) = cluster
            .forwarder()
            .reply(&request.from, request.id, admitted, body)
            .await
        {
            tracing::warn!(%error, "cannot answer a forwarded command");
        }
    };
    let user = match state.store.user(&request.user).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            let body = ErrorBody::new(ErrorCode::ServerError, "the user is unknown");
            return answer(false, Some(ack_body(Err(body)))).await;
        }
        Err(error) => {
            tracing::error!(%error, "cannot look up the user of a forwarded command");
            let body = ErrorBody::from_code(ErrorCode::ServerError);
            return answer(false, Some(ack_body(Err(body)))).await;
        }
    };
    let command = match parse(Some(&request.command)) {
        Ok(command) => command,
        Err(error) => return answer(false, Some(ack_body(Err(error)))).await,
    };
    match lab::admit(&state.labs, &user, command, Origin::User).await {
        Ok(admitted) => {
            answer(true, None).await;
            let result = admitted.run().await;
            place_opened(&state, &result).await;
            answer(
                false,
                Some(ack_body(result.map(payload).map_err(|e| error_body(&e)))),
            )
            .await;
        }
        Err(error) => answer(false, Some(ack_body(Err(error_body(&error))))).await,
    }
}
