//! Interactive terminals on nodes: what a shell runs on. A [`Terminal`] is its output as it
//! comes, and a [`TerminalInput`] that writes keystrokes and follows the size. Docker exec
//! with a TTY (`exec.rs`) and SSH (`ssh.rs`) both make one.

use antimony_protocol::TerminalSize;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;

use super::DriverError;

/// An open terminal.
pub struct Terminal {
    /// Output bytes as the node writes them; the stream ends when the remote side does.
    pub output: BoxStream<'static, Result<Bytes, DriverError>>,
    /// Input and size.
    pub input: Box<dyn TerminalInput>,
    /// How it was reached, for logs (`ssh admin@172.20.20.2`, `docker exec /bin/bash`).
    pub via: String,
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Terminal")
            .field("via", &self.via)
            .finish_non_exhaustive()
    }
}

/// The writing side of a terminal.
pub trait TerminalInput: Send {
    /// Writes input (keystrokes, pasted text) as it is.
    fn write(&mut self, bytes: Bytes) -> BoxFuture<'_, Result<(), DriverError>>;
    /// Tells the remote side the terminal's new size.
    fn resize(&mut self, size: TerminalSize) -> BoxFuture<'_, Result<(), DriverError>>;
    /// Ends the session (the remote process gets a hang-up).
    fn close(&mut self) -> BoxFuture<'_, ()>;
}
