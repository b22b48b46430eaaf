//! RFC 3339 timestamps as Go's `time.Time` writes them: fractional seconds when non-zero
//! (trailing zeros trimmed) and the zone offset kept as sent (`Z` for UTC).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Error;

/// A point in time with its zone offset, written and read as RFC 3339.
///
/// The offset is kept, so a timestamp sent as `+02:00` is written back as `+02:00`.
/// Equality and ordering compare the instant only.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ts_rs::TS)]
#[ts(type = "string")]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// The current time in UTC.
    pub fn now_utc() -> Self {
        Timestamp(OffsetDateTime::now_utc())
    }

    /// Parses an RFC 3339 string.
    pub fn parse(text: &str) -> crate::Result<Self> {
        OffsetDateTime::parse(text, &Rfc3339)
            .map(Timestamp)
            .map_err(|e| Error::Timestamp {
                value: truncate(text),
                reason: e.to_string(),
            })
    }

    /// The underlying date and time.
    pub fn as_offset_date_time(&self) -> OffsetDateTime {
        self.0
    }

    /// Seconds since the Unix epoch.
    pub fn unix_timestamp(&self) -> i64 {
        self.0.unix_timestamp()
    }

    /// Formats as RFC 3339. Fails only for years outside 0000–9999 or offsets with seconds,
    /// which RFC 3339 cannot express.
    pub fn to_rfc3339(&self) -> crate::Result<String> {
        self.0.format(&Rfc3339).map_err(|e| Error::Timestamp {
            value: format!("{:?}", self.0),
            reason: e.to_string(),
        })
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Timestamp(value)
    }
}

impl From<Timestamp> for OffsetDateTime {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl std::str::FromStr for Timestamp {
    type Err = Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        Timestamp::parse(s)
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_rfc3339() {
            Ok(text) => write!(f, "Timestamp({text})"),
            Err(_) => write!(f, "Timestamp({:?})", self.0),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_rfc3339() {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.to_rfc3339().map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                Timestamp::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Keeps error messages short when a hostile peer sends a huge "timestamp".
fn truncate(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_nanosecond_timestamps_round_trip_with_their_offset() {
        for text in [
            "2025-06-12T22:13:05.123456789+02:00",
            "2025-06-12T20:13:05Z",
            "2025-06-12T20:13:05.5-07:30",
            "0001-01-01T00:00:00Z",
        ] {
            let ts = Timestamp::parse(text).unwrap();
            assert_eq!(ts.to_rfc3339().unwrap(), text);
        }
    }

    #[test]
    fn rejects_non_rfc3339() {
        for text in [
            "",
            "2025-06-12",
            "2025-06-12T20:13:05",
            "yesterday",
            "2025-13-01T00:00:00Z",
        ] {
            assert!(Timestamp::parse(text).is_err(), "{text:?} parsed");
        }
    }

    #[test]
    fn error_messages_do_not_echo_huge_input() {
        let huge = "x".repeat(1_000_000);
        let message = Timestamp::parse(&huge).unwrap_err().to_string();
        assert!(message.len() < 300, "{} bytes", message.len());
    }
}
