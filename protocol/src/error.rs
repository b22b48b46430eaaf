//! Why decoding or validating a piece of the wire contract failed.

use crate::ErrorCode;

/// A rejected piece of input. Every decoder in this crate returns this instead of panicking.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The text was not JSON, or JSON of the wrong shape or types.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A JSON value had the wrong type (for example an object where a string was required).
    #[error("expected {expected}, got {got}")]
    WrongType {
        /// What the decoder wanted.
        expected: &'static str,
        /// What it found, as a JSON type name.
        got: &'static str,
    },
    /// A number that names no variant of a protocol enum (a command, a severity, …).
    #[error("{value} is not a valid {what}")]
    UnknownNumber {
        /// The enum's name.
        what: &'static str,
        /// The number received.
        value: i64,
    },
    /// A namespace path that is not one of Antimony's namespaces.
    #[error("invalid namespace {0:?}")]
    InvalidNamespace(String),
    /// A timestamp that is not RFC 3339.
    #[error("invalid RFC 3339 timestamp {value:?}: {reason}")]
    Timestamp {
        /// The text received.
        value: String,
        /// What the parser said.
        reason: String,
    },
    /// A query-string parameter that could not be read.
    #[error("invalid query parameter {param}={value:?}: {reason}")]
    Query {
        /// The parameter name, brackets included.
        param: String,
        /// The raw value.
        value: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A JWT that could not be decoded (not three segments, bad base64, bad claims).
    #[error("malformed token: {0}")]
    Token(String),
    /// A value out of its range (a terminal size, …).
    #[error("{0}")]
    InvalidValue(String),
}

impl Error {
    /// The socket error code a server answers when this error rejected a lab command.
    ///
    /// An unknown command number is `5000` with "the provided lab command was invalid"
    /// (PROTOCOL.md §5.5); anything else malformed is `5422`.
    pub fn lab_command_code(&self) -> ErrorCode {
        match self {
            Error::UnknownNumber {
                what: "LabCommand", ..
            } => ErrorCode::ServerError,
            _ => ErrorCode::InvalidRequest,
        }
    }

    pub(crate) fn wrong_type(expected: &'static str, got: &serde_json::Value) -> Self {
        Error::WrongType {
            expected,
            got: json_type(got),
        }
    }
}

/// The JSON type name of a value, for error messages.
pub(crate) fn json_type(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
