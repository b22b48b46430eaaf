//! Interactive shells (PROTOCOL.md §5.5, §5.6): what `/shells/<shellId>` carries beyond raw
//! strings, and the reasons a shell closes.
//!
//! Two extensions of antimony-server, both invisible to clients that do not use them (the
//! official web UI): the `resize` event ([`TerminalSize`]), and a second argument of the
//! `backlog` event ([`BacklogPosition`]) that says where the backlog starts in the shell's
//! output, so a client that reconnects shows nothing twice.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The size of a terminal, as the `resize` event carries it: `{"rows": …, "cols": …}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
pub struct TerminalSize {
    /// Rows (lines), 1 to [`TerminalSize::MAX`].
    pub rows: u16,
    /// Columns, 1 to [`TerminalSize::MAX`].
    pub cols: u16,
}

impl TerminalSize {
    /// The largest number of rows or columns accepted.
    pub const MAX: u16 = 1000;

    /// The size a shell opens with: the official web UI's fixed terminal (and the Go server's
    /// SSH PTY), 25 rows by 130 columns.
    pub const DEFAULT: TerminalSize = TerminalSize {
        rows: 25,
        cols: 130,
    };

    /// A checked size.
    pub fn new(rows: u16, cols: u16) -> Result<Self> {
        let valid = |n: u16| (1..=Self::MAX).contains(&n);
        if valid(rows) && valid(cols) {
            Ok(TerminalSize { rows, cols })
        } else {
            Err(Error::InvalidValue(format!(
                "a terminal has 1 to {} rows and columns, not {rows}×{cols}",
                Self::MAX
            )))
        }
    }

    /// Decodes the `resize` event's argument: an object with integer `rows` and `cols`, both
    /// 1 to 1000. Anything else is an error (the server acks it 5422 when asked).
    pub fn from_wire(value: &serde_json::Value) -> Result<Self> {
        let field = |name: &str| {
            value
                .get(name)
                .and_then(serde_json::Value::as_u64)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| {
                    Error::InvalidValue(format!("`{name}` must be an integer from 1 to 1000"))
                })
        };
        if !value.is_object() {
            return Err(Error::wrong_type("an object {rows, cols}", value));
        }
        TerminalSize::new(field("rows")?, field("cols")?)
    }
}

/// The second argument of antimony-server's `backlog` event on a shell: where the backlog's
/// first chunk sits in the shell's output (in bytes of UTF-8), and where its last one ends.
/// Servers without it (the Go server) send the whole output since the shell opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct BacklogPosition {
    /// The output offset of the backlog's first byte.
    #[ts(type = "number")]
    pub start: u64,
    /// The output offset after its last byte.
    #[ts(type = "number")]
    pub end: u64,
}

/// Why a shell closed: the `message` of a `/shell-commands` Close notification.
pub mod close_reason {
    /// CloseShell by its owner or an admin.
    pub const CLOSED_BY_USER: &str = "shell was closed by the user";
    /// The remote side ended (e.g. `exit`).
    pub const REMOTE_CLOSED: &str = "User closed the shell";
    /// The node was stopped or restarted, or the lab destroyed or redeployed.
    pub const NODE_STOPPED: &str = "the shell's node has been stopped";
    /// No input for `shell.timeout` seconds.
    pub const INACTIVE: &str = "shell was inactive for too long";
    /// The server shut down (antimony-server).
    pub const SERVER_STOPPING: &str = "the server is shutting down";
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sizes_are_checked() {
        assert_eq!(
            TerminalSize::from_wire(&json!({"rows": 40, "cols": 120})).unwrap(),
            TerminalSize {
                rows: 40,
                cols: 120
            }
        );
        for bad in [
            json!({"rows": 0, "cols": 80}),
            json!({"rows": 24, "cols": 1001}),
            json!({"rows": -1, "cols": 80}),
            json!({"rows": 24.5, "cols": 80}),
            json!({"rows": "24", "cols": 80}),
            json!({"rows": 70000, "cols": 80}),
            json!({"cols": 80}),
            json!([24, 80]),
            json!("24x80"),
        ] {
            assert!(TerminalSize::from_wire(&bad).is_err(), "{bad}");
        }
    }
}
