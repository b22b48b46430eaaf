//! The HTTP error: a status and a `{code, message}` body. Internal causes are logged here and
//! never sent.

use antimony_protocol::{ErrorBody, ErrorCode};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An error response.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    /// `Retry-After` (whole seconds), for 429.
    retry_after: Option<u64>,
}

/// The status of an invalid or expired token (not a registered status code).
const INVALID_TOKEN: u16 = 498;

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
            retry_after: None,
        }
    }

    /// 429 `{429}` with `Retry-After` (rounded up to whole seconds).
    pub(crate) fn too_many_requests(message: &str, wait: std::time::Duration) -> Self {
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyRequests,
            message,
        );
        error.retry_after = Some(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        error
    }

    /// 409 `{409}`: the resource's state does not allow this now.
    pub(crate) fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, ErrorCode::Conflict, message)
    }

    /// 400 `{3401}`: a topology field that acts on the host, for a user who may not use it.
    pub(crate) fn host_access(field: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::TopologyHostAccess,
            format!(
                "{}: {field} (an admin can allow it for the collection)",
                ErrorCode::TopologyHostAccess.message()
            ),
        )
    }

    /// 404 `{-1}`: unknown id.
    pub(crate) fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::Unexpected,
            ErrorCode::Unexpected.message(),
        )
    }

    /// 401 `{401}` with a message.
    pub(crate) fn unauthorized(message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, message)
    }

    /// 498 `{498}`: refresh the access token and retry.
    pub(crate) fn invalid_token() -> Self {
        let status = StatusCode::from_u16(INVALID_TOKEN).unwrap_or(StatusCode::UNAUTHORIZED);
        Self::new(
            status,
            ErrorCode::InvalidToken,
            ErrorCode::InvalidToken.message(),
        )
    }

    /// 403 `{403}` with a message.
    pub(crate) fn forbidden(message: &str) -> Self {
        Self::new(StatusCode::FORBIDDEN, ErrorCode::Forbidden, message)
    }

    /// 400 `{422}`: a body that does not decode or validate.
    pub(crate) fn invalid_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::InvalidBody, message)
    }

    /// 413 `{422}`: a body over the size limit.
    pub(crate) fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::InvalidBody,
            format!("the request body is larger than {limit} bytes"),
        )
    }

    /// 400 `{-1}`: a query string that does not decode.
    pub(crate) fn invalid_query(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ErrorCode::Unexpected, message)
    }

    /// 400 with a domain code (duplicates, invalid topologies, bad paths).
    pub(crate) fn bad_request(code: ErrorCode, detail: Option<&str>) -> Self {
        let message = match detail {
            Some(detail) => format!("{}: {detail}", code.message()),
            None => code.message().to_owned(),
        };
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 500 `{-1}` with a message meant for the user (e.g. a refused modification).
    pub(crate) fn refused(message: &str) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Unexpected,
            message,
        )
    }

    /// 404 `{-1}` for an unknown route (gin sends plain text; JSON is kinder to clients).
    pub(crate) fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ErrorCode::Unexpected,
            "the requested endpoint does not exist",
        )
    }

    /// 405 `{-1}` for a known route with another method.
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::Unexpected,
            "the requested method is not allowed on this endpoint",
        )
    }
}

/// Whether an error is the disk being full (a write the file system or SQLite refused).
fn disk_full(error: &crate::Error) -> bool {
    match error {
        crate::Error::Io { source, .. } => {
            source.kind() == std::io::ErrorKind::StorageFull
                || source.kind() == std::io::ErrorKind::QuotaExceeded
        }
        crate::Error::Database(rusqlite::Error::SqliteFailure(failure, _)) => {
            failure.code == rusqlite::ErrorCode::DiskFull
        }
        crate::Error::Postgres(error) => {
            error.code() == Some(&postgres::error::SqlState::DISK_FULL)
        }
        _ => false,
    }
}

impl From<crate::Error> for ApiError {
    fn from(error: crate::Error) -> Self {
        tracing::error!(%error, "request failed");
        if disk_full(&error) {
            return Self::new(
                StatusCode::INSUFFICIENT_STORAGE,
                ErrorCode::Unexpected,
                "the server's disk is full; nothing was changed",
            );
        }
        match error {
            crate::Error::Database(_)
            | crate::Error::Postgres(_)
            | crate::Error::DatabaseUnreachable(_) => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Database,
                ErrorCode::Database.message(),
            ),
            _ => Self::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::Unexpected,
                ErrorCode::ServerError.message(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}
