//! Output: aligned tables for people, JSON for scripts, and errors with exit codes.

use antimony_client::Error;
use antimony_client::session::CommandError;
use serde::Serialize;

/// Why a command failed, and which exit code that is.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The exit code (see the crate docs).
    code: u8,
    /// The protocol's error code, when the server gave one.
    server_code: Option<i32>,
    /// What to tell the user.
    message: String,
}

impl Failure {
    /// A local problem (exit code 1).
    pub(crate) fn local(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            server_code: None,
            message: message.into(),
        }
    }

    /// A bad argument (exit code 2).
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            server_code: None,
            message: message.into(),
        }
    }

    /// A login problem (exit code 3).
    pub(crate) fn login(message: impl Into<String>) -> Self {
        Failure {
            code: 3,
            server_code: None,
            message: message.into(),
        }
    }

    /// The server refused (exit code 4).
    pub(crate) fn refused(server_code: Option<i32>, message: impl Into<String>) -> Self {
        Failure {
            code: 4,
            server_code,
            message: message.into(),
        }
    }

    /// The server is out of reach (exit code 5).
    pub(crate) fn unreachable(message: impl Into<String>) -> Self {
        Failure {
            code: 5,
            server_code: None,
            message: message.into(),
        }
    }

    /// The same failure, its message prefixed with what was being done.
    pub(crate) fn context(mut self, doing: &str) -> Self {
        self.message = format!("{doing}: {}", self.message);
        self
    }

    /// A lab command's failure.
    pub(crate) fn command(doing: &str, error: &CommandError) -> Self {
        match error {
            CommandError::Refused(body) => Failure::refused(
                Some(body.code),
                format!("{doing}: {} (code {})", body.message, body.code),
            ),
            CommandError::Timeout(_) => Failure::unreachable(format!("{doing}: {error}")),
            CommandError::NotConnected => Failure::unreachable(format!(
                "{doing}: {error} (is the server running, and is the login still valid?)"
            )),
        }
    }

    pub(crate) fn exit_code(&self) -> u8 {
        self.code
    }

    /// Prints the failure to stderr (as JSON with `--json`).
    pub(crate) fn print(&self, json: bool) {
        if json {
            let body = serde_json::json!({
                "error": {
                    "exitCode": self.code,
                    "code": self.server_code,
                    "message": self.message,
                }
            });
            eprintln!("{body}");
        } else {
            eprintln!("error: {}", self.message);
        }
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        match &error {
            Error::Api { status, body } => Failure::refused(
                Some(body.code),
                format!("{} (HTTP {status}, code {})", body.message, body.code),
            ),
            Error::NotLoggedIn { .. } => Failure::login(format!(
                "{error}. Log in with `antimony login`, or pass --user and --password-stdin \
                 (ANTIMONY_USER, ANTIMONY_PASSWORD)"
            )),
            Error::Unreachable { .. } | Error::Certificate { .. } | Error::NotAntimony { .. } => {
                Failure::unreachable(error.to_string())
            }
            Error::Unsupported(_) => Failure::refused(None, error.to_string()),
            Error::Topology(_) => Failure::usage(error.to_string()),
            Error::Protocol(_) | Error::Keychain(_) | Error::Profile(_) | Error::Io { .. } => {
                Failure::local(error.to_string())
            }
        }
    }
}

/// Prints a value as one line of JSON.
pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string(value).map_err(|e| Failure::local(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// Prints rows as a table with aligned columns; the last column is not padded.
pub(crate) fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let columns = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.zip(&widths).enumerate() {
            if i + 1 == columns {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        println!("{}", text.trim_end());
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
}

/// A time as people read it: `2026-11-28 09:30 UTC`.
pub(crate) fn time(timestamp: &antimony_protocol::Timestamp) -> String {
    let t: time::OffsetDateTime = (*timestamp).into();
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// A lab state as a word.
pub(crate) fn state(state: antimony_protocol::rest::InstanceState) -> &'static str {
    use antimony_protocol::rest::InstanceState;
    match state {
        InstanceState::Inactive => "inactive",
        InstanceState::Scheduled => "scheduled",
        InstanceState::Deploying => "deploying",
        InstanceState::Running => "running",
        InstanceState::Stopping => "stopping",
        InstanceState::Failed => "failed",
    }
}
