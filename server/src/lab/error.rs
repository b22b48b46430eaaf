//! Why a lab command failed, named by cause. Each cause has its protocol code
//! ([`LabError::code`]); the socket and HTTP adapters turn it into `{code, message}`.

use antimony_protocol::ErrorCode;

use crate::driver::DriverError;

/// A refused or failed lab command.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// The lab id is not a well-formed UUID (5404).
    #[error("{}", ErrorCode::InvalidUuid.message())]
    InvalidId,
    /// No lab has this id (5005).
    #[error("{}", ErrorCode::IdNotFound.message())]
    NotFound,
    /// The user may not run this command on the lab (5403); names what was refused.
    #[error("{0} access to the provided lab is not granted")]
    NoAccess(&'static str),
    /// A deploy of this lab is queued or running (5002).
    #[error("{}", ErrorCode::LabDeploying.message())]
    Deploying,
    /// The lab has no instance (5003).
    #[error("{}", ErrorCode::LabNotRunning.message())]
    NotRunning,
    /// The instance has no node of that name, or the command named none (5006).
    #[error("{}", ErrorCode::NodeNotFound.message())]
    NodeNotFound,
    /// containerlab failed (5001).
    #[error("{0}")]
    Containerlab(DriverError),
    /// A destroy cancelled this deploy (5001).
    #[error("the deployment was cancelled")]
    Cancelled,
    /// The command cannot run in the lab's current state (5000), e.g. a node that is
    /// already running; the message says why.
    #[error("{0}")]
    Refused(String),
    /// Docker or another tool refused a node action (5000).
    #[error("{0}")]
    Driver(DriverError),
    /// The user may not see the lab (5403).
    #[error("{}", ErrorCode::NoAccess.message())]
    NoLabAccess,
    /// No open shell has this id (5007).
    #[error("{}", ErrorCode::ShellNotFound.message())]
    ShellNotFound,
    /// The shell is someone else's (5403).
    #[error("access to the provided shell is not granted")]
    NoShellAccess,
    /// The user has as many shells open as allowed (5008).
    #[error("{}", ErrorCode::ShellLimitReached.message())]
    ShellLimit,
    /// The request itself is malformed (5422).
    #[error("{}: {detail}", ErrorCode::InvalidRequest.message())]
    InvalidRequest {
        /// What is wrong with it.
        detail: String,
    },
    /// A fault of this server (5000). Adapters log the cause and send a generic message.
    #[error("internal error: {0}")]
    Internal(#[from] crate::Error),
}

impl LabError {
    /// The protocol error code of this failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            LabError::InvalidId => ErrorCode::InvalidUuid,
            LabError::NotFound => ErrorCode::IdNotFound,
            LabError::NoAccess(_) | LabError::NoLabAccess | LabError::NoShellAccess => {
                ErrorCode::NoAccess
            }
            LabError::ShellNotFound => ErrorCode::ShellNotFound,
            LabError::ShellLimit => ErrorCode::ShellLimitReached,
            LabError::Deploying => ErrorCode::LabDeploying,
            LabError::NotRunning => ErrorCode::LabNotRunning,
            LabError::NodeNotFound => ErrorCode::NodeNotFound,
            LabError::Containerlab(_) | LabError::Cancelled => ErrorCode::ContainerlabFailed,
            LabError::InvalidRequest { .. } => ErrorCode::InvalidRequest,
            LabError::Refused(_) | LabError::Driver(_) | LabError::Internal(_) => {
                ErrorCode::ServerError
            }
        }
    }

    /// Whether this is a fault of the server rather than an answer to the request: its
    /// cause is logged, never sent.
    pub fn is_internal(&self) -> bool {
        matches!(self, LabError::Internal(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cause_has_its_protocol_code_and_message() {
        let cases = [
            (LabError::InvalidId, 5404, "the provided uuid was invalid"),
            (LabError::NotFound, 5005, "the specified uuid was not found"),
            (
                LabError::NoAccess("destroy"),
                5403,
                "destroy access to the provided lab is not granted",
            ),
            (
                LabError::Deploying,
                5002,
                "the specified lab is already being deployed",
            ),
            (
                LabError::NotRunning,
                5003,
                "the specified lab is not running",
            ),
            (
                LabError::NodeNotFound,
                5006,
                "the specified node was not found",
            ),
            (LabError::Cancelled, 5001, "the deployment was cancelled"),
            (
                LabError::Refused("node is already running".into()),
                5000,
                "node is already running",
            ),
        ];
        for (error, code, message) in cases {
            assert_eq!(error.code().code(), code, "{error:?}");
            assert_eq!(error.to_string(), message);
            assert!(!error.is_internal());
        }
        let internal = LabError::from(crate::Error::Task("boom".into()));
        assert_eq!(internal.code().code(), 5000);
        assert!(internal.is_internal());
    }
}
