//! Labs (PROTOCOL.md §4.3).

use antimony_protocol::rest::{
    InstanceState, LabIn, LabInPartial, LabOut, LabsQuery, TOTAL_COUNT_HEADER,
};
use axum::extract::{RawQuery, State};
use axum::http::HeaderValue;
use axum::response::Response;

use super::extract::{ApiJson, AuthUser, Id};
use super::{ApiError, ok};
use crate::AppState;
use crate::events::LabEvent;
use crate::lab::EditGuard;
use crate::permissions::{can_control_lab, can_create_lab, can_see_lab};
use crate::store::{LabFilter, LabRecord, LabUpdate, NewLab};

/// Times the store can order (nanoseconds since 1970 in 64 bits: 1678 to 2261).
fn check_time(time: &antimony_protocol::Timestamp, field: &str) -> Result<(), ApiError> {
    let year = time.as_offset_date_time().year();
    if (1700..=2200).contains(&year) {
        Ok(())
    } else {
        Err(ApiError::invalid_body(format!(
            "{field} must be between the years 1700 and 2200"
        )))
    }
}

/// An end time before the start time is impossible: 400 `{422}`.
fn check_order(
    start: Option<&antimony_protocol::Timestamp>,
    end: Option<&antimony_protocol::Timestamp>,
) -> Result<(), ApiError> {
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(ApiError::invalid_body(
            "endTime must not be before startTime",
        ));
    }
    Ok(())
}

/// Why a lab with an instance cannot be changed.
const RUNNING_LAB: &str = "modifications to a running lab are not allowed";

/// The REST shape of a lab, with its instance.
pub(crate) fn lab_out(state: &AppState, lab: &LabRecord) -> LabOut {
    LabOut {
        instance: state.labs.instances.visible(&lab.id),
        id: lab.id.clone(),
        name: lab.name.clone(),
        start_time: lab.start_time,
        end_time: lab.end_time,
        topology_id: lab.topology_id.clone(),
        collection_id: lab.collection_id.clone(),
        creator: lab.creator.clone(),
        topology_definition: lab.topology_definition.clone(),
        instance_name: lab.instance_name.clone(),
    }
}

/// `GET /labs`. Unlike the Go server, permission and state filters apply before paging, a
/// missing `limit` means no limit, and `X-Total-Count` is the count before paging.
pub(super) async fn list(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query =
        LabsQuery::from_query_pairs(form_urlencoded::parse(query.unwrap_or_default().as_bytes()))
            .map_err(|e| ApiError::invalid_query(e.to_string()))?;
    let filter = LabFilter {
        search: query.search_query,
        start_date: query.start_date,
        end_date: query.end_date,
        collections: query.collection_filter,
    };
    let labs: Vec<_> = state
        .store
        .labs(filter)
        .await?
        .into_iter()
        .filter(|lab| can_see_lab(&user, lab))
        .filter(|lab| {
            query.state_filter.is_empty()
                || query
                    .state_filter
                    .contains(&state.labs.instances.visible_state(&lab.id))
        })
        .collect();
    let total = labs.len();
    let offset = usize::try_from(query.offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let limit = query
        .limit
        .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    let page: Vec<LabOut> = labs
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|lab| lab_out(&state, &lab))
        .collect();
    let mut response = ok(page);
    response
        .headers_mut()
        .insert(TOTAL_COUNT_HEADER, HeaderValue::from(total));
    Ok(response)
}

async fn visible_lab(
    state: &AppState,
    user: &crate::store::User,
    id: &str,
) -> Result<LabRecord, ApiError> {
    let lab = state.store.lab(id).await?.ok_or_else(ApiError::not_found)?;
    if !can_see_lab(user, &lab) {
        return Err(ApiError::forbidden(
            "access to the provided lab is not granted",
        ));
    }
    Ok(lab)
}

/// `GET /labs/:labId`
pub(super) async fn get(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let lab = visible_lab(&state, &user, &id).await?;
    Ok(ok(lab_out(&state, &lab)))
}

/// `POST /labs`: creates the lab and queues it for deployment at its start time.
#[tracing::instrument(name = "rest", skip_all, fields(handler = "labs::create", user = %user.id))]
pub(super) async fn create(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    ApiJson(input): ApiJson<LabIn>,
) -> Result<Response, ApiError> {
    super::check_text("name", &input.name, super::NAME_LIMIT)?;
    check_time(&input.start_time, "startTime")?;
    check_time(&input.end_time, "endTime")?;
    check_order(Some(&input.start_time), Some(&input.end_time))?;
    let topology = state
        .store
        .topology(&input.topology_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    if !can_create_lab(&user, &topology) {
        return Err(ApiError::forbidden(
            "deploy access to the provided collection is not granted",
        ));
    }
    let definition = state.files.read_definition(&topology.id).await?;
    let id = uuid::Uuid::new_v4().to_string();
    state
        .store
        .create_lab(NewLab {
            id: id.clone(),
            name: input.name,
            start_time: input.start_time,
            end_time: Some(input.end_time),
            topology_id: topology.id,
            creator_id: user.id,
            topology_definition: definition,
        })
        .await?;
    state.labs.instances.enqueue(&id);
    state.events.send(LabEvent::LabUpdated(Some(id.clone())));
    Ok(ok(id))
}

/// Holds every lab of a collection or topology about to be deleted: refused (409, naming
/// them) when any has an instance or a command running or waiting, since its containers would
/// be orphaned. While the guards live, none can start.
pub(super) fn hold_idle(
    state: &AppState,
    labs: &[std::sync::Arc<LabRecord>],
    what: &str,
) -> Result<Vec<EditGuard>, ApiError> {
    let mut guards = Vec::with_capacity(labs.len());
    let mut running = Vec::new();
    for lab in labs {
        match state.labs.locks.try_edit(&lab.id) {
            Some(guard) if state.labs.instances.visible(&lab.id).is_none() => guards.push(guard),
            _ => running.push(lab.name.clone()),
        }
    }
    if running.is_empty() {
        return Ok(guards);
    }
    let more = running.len().saturating_sub(10);
    running.truncate(10);
    let mut names = running.join(", ");
    if more > 0 {
        names.push_str(&format!(" and {more} more"));
    }
    Err(ApiError::conflict(format!(
        "the {what} still has labs with instances; destroy them first: {names}"
    )))
}

/// The lab, if the user may change it and it has no instance, with its order held: no
/// command runs on it until the guard is dropped (a deploy cannot race the change).
async fn changeable_lab(
    state: &AppState,
    user: &crate::store::User,
    id: &str,
    allowed: impl Fn(InstanceState) -> bool,
) -> Result<(LabRecord, EditGuard), ApiError> {
    let lab = state.store.lab(id).await?.ok_or_else(ApiError::not_found)?;
    if !can_control_lab(user, &lab) {
        return Err(ApiError::forbidden(
            "write access to the provided lab is not granted",
        ));
    }
    // A deploy waiting for its turn, or any command running, counts as running too.
    let guard = state
        .labs
        .locks
        .try_edit(&lab.id)
        .ok_or_else(|| ApiError::refused(RUNNING_LAB))?;
    // Read again under the guard: a change that held the lab a moment ago may have changed
    // it, and checks against the old record (start before end) would no longer hold.
    let lab = state.store.lab(id).await?.ok_or_else(ApiError::not_found)?;
    match state.labs.instances.visible(&lab.id).map(|i| i.state) {
        None => Ok((lab, guard)),
        Some(state) if allowed(state) => Ok((lab, guard)),
        Some(_) => Err(ApiError::refused(RUNNING_LAB)),
    }
}

/// `PATCH /labs/:labId`: labs without an instance; of a deployed lab, only the end time
/// (`endTime` or `indefinite`), which the scheduler follows at its next tick. `indefinite:
/// true` clears the end time; a new start time queues the lab again.
#[tracing::instrument(name = "rest", skip_all, fields(handler = "labs::update", user = %user.id, lab = %id))]
pub(super) async fn update(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    Id(id): Id,
    ApiJson(input): ApiJson<LabInPartial>,
) -> Result<Response, ApiError> {
    for (time, field) in [
        (&input.start_time, "startTime"),
        (&input.end_time, "endTime"),
    ] {
        if let Some(time) = time {
            check_time(time, field)?;
        }
    }
    if let Some(name) = &input.name {
        super::check_text("name", name, super::NAME_LIMIT)?;
    }
    // A deployed lab takes a new end time (or none): extending it, or ending it early, is
    // what its user needs while it runs. A new name or start time waits until it is gone.
    let only_end = input.name.is_none() && input.start_time.is_none();
    let (lab, _guard) = changeable_lab(&state, &user, &id, |_| only_end).await?;
    // The times after the change, one of them possibly unchanged, must stay in order.
    let start = input.start_time.unwrap_or(lab.start_time);
    let end = match (input.indefinite, input.end_time) {
        (Some(true), _) => None,
        (_, Some(end)) => Some(end),
        (_, None) => lab.end_time,
    };
    check_order(Some(&start), end.as_ref())?;
    let end_time = match (input.indefinite, input.end_time) {
        (Some(true), _) => Some(None),
        (_, Some(end)) => Some(Some(end)),
        (_, None) => None,
    };
    let requeue = input.start_time.is_some();
    state
        .store
        .update_lab(
            &lab.id,
            LabUpdate {
                name: input.name,
                start_time: input.start_time,
                end_time,
            },
        )
        .await?;
    if requeue {
        state.labs.instances.enqueue(&lab.id);
    }
    // The Go server is silent here; telling every client (the official web UI refetches
    // on any update) keeps a reschedule made in one window visible in the others.
    state
        .events
        .send(LabEvent::LabUpdated(Some(lab.id.clone())));
    Ok(ok(()))
}

/// `DELETE /labs/:labId`: labs without an instance, or with a failed one. Removes the run
/// directory and forgets the lab in the queues.
#[tracing::instrument(name = "rest", skip_all, fields(handler = "labs::delete", user = %user.id, lab = %id))]
pub(super) async fn delete(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    Id(id): Id,
) -> Result<Response, ApiError> {
    let (lab, guard) = changeable_lab(&state, &user, &id, |s| s == InstanceState::Failed).await?;
    state.store.delete_lab(&lab.id).await?;
    drop(guard);
    crate::lab::forget_lab(&state.labs, &lab.id);
    state
        .events
        .send(LabEvent::LabUpdated(Some(lab.id.clone())));
    let run_dir = state.config.run_dir.join(&lab.id);
    match tokio::fs::remove_dir_all(&run_dir).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            tracing::warn!(lab = %lab.id, %error, "failed to remove the run directory");
            let messages = crate::lab::LabMessages {
                lab_id: lab.id.clone(),
                lab: lab.name.clone(),
                topology: lab.topology_name.clone(),
            };
            messages.send(
                &state.events,
                None,
                messages.cleanup_failed(&error.to_string()),
            );
        }
    }
    Ok(ok(()))
}
