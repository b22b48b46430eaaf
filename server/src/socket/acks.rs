//! `/lab-commands` acks: reading a command as a client sends it, and the ack body of its
//! result, the same whether it ran here or on another instance (`forwarded`).

use antimony_protocol::{ErrorBody, ErrorCode, LabCommandData};
use serde_json::Value;

use crate::lab::{LabError, Outcome};

/// An ack's body: `{payload}`, or `{code, message}`.
pub(super) type Reply = Result<serde_json::Value, ErrorBody>;

/// The ack body of a domain error; a server fault is logged and answered generically.
pub(super) fn error_body(error: &LabError) -> ErrorBody {
    if error.is_internal() {
        tracing::error!(%error, "lab command failed");
        return ErrorBody::from_code(ErrorCode::ServerError);
    }
    ErrorBody::new(error.code(), error.to_string())
}

/// The ack payload of an outcome.
pub(super) fn payload(outcome: Outcome) -> serde_json::Value {
    match outcome {
        Outcome::Done => serde_json::Value::Null,
        Outcome::ShellOpened(id) => serde_json::Value::String(id),
        // The Go server answers `null` when there are none.
        Outcome::Shells(shells) if shells.is_empty() => serde_json::Value::Null,
        Outcome::Shells(shells) => serde_json::to_value(shells).unwrap_or_default(),
    }
}

/// Reads a command's argument as the client sent it.
pub(super) fn parse(argument: Option<&Value>) -> Result<LabCommandData, ErrorBody> {
    match argument {
        Some(argument) => LabCommandData::from_wire(argument).map_err(|e| {
            let code = e.lab_command_code();
            let message = if code == ErrorCode::ServerError {
                "the provided lab command was invalid".to_owned()
            } else {
                format!("{}: {e}", ErrorCode::InvalidRequest.message())
            };
            ErrorBody::new(code, message)
        }),
        None => Err(ErrorBody::new(
            ErrorCode::InvalidRequest,
            "the socket request was invalid: the event has no argument",
        )),
    }
}

/// The ack body of a command's result.
pub(super) fn ack_body(result: Reply) -> Value {
    match result {
        Ok(payload) => serde_json::json!({ "payload": payload }),
        Err(error) => serde_json::to_value(error).unwrap_or(Value::Null),
    }
}
