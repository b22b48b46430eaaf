//! Socket.IO namespace and event names, and the `connect_error` texts (PROTOCOL.md §3.5, §5.3).

use std::fmt;

use crate::{Error, Result};

/// Event names. Every Antimony namespace uses `data`; log and shell namespaces also send
/// `backlog` once on connect.
pub mod event {
    /// The one event of every namespace, in both directions.
    pub const DATA: &str = "data";
    /// All stored messages of a log or shell namespace, as one array argument, sent on connect.
    pub const BACKLOG: &str = "backlog";
    /// antimony-server's extension on `/shells/<id>`: the client's terminal size
    /// (`TerminalSize`). Other servers ignore it.
    pub const RESIZE: &str = "resize";
    /// antimony-server's extension on `/shells/<id>`: the shell ended, `{"reason": …}` (the
    /// same reason as the `/shell-commands` Close notice). The socket stays connected (input
    /// is then answered 5007, as on the Go server).
    pub const CLOSED: &str = "closed";
    /// antimony-server's extension on log namespaces, for a client that asked for it at
    /// connect time ([`LOG_BATCH_AUTH`](crate::LOG_BATCH_AUTH)): several new lines as one
    /// array argument, in order, instead of one `data` event per line.
    pub const LINES: &str = "lines";
}

/// The key of the CONNECT packet's `auth` object (next to `token`) with which a client asks
/// antimony-server for batched log lines (`"logBatch": true`): new lines of a log namespace
/// then come as [`event::LINES`] arrays. Other servers ignore the key and send `data` per line.
pub const LOG_BATCH_AUTH: &str = "logBatch";

/// The fixed namespace paths.
pub mod namespace {
    /// Status messages, server to client, wrapped.
    pub const STATUS_MESSAGES: &str = "/status-messages";
    /// Lab updates, server to client, wrapped.
    pub const LAB_UPDATES: &str = "/lab-updates";
    /// Lab commands, client to server, with ack.
    pub const LAB_COMMANDS: &str = "/lab-commands";
    /// Shell notifications, server to client, wrapped.
    pub const SHELL_COMMANDS: &str = "/shell-commands";
    /// Prefix of the lab and node log namespaces.
    pub const LOGS_PREFIX: &str = "/logs/";
    /// Prefix of the shell namespaces.
    pub const SHELLS_PREFIX: &str = "/shells/";
}

/// The longest id segment a namespace may carry; real ids are 12 to 36 characters.
const MAX_SEGMENT_LEN: usize = 128;

/// An Antimony Socket.IO namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Namespace {
    /// `/status-messages`
    StatusMessages,
    /// `/lab-updates`
    LabUpdates,
    /// `/lab-commands`
    LabCommands,
    /// `/shell-commands`
    ShellCommands,
    /// `/logs/<labId>`: a lab's deployment log.
    LabLogs {
        /// The lab id.
        lab_id: String,
    },
    /// `/logs/<labId>/<containerId>`: one container's log.
    NodeLogs {
        /// The lab id.
        lab_id: String,
        /// The 12-character short Docker container id (not the node name).
        container_id: String,
    },
    /// `/shells/<shellId>`: an interactive shell.
    Shell {
        /// The shell id.
        shell_id: String,
    },
}

impl Namespace {
    /// The lab log namespace of a lab.
    pub fn lab_logs(lab_id: impl Into<String>) -> Self {
        Namespace::LabLogs {
            lab_id: lab_id.into(),
        }
    }

    /// The node log namespace of a container.
    pub fn node_logs(lab_id: impl Into<String>, container_id: impl Into<String>) -> Self {
        Namespace::NodeLogs {
            lab_id: lab_id.into(),
            container_id: container_id.into(),
        }
    }

    /// The namespace of a shell.
    pub fn shell(shell_id: impl Into<String>) -> Self {
        Namespace::Shell {
            shell_id: shell_id.into(),
        }
    }

    /// The path, e.g. `/logs/<labId>`.
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Parses a namespace path. Dynamic segments must be non-empty, at most 128 bytes, and
    /// free of `/`, whitespace and control characters; ids are otherwise not validated here.
    pub fn parse(path: &str) -> Result<Self> {
        let invalid = || Error::InvalidNamespace(short(path));
        match path {
            namespace::STATUS_MESSAGES => return Ok(Namespace::StatusMessages),
            namespace::LAB_UPDATES => return Ok(Namespace::LabUpdates),
            namespace::LAB_COMMANDS => return Ok(Namespace::LabCommands),
            namespace::SHELL_COMMANDS => return Ok(Namespace::ShellCommands),
            _ => {}
        }
        if let Some(rest) = path.strip_prefix(namespace::LOGS_PREFIX) {
            let mut segments = rest.split('/');
            return match (segments.next(), segments.next(), segments.next()) {
                (Some(lab), None, None) if valid_segment(lab) => Ok(Namespace::lab_logs(lab)),
                (Some(lab), Some(container), None)
                    if valid_segment(lab) && valid_segment(container) =>
                {
                    Ok(Namespace::node_logs(lab, container))
                }
                _ => Err(invalid()),
            };
        }
        if let Some(shell) = path.strip_prefix(namespace::SHELLS_PREFIX)
            && valid_segment(shell)
        {
            return Ok(Namespace::shell(shell));
        }
        Err(invalid())
    }

    /// Whether clients may only listen here (sending `data` is a protocol violation).
    pub fn is_output_only(&self) -> bool {
        !matches!(self, Namespace::LabCommands | Namespace::Shell { .. })
    }

    /// Whether the server sends a `backlog` on connect.
    pub fn has_backlog(&self) -> bool {
        matches!(
            self,
            Namespace::LabLogs { .. } | Namespace::NodeLogs { .. } | Namespace::Shell { .. }
        )
    }

    /// Whether `data` from the server is wrapped in `{payload}` (else it is a raw string).
    pub fn is_wrapped(&self) -> bool {
        matches!(
            self,
            Namespace::StatusMessages | Namespace::LabUpdates | Namespace::ShellCommands
        )
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Namespace::StatusMessages => f.write_str(namespace::STATUS_MESSAGES),
            Namespace::LabUpdates => f.write_str(namespace::LAB_UPDATES),
            Namespace::LabCommands => f.write_str(namespace::LAB_COMMANDS),
            Namespace::ShellCommands => f.write_str(namespace::SHELL_COMMANDS),
            Namespace::LabLogs { lab_id } => write!(f, "{}{lab_id}", namespace::LOGS_PREFIX),
            Namespace::NodeLogs {
                lab_id,
                container_id,
            } => {
                write!(f, "{}{lab_id}/{container_id}", namespace::LOGS_PREFIX)
            }
            Namespace::Shell { shell_id } => write!(f, "{}{shell_id}", namespace::SHELLS_PREFIX),
        }
    }
}

impl std::str::FromStr for Namespace {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Namespace::parse(s)
    }
}

fn valid_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment.len() <= MAX_SEGMENT_LEN
        && !segment
            .chars()
            .any(|c| c == '/' || c.is_whitespace() || c.is_control())
}

fn short(path: &str) -> String {
    path.chars().take(MAX_SEGMENT_LEN * 2).collect()
}

/// Why a server refused a namespace connection: the exact `connect_error` message texts
/// (socket.io-client shows them as `err.message`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectError {
    /// No auth object, or its `token` is missing or not a string.
    Unauthorized,
    /// The token is invalid or expired, or its user is unknown: refresh and reconnect.
    InvalidToken,
    /// The user may not join this namespace.
    NoAccess,
    /// The namespace does not exist (yet): for logs, the lab has no instance.
    InvalidNamespace,
}

impl ConnectError {
    /// Every variant.
    pub const ALL: &'static [ConnectError] = &[
        ConnectError::Unauthorized,
        ConnectError::InvalidToken,
        ConnectError::NoAccess,
        ConnectError::InvalidNamespace,
    ];

    /// The exact message text.
    pub const fn message(self) -> &'static str {
        match self {
            ConnectError::Unauthorized => "Unauthorized",
            ConnectError::InvalidToken => "Invalid Token",
            ConnectError::NoAccess => "No Access",
            ConnectError::InvalidNamespace => "Invalid namespace",
        }
    }

    /// Recognises a `connect_error` message.
    pub fn from_message(message: &str) -> Option<Self> {
        ConnectError::ALL
            .iter()
            .copied()
            .find(|e| e.message() == message)
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for ConnectError {}
