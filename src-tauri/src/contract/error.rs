//! The one error the webview sees: a `kind` to branch on, the protocol's `code`, and a
//! message for people. Tokens never appear in it.

use antimony_client::Error as ClientError;
use antimony_client::session::CommandError;
use serde::Serialize;

/// A failed command, as the UI receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{message}")]
pub(crate) struct BridgeError {
    /// What went wrong: `api`, `notLoggedIn`, `unreachable`, `certificate`, `keychain`,
    /// `profile`, `protocol`, `io`, `command`.
    pub(crate) kind: &'static str,
    /// The protocol's error code (-1 when there is none).
    pub(crate) code: i32,
    /// What to tell the user.
    pub(crate) message: String,
    /// The SHA-256 fingerprint of a certificate the user may choose to trust.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fingerprint: Option<String>,
}

impl BridgeError {
    /// An error of `kind` with no protocol code.
    pub(crate) fn new(kind: &'static str, message: impl Into<String>) -> Self {
        BridgeError {
            kind,
            code: -1,
            message: message.into(),
            fingerprint: None,
        }
    }
}

impl From<ClientError> for BridgeError {
    fn from(error: ClientError) -> Self {
        let code = error.code();
        let kind = match &error {
            ClientError::Api { .. } => "api",
            ClientError::NotLoggedIn { .. } => "notLoggedIn",
            ClientError::Unreachable { .. } => "unreachable",
            ClientError::Certificate { .. } => "certificate",
            ClientError::Protocol(_) => "protocol",
            ClientError::Keychain(_) => "keychain",
            ClientError::Profile(_) => "profile",
            ClientError::Io { .. } => "io",
        };
        let message = match &error {
            ClientError::Api { body, .. } => body.message.clone(),
            other => other.to_string(),
        };
        BridgeError {
            kind,
            code,
            message,
            fingerprint: None,
        }
    }
}

impl From<CommandError> for BridgeError {
    fn from(error: CommandError) -> Self {
        let message = match &error {
            CommandError::Refused(body) => body.message.clone(),
            other => other.to_string(),
        };
        BridgeError {
            kind: "command",
            code: error.code(),
            message,
            fingerprint: None,
        }
    }
}

/// `Result` with [`BridgeError`].
pub(crate) type Result<T, E = BridgeError> = std::result::Result<T, E>;
