//! A shell attached to a terminal: its output (each byte once, across reconnects), its
//! input, its size, and why it ended.

use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::{TerminalSize, event};
use serde_json::Value;
use tokio::sync::mpsc;

use super::connection::Connection;
use super::deliver::Kind;
use super::{ClientEvent, CommandError, ConnectionState, EventSink, Request};
use crate::rest::RestClient;

/// How long a resize may wait for the server's ack. Servers without the `resize` extension
/// (the Go server) never answer.
const RESIZE_ACK: Duration = Duration::from_secs(3);

/// How long input and sizes given to a handle that has not connected yet wait for its first
/// connection (a view types and sends its size as soon as it is attached).
const FIRST_CONNECTION: Duration = Duration::from_secs(10);

/// What happens to an attached shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellEvent {
    /// Output, in order; after a reconnect only what was not shown yet.
    Output(String),
    /// Output written while the terminal was away and no longer kept by the server, in bytes.
    Missed(u64),
    /// The shell's connection changed state.
    Connection(ConnectionState),
    /// The shell ended; the reason (the server's, e.g. `User closed the shell`).
    Closed(String),
}

/// Whether the server followed a resize.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resized {
    /// It did.
    Yes,
    /// The server has no `resize` (the Go server): the terminal keeps the server's size.
    Unsupported,
}

/// An attached shell. Dropping it detaches (the shell keeps running on the server).
#[derive(Debug)]
pub struct ShellHandle {
    id: String,
    connection: Connection,
    events: mpsc::UnboundedReceiver<ShellEvent>,
    session: mpsc::WeakUnboundedSender<Request>,
}

impl ShellHandle {
    /// Connects to `/shells/<id>`; events go to the handle.
    pub(super) fn attach(
        rest: Arc<RestClient>,
        id: &str,
        session: &mpsc::UnboundedSender<Request>,
    ) -> Self {
        let (tx, events) = mpsc::unbounded_channel();
        let _ = session.send(Request::AttachShell(id.to_owned(), tx.clone()));
        let sink: EventSink = Arc::new(move |event| {
            let shell_event = match event {
                ClientEvent::Shell { event, .. } => event,
                ClientEvent::Connection { state, .. } => ShellEvent::Connection(state),
                _ => return,
            };
            let _ = tx.send(shell_event);
        });
        let path = antimony_protocol::Namespace::shell(id).path();
        ShellHandle {
            id: id.to_owned(),
            connection: Connection::spawn(rest, path, Kind::Shell, sink),
            events,
            session: session.downgrade(),
        }
    }

    /// The shell's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The next event; `None` once the handle's connection is gone.
    pub async fn next(&mut self) -> Option<ShellEvent> {
        self.events.recv().await
    }

    /// An event that is already there, without waiting.
    pub fn try_next(&mut self) -> Option<ShellEvent> {
        self.events.try_recv().ok()
    }

    /// Sends input (keystrokes, pasted text) as it is, a large paste in pieces of at most
    /// [`INPUT_CHUNK`] bytes (servers bound one message). A handle just attached waits for
    /// its first connection (up to 10 s); after that, input fails while the shell is not
    /// connected (input typed then is lost, as on a dropped SSH session).
    pub async fn input(&self, text: impl Into<String>) -> Result<(), CommandError> {
        let text = text.into();
        self.connection.first_connection(FIRST_CONNECTION).await;
        for piece in input_pieces(&text) {
            self.connection
                .emit(event::DATA, Value::String(piece.to_owned()))
                .await?;
        }
        Ok(())
    }

    /// Tells the server the terminal's size (a handle just attached waits for its first
    /// connection first, as [`ShellHandle::input`] does).
    pub async fn resize(&self, size: TerminalSize) -> Result<Resized, CommandError> {
        let value = serde_json::to_value(size).unwrap_or_default();
        self.connection.first_connection(FIRST_CONNECTION).await;
        match self
            .connection
            .emit_with_ack(event::RESIZE, value, RESIZE_ACK)
            .await
        {
            Ok(_) => Ok(Resized::Yes),
            Err(CommandError::Timeout(_)) => Ok(Resized::Unsupported),
            Err(error) => Err(error),
        }
    }

    /// Waits until the shell's namespace is connected (at most `within`).
    pub async fn connected(&self, within: Duration) -> bool {
        self.connection.wait_connected(within).await
    }
}

/// The largest piece of input sent in one message (antimony-server takes up to 256 KiB).
pub(crate) const INPUT_CHUNK: usize = 32 * 1024;

/// `text` in pieces of at most [`INPUT_CHUNK`] bytes, cut at character boundaries (one piece,
/// possibly empty, for short input).
fn input_pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > INPUT_CHUNK {
        let mut cut = INPUT_CHUNK;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (piece, tail) = rest.split_at(cut);
        pieces.push(piece);
        rest = tail;
    }
    pieces.push(rest);
    pieces
}

impl Drop for ShellHandle {
    fn drop(&mut self) {
        if let Some(session) = self.session.upgrade() {
            let _ = session.send(Request::DetachShell(self.id.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_input_goes_in_whole_characters_of_bounded_pieces() {
        assert_eq!(input_pieces("ls\r"), vec!["ls\r"]);
        assert_eq!(input_pieces(""), vec![""]);
        let paste = "a€".repeat(20_000);
        let pieces = input_pieces(&paste);
        assert!(pieces.len() > 1);
        assert!(
            pieces
                .iter()
                .all(|p| p.len() <= INPUT_CHUNK && !p.is_empty())
        );
        assert_eq!(pieces.concat(), paste);
    }
}
