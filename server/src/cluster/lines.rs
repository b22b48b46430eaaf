//! The lines of a followed log as the owner sends them (`relay`), with the time each node-log
//! line was printed: the instance that takes the lab over follows the node on from the last
//! line it copied (`lab::followers`), so its subscribers see no line twice.

use antimony_protocol::Timestamp;
use serde::{Deserialize, Serialize};

/// Lines of a followed log, numbered by the owner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LineBatch {
    /// The log's namespace path.
    pub path: String,
    /// The sequence number of the first line.
    pub first: u64,
    /// The lines (at most `forward::BATCH_LINES`).
    pub lines: Vec<String>,
    /// When each line was printed (a node log's), or empty (the lab log's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub times: Vec<Option<Timestamp>>,
    /// The log ended after these lines.
    pub closed: bool,
}

impl LineBatch {
    /// The lines with their times; `None` when `times` does not match `lines` (malformed).
    pub fn into_stamped(self) -> Option<Vec<(String, Option<Timestamp>)>> {
        if self.times.is_empty() {
            return Some(self.lines.into_iter().map(|line| (line, None)).collect());
        }
        (self.times.len() == self.lines.len())
            .then(|| self.lines.into_iter().zip(self.times).collect())
    }
}

/// The first of `lines` that fit in `limit` bytes, as owned strings to send; always at least
/// one, however long (a single line is bounded where it is written).
pub(super) fn first_within<S: AsRef<str>>(lines: &[S], limit: usize) -> Vec<String> {
    let mut bytes = 0;
    lines
        .iter()
        .map(AsRef::as_ref)
        .take_while(|line| {
            bytes += line.len();
            bytes <= limit || bytes == line.len()
        })
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_go_with_their_lines_and_a_lab_log_batch_has_none() {
        let time = Timestamp::parse("2026-01-01T00:00:01.25Z").unwrap();
        let batch = LineBatch {
            path: "/logs/x/c".into(),
            first: 4,
            lines: vec!["a".into(), "b".into()],
            times: vec![Some(time), None],
            closed: false,
        };
        let json = serde_json::to_value(&batch).unwrap();
        assert_eq!(
            json["times"],
            serde_json::json!(["2026-01-01T00:00:01.25Z", null])
        );
        let back: LineBatch = serde_json::from_value(json).unwrap();
        assert_eq!(
            back.clone().into_stamped().unwrap(),
            [("a".to_owned(), Some(time)), ("b".to_owned(), None)]
        );
        let untimed = LineBatch {
            times: Vec::new(),
            ..back.clone()
        };
        assert!(
            serde_json::to_value(&untimed)
                .unwrap()
                .get("times")
                .is_none()
        );
        assert_eq!(untimed.into_stamped().unwrap()[1], ("b".to_owned(), None));
        let short = LineBatch {
            times: vec![None],
            ..back
        };
        assert_eq!(short.into_stamped(), None, "a time per line or none");
    }

    #[test]
    fn a_batch_takes_the_lines_that_fit_and_always_one() {
        let lines: Vec<std::sync::Arc<str>> = vec!["abc".into(), "de".into(), "f".into()];
        assert_eq!(first_within(&lines, 5), ["abc", "de"]);
        assert_eq!(first_within(&lines, 4), ["abc"]);
        assert_eq!(first_within(&lines, 1), ["abc"]);
        assert!(first_within::<&str>(&[], 1).is_empty());
    }
}
