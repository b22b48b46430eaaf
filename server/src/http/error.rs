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
}

/// The status of an invalid or expired token (not a registered status code).
const INVALID_TOKEN: u16 = 498;

impl ApiError {
    fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ErrorBody::new(code, message),
        }
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

impl From<crate::Error> for ApiError {
    fn from(error: crate::Error) -> Self {
        tracing::error!(%error, "request failed");
        match error {
            crate::Error::Database(_) => Self::new(
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
        (self.status, Json(self.body)).into_response()
    }
}
