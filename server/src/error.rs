//! Why a server operation failed. HTTP handlers turn these into `{code, message}` bodies
//! (see `http::ApiError`); internal causes are logged, never sent.

/// A server error, named by cause.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// Several instances: Redis, the leases, or another instance failed.
    #[error("cluster: {0}")]
    Cluster(String),
    /// SQLite failed.
    #[error("database: {0}")]
    Database(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("database: {}", with_causes(.0))]
    Postgres(#[from] postgres::Error),
    /// The database server cannot be reached (the message names it).
    #[error("{0}")]
    DatabaseUnreachable(String),
    /// A file or directory operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Stored data is not what this server wrote (a corrupt row or file).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// A blocking task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(String),
}

impl Error {
    /// An I/O error with what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// An error's message followed by its causes' (the PostgreSQL client keeps what went wrong,
/// such as "Connection refused" or the server's own message, in the causes).
pub(crate) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let next = inner.to_string();
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = inner.source();
    }
    text
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
