//! Request extractors whose every rejection is a JSON `{code, message}` body.

use antimony_protocol::rest::cookie;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;

use super::ApiError;
use crate::AppState;
use crate::auth::TokenKind;
use crate::store::User;

/// The largest request body accepted (topologies and bind files included).
pub(crate) const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// A JSON body. Like the Go server, it requires `Content-Type: application/json`.
#[derive(Debug)]
pub(crate) struct ApiJson<T>(pub(crate) T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::invalid_body(
                "the request body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = read_body(req, state).await?;
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| ApiError::invalid_body(e.to_string()))
    }
}

/// Reads a body up to [`BODY_LIMIT`].
pub(crate) async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::body_too_large(BODY_LIMIT)
        } else {
            ApiError::invalid_body(rejection.body_text())
        }
    })
}

/// The user a request is made by: its access token from `Authorization: Bearer` (an
/// extension) or the `accessToken` cookie (what the Go server reads).
#[derive(Debug, Clone)]
pub(crate) struct AuthUser(pub(crate) User);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let bearer = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        let token = match bearer {
            Some(token) => token,
            None => CookieJar::from_headers(&parts.headers)
                .get(cookie::ACCESS_TOKEN)
                .map(|c| c.value().to_owned())
                .ok_or_else(|| {
                    ApiError::unauthorized(antimony_protocol::ErrorCode::Unauthorized.message())
                })?,
        };
        let now = antimony_protocol::Timestamp::now_utc().unix_timestamp();
        let claims = state
            .sessions
            .verify(&token, TokenKind::Access, now)
            .map_err(|_| ApiError::invalid_token())?;
        let user = state
            .store
            .user(&claims.id)
            .await?
            .ok_or_else(ApiError::invalid_token)?;
        Ok(AuthUser(user))
    }
}

/// A path id. Ids are opaque strings; an unknown one is a 404 from the handler.
#[derive(Debug)]
pub(crate) struct Id(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path(id) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::not_found())?;
        Ok(Id(id))
    }
}

/// The file id of `/topologies/:topologyId/files/:fileId`. The file id decides which file;
/// the topology segment is ignored, as on the Go server.
#[derive(Debug)]
pub(crate) struct FileId(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for FileId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let axum::extract::Path((_topology, file)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_| ApiError::not_found())?;
        Ok(FileId(file))
    }
}
