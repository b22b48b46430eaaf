//! What a namespace connection makes of the events it receives: status messages, lab
//! updates and shell notices as they are; log lines and shell output through a cursor, so
//! that after a reconnect nothing is delivered twice.

use antimony_protocol::{
    BacklogPosition, LabUpdate, Namespace, ShellCommandData, StatusMessage, decode_event, event,
};
use serde_json::Value;

use super::{ClientEvent, EventSink, ShellEvent};
use crate::logsync::LogCursor;

/// The most live lines of a log delivered as one event (about what a webview renders in a
/// frame; a `lines` batch of the server, at most 256, is never split).
const MAX_DELIVERY: usize = 1024;

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
    /// A log: its path and cursor.
    Log(String, LogCursor),
    /// A shell: its id and cursor.
    Shell(String, ShellCursor),
}

impl Stream {
    pub(super) fn for_kind(kind: Kind, path: &str) -> Self {
        match (kind, Namespace::parse(path)) {
            (Kind::Logs, _) => Stream::Log(path.to_owned(), LogCursor::default()),
            (Kind::Shell, Ok(Namespace::Shell { shell_id })) => {
                Stream::Shell(shell_id, ShellCursor::default())
            }
            _ => Stream::Plain,
        }
    }

    /// Delivers events received together. A log's consecutive lines (`data` lines and
    /// `lines` batches alike) become one [`ClientEvent::LogLines`]; anything else is delivered
    /// in its place, in order.
    pub(super) fn deliver_all(
        &mut self,
        kind: Kind,
        received: Vec<(String, Vec<Value>)>,
        events: &EventSink,
    ) {
        if !matches!(self, Stream::Log(..)) {
            for (name, args) in received {
                self.deliver(kind, &name, args, events);
            }
            return;
        }
        let mut lines: Vec<String> = Vec::new();
        for (name, args) in received {
            if name != event::DATA && name != event::LINES {
                self.flush_lines(&mut lines, events);
                self.deliver(kind, &name, args, events);
                continue;
            }
            if lines.len() >= MAX_DELIVERY {
                self.flush_lines(&mut lines, events);
            }
            match args.into_iter().next() {
                Some(Value::String(line)) if name == event::DATA => lines.push(line),
                Some(Value::Array(batch)) if name == event::LINES => {
                    lines.extend(batch.into_iter().filter_map(|v| match v {
                        Value::String(line) => Some(line),
                        _ => None,
                    }));
                }
                _ => {}
            }
        }
        self.flush_lines(&mut lines, events);
    }

    /// Delivers a log's gathered live lines as one event.
    fn flush_lines(&mut self, lines: &mut Vec<String>, events: &EventSink) {
        if let Stream::Log(path, cursor) = self
            && !lines.is_empty()
        {
            events(ClientEvent::LogLines {
                namespace: path.clone(),
                lines: cursor.on_lines(std::mem::take(lines)),
                missed: 0,
                restarted: false,
            });
        }
    }

    /// Turns a received event into [`ClientEvent`]s for the sink (a log's live lines are
    /// gathered by [`deliver_all`](Self::deliver_all) and never come here).
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
            (Stream::Log(path, cursor), _, event::BACKLOG) => {
                let lines: Vec<String> = serde_json::from_value(first).unwrap_or_default();
                let reconciled = cursor.on_backlog(lines);
                Some(ClientEvent::LogLines {
                    namespace: path.clone(),
                    lines: reconciled.lines,
                    missed: reconciled.missed,
                    restarted: reconciled.restarted,
                })
            }
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

    #[test]
    fn lines_received_together_are_one_delivery_in_order() {
        use std::sync::{Arc, Mutex};
        let seen: Arc<Mutex<Vec<ClientEvent>>> = Arc::default();
        let sink: EventSink = {
            let seen = Arc::clone(&seen);
            Arc::new(move |event| seen.lock().unwrap().push(event))
        };
        let path = "/logs/0c6d1f8a-2b7d-11f0-9a3e-0242ac120002";
        let mut stream = Stream::for_kind(Kind::Logs, path);
        let data = |line: &str| (event::DATA.to_owned(), vec![Value::from(line)]);
        let batch = |lines: &[&str]| (event::LINES.to_owned(), vec![Value::from(lines.to_vec())]);
        stream.deliver_all(
            Kind::Logs,
            vec![
                (event::BACKLOG.to_owned(), vec![Value::from(vec!["a"])]),
                data("b"),
                batch(&["c", "d"]),
                (event::DATA.to_owned(), vec![Value::from(7)]), // not a line: skipped
                data("e"),
                // A backlog in between (a reconnect) ends the gathered lines.
                (
                    event::BACKLOG.to_owned(),
                    vec![Value::from(vec!["a", "b", "c", "d", "e", "f"])],
                ),
                batch(&["g"]),
            ],
            &sink,
        );
        let delivered: Vec<Vec<String>> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|event| match event {
                ClientEvent::LogLines { lines, .. } => lines.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            delivered,
            [vec!["a"], vec!["b", "c", "d", "e"], vec!["f"], vec!["g"]]
        );
    }
}
