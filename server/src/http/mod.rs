//! The REST API (PROTOCOL.md §2–§4): routes, extractors and handlers.
//!
//! Every route is served at the root (as the Go server behind Traefik's `/api` strip) and
//! also under `/api`, so a client can use the same origin-based URLs against this server
//! directly. Every error, including unknown routes, oversized bodies and panics, is JSON.

mod collections;
mod error;
mod extract;
mod labs;
mod openid;
mod topologies;
mod users;
mod web_ui;

use antimony_protocol::Envelope;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Serialize;

pub(crate) use error::ApiError;
use extract::AuthUser;
pub(crate) use extract::BODY_LIMIT;

use crate::AppState;

/// The longest name of a lab or collection, in characters.
pub(crate) const NAME_LIMIT: usize = 128;

/// A text field from a request: 1 to `limit` characters, no control characters; else 400
/// `{422}` naming the field.
fn check_text(field: &str, value: &str, limit: usize) -> Result<(), ApiError> {
    let length = value.chars().count();
    if length == 0 || length > limit || value.chars().any(char::is_control) {
        return Err(ApiError::invalid_body(format!(
            "{field} must be 1 to {limit} characters without control characters"
        )));
    }
    Ok(())
}

/// `{payload: value}` with status 200.
fn ok<T: Serialize>(payload: T) -> Response {
    Json(Envelope::new(payload)).into_response()
}

/// The REST routes, without the `/api` mirror and the layers.
fn api() -> Router<AppState> {
    Router::new()
        .route("/users/login/config", get(users::login_config))
        .route("/users/login/native", post(users::login_native))
        .route("/users/login/refresh", get(users::refresh))
        .route("/users/logout", post(users::logout))
        .route("/users/login/openid", get(openid::start))
        .route("/users/login/success", get(openid::success))
        .route("/labs", get(labs::list).post(labs::create))
        .route(
            "/labs/{lab_id}",
            get(labs::get).patch(labs::update).delete(labs::delete),
        )
        .route(
            "/topologies",
            get(topologies::list).post(topologies::create),
        )
        .route(
            "/topologies/{topology_id}",
            patch(topologies::update).delete(topologies::delete),
        )
        .route(
            "/topologies/{topology_id}/files",
            post(topologies::create_bind_file),
        )
        .route(
            "/topologies/{topology_id}/files/{file_id}",
            patch(topologies::update_bind_file)
                .put(topologies::update_bind_file)
                .delete(topologies::delete_bind_file),
        )
        .route(
            "/collections",
            get(collections::list).post(collections::create),
        )
        .route(
            "/collections/{collection_id}",
            patch(collections::update).delete(collections::delete),
        )
        .route("/devices", get(devices))
        .route("/clab-schema", get(clab_schema))
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
}

/// The REST router with its state, body limit, panic guard, request tracing and version
/// header. The
/// Socket.IO layer goes around it in [`crate::Server::app`].
///
/// REST is served at the root and under `/api`; with a web UI directory configured
/// (`--web-ui`), only under `/api`, and the UI takes every other path (as behind Traefik).
pub fn router(state: AppState) -> Router {
    let routes = match &state.config.web_ui {
        None => Router::new()
            .merge(api())
            .nest("/api", api())
            .fallback(|| async { ApiError::no_route() }),
        Some(dir) => Router::new()
            .nest("/api", api().fallback(|| async { ApiError::no_route() }))
            .merge(web_ui::router(dir)),
    };
    routes
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                tracing::error!("a request handler panicked");
                ApiError::from(crate::Error::Task("handler panicked".into())).into_response()
            },
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(axum::middleware::map_response(server_header))
        .with_state(state)
}

/// Names this server and its version on every response ([`SERVER_HEADER`]): a header, so no
/// payload the Go server's clients know changes.
///
/// [`SERVER_HEADER`]: antimony_protocol::rest::SERVER_HEADER
async fn server_header(mut response: Response) -> Response {
    response.headers_mut().insert(
        antimony_protocol::rest::SERVER_HEADER,
        axum::http::HeaderValue::from_static(env!("CARGO_PKG_VERSION")),
    );
    response
}

/// `GET /devices`: interface naming per containerlab kind.
async fn devices(_user: AuthUser, State(state): State<AppState>) -> Response {
    ok(&state.devices)
}

/// `GET /clab-schema` (public): the containerlab schema topologies are validated against.
async fn clab_schema(State(state): State<AppState>) -> Response {
    ok(state.validator.schema())
}
