//! Why a client operation failed; the UI branches on [`Error::code`].

use antimony_protocol::{ErrorBody, ErrorCode};

/// A client error, named by cause.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an error body.
    #[error("{status}: {body}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// The server's `{code, message}`.
        body: ErrorBody,
    },
    /// Not logged in, or the login expired and could not be renewed: log in again.
    #[error("not logged in to {server}: {reason}")]
    NotLoggedIn {
        /// The server's origin.
        server: String,
        /// What happened.
        reason: String,
    },
    /// The server could not be reached or answered something that is not HTTP.
    #[error("cannot reach {server}: {reason}")]
    Unreachable {
        /// The server's origin.
        server: String,
        /// The transport error.
        reason: String,
    },
    /// The server's TLS certificate is not trusted (or is not the pinned one).
    #[error("the certificate of {server} is not trusted: {reason}")]
    Certificate {
        /// The server's origin.
        server: String,
        /// Why.
        reason: String,
    },
    /// Nothing at the address answers Antimony's login configuration.
    #[error(
        "{server} is not an Antimony server: neither {tried} answered Antimony's login configuration"
    )]
    NotAntimony {
        /// The address.
        server: String,
        /// The URLs asked.
        tried: String,
    },
    /// The server answered something this client does not understand.
    #[error("unexpected answer from the server: {0}")]
    Protocol(String),
    /// The OS keychain is unavailable or refused (there is no fallback to a file).
    #[error("keychain: {0}")]
    Keychain(String),
    /// A profile or the profile file is unusable.
    #[error("profile: {0}")]
    Profile(String),
    /// The server cannot do this safely: the Go server hangs for good on a change to a lab
    /// that is deployed (PROTOCOL.md §4.3), so this client does not send it there.
    #[error("not supported by this server: {0}")]
    Unsupported(String),
    /// A file cannot be imported as a topology.
    #[error(transparent)]
    Topology(#[from] crate::import::FileProblem),
    /// A local file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
}

impl Error {
    /// The protocol error code, for the UI to branch on: the server's code for API errors,
    /// 401 when a login is needed, and -1 otherwise.
    pub fn code(&self) -> i32 {
        match self {
            Error::Api { body, .. } => body.code,
            Error::NotLoggedIn { .. } => ErrorCode::Unauthorized.code(),
            _ => ErrorCode::Unexpected.code(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
