//! Exactly-once log lines across reconnects.
//!
//! A log namespace sends its whole `backlog` on every connect, then live lines. After a
//! reconnect the client has already shown some of that backlog. The rule here, per stream:
//!
//! 1. The client counts the lines it has delivered (`n`) and keeps the last one.
//! 2. A backlog covers the stream's positions `t .. t + k`, where `k` is its length and `t`
//!    the number of lines the server trimmed from the front, which antimony-server states in
//!    a marker line (`[antimony] <t> earlier lines … were trimmed …`, first in the backlog);
//!    servers without the marker trim nothing (`t = 0`).
//! 3. If position `n - 1` is in the backlog and holds the last delivered line, the new lines
//!    are those from position `n` on: none is repeated, none is skipped.
//! 4. If `n <= t`, the lines from `n` to `t` were trimmed before the client came back: they
//!    are lost, and the consumer is told how many ([`Reconciled::missed`]); everything in the
//!    backlog is new.
//! 5. If the backlog is shorter than `n`, or position `n - 1` holds another line, the stream
//!    started over (the lab was redeployed, or the server restarted): the consumer is told
//!    ([`Reconciled::restarted`]) and gets the whole backlog as a new stream.
//! 6. An empty backlog on a reconnect changes nothing (the Go server sends a stale empty
//!    backlog before the real one when a namespace is reused).
//!
//! Lines that repeat exactly can make rule 5 miss a restart whose line `n - 1` happens to be
//! equal; the consequence is that some lines of the new run are taken as already seen.

/// What a backlog adds to a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// The lines to deliver, in order.
    pub lines: Vec<String>,
    /// Lines that were trimmed on the server (or dropped unread by the client, which counts
    /// them in the trim marker) before they could be delivered.
    pub missed: u64,
    /// The stream started over; `lines` is its beginning.
    pub restarted: bool,
}

/// The delivery state of one log stream.
#[derive(Debug, Clone, Default)]
pub struct LogCursor {
    delivered: u64,
    last: Option<String>,
    connected_before: bool,
}

/// The marker line antimony-server puts first in a backlog it trimmed: `trimmed` lines gone.
pub fn marker_line(trimmed: u64) -> String {
    format!("[antimony] {trimmed} earlier lines of this log were trimmed; only the newest are kept")
}

/// The number of trimmed lines a marker line states, if it is one.
pub fn trim_marker(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("[antimony] ")?;
    let (count, tail) = rest.split_once(' ')?;
    tail.starts_with("earlier line")
        .then(|| count.parse().ok())
        .flatten()
}

impl LogCursor {
    /// Lines delivered so far.
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// Takes a `backlog` event and returns what is new in it.
    pub fn on_backlog(&mut self, mut backlog: Vec<String>) -> Reconciled {
        let trimmed = backlog.first().and_then(|l| trim_marker(l)).unwrap_or(0);
        if trimmed > 0 {
            backlog.remove(0);
        }
        // A hostile marker may state any count: no arithmetic here may overflow.
        let end = trimmed.saturating_add(backlog.len() as u64);
        let first_connect = !self.connected_before;
        self.connected_before = true;
        if first_connect {
            return self.restart(backlog, end, false);
        }
        if backlog.is_empty() && trimmed == 0 {
            return Reconciled::default();
        }
        let n = self.delivered;
        if n > end {
            return self.restart(backlog, end, true);
        }
        if n <= trimmed {
            let missed = trimmed - n;
            let mut reconciled = self.restart(backlog, end, false);
            reconciled.missed = missed;
            return reconciled;
        }
        // n - 1 is inside the backlog: check that it is the line delivered last.
        let index = usize::try_from(n - 1 - trimmed).unwrap_or(usize::MAX);
        if backlog.get(index) != self.last.as_ref() {
            return self.restart(backlog, end, true);
        }
        let lines: Vec<String> = backlog.into_iter().skip(index + 1).collect();
        if let Some(last) = lines.last() {
            self.last = Some(last.clone());
        }
        self.delivered = end;
        Reconciled {
            lines,
            missed: 0,
            restarted: false,
        }
    }

    /// Takes a live `data` line; returns it for delivery.
    pub fn on_line(&mut self, line: String) -> String {
        self.delivered = self.delivered.saturating_add(1);
        self.last = Some(line.clone());
        line
    }

    /// Takes several live lines at once (a `lines` batch) and returns them: as many
    /// [`on_line`](Self::on_line) calls, keeping only the last line's copy.
    pub fn on_lines(&mut self, lines: Vec<String>) -> Vec<String> {
        if let Some(last) = lines.last() {
            self.delivered = self.delivered.saturating_add(lines.len() as u64);
            self.last = Some(last.clone());
        }
        lines
    }

    /// Takes live lines that were dropped unread: they count as delivered (the next lines
    /// follow them), and the caller reports them missed.
    pub fn on_skipped(&mut self, lines: u64) {
        self.delivered = self.delivered.saturating_add(lines);
    }

    fn restart(&mut self, backlog: Vec<String>, end: u64, restarted: bool) -> Reconciled {
        self.delivered = end;
        self.last = backlog.last().cloned();
        Reconciled {
            lines: backlog,
            missed: 0,
            restarted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(range: std::ops::Range<u64>) -> Vec<String> {
        range.map(|i| format!("line {i}")).collect()
    }

    /// A server stream keeping `capacity` lines, as antimony-server does.
    struct Server {
        all: Vec<String>,
        capacity: usize,
    }

    impl Server {
        fn backlog(&self) -> Vec<String> {
            let start = self.all.len().saturating_sub(self.capacity);
            let mut out = Vec::new();
            if start > 0 {
                out.push(marker_line(start as u64));
            }
            out.extend(self.all[start..].iter().cloned());
            out
        }
    }

    #[test]
    fn lines_dropped_unread_count_as_delivered() {
        let mut cursor = LogCursor::default();
        cursor.on_backlog(lines(0..2));
        cursor.on_skipped(3);
        assert_eq!(cursor.on_lines(lines(5..6)), lines(5..6));
        assert_eq!(cursor.delivered(), 6);
        // A reconnect's backlog: what follows line 5 is new.
        let reconciled = cursor.on_backlog(lines(0..8));
        assert_eq!((reconciled.lines, reconciled.missed), (lines(6..8), 0));
    }

    #[test]
    fn reconnects_deliver_every_line_exactly_once() {
        let mut server = Server {
            all: Vec::new(),
            capacity: 1000,
        };
        let mut cursor = LogCursor::default();
        let mut seen: Vec<String> = Vec::new();
        let mut next = 0_u64;
        // Connect, take some live lines, drop while lines keep coming, reconnect; repeat.
        for round in 0..50_u64 {
            seen.extend(cursor.on_backlog(server.backlog()).lines);
            let live = 7 + round % 13;
            for _ in 0..live {
                server.all.push(format!("line {next}"));
                seen.push(cursor.on_line(format!("line {next}")));
                next += 1;
            }
            // Lines written while disconnected (fewer than the backlog keeps).
            for _ in 0..(round * 17) % 400 {
                server.all.push(format!("line {next}"));
                next += 1;
            }
        }
        seen.extend(cursor.on_backlog(server.backlog()).lines);
        assert_eq!(seen, lines(0..next), "no duplicate, no gap");
    }

    #[test]
    fn batches_reconcile_as_single_lines_do() {
        let mut server = Server {
            all: Vec::new(),
            capacity: 300,
        };
        let mut cursor = LogCursor::default();
        let mut seen: Vec<String> = Vec::new();
        let mut next = 0_u64;
        for round in 0..40_u64 {
            let reconciled = cursor.on_backlog(server.backlog());
            seen.extend(reconciled.lines);
            // Live lines in batches of 1 to 30, one of them empty.
            for size in [1, 30, 0, 7 + round % 11] {
                let batch = lines(next..next + size);
                server.all.extend(batch.iter().cloned());
                seen.extend(cursor.on_lines(batch));
                next += size;
            }
            // Away for a while: sometimes longer than the backlog keeps (trimmed lines).
            let away = (round * 37) % 450;
            server.all.extend(lines(next..next + away));
            if away > 300 {
                let reconciled = cursor.on_backlog(server.backlog());
                assert_eq!(reconciled.missed, away - 300);
                seen.extend(lines(next..next + away - 300));
                seen.extend(reconciled.lines);
                assert_eq!(cursor.delivered(), next + away);
            }
            next += away;
        }
        seen.extend(cursor.on_backlog(server.backlog()).lines);
        assert_eq!(seen, lines(0..next), "no duplicate, no gap");
    }

    #[test]
    fn lines_trimmed_while_away_are_reported_as_missed() {
        let mut cursor = LogCursor::default();
        assert_eq!(cursor.on_backlog(lines(0..5)).lines, lines(0..5));
        let mut backlog = vec![marker_line(8)];
        backlog.extend(lines(8..12));
        let reconciled = cursor.on_backlog(backlog);
        assert_eq!(reconciled.missed, 3, "lines 5, 6 and 7");
        assert_eq!(reconciled.lines, lines(8..12));
        assert_eq!(cursor.delivered(), 12);
    }

    #[test]
    fn a_first_connect_to_a_trimmed_stream_is_no_loss() {
        let mut cursor = LogCursor::default();
        let mut backlog = vec![marker_line(100)];
        backlog.extend(lines(100..103));
        let reconciled = cursor.on_backlog(backlog);
        assert_eq!((reconciled.missed, reconciled.restarted), (0, false));
        assert_eq!(reconciled.lines, lines(100..103));
    }

    #[test]
    fn a_stream_that_started_over_is_delivered_anew() {
        let mut cursor = LogCursor::default();
        cursor.on_backlog(lines(0..10));
        // Shorter than what was delivered: a new run.
        let shorter = cursor.on_backlog(vec!["new 0".into(), "new 1".into()]);
        assert!(shorter.restarted);
        assert_eq!(shorter.lines, ["new 0", "new 1"]);
        // Same length or longer, but line n-1 differs: also a new run.
        let mut other: Vec<String> = (0..5).map(|i| format!("other {i}")).collect();
        let reconciled = cursor.on_backlog(other.clone());
        assert!(reconciled.restarted);
        assert_eq!(reconciled.lines, other);
        other.push("other 5".into());
        let continued = cursor.on_backlog(other);
        assert!(!continued.restarted);
        assert_eq!(continued.lines, ["other 5"]);
    }

    #[test]
    fn an_empty_backlog_on_reconnect_changes_nothing() {
        let mut cursor = LogCursor::default();
        cursor.on_backlog(lines(0..3));
        assert_eq!(cursor.on_backlog(Vec::new()), Reconciled::default());
        // The Go server's real backlog after its stale empty one: only new lines.
        assert_eq!(cursor.on_backlog(lines(0..5)).lines, lines(3..5));
    }

    #[test]
    fn recognises_only_real_markers() {
        assert_eq!(trim_marker(&marker_line(42)), Some(42));
        assert_eq!(
            trim_marker("[antimony] 1 earlier line of this log were trimmed"),
            Some(1)
        );
        assert_eq!(trim_marker("[antimony] the deployment was cancelled"), None);
        assert_eq!(trim_marker("line 1"), None);
        assert_eq!(trim_marker("[antimony] x earlier lines"), None);
    }

    proptest::proptest! {
        /// Whatever the server sends (markers with any count, repeated and empty backlogs,
        /// live lines between), reconciling never panics and never delivers more lines than
        /// it was given.
        #[test]
        fn hostile_backlogs_never_panic(
            steps in proptest::collection::vec(
                (
                    proptest::option::of(proptest::prop_oneof![
                        proptest::num::u64::ANY,
                        (u64::MAX - 64)..=u64::MAX,
                        0_u64..64,
                    ]),
                    proptest::collection::vec("[a-z ]{0,8}", 0..20),
                    0_usize..5,
                ),
                0..30,
            )
        ) {
            let mut cursor = LogCursor::default();
            for (marker_count, lines, live) in steps {
                let mut backlog = Vec::new();
                if let Some(count) = marker_count {
                    backlog.push(marker_line(count));
                }
                backlog.extend(lines);
                let given = backlog.len();
                let reconciled = cursor.on_backlog(backlog);
                proptest::prop_assert!(reconciled.lines.len() <= given);
                for i in 0..live {
                    cursor.on_line(format!("live {i}"));
                }
            }
        }

        /// A marker line states its count exactly; anything else is not a marker.
        #[test]
        fn markers_parse_exactly(count in proptest::num::u64::ANY, junk in "\\PC{0,40}") {
            proptest::prop_assert_eq!(trim_marker(&marker_line(count)), Some(count));
            if !junk.starts_with("[antimony] ") {
                proptest::prop_assert_eq!(trim_marker(&junk), None);
            }
        }
    }
}
