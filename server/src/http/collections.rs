//! Collections (PROTOCOL.md §4.5).

use antimony_protocol::ErrorCode;
use antimony_protocol::rest::{CollectionIn, CollectionInPartial, CollectionOut};
use axum::extract::State;
use axum::response::Response;

use super::extract::{ApiJson, AuthUser, Id};
use super::{ApiError, ok};
use crate::AppState;
use crate::permissions::{can_create_collection, can_edit_collection, can_see_collection};
use crate::store::{CollectionRecord, LabFilter, User};

/// `GET /collections`: the collections the user is a member of.
pub(super) async fn list(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
) -> Result<Response, ApiError> {
    let collections: Vec<CollectionOut> = state
        .store
        .collections()
        .await?
        .iter()
        .filter(|c| can_see_collection(&user, c))
        .map(CollectionRecord::to_out)
        .collect();
    Ok(ok(collections))
}

/// `POST /collections` (admins only).
#[tracing::instrument(name = "rest", skip_all, fields(handler = "collections::create", user = %user.id))]
pub(super) async fn create(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<CollectionIn>,
) -> Result<Response, ApiError> {
    if !can_create_collection(&user) {
        return Err(ApiError::forbidden(
            "permission to create collections is not granted",
        ));
    }
    check_name(&input.name)?;
    let id = uuid::Uuid::new_v4().to_string();
    if state
        .store
        .create_collection(id.clone(), input, user.id)
        .await?
        .is_err()
    {
        return Err(ApiError::bad_request(ErrorCode::CollectionExists, None));
    }
    Ok(ok(id))
}

/// Collection names: 1 to 128 characters, no control characters.
fn check_name(name: &str) -> Result<(), ApiError> {
    super::check_text("name", name, super::NAME_LIMIT)
}

async fn editable(state: &AppState, user: &User, id: &str) -> Result<CollectionRecord, ApiError> {
    let collection = state
        .store
        .collection(id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !can_edit_collection(user, &collection) {
        return Err(ApiError::forbidden(
            "write access to the provided collection is not granted",
        ));
    }
    Ok(collection)
}

/// `PATCH /collections/:collectionId`
#[tracing::instrument(name = "rest", skip_all, fields(handler = "collections::update", user = %user.id, collection = %id))]
pub(super) async fn update(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    Id(id): Id,
    ApiJson(input): ApiJson<CollectionInPartial>,
) -> Result<Response, ApiError> {
    let collection = editable(&state, &user, &id).await?;
    if let Some(name) = &input.name {
        check_name(name)?;
    }
    if input.allow_host_access.is_some() && !user.is_admin {
        return Err(ApiError::forbidden(
            "only admins may change whether a collection's topologies may act on the host",
        ));
    }
    if state
        .store
        .update_collection(collection.id, input)
        .await?
        .is_err()
    {
        return Err(ApiError::bad_request(ErrorCode::CollectionExists, None));
    }
    Ok(ok(()))
}

/// `DELETE /collections/:collectionId` (soft).
#[tracing::instrument(name = "rest", skip_all, fields(handler = "collections::delete", user = %user.id, collection = %id))]
pub(super) async fn delete(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let collection = editable(&state, &user, &id).await?;
    let labs = state
        .store
        .labs(LabFilter {
            collections: vec![collection.id.clone()],
            ..LabFilter::default()
        })
        .await?;
    let held = super::labs::hold_idle(&state, &labs, "collection")?;
    state.store.delete_collection(&collection.id).await?;
    for lab in &labs {
        state.labs.instances.dequeue(&lab.id);
    }
    drop(held);
    Ok(ok(()))
}
