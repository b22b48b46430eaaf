//! Log streams: the lab log (`/logs/<labId>`) and node logs (`/logs/<labId>/<containerId>`).
//!
//! Each stream keeps a bounded backlog of lines numbered by a sequence. Writers never wait;
//! each subscriber reads from its own cursor at its own pace (see `socket::logs`), so a slow
//! client never slows the writer or other clients. A subscriber whose cursor falls behind the
//! oldest kept line has lost lines and is disconnected (it gets the backlog again on reconnect).
//!
//! A stream removed from the [`LogHub`] is closed: its subscribers get what it holds, then
//! see it end (the socket layer disconnects them), and new subscribers are refused.
//!
//! A shell's output is the exception to "writers never wait": a terminal attached to it takes
//! a [`Hold`], and the shell reads more of its node's output only once every held reader has
//! room for it in the backlog ([`LogStream::room_for`]), as a pseudo-terminal makes a program
//! wait for a slow terminal. So an attached terminal gets every byte however fast the node
//! writes; only output written while no terminal is attached is trimmed.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use antimony_protocol::Timestamp;
use tokio::sync::watch;

/// The default number of lines a backlog keeps.
pub const DEFAULT_BACKLOG: usize = 10_000;

/// One log stream (or a shell's output, whose chunks are its "lines").
#[derive(Debug)]
pub struct LogStream {
    capacity: usize,
    /// The most bytes the backlog keeps (it always keeps the newest line).
    max_bytes: usize,
    backlog: Mutex<Backlog>,
    /// The sequence number the next line will get; changes wake subscribers.
    next: watch::Sender<u64>,
    /// False while the writer is still reading history (a node log being re-read from Docker
    /// after a server restart): a backlog sent now would be a partial one.
    caught_up: watch::Sender<bool>,
    /// Set once the stream ended (its lab was destroyed or redeployed).
    closed: watch::Sender<bool>,
    /// Readers holding the writer back ([`Hold`]): the sequence number each reads next.
    holds: Mutex<HashMap<u64, u64>>,
    next_hold: AtomicU64,
    /// Changes when a hold advances or goes.
    holds_moved: watch::Sender<()>,
}

#[derive(Debug, Default)]
struct Backlog {
    lines: VecDeque<Arc<str>>,
    /// Sequence number of `lines[0]`.
    first: u64,
    /// Lines dropped from the front since the stream began or was cleared.
    trimmed: u64,
    /// Bytes of the lines kept.
    bytes: usize,
    /// Bytes of the lines dropped from the front.
    trimmed_bytes: u64,
    /// When the kept lines that have one were printed (a node log's), by sequence number.
    stamps: VecDeque<(u64, Timestamp)>,
    /// The newest line's time that was known, kept when that line is trimmed: a node log's
    /// follower goes on after it (another instance's copy taken over keeps its place).
    latest: Option<Timestamp>,
}

impl Backlog {
    /// Up to `max` lines from `from` on, and the sequence number after them.
    fn read(&self, from: u64, max: usize) -> Result<(Vec<Arc<str>>, u64), Lagged> {
        if from < self.first {
            return Err(Lagged {
                missed: self.first - from,
            });
        }
        let skip = usize::try_from(from - self.first).unwrap_or(usize::MAX);
        let lines: Vec<Arc<str>> = self.lines.iter().skip(skip).take(max).cloned().collect();
        let next = from + lines.len() as u64;
        Ok((lines, next))
    }
}

/// Lines read, the time of each when it has one, and the sequence number after them.
pub type StampedLines = (Vec<Arc<str>>, Vec<Option<Timestamp>>, u64);

/// A subscriber asked for lines that are no longer kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lagged {
    /// How many lines it missed.
    pub missed: u64,
}

impl LogStream {
    /// A stream keeping at most `capacity` lines (at least 1).
    pub fn new(capacity: usize) -> Self {
        LogStream::with_limits(capacity, usize::MAX)
    }

    /// A stream keeping at most `capacity` lines and `max_bytes` bytes (but always the newest
    /// line).
    pub fn with_limits(capacity: usize, max_bytes: usize) -> Self {
        LogStream {
            capacity: capacity.max(1),
            max_bytes,
            backlog: Mutex::new(Backlog::default()),
            next: watch::channel(0).0,
            caught_up: watch::channel(true).0,
            closed: watch::channel(false).0,
            holds: Mutex::new(HashMap::new()),
            next_hold: AtomicU64::new(0),
            holds_moved: watch::channel(()).0,
        }
    }

    fn lock_holds(&self) -> MutexGuard<'_, HashMap<u64, u64>> {
        self.holds
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A reader that holds the writer back ([`LogStream::room_for`]) until it is dropped; it
    /// reads line `from` next and says how far it got with [`Hold::advance`].
    pub fn hold(self: &Arc<Self>, from: u64) -> Hold {
        let id = self.next_hold.fetch_add(1, Ordering::Relaxed);
        self.lock_holds().insert(id, from);
        Hold {
            stream: Arc::clone(self),
            id,
        }
    }

    /// Bytes kept after line `cursor` that the slowest held reader has yet to read (0 for a
    /// reader that lost lines already: waiting would not bring them back).
    fn held_behind(&self) -> usize {
        let cursors: Vec<u64> = self.lock_holds().values().copied().collect();
        if cursors.is_empty() {
            return 0;
        }
        let backlog = self.lock();
        cursors
            .into_iter()
            .filter(|&cursor| cursor >= backlog.first)
            .map(|cursor| {
                let skip = usize::try_from(cursor - backlog.first).unwrap_or(usize::MAX);
                backlog.lines.iter().skip(skip).map(|line| line.len()).sum()
            })
            .max()
            .unwrap_or(0)
    }

    /// Waits until `bytes` more can be appended without trimming a line some held reader has
    /// not read (at once when nobody holds the stream, or when the slowest reader has read
    /// everything: a line larger than the byte limit is kept whole).
    pub async fn room_for(&self, bytes: usize) {
        let mut moved = self.holds_moved.subscribe();
        loop {
            moved.borrow_and_update();
            let behind = self.held_behind();
            if behind == 0 || behind.saturating_add(bytes) <= self.max_bytes {
                return;
            }
            if moved.changed().await.is_err() {
                return;
            }
        }
    }

    /// Ends the stream: subscribers read what it holds, then stop.
    pub fn close(&self) {
        self.closed.send_replace(true);
    }

    /// Whether the stream ended.
    pub fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }

    /// Wakes when the stream ends.
    pub fn watch_closed(&self) -> watch::Receiver<bool> {
        self.closed.subscribe()
    }

    /// Marks the stream as still reading its history (see [`LogStream::caught_up`]).
    pub fn mark_catching_up(&self) {
        self.caught_up.send_replace(false);
    }

    /// Marks the stream's history as read.
    pub fn mark_caught_up(&self) {
        self.caught_up.send_replace(true);
    }

    /// Waits (at most `within`) until the history is read, so a new subscriber's backlog is
    /// complete; false if it was not in time.
    pub async fn caught_up(&self, within: std::time::Duration) -> bool {
        let mut caught_up = self.caught_up.subscribe();
        tokio::time::timeout(within, caught_up.wait_for(|c| *c))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    fn lock(&self) -> MutexGuard<'_, Backlog> {
        // Every operation leaves the backlog consistent, so a poisoned lock is usable.
        self.backlog
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Appends lines, trimming the oldest beyond the capacity.
    pub fn push_lines<I>(&self, lines: I)
    where
        I: IntoIterator,
        I::Item: Into<Arc<str>>,
    {
        self.push_stamped(lines.into_iter().map(|line| (line, None)));
    }

    /// Appends lines with the time each was printed, when known (see [`LogStream::last_time`]).
    pub fn push_stamped<I, L>(&self, lines: I)
    where
        I: IntoIterator<Item = (L, Option<Timestamp>)>,
        L: Into<Arc<str>>,
    {
        let mut backlog = self.lock();
        let before = backlog.first + backlog.lines.len() as u64;
        for (line, time) in lines {
            let line: Arc<str> = line.into();
            if let Some(time) = time {
                let seq = backlog.first + backlog.lines.len() as u64;
                backlog.stamps.push_back((seq, time));
                backlog.latest = Some(time);
            }
            backlog.bytes += line.len();
            backlog.lines.push_back(line);
        }
        while backlog.lines.len() > self.capacity
            || (backlog.bytes > self.max_bytes && backlog.lines.len() > 1)
        {
            let Some(dropped) = backlog.lines.pop_front() else {
                break;
            };
            backlog.bytes -= dropped.len();
            backlog.trimmed_bytes += dropped.len() as u64;
            backlog.first += 1;
            backlog.trimmed += 1;
        }
        let first = backlog.first;
        while backlog.stamps.front().is_some_and(|(seq, _)| *seq < first) {
            backlog.stamps.pop_front();
        }
        let next = backlog.first + backlog.lines.len() as u64;
        drop(backlog);
        if next != before {
            self.next.send_replace(next);
        }
    }

    /// The time of the newest line that had one (pushed with [`LogStream::push_stamped`]).
    pub fn last_time(&self) -> Option<Timestamp> {
        self.lock().latest
    }

    /// Appends one line.
    pub fn push(&self, line: impl Into<Arc<str>>) {
        self.push_lines(std::iter::once(line));
    }

    /// The backlog to send on connect, and the sequence number to continue from. When lines
    /// were trimmed, the first element is a marker line saying how many.
    pub fn backlog(&self) -> (Vec<Arc<str>>, u64) {
        let backlog = self.lock();
        let mut lines = Vec::with_capacity(backlog.lines.len() + 1);
        if backlog.trimmed > 0 {
            lines.push(trim_marker(backlog.trimmed));
        }
        lines.extend(backlog.lines.iter().cloned());
        (lines, backlog.first + backlog.lines.len() as u64)
    }

    /// The backlog without a marker (a shell's: its chunks go to a terminal as they are),
    /// the sequence number to continue from, and where the backlog starts and ends in the
    /// stream's bytes.
    pub fn chunks(&self) -> (Vec<Arc<str>>, u64, antimony_protocol::BacklogPosition) {
        let backlog = self.lock();
        let lines: Vec<Arc<str>> = backlog.lines.iter().cloned().collect();
        let position = antimony_protocol::BacklogPosition {
            start: backlog.trimmed_bytes,
            end: backlog.trimmed_bytes + backlog.bytes as u64,
        };
        (lines, backlog.first + backlog.lines.len() as u64, position)
    }

    /// Up to `max` lines from `from` on, and the sequence number after them.
    pub fn read(&self, from: u64, max: usize) -> Result<(Vec<Arc<str>>, u64), Lagged> {
        self.lock().read(from, max)
    }

    /// As [`LogStream::read`], with the time of each line when it has one.
    pub fn read_stamped(&self, from: u64, max: usize) -> Result<StampedLines, Lagged> {
        let backlog = self.lock();
        let (lines, next) = backlog.read(from, max)?;
        let start = backlog.stamps.partition_point(|(seq, _)| *seq < from);
        let mut stamps = backlog.stamps.range(start..).peekable();
        let times = (from..next)
            .map(|seq| stamps.next_if(|(at, _)| *at == seq).map(|(_, time)| *time))
            .collect();
        Ok((lines, times, next))
    }

    /// Wakes when lines are appended.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.next.subscribe()
    }

    /// The number of lines kept.
    pub fn len(&self) -> usize {
        self.lock().lines.len()
    }

    /// Whether no lines are kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A reader holding a stream's writer back (see [`LogStream::hold`]); dropping it lets go.
#[derive(Debug)]
pub struct Hold {
    stream: Arc<LogStream>,
    id: u64,
}

impl Hold {
    /// The reader reads line `next` next (it has sent what came before).
    pub fn advance(&self, next: u64) {
        if let Some(cursor) = self.stream.lock_holds().get_mut(&self.id) {
            *cursor = next;
        }
        self.stream.holds_moved.send_replace(());
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        self.stream.lock_holds().remove(&self.id);
        self.stream.holds_moved.send_replace(());
    }
}

/// The first backlog line when lines were trimmed.
pub fn trim_marker(trimmed: u64) -> Arc<str> {
    Arc::from(format!(
        "[antimony] {trimmed} earlier line{} of this log were trimmed; only the newest are kept",
        if trimmed == 1 { "" } else { "s" }
    ))
}

/// Every log stream, by namespace path.
#[derive(Debug, Default)]
pub struct LogHub {
    streams: Mutex<HashMap<String, Arc<LogStream>>>,
}

impl LogHub {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<LogStream>>> {
        self.streams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The stream of a namespace, created empty (keeping `capacity` lines) if needed.
    pub fn open(&self, namespace: &str, capacity: usize) -> Arc<LogStream> {
        Arc::clone(
            self.lock()
                .entry(namespace.to_owned())
                .or_insert_with(|| Arc::new(LogStream::new(capacity))),
        )
    }

    /// The stream of a namespace, if it exists.
    pub fn get(&self, namespace: &str) -> Option<Arc<LogStream>> {
        self.lock().get(namespace).cloned()
    }

    /// Removes and closes a stream; its subscribers see it end.
    pub fn remove(&self, namespace: &str) -> Option<Arc<LogStream>> {
        let removed = self.lock().remove(namespace);
        if let Some(stream) = &removed {
            stream.close();
        }
        removed
    }

    /// Removes and closes every stream whose namespace starts with `prefix`; returns their
    /// namespaces.
    pub fn remove_prefixed(&self, prefix: &str) -> Vec<String> {
        let mut streams = self.lock();
        let names: Vec<String> = streams
            .keys()
            .filter(|k| k.starts_with(prefix))
            .cloned()
            .collect();
        for name in &names {
            if let Some(stream) = streams.remove(name) {
                stream.close();
            }
        }
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: &[Arc<str>]) -> Vec<&str> {
        lines.iter().map(AsRef::as_ref).collect()
    }

    #[test]
    fn reads_from_a_cursor_and_reports_lag_after_trimming() {
        let stream = LogStream::new(3);
        stream.push_lines(["a", "b"]);
        assert_eq!(
            stream.read(0, 10).map(|(l, n)| (texts(&l).join(","), n)),
            Ok(("a,b".into(), 2))
        );
        stream.push_lines(["c", "d", "e"]);
        assert_eq!(stream.read(0, 10), Err(Lagged { missed: 2 }));
        let (lines, next) = stream.read(2, 2).unwrap();
        assert_eq!((texts(&lines), next), (vec!["c", "d"], 4));
        assert_eq!(stream.read(5, 10).unwrap().0.len(), 0, "nothing new yet");
    }

    #[test]
    fn the_backlog_starts_with_a_trim_marker_once_lines_were_dropped() {
        let stream = LogStream::new(2);
        stream.push("one");
        assert_eq!(texts(&stream.backlog().0), ["one"]);
        stream.push_lines(["two", "three", "four"]);
        let (backlog, next) = stream.backlog();
        assert_eq!(next, 4);
        assert_eq!(backlog.len(), 3);
        assert!(backlog[0].contains("2 earlier lines"), "{}", backlog[0]);
        assert_eq!(texts(&backlog[1..]), ["three", "four"]);
    }

    #[test]
    fn stamped_lines_keep_their_times_and_the_newest_time_outlives_trimming() {
        let time = |s: &str| Timestamp::parse(s).unwrap();
        let (t1, t2) = (time("2026-01-01T00:00:01.5Z"), time("2026-01-01T00:00:02Z"));
        let stream = LogStream::new(3);
        assert_eq!(stream.last_time(), None);
        stream.push_stamped([("a", Some(t1)), ("marker", None), ("b", Some(t2))]);
        let (lines, times, next) = stream.read_stamped(1, 10).unwrap();
        assert_eq!(
            (texts(&lines), times, next),
            (vec!["marker", "b"], vec![None, Some(t2)], 3)
        );
        assert_eq!(stream.last_time(), Some(t2));
        stream.push_lines(["c", "d", "e"]);
        assert_eq!(stream.read_stamped(3, 10).unwrap().1, [None, None, None]);
        assert_eq!(
            stream.last_time(),
            Some(t2),
            "kept once its line is trimmed"
        );
    }

    #[test]
    fn a_byte_limit_keeps_the_newest_bytes_and_says_where_they_start() {
        let stream = LogStream::with_limits(1000, 10);
        stream.push_lines(["abcd", "efgh", "ijkl"]);
        let (chunks, next, position) = stream.chunks();
        assert_eq!(texts(&chunks), ["efgh", "ijkl"]);
        assert_eq!(next, 3);
        assert_eq!((position.start, position.end), (4, 12));
        stream.push("0123456789abc");
        let (chunks, _, position) = stream.chunks();
        assert_eq!(
            texts(&chunks),
            ["0123456789abc"],
            "the newest chunk stays whole"
        );
        assert_eq!((position.start, position.end), (12, 25));
    }

    #[tokio::test]
    async fn watchers_wake_on_new_lines() {
        let stream = LogStream::new(10);
        let mut watch = stream.watch();
        stream.push("x");
        tokio::time::timeout(std::time::Duration::from_secs(1), watch.changed())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(*watch.borrow(), 1);
    }

    #[tokio::test]
    async fn a_held_reader_makes_the_writer_wait_for_room_instead_of_losing_lines() {
        let stream = Arc::new(LogStream::with_limits(usize::MAX, 10));
        let short = std::time::Duration::from_millis(50);
        // Nobody holds the stream: the writer never waits.
        stream.push_lines(["abcd", "efgh"]);
        tokio::time::timeout(short, stream.room_for(8))
            .await
            .unwrap();

        let hold = stream.hold(2);
        stream.push_lines(["ijkl", "mnop"]);
        tokio::time::timeout(short, stream.room_for(2))
            .await
            .expect("8 bytes unread, 2 more fit in 10");
        assert!(
            tokio::time::timeout(short, stream.room_for(4))
                .await
                .is_err(),
            "4 more would trim a line the reader has not read"
        );
        // The reader reads one line: the writer goes on, and the reader loses nothing.
        let waiting = tokio::spawn({
            let stream = Arc::clone(&stream);
            async move { stream.room_for(4).await }
        });
        let (lines, next) = stream.read(2, 1).unwrap();
        assert_eq!((texts(&lines), next), (vec!["ijkl"], 3));
        hold.advance(next);
        tokio::time::timeout(std::time::Duration::from_secs(1), waiting)
            .await
            .expect("woken by the reader")
            .unwrap();
        stream.push("qrst");
        assert_eq!(texts(&stream.read(3, 10).unwrap().0), ["mnop", "qrst"]);

        // The slowest of two readers counts; a reader that goes lets go.
        let slow = stream.hold(3);
        hold.advance(5);
        assert!(
            tokio::time::timeout(short, stream.room_for(4))
                .await
                .is_err()
        );
        drop(slow);
        tokio::time::timeout(short, stream.room_for(4))
            .await
            .unwrap();
        // A line larger than the limit goes in once the reader has read everything.
        assert!(
            tokio::time::timeout(short, stream.room_for(50))
                .await
                .is_ok()
        );
        drop(hold);
    }

    #[test]
    fn the_hub_opens_finds_and_removes_streams_by_prefix() {
        let hub = LogHub::default();
        let lab = hub.open("/logs/l1", 5);
        lab.push("x");
        assert_eq!(
            hub.open("/logs/l1", 5).len(),
            1,
            "open returns the existing stream"
        );
        hub.open("/logs/l2", 5);
        let node = hub.open("/logs/l1/c1", 5);
        let mut removed = hub.remove_prefixed("/logs/l1/");
        removed.sort();
        assert_eq!(removed, ["/logs/l1/c1"]);
        assert!(node.is_closed(), "removed streams are closed");
        assert!(hub.get("/logs/l1").is_some() && hub.get("/logs/l2").is_some());
        assert!(!lab.is_closed());
        hub.remove("/logs/l1");
        assert!(lab.is_closed());
    }
}
