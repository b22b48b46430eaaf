//! Log namespaces: `/logs/<labId>` and `/logs/<labId>/<containerId>` (PROTOCOL.md §5.4).
//!
//! Available only while the lab has an instance (and, for a node log, while the container
//! belongs to the running instance), to users who may see the lab. On connect a subscriber
//! gets the backlog as one array, then every later line in order. When its queue is full it
//! waits; when it falls behind the backlog it is disconnected, with a logged reason, and gets
//! the backlog again when it reconnects. No line is dropped silently. When the stream ends
//! (the lab was destroyed or redeployed), the subscriber gets every line it held, then is
//! disconnected, and the namespace is removed once nobody is left in it.

use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::rest::InstanceState;
use antimony_protocol::{ConnectError, Namespace, is_well_formed_uuid};
use socketioxide::SocketIo;
use socketioxide::adapter::Adapter;
use socketioxide::extract::{SocketRef, State};

use super::Refusal;
use super::stream::{Backlog, stream_to};
use crate::AppState;
use crate::logs::LogStream;
use crate::permissions::can_see_lab;
use crate::store::User;

/// How long a new subscriber waits for a node log's history to be read.
const CATCH_UP_LIMIT: Duration = Duration::from_secs(15);

/// Connect middleware: decides whether this namespace exists for this user now.
#[tracing::instrument(name = "socket", skip_all, fields(ns = %s.ns(), socket = %s.id), err(Display, level = "debug"))]
pub(super) async fn check_access<A: Adapter>(
    s: SocketRef<A>,
    io: SocketIo<A>,
    State(state): State<AppState>,
) -> Result<(), Refusal> {
    let result = access(&s, &state).await;
    if result.is_err() {
        super::remove_if_unused(&io, &state, s.ns());
    }
    let stream = result?;
    s.extensions.insert(stream);
    // Before CONNECT goes out (the connect handler runs later): nothing sent is unanswered.
    s.on_fallback(super::reject_input);
    Ok(())
}

async fn access<A: Adapter>(s: &SocketRef<A>, state: &AppState) -> Result<Arc<LogStream>, Refusal> {
    let invalid = || Refusal(ConnectError::InvalidNamespace);
    let (lab_id, container_id) = match Namespace::parse(s.ns()) {
        Ok(Namespace::LabLogs { lab_id }) => (lab_id, None),
        Ok(Namespace::NodeLogs {
            lab_id,
            container_id,
        }) => (lab_id, Some(container_id)),
        _ => return Err(invalid()),
    };
    if !is_well_formed_uuid(&lab_id) {
        return Err(invalid());
    }
    let user = s
        .extensions
        .get::<User>()
        .ok_or(Refusal(ConnectError::Unauthorized))?;
    let lab = state
        .store
        .lab(&lab_id)
        .await
        .ok()
        .flatten()
        .ok_or_else(invalid)?;
    if !can_see_lab(&user, &lab) {
        return Err(Refusal(ConnectError::NoAccess));
    }
    let instance = state.labs.instances.visible(&lab_id).ok_or_else(invalid)?;
    if let Some(container_id) = &container_id {
        let belongs = instance.state == InstanceState::Running
            && instance
                .nodes
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|n| &n.container_id == container_id);
        if !belongs {
            return Err(invalid());
        }
    }
    let stream = match state.logs.get(s.ns()) {
        Some(stream) => stream,
        None => remote_log(state, &lab_id, container_id.is_some(), s.ns())
            .await
            .ok_or_else(invalid)?,
    };
    // A node log being re-read after a restart: connect once its history is in, so the
    // backlog is whole (clients reconcile reconnects against it; a partial backlog would look
    // like a log that started over).
    if !stream.caught_up(CATCH_UP_LIMIT).await {
        tracing::warn!(namespace = %s.ns(), "serving a node log whose history is still being read");
    }
    Ok(stream)
}

/// With several instances: the local copy of a log the lab's owner writes (see
/// `cluster::relay`), when another live instance owns the lab.
async fn remote_log(
    state: &AppState,
    lab_id: &str,
    node: bool,
    path: &str,
) -> Option<Arc<LogStream>> {
    let cluster = state.cluster.as_ref()?;
    let owner = cluster
        .leases()
        .holder(&crate::cluster::lab_lease(lab_id))
        .await
        .ok()
        .flatten()
        .filter(|owner| owner != cluster.instance())?;
    let settings = &state.labs.settings;
    let capacity = if node {
        settings.node_log_backlog
    } else {
        settings.lab_log_backlog
    };
    crate::cluster::follow(cluster, &state.labs, path, &owner, capacity).await
}

/// Connect handler: starts streaming to the subscriber.
pub(super) async fn on_connect<A: Adapter>(
    s: SocketRef<A>,
    io: SocketIo<A>,
    State(state): State<AppState>,
) {
    let cleanup_state = state.clone();
    s.on_disconnect(async move |s: SocketRef<A>| {
        super::remove_if_unused(&io, &cleanup_state, s.ns());
    });
    let Some(stream) = s.extensions.get::<Arc<LogStream>>() else {
        let _ = s.disconnect();
        return;
    };
    stream_to(&state, s, stream, Backlog::Lines, || None);
}
