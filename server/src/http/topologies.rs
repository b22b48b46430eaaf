//! Topologies and bind files (PROTOCOL.md §4.4).

use std::collections::HashMap;

use antimony_protocol::ErrorCode;
use antimony_protocol::rest::{
    BindFileIn, BindFileInPartial, BindFileOut, TopologyIn, TopologyInPartial, TopologyOut,
};
use axum::extract::State;
use axum::response::Response;

use super::extract::{ApiJson, AuthUser, FileId, Id};
use super::{ApiError, ok};
use crate::AppState;
use crate::files::BindFilePath;
use crate::permissions::{
    can_create_topology, can_edit_topology, can_own_topology, can_see_topology,
};
use crate::store::{BindFileRecord, CollectionRecord, TopologyChange, TopologyRecord, User};
use crate::topology::{Definition, DefinitionError, host_access};

fn definition_error(error: DefinitionError) -> ApiError {
    let detail = match error {
        DefinitionError::NotYaml(m) => format!("not valid YAML: {m}"),
        DefinitionError::Schema(m) => format!("does not match the containerlab schema: {m}"),
        DefinitionError::Limit(m) => format!("over a limit: {m}"),
    };
    ApiError::bad_request(ErrorCode::TopologyInvalid, Some(&detail))
}

/// Checks a definition on the blocking pool (parsing a large one takes CPU time).
async fn check_definition(state: &AppState, definition: String) -> Result<Definition, ApiError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.validator.check(&definition))
        .await
        .map_err(|e| ApiError::from(crate::Error::Task(e.to_string())))?
        .map_err(definition_error)
}

/// Refuses (400 `{3401}`, naming the fields) a definition that acts on the host, unless the
/// user is an admin or the collection allows it.
fn check_host_access(
    user: &User,
    collection: &CollectionRecord,
    document: &serde_json::Value,
) -> Result<(), ApiError> {
    if user.is_admin || collection.allow_host_access {
        return Ok(());
    }
    let fields = host_access(document, 5);
    if fields.is_empty() {
        return Ok(());
    }
    Err(ApiError::host_access(&fields.join(", ")))
}

/// `GET /topologies`: the topologies the user may see, with definitions and bind files.
/// Topologies whose files cannot be read are skipped with a warning, as on the Go server.
pub(super) async fn list(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let mut files: HashMap<String, Vec<BindFileRecord>> = HashMap::new();
    for file in state.store.bind_files().await? {
        files
            .entry(file.topology_id.clone())
            .or_default()
            .push(file);
    }
    let mut out = Vec::new();
    for topology in state
        .store
        .topologies()
        .await?
        .into_iter()
        .filter(|t| can_see_topology(&user, t))
    {
        let topology_files = files.remove(&topology.id).unwrap_or_default();
        match topology_out(&state, topology, topology_files).await {
            Ok(t) => out.push(t),
            Err(error) => tracing::warn!(%error, "skipping a topology whose files cannot be read"),
        }
    }
    Ok(ok(out))
}

async fn topology_out(
    state: &AppState,
    topology: TopologyRecord,
    files: Vec<BindFileRecord>,
) -> crate::Result<TopologyOut> {
    let definition = state.files.read_definition(&topology.id).await?;
    let mut bind_files = Vec::new();
    for file in files {
        let content = state
            .files
            .read_bind_file(&topology.id, &file.file_path)
            .await?;
        bind_files.push(BindFileOut {
            id: file.id,
            file_path: file.file_path,
            content,
            topology_id: file.topology_id,
        });
    }
    Ok(TopologyOut {
        id: topology.id,
        definition,
        sync_url: topology.sync_url,
        collection_id: topology.collection_id,
        creator: topology.creator,
        bind_files,
        last_deploy_failed: topology.last_deploy_failed,
    })
}

/// The collection, if it exists and the user may create topologies in it.
async fn writable_collection(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<CollectionRecord, ApiError> {
    let collection = state
        .store
        .collection(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !can_create_topology(user, &collection) {
        return Err(ApiError::forbidden(
            "write access to the provided collection is not granted",
        ));
    }
    Ok(collection)
}

/// `POST /topologies`
#[tracing::instrument(name = "rest", skip_all, fields(handler = "topologies::create", user = %user.id))]
pub(super) async fn create(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<TopologyIn>,
) -> Result<Response, ApiError> {
    let collection = writable_collection(&state, &user, &input.collection_id).await?;
    let definition = check_definition(&state, input.definition.clone()).await?;
    check_host_access(&user, &collection, &definition.document)?;
    let name = definition.name;
    let id = uuid::Uuid::new_v4().to_string();
    // The file first: a topology row without its file would be skipped by every listing.
    state.files.write_definition(&id, &input.definition).await?;
    let created = state
        .store
        .create_topology(
            id.clone(),
            name,
            input.sync_url,
            input.collection_id,
            user.id,
        )
        .await?;
    if created.is_err() {
        let _ = tokio::fs::remove_dir_all(state.files.dir(&id)).await;
        return Err(ApiError::bad_request(ErrorCode::TopologyExists, None));
    }
    Ok(ok(id))
}

async fn existing_topology(state: &AppState, id: &str) -> Result<TopologyRecord, ApiError> {
    state
        .store
        .topology(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// `PATCH /topologies/:topologyId`
#[tracing::instrument(name = "rest", skip_all, fields(handler = "topologies::update", user = %user.id, topology = %id))]
pub(super) async fn update(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    Id(id): Id,
    ApiJson(input): ApiJson<TopologyInPartial>,
) -> Result<Response, ApiError> {
    let topology = existing_topology(&state, &id).await?;
    if !can_edit_topology(&user, &topology) {
        return Err(ApiError::forbidden(
            "write access to the provided topology is not granted",
        ));
    }
    let collection = match &input.collection_id {
        Some(collection) => writable_collection(&state, &user, collection).await?,
        None => state
            .store
            .collection(&topology.collection_id)
            .await?
            .ok_or_else(ApiError::not_found)?,
    };
    let definition = match &input.definition {
        Some(definition) => Some(check_definition(&state, definition.clone()).await?),
        None => None,
    };
    // The (new or current) definition must be allowed in the (new or current) collection.
    if !user.is_admin && !collection.allow_host_access {
        match &definition {
            Some(definition) => check_host_access(&user, &collection, &definition.document)?,
            None if input.collection_id.is_some() => {
                let current = state.files.read_definition(&topology.id).await?;
                let current = check_definition(&state, current).await?;
                check_host_access(&user, &collection, &current.document)?;
            }
            None => {}
        }
    }
    let name = definition.map(|d| d.name);
    let change = TopologyChange {
        name,
        sync_url: input.sync_url,
        collection_id: input.collection_id,
    };
    // The new file first, then the database, then the file in place: a failure at any step
    // (a full disk, a name taken) leaves the old definition and record as they were.
    let staged = match &input.definition {
        Some(definition) => Some(
            state
                .files
                .stage_definition(&topology.id, definition)
                .await?,
        ),
        None => None,
    };
    if state
        .store
        .update_topology(topology.clone(), change)
        .await?
        .is_err()
    {
        return Err(ApiError::bad_request(ErrorCode::TopologyExists, None));
    }
    if let Some(staged) = staged {
        staged.commit().await?;
    }
    Ok(ok(()))
}

/// `DELETE /topologies/:topologyId` (soft; files stay on disk).
#[tracing::instrument(name = "rest", skip_all, fields(handler = "topologies::delete", user = %user.id, topology = %id))]
pub(super) async fn delete(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let topology = existing_topology(&state, &id).await?;
    if !can_own_topology(&user, &topology) {
        return Err(ApiError::forbidden(
            "write access to the provided topology is not granted",
        ));
    }
    state.store.delete_topology(&topology.id).await?;
    Ok(ok(()))
}

fn bind_file_path(path: &str) -> Result<BindFilePath, ApiError> {
    BindFilePath::parse(path).ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::BindFilePathInvalid,
            Some("it must be relative, stay inside the topology's directory and not be topology.clab.yaml"),
        )
    })
}

async fn owned_topology(
    state: &AppState,
    user: &User,
    id: &str,
) -> Result<TopologyRecord, ApiError> {
    let topology = existing_topology(state, id).await?;
    if !can_own_topology(user, &topology) {
        return Err(ApiError::forbidden(
            "write access to the provided file is not granted",
        ));
    }
    Ok(topology)
}

/// `POST /topologies/:topologyId/files`
#[tracing::instrument(name = "rest", skip_all, fields(handler = "topologies::create_bind_file", user = %user.id, topology = %topology_id))]
pub(super) async fn create_bind_file(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    Id(topology_id): Id,
    ApiJson(input): ApiJson<BindFileIn>,
) -> Result<Response, ApiError> {
    let topology = owned_topology(&state, &user, &topology_id).await?;
    let path = bind_file_path(&input.file_path)?;
    let record = BindFileRecord {
        id: uuid::Uuid::new_v4().to_string(),
        topology_id: topology.id.clone(),
        file_path: path.as_str().to_owned(),
    };
    let id = record.id.clone();
    // The file is written before the row exists (a row without its file would hide the
    // whole topology from listings) and put in place once the row is in.
    let staged = state
        .files
        .stage_bind_file(&topology.id, &path, &input.content)
        .await?;
    if state.store.create_bind_file(record).await?.is_err() {
        return Err(ApiError::bad_request(ErrorCode::BindFileExists, None));
    }
    if let Err(error) = staged.commit().await {
        let _ = state.store.delete_bind_file(&id).await;
        return Err(error.into());
    }
    Ok(ok(id))
}

/// `PATCH` or `PUT /topologies/:topologyId/files/:fileId` (the web UI sends PUT).
#[tracing::instrument(name = "rest", skip_all, fields(handler = "topologies::update_bind_file", user = %user.id, file = %file_id))]
pub(super) async fn update_bind_file(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    FileId(file_id): FileId,
    ApiJson(input): ApiJson<BindFileInPartial>,
) -> Result<Response, ApiError> {
    let file = state
        .store
        .bind_file(&file_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let topology = owned_topology(&state, &user, &file.topology_id).await?;
    let new_path = input.file_path.as_deref().map(bind_file_path).transpose()?;
    let content = match input.content {
        Some(content) => content,
        None => {
            state
                .files
                .read_bind_file(&topology.id, &file.file_path)
                .await?
        }
    };
    match new_path {
        Some(path) if path.as_str() != file.file_path => {
            // A rename: the new file, then the database, then the file in place and the old
            // one removed. A failure before the switch leaves everything as it was.
            let staged = state
                .files
                .stage_bind_file(&topology.id, &path, &content)
                .await?;
            let moved = BindFileRecord {
                file_path: path.as_str().to_owned(),
                ..file.clone()
            };
            if state.store.rename_bind_file(moved).await?.is_err() {
                return Err(ApiError::bad_request(ErrorCode::BindFileExists, None));
            }
            staged.commit().await?;
            state
                .files
                .remove_bind_file(&topology.id, &file.file_path)
                .await?;
        }
        _ => {
            let path = bind_file_path(&file.file_path)?;
            state
                .files
                .write_bind_file(&topology.id, &path, &content)
                .await?;
        }
    }
    Ok(ok(()))
}

/// `DELETE /topologies/:topologyId/files/:fileId`
#[tracing::instrument(name = "rest", skip_all, fields(handler = "topologies::delete_bind_file", user = %user.id, file = %file_id))]
pub(super) async fn delete_bind_file(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    FileId(file_id): FileId,
) -> Result<Response, ApiError> {
    let file = state
        .store
        .bind_file(&file_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let topology = owned_topology(&state, &user, &file.topology_id).await?;
    state.store.delete_bind_file(&file.id).await?;
    state
        .files
        .remove_bind_file(&topology.id, &file.file_path)
        .await?;
    Ok(ok(()))
}
