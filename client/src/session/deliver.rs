//! What a namespace connection makes of the events it receives: status messages, lab
//! updates and shell notices as they are; log lines and shell output through a cursor, so
//! that after a reconnect nothing is delivered twice. (A log's events are read by `logwire`.)

use antimony_protocol::{
    BacklogPosition, LabUpdate, Namespace, ShellCommandData, StatusMessage, decode_event, event,
};
use serde_json::Value;

use super::{ClientEvent, EventSink, ShellEvent};
use crate::logsync::LogCursor;

/// What a namespace's task delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Status,
    Updates,
    Commands,
    ShellCommands,
    Logs,
    /// `/shells/<id>`: a shell that is gone is refused with `Invalid namespace`, which ends
    /// the connection (logs are retried: theirs exist once the lab deploys).
    Shell,
}

/// The delivery state of one connection.
#[derive(Debug)]
pub(super) enum Stream {
    /// Nothing to reconcile (status messages, lab updates, commands, shell notices).
    Plain,
    /// A shell: its id and cursor.
    Shell(String, ShellCursor),
}

impl Stream {
    pub(super) fn for_kind(kind: Kind, path: &str) -> Self {
        match (kind, Namespace::parse(path)) {
            (Kind::Shell, Ok(Namespace::Shell { shell_id })) => {
                Stream::Shell(shell_id, ShellCursor::default())
            }
            _ => Stream::Plain,
        }
    }

    /// Delivers events received together, in order.
    pub(super) fn deliver_all(
        &mut self,
        kind: Kind,
        received: Vec<(String, Vec<Value>)>,
        events: &EventSink,
    ) {
        for (name, args) in received {
            self.deliver(kind, &name, args, events);
        }
    }

    /// Turns a received event into [`ClientEvent`]s for the sink.
    fn deliver(&mut self, kind: Kind, name: &str, mut args: Vec<Value>, events: &EventSink) {
        let first = if args.is_empty() {
            Value::Null
        } else {
            args.remove(0)
        };
        let event = match (self, kind, name) {
            (_, Kind::Status, event::DATA) => decode_event::<StatusMessage>(&first)
                .ok()
                .map(ClientEvent::Status),
            (_, Kind::Updates, event::DATA) => decode_event::<LabUpdate>(&first)
                .ok()
                .map(ClientEvent::LabUpdate),
            (_, Kind::ShellCommands, event::DATA) => decode_event::<ShellCommandData>(&first)
                .ok()
                .map(ClientEvent::ShellNotice),
            (Stream::Shell(id, cursor), _, event::BACKLOG) => {
                let chunks: Vec<String> = serde_json::from_value(first).unwrap_or_default();
                let position = args
                    .first()
                    .and_then(|p| serde_json::from_value::<BacklogPosition>(p.clone()).ok());
                let (missed, text) = cursor.on_backlog(&chunks, position);
                if missed > 0 {
                    events(ClientEvent::Shell {
                        shell_id: id.clone(),
                        event: ShellEvent::Missed(missed),
                    });
                }
                (!text.is_empty()).then(|| ClientEvent::Shell {
                    shell_id: id.clone(),
                    event: ShellEvent::Output(text),
                })
            }
            (Stream::Shell(id, _), _, event::CLOSED) => Some(ClientEvent::Shell {
                shell_id: id.clone(),
                event: ShellEvent::Closed(
                    first
                        .get("reason")
                        .and_then(Value::as_str)
                        .unwrap_or("the shell ended")
                        .to_owned(),
                ),
            }),
            (Stream::Shell(id, cursor), _, event::DATA) => match first {
                Value::String(text) => {
                    cursor.received += text.len() as u64;
                    Some(ClientEvent::Shell {
                        shell_id: id.clone(),
                        event: ShellEvent::Output(text),
                    })
                }
                _ => None,
            },
            _ => None,
        };
        if let Some(event) = event {
            events(event);
        }
    }

    /// The namespace is gone for good: a shell says it ended.
    pub(super) fn gone(&self, events: &EventSink) {
        if let Stream::Shell(id, _) = self {
            events(ClientEvent::Shell {
                shell_id: id.clone(),
                event: ShellEvent::Closed("the shell no longer exists".into()),
            });
        }
    }
}

/// The delivery state of a log stream: its path and cursor.
#[derive(Debug)]
pub(super) struct LogDelivery {
    path: String,
    cursor: LogCursor,
}

impl LogDelivery {
    pub(super) fn new(path: &str) -> Self {
        LogDelivery {
            path: path.to_owned(),
            cursor: LogCursor::default(),
        }
    }

    /// Delivers what is new in a backlog (sent on every connect).
    pub(super) fn backlog(&mut self, lines: Vec<String>, events: &EventSink) {
        let reconciled = self.cursor.on_backlog(lines);
        events(ClientEvent::LogLines {
            namespace: self.path.clone(),
            lines: reconciled.lines,
            missed: reconciled.missed,
            restarted: reconciled.restarted,
        });
    }

    /// Delivers live lines as one event.
    pub(super) fn lines(&mut self, lines: Vec<String>, events: &EventSink) {
        self.lines_after_gap(0, lines, events);
    }

    /// Delivers live lines after `dropped` older ones that were not read (a batch over the
    /// reader's cap): those count as delivered, and are reported missed.
    pub(super) fn lines_after_gap(&mut self, dropped: u64, lines: Vec<String>, events: &EventSink) {
        self.cursor.on_skipped(dropped);
        if !lines.is_empty() || dropped > 0 {
            events(ClientEvent::LogLines {
                namespace: self.path.clone(),
                lines: self.cursor.on_lines(lines),
                missed: dropped,
                restarted: false,
            });
        }
    }
}

/// How much of a shell's output has been delivered, in bytes.
///
/// A shell namespace sends its backlog on every connect. antimony-server says where the
/// backlog starts in the output (the `backlog` event's second argument, [`BacklogPosition`]);
/// other servers send the whole output since the shell opened (start 0). So after a
/// reconnect, the first `received - start` bytes of the backlog were shown already; if the
/// backlog starts after `received`, the bytes between were trimmed while away.
#[derive(Debug, Clone, Default)]
pub(super) struct ShellCursor {
    received: u64,
}

impl ShellCursor {
    /// The new part of a backlog, and how many bytes were missed before it.
    fn on_backlog(
        &mut self,
        chunks: &[String],
        position: Option<BacklogPosition>,
    ) -> (u64, String) {
        let text: String = chunks.concat();
        let start = position.map_or(0, |p| p.start);
        let end = start + text.len() as u64;
        if end < self.received {
            // The output is shorter than what was shown: not the same shell's any more.
            self.received = end;
            return (0, text);
        }
        let (missed, skip) = if self.received >= start {
            (
                0,
                usize::try_from(self.received - start).unwrap_or(usize::MAX),
            )
        } else {
            (self.received.abs_diff(start), 0)
        };
        self.received = end;
        // Skip to a character boundary (the server cuts chunks at boundaries; this is a guard).
        let skip = (skip..=text.len())
            .find(|i| text.is_char_boundary(*i))
            .unwrap_or(text.len());
        (missed, text.get(skip..).unwrap_or_default().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(start: u64, end: u64) -> Option<BacklogPosition> {
        Some(BacklogPosition { start, end })
    }

    #[test]
    fn a_reconnect_shows_only_what_is_new() {
        let mut cursor = ShellCursor::default();
        assert_eq!(
            cursor.on_backlog(&["ab".into(), "c".into()], position(0, 3)),
            (0, "abc".into())
        );
        cursor.received += 2; // "de" arrived live
        // The backlog now holds the whole output again, plus "f" written while away.
        assert_eq!(
            cursor.on_backlog(&["abcde".into(), "f".into()], position(0, 6)),
            (0, "f".into())
        );
    }

    #[test]
    fn a_trimmed_backlog_reports_what_was_missed() {
        let mut cursor = ShellCursor::default();
        cursor.on_backlog(&["hello".into()], position(0, 5));
        // While away the output grew to 30 bytes and only the last 10 are kept.
        let (missed, text) = cursor.on_backlog(&["0123456789".into()], position(20, 30));
        assert_eq!((missed, text.as_str()), (15, "0123456789"));
        // Again, with nothing new: nothing shown.
        assert_eq!(
            cursor.on_backlog(&["0123456789".into()], position(20, 30)),
            (0, String::new())
        );
    }

    #[test]
    fn servers_without_a_position_send_everything_since_the_shell_opened() {
        let mut cursor = ShellCursor::default();
        cursor.on_backlog(&["$ ".into()], None);
        cursor.received += "ls\r\n".len() as u64;
        assert_eq!(
            cursor.on_backlog(&["$ ls\r\n".into(), "a b\r\n".into()], None),
            (0, "a b\r\n".into())
        );
    }

    #[test]
    fn multi_byte_characters_are_never_cut() {
        let mut cursor = ShellCursor::default();
        cursor.on_backlog(&["€".into()], position(0, 3));
        cursor.received -= 1; // a count inside a character (never happens with our server)
        let (_, text) = cursor.on_backlog(&["€ü".into()], position(0, 5));
        assert_eq!(text, "ü");
    }
}
