//! The Socket.IO packets a log connection takes, parsed without building JSON values.

use std::collections::VecDeque;
use std::fmt;

use antimony_protocol::event;
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde_json::Value;

use super::Incoming;
use crate::logsync::{marker_line, trim_marker};

/// The most lines one message is read into: what a log view holds. A hostile server could
/// otherwise make a 64 MiB message of one-character lines cost ten times that as strings. Over
/// it, the oldest lines are dropped and reported as missed.
pub(super) const MAX_MESSAGE_LINES: usize = 200_000;

/// A Socket.IO packet of namespace `namespace`, if it is one a log connection uses.
pub(super) fn socketio_packet(packet: &str, namespace: &str) -> Option<Incoming> {
    let kind = *packet.as_bytes().first()?;
    let rest = packet.get(1..)?;
    // Our namespace, then `,` before a payload (none for a bare DISCONNECT).
    let rest = rest.strip_prefix(namespace)?;
    let payload = match rest.strip_prefix(',') {
        Some(payload) => payload,
        None if rest.is_empty() => "",
        None => return None,
    };
    match kind {
        b'0' => Some(Incoming::Connected),
        b'1' => Some(Incoming::Closed),
        b'2' => {
            // An ack id (never asked for by a log connection) precedes the array.
            let payload = payload.trim_start_matches(|c: char| c.is_ascii_digit());
            event_packet(payload)
        }
        b'4' => Some(Incoming::Refused(refusal(payload))),
        _ => None,
    }
}

/// The message of a `connect_error`: `{"message": …}`, or a bare string (Socket.IO v4's
/// older servers).
fn refusal(payload: &str) -> String {
    match serde_json::from_str::<Value>(payload) {
        Ok(Value::String(message)) => message,
        Ok(value) => value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        Err(_) => String::new(),
    }
}

/// An EVENT's `["data", line]`, `["lines", [line, …]]` or `["backlog", [line, …], …]`.
fn event_packet(payload: &str) -> Option<Incoming> {
    let mut json = serde_json::Deserializer::from_str(payload);
    let incoming = json.deserialize_seq(EventVisitor).ok()?;
    json.end().ok()?;
    incoming
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = Option<Incoming>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Socket.IO event array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let Some(name) = seq.next_element::<Name>()? else {
            return Ok(None);
        };
        let incoming = match name {
            Name::Data => seq
                .next_element::<Line>()?
                .and_then(|line| line.0)
                .map(|line| Incoming::Lines(vec![line])),
            Name::Lines => seq.next_element::<Lines>()?.map(|lines| {
                let (lines, dropped) = lines.0.live();
                if dropped == 0 {
                    Incoming::Lines(lines)
                } else {
                    Incoming::CappedLines(dropped, lines)
                }
            }),
            // A backlog that is not an array of lines counts as empty, as before.
            Name::Backlog => Some(Incoming::Backlog(
                seq.next_element::<Lines>()?
                    .map(|l| l.0.backlog())
                    .unwrap_or_default(),
            )),
            Name::Other => None,
        };
        // The rest (a backlog's position, extra arguments) is not needed.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(incoming)
    }
}

/// An event's name, without allocating.
enum Name {
    Data,
    Lines,
    Backlog,
    Other,
}

impl<'de> de::Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = Name;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name, E> {
                Ok(match name {
                    event::DATA => Name::Data,
                    event::LINES => Name::Lines,
                    event::BACKLOG => Name::Backlog,
                    _ => Name::Other,
                })
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// A log line, or `None` for any other JSON value (skipped, as a line that is not a string
/// was before).
struct Line(Option<String>);

impl<'de> de::Deserialize<'de> for Line {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Line(match Lenient::deserialize(deserializer)? {
            Lenient::Text(line) => Some(line),
            Lenient::Texts(_) | Lenient::Other => None,
        }))
    }
}

/// An array's lines; elements that are not strings are skipped. Anything but an array is
/// no lines.
struct Lines(Capped);

impl<'de> de::Deserialize<'de> for Lines {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Lines(match Lenient::deserialize(deserializer)? {
            Lenient::Texts(lines) => lines,
            Lenient::Text(_) | Lenient::Other => Capped::default(),
        }))
    }
}

/// An array's lines, at most [`MAX_MESSAGE_LINES`]: its first line, and the newest of the
/// others.
#[derive(Default)]
struct Capped {
    first: Option<String>,
    rest: VecDeque<String>,
    /// Lines dropped between `first` and `rest`.
    dropped: u64,
}

impl Capped {
    fn push(&mut self, line: String) {
        if self.first.is_none() && self.rest.is_empty() {
            self.first = Some(line);
            return;
        }
        if self.rest.len() + 1 >= MAX_MESSAGE_LINES {
            self.rest.pop_front();
            self.dropped += 1;
        }
        self.rest.push_back(line);
    }

    /// Live lines: the newest, and how many older ones were dropped.
    fn live(self) -> (Vec<String>, u64) {
        match self.first {
            Some(first) if self.dropped == 0 => {
                let mut lines = Vec::with_capacity(self.rest.len() + 1);
                lines.push(first);
                lines.extend(self.rest);
                (lines, 0)
            }
            Some(_) => (self.rest.into(), self.dropped + 1),
            None => (Vec::new(), 0),
        }
    }

    /// A backlog: the newest lines, after a trim marker that counts the dropped ones with
    /// those the server trimmed (its own marker, first in the backlog), so that the
    /// [`LogCursor`](crate::logsync::LogCursor) reports them as missed.
    fn backlog(self) -> Vec<String> {
        let trimmed = self
            .first
            .as_deref()
            .and_then(trim_marker)
            .filter(|t| *t > 0);
        if self.dropped == 0 {
            return self.first.into_iter().chain(self.rest).collect();
        }
        // Without a marker, the first line is the oldest: dropped too.
        let dropped = match trimmed {
            Some(trimmed) => trimmed.saturating_add(self.dropped),
            None => self.dropped + 1,
        };
        std::iter::once(marker_line(dropped))
            .chain(self.rest)
            .collect()
    }
}

/// Any JSON value, keeping only what a log event may carry: a string, or an array's strings.
/// Everything else is read past without being built.
enum Lenient {
    Text(String),
    Texts(Capped),
    Other,
}

impl<'de> de::Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientVisitor)
    }
}

struct LenientVisitor;

impl<'de> Visitor<'de> for LenientVisitor {
    type Value = Lenient;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a log line or lines")
    }
    fn visit_str<E: de::Error>(self, line: &str) -> Result<Lenient, E> {
        Ok(Lenient::Text(line.to_owned()))
    }
    fn visit_string<E: de::Error>(self, line: String) -> Result<Lenient, E> {
        Ok(Lenient::Text(line))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Lenient, E> {
        Ok(Lenient::Other)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Lenient, E> {
        Ok(Lenient::Other)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Lenient, E> {
        Ok(Lenient::Other)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Lenient, E> {
        Ok(Lenient::Other)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Lenient, E> {
        Ok(Lenient::Other)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Lenient, A::Error> {
        // The server is not trusted with the size: room grows as lines come.
        let mut lines = Capped {
            rest: VecDeque::with_capacity(seq.size_hint().unwrap_or(0).min(4096)),
            ..Capped::default()
        };
        while let Some(line) = seq.next_element::<Line>()? {
            if let Some(line) = line.0 {
                lines.push(line);
            }
        }
        Ok(Lenient::Texts(lines))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Lenient, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Lenient::Other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "/logs/0c6d1f8a-2b7d-11f0-9a3e-0242ac120002";

    fn packet(text: &str) -> Option<Incoming> {
        socketio_packet(text, NS)
    }

    fn lines(lines: &[&str]) -> Option<Incoming> {
        Some(Incoming::Lines(
            lines.iter().map(|l| (*l).to_owned()).collect(),
        ))
    }

    #[test]
    fn events_become_lines_and_backlogs() {
        assert_eq!(
            packet(&format!("2{NS},[\"data\",\"a \\\"b\\\" ü\"]")),
            lines(&["a \"b\" ü"])
        );
        assert_eq!(
            packet(&format!("2{NS},[\"lines\",[\"a\",\"b\"]]")),
            lines(&["a", "b"])
        );
        assert_eq!(
            packet(&format!(
                "2{NS},[\"backlog\",[\"x\"],{{\"start\":0,\"end\":1}}]"
            )),
            Some(Incoming::Backlog(vec!["x".into()]))
        );
        // An ack id before the array.
        assert_eq!(packet(&format!("2{NS},17[\"data\",\"a\"]")), lines(&["a"]));
    }

    #[test]
    fn what_is_not_a_line_is_skipped() {
        assert_eq!(packet(&format!("2{NS},[\"data\",7]")), None);
        assert_eq!(packet(&format!("2{NS},[\"data\",{{\"a\":[1]}}]")), None);
        assert_eq!(packet(&format!("2{NS},[\"data\"]")), None);
        assert_eq!(
            packet(&format!("2{NS},[\"lines\",[\"a\",1,null,\"b\"]]")),
            lines(&["a", "b"])
        );
        assert_eq!(packet(&format!("2{NS},[\"other\",\"a\"]")), None);
        assert_eq!(packet(&format!("2{NS},[\"data\",\"a\"")), None, "cut off");
        assert_eq!(
            packet(&format!("2{NS},[\"data\",\"a\"] x")),
            None,
            "trailing bytes"
        );
        assert_eq!(packet(&format!("2{NS},{{}}")), None);
        assert_eq!(
            packet("2/logs/other,[\"data\",\"a\"]"),
            None,
            "another namespace"
        );
        assert_eq!(packet(&format!("2{NS}x,[\"data\",\"a\"]")), None);
        assert_eq!(
            packet(&format!("2{NS},[\"backlog\",\"not lines\"]")),
            Some(Incoming::Backlog(Vec::new()))
        );
        assert_eq!(packet(""), None);
        assert_eq!(packet("9"), None);
    }

    #[test]
    fn a_message_is_read_into_at_most_max_lines() {
        let array = |from: usize, to: usize| {
            (from..to)
                .map(|i| format!("\"{i}\""))
                .collect::<Vec<_>>()
                .join(",")
        };
        let over = MAX_MESSAGE_LINES + 5;
        // Live lines: the newest, after how many were dropped.
        let Some(Incoming::CappedLines(dropped, lines)) =
            packet(&format!("2{NS},[\"lines\",[{}]]", array(0, over)))
        else {
            panic!("not capped");
        };
        assert_eq!(dropped, 6);
        assert_eq!(lines.len(), MAX_MESSAGE_LINES - 1);
        assert_eq!(lines.first(), Some(&"6".to_owned()));
        assert_eq!(lines.last(), Some(&(over - 1).to_string()));
        // As many as the cap: all of them.
        let Some(Incoming::Lines(lines)) = packet(&format!(
            "2{NS},[\"lines\",[{}]]",
            array(0, MAX_MESSAGE_LINES)
        )) else {
            panic!("not lines");
        };
        assert_eq!(lines.len(), MAX_MESSAGE_LINES);
        assert_eq!(lines.first(), Some(&"0".to_owned()));

        // A backlog: a trim marker counts the dropped lines, with those the server trimmed.
        let backlog = |text: &str| match packet(text) {
            Some(Incoming::Backlog(lines)) => lines,
            other => panic!("not a backlog: {other:?}"),
        };
        let lines = backlog(&format!("2{NS},[\"backlog\",[{}]]", array(0, over)));
        assert_eq!(trim_marker(&lines[0]), Some(6));
        assert_eq!(lines[1], "6");
        assert_eq!(lines.len(), MAX_MESSAGE_LINES);
        let marker =
            "[antimony] 100 earlier lines of this log were trimmed; only the newest are kept";
        let lines = backlog(&format!(
            "2{NS},[\"backlog\",[\"{marker}\",{}]]",
            array(0, over)
        ));
        assert_eq!(trim_marker(&lines[0]), Some(106));
        assert_eq!(lines[1], "6");
        // What a cursor makes of it after a reconnect: the dropped lines are missed.
        let mut cursor = crate::logsync::LogCursor::default();
        cursor.on_backlog(vec!["0".into()]);
        let reconciled = cursor.on_backlog(lines);
        assert_eq!(reconciled.missed, 105);
        assert_eq!(reconciled.lines.first(), Some(&"6".to_owned()));
        assert_eq!(cursor.delivered(), 100 + over as u64);
        // Under the cap, the server's marker is passed on as it came.
        let lines = backlog(&format!("2{NS},[\"backlog\",[\"{marker}\",\"a\"]]"));
        assert_eq!(lines, [marker, "a"]);
    }

    #[test]
    fn connects_refusals_and_disconnects() {
        assert_eq!(
            packet(&format!("0{NS},{{\"sid\":\"x\"}}")),
            Some(Incoming::Connected)
        );
        assert_eq!(
            packet(&format!("4{NS},{{\"message\":\"Invalid Token\"}}")),
            Some(Incoming::Refused("Invalid Token".into()))
        );
        assert_eq!(
            packet(&format!("4{NS},\"Invalid namespace\"")),
            Some(Incoming::Refused("Invalid namespace".into()))
        );
        assert_eq!(packet(&format!("1{NS},")), Some(Incoming::Closed));
        assert_eq!(packet(&format!("1{NS}")), Some(Incoming::Closed));
    }
}
