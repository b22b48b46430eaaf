//! Turning the engine's errors into the [`BridgeError`] the webview sees.

use antimony_client::Error as ClientError;
use antimony_client::session::CommandError;

use super::{BridgeError, BridgeErrorKind};

impl BridgeError {
    /// An error of `kind` with no protocol code.
    pub(crate) fn new(kind: BridgeErrorKind, message: impl Into<String>) -> Self {
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
            ClientError::Api { .. } => BridgeErrorKind::Api,
            ClientError::NotLoggedIn { .. } => BridgeErrorKind::NotLoggedIn,
            ClientError::Unreachable { .. } => BridgeErrorKind::Unreachable,
            ClientError::Certificate { .. } => BridgeErrorKind::Certificate,
            ClientError::Protocol(_) | ClientError::NotAntimony { .. } => BridgeErrorKind::Protocol,
            ClientError::Keychain(_) => BridgeErrorKind::Keychain,
            ClientError::Profile(_) => BridgeErrorKind::Profile,
            ClientError::Io { .. } | ClientError::Topology(_) => BridgeErrorKind::Io,
            ClientError::Unsupported(_) => BridgeErrorKind::Unsupported,
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

impl From<antimony_client::import::FileProblem> for BridgeError {
    fn from(problem: antimony_client::import::FileProblem) -> Self {
        ClientError::from(problem).into()
    }
}

impl From<CommandError> for BridgeError {
    fn from(error: CommandError) -> Self {
        let message = match &error {
            CommandError::Refused(body) => body.message.clone(),
            other => other.to_string(),
        };
        BridgeError {
            kind: BridgeErrorKind::Command,
            code: error.code(),
            message,
            fingerprint: None,
        }
    }
}

/// `Result` with [`BridgeError`].
pub(crate) type Result<T, E = BridgeError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webview_gets_a_kind_a_code_and_the_servers_message() {
        let refused = BridgeError::from(ClientError::Api {
            status: 400,
            body: antimony_protocol::ErrorBody::new(
                antimony_protocol::ErrorCode::TopologyInvalid,
                "bad yaml",
            ),
        });
        let json = serde_json::to_value(&refused).expect("serialisable");
        assert_eq!(
            json,
            serde_json::json!({"kind": "api", "code": 3003, "message": "bad yaml"})
        );
        let not_topology = BridgeError::from(antimony_client::import::FileProblem::NotATopology(
            "x.yml".into(),
        ));
        assert_eq!(not_topology.kind, BridgeErrorKind::Io);
        assert!(not_topology.message.contains("x.yml"));
    }
}
