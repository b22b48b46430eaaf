//! The event forwarder: everything the sessions and the app say goes to the webview as Tauri
//! events (see `contract::event`), and what the rest of the app cares about goes out as
//! [`Signal`]s.
//!
//! Log lines are batched per stream and paced by the webview: the forwarder holds a credit
//! of lines it may send, spends it on every batch it sends, and the webview gives it back as it
//! handles them (`logs_handled`, once per animation frame), giving more while its frames stay
//! short and less when they grow long. A flood then never queues more work in the web process
//! than a frame takes, and lines that wait meanwhile join their stream's waiting batch (up to
//! [`MAX_BATCH`] lines; a delivery is never split). Nothing is dropped: a restart or trimmed
//! lines start a new batch, so those markers land between the right lines; a webview that stops
//! answering (reloaded, or hidden and throttled) gets a fresh credit after [`ACK_TIMEOUT`], and
//! more than [`MAX_WAITING`] waiting lines go out regardless. Terminal output is tuned for
//! latency instead: it goes out as soon as nothing else waits in the queue, output of one view
//! that queued up meanwhile joined into one event. Everything else is sent at once. The
//! forwarder keeps every connection's latest state, to send again when a webview loads late.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use antimony_client::session::{ClientEvent, CommandError, ConnectionState};
use antimony_protocol::{ErrorBody, LabCommand, StatusMessage, namespace};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::mpsc;

use crate::contract::{
    CommandResultEvent, ConnectionEvent, ConnectionStateName, LabUpdateEvent, LogsEvent,
    ShellUpdate, ShellViewEvent, StatusEvent, event,
};
use crate::state::{AppEvent, Signal};

/// How often the forwarder checks on a webview that owes it an answer.
pub(crate) const TICK: Duration = Duration::from_millis(32);
/// The credit (lines) the forwarder starts with, and starts again with after a timeout: a
/// frame's worth while the webview's scripts are still cold. The webview starts its own count
/// from the same number (`INITIAL_CREDIT` in `ui/src/lib/bridge/log-pace.ts`).
pub(crate) const INITIAL_CREDIT: i64 = 2_000;
/// The most credit the webview can give (lines).
pub(crate) const MAX_CREDIT: i64 = 60_000;
/// A waiting batch takes lines up to this many. Deliveries are never split: one bigger than
/// this (a backlog) goes out whole.
pub(crate) const MAX_BATCH: usize = 4_096;
/// Without an answer for this long, the webview's events count as handled (a page that
/// reloaded never answers for the old one's).
pub(crate) const ACK_TIMEOUT: Duration = Duration::from_secs(1);
/// More waiting lines than this go out whatever the credit: memory stays bounded when a hidden
/// page is throttled, and nothing is dropped. A flood waits here while the page catches up, so
/// this is what a log view holds (`LOG_CAPACITY` in `ui/src/components/log-viewer/log-buffer.ts`).
pub(crate) const MAX_WAITING: usize = 200_000;
/// Terminal output joined for one view at most before it is sent (bytes): one event of it is
/// parsed and handed to the terminal well within a frame.
pub(crate) const MAX_SHELL_OUTPUT: usize = 64 * 1024;

/// Log batches waiting to go out, in the order they were started.
#[derive(Debug, Default)]
pub(crate) struct Batches {
    waiting: VecDeque<LogsEvent>,
    /// The lines in them.
    lines: usize,
}

impl Batches {
    /// Adds a delivery of a stream's lines: to the stream's newest waiting batch when it has
    /// room and no marker comes between, else as a new batch.
    pub(crate) fn add(
        &mut self,
        server: &str,
        stream: &str,
        lines: Vec<String>,
        missed: u64,
        restarted: bool,
    ) {
        self.lines += lines.len();
        // A marker (restart, trimmed lines) belongs before these lines, after the waiting
        // ones: it starts a batch of its own.
        if !restarted
            && missed == 0
            && let Some(batch) = self
                .waiting
                .iter_mut()
                .rev()
                .find(|b| b.server == server && b.stream == stream)
                .filter(|b| b.lines.len() + lines.len() <= MAX_BATCH)
        {
            batch.lines.extend(lines);
            return;
        }
        // Moved in whole: a delivery is never split or copied.
        self.waiting.push_back(LogsEvent {
            server: server.to_owned(),
            stream: stream.to_owned(),
            lines,
            missed,
            restarted,
        });
    }

    /// The oldest waiting batch.
    pub(crate) fn next(&mut self) -> Option<LogsEvent> {
        let batch = self.waiting.pop_front()?;
        self.lines -= batch.lines.len();
        Some(batch)
    }

    /// How many batches wait.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }

    /// How many lines wait.
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }

    /// Whether the oldest batch is full (worth sending before more events are read).
    pub(crate) fn front_full(&self) -> bool {
        self.waiting
            .front()
            .is_some_and(|b| b.lines.len() >= MAX_BATCH)
    }
}

/// The pace of log lines: the credit the webview gave, and since when an answer is awaited.
#[derive(Debug)]
pub(crate) struct Pace {
    credit: i64,
    /// The last answer, or the first batch sent after it.
    since: Instant,
    /// Whether nothing went out since the last answer.
    answered: bool,
}

impl Pace {
    pub(crate) fn new(now: Instant) -> Self {
        Pace {
            credit: INITIAL_CREDIT,
            since: now,
            answered: true,
        }
    }

    /// Whether another batch may go out now (it may overdraw the credit).
    pub(crate) fn open(&self) -> bool {
        self.credit > 0
    }

    /// A batch of `lines` lines went out.
    pub(crate) fn sent(&mut self, lines: usize, now: Instant) {
        if self.answered {
            // The time to answer starts now.
            self.answered = false;
            self.since = now;
        }
        self.credit -= i64::try_from(lines).unwrap_or(i64::MAX);
    }

    /// The webview gave `lines` of credit back (what it handled, give or take).
    pub(crate) fn granted(&mut self, lines: u32, now: Instant) {
        self.credit = (self.credit + i64::from(lines)).min(MAX_CREDIT);
        self.answered = true;
        self.since = now;
    }

    /// Starts over with [`INITIAL_CREDIT`] (a page that loaded owes nothing for the old one's).
    pub(crate) fn restart(&mut self, now: Instant) {
        self.credit = INITIAL_CREDIT;
        self.answered = true;
        self.since = now;
    }

    /// Starts over when the credit has been spent for [`ACK_TIMEOUT`] since the last answer
    /// or the first batch after it (checked at `now`). Returns whether it did.
    pub(crate) fn expire(&mut self, now: Instant) -> bool {
        let expired = self.credit <= 0 && now.duration_since(self.since) >= ACK_TIMEOUT;
        if expired {
            self.restart(now);
        }
        expired
    }
}

/// A connection state as the webview names it, and its message.
fn connection_state(state: ConnectionState) -> (ConnectionStateName, Option<String>) {
    match state {
        ConnectionState::Connected => (ConnectionStateName::Connected, None),
        ConnectionState::Refused(m) => (ConnectionStateName::Refused, Some(m)),
        ConnectionState::Trouble(m) => (ConnectionStateName::Trouble, Some(m)),
        ConnectionState::LoginNeeded(m) => (ConnectionStateName::LoginNeeded, Some(m)),
    }
}

/// The forwarder's own state: pending log batches and the latest connection states.
struct Forwarder<R: Runtime> {
    app: AppHandle<R>,
    /// Where signals go.
    signal: Box<dyn Fn(Signal) + Send>,
    batches: Batches,
    pace: Pace,
    connections: Vec<ConnectionEvent>,
    notices: u64,
    /// Terminal output not sent yet, in arrival order (one entry per view at most).
    shell_output: Vec<ShellViewEvent>,
}

/// Runs the forwarder until every sender of `events` is gone; signals go to `signal`.
pub(crate) fn spawn<R: Runtime>(
    app: AppHandle<R>,
    mut events: mpsc::UnboundedReceiver<AppEvent>,
    signal: impl Fn(Signal) + Send + 'static,
) {
    let mut forwarder = Forwarder {
        app,
        signal: Box::new(signal),
        batches: Batches::default(),
        pace: Pace::new(Instant::now()),
        connections: Vec::new(),
        notices: 0,
        shell_output: Vec::new(),
    };
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(event) => {
                        forwarder.forward(event);
                        // Terminal output and log lines wait only while more events are
                        // queued (to join them), or until a log batch is full.
                        let idle = events.is_empty();
                        if idle {
                            forwarder.flush_shell_output();
                        }
                        if idle || forwarder.batches.front_full() {
                            forwarder.send_logs();
                        }
                    }
                    None => break,
                },
                _ = tick.tick() => {
                    if forwarder.pace.expire(Instant::now()) {
                        tracing::debug!("the webview did not answer for its log events; sending on");
                    }
                    forwarder.send_logs();
                }
            }
        }
    });
}

impl<R: Runtime> Forwarder<R> {
    fn emit<T: Serialize>(&self, name: &str, payload: &T) {
        // By reference: a log batch is serialised once, never copied (the hot path).
        if let Err(error) = self.app.emit(name, payload) {
            tracing::warn!(%error, event = name, "cannot send an event to the webview");
        }
    }

    /// Sends waiting log batches while the webview has room for them (or too many wait).
    fn send_logs(&mut self) {
        while self.pace.open() || self.batches.lines() > MAX_WAITING {
            let Some(batch) = self.batches.next() else {
                break;
            };
            self.emit(event::LOGS, &batch);
            self.pace.sent(batch.lines.len(), Instant::now());
        }
    }

    /// Handles one event: sends it, or batches it.
    fn forward(&mut self, app_event: AppEvent) {
        match app_event {
            AppEvent::Session { server, event } => self.session_event(server, event),
            AppEvent::Notice {
                server,
                severity,
                content,
            } => {
                self.notices += 1;
                let message = StatusMessage {
                    id: format!("desktop-{}", self.notices),
                    source: "Antimony Desktop".into(),
                    log_content: content.clone(),
                    content,
                    timestamp: antimony_protocol::Timestamp::now_utc(),
                    severity,
                };
                self.emit(event::STATUS, &StatusEvent { server, message });
            }
            AppEvent::LogsHandled(lines) => {
                self.pace.granted(lines, Instant::now());
                self.send_logs();
            }
            AppEvent::Replay => {
                // A page that loaded owes nothing for the old one's log events.
                self.pace.restart(Instant::now());
                for payload in &self.connections {
                    self.emit(event::CONNECTION, payload);
                }
            }
            AppEvent::Shell {
                server,
                view_id,
                shell_id,
                event,
            } => self.shell_event(server, view_id, shell_id, event),
        }
    }

    /// Queues terminal output (joined per view); anything else about a view goes out after
    /// the view's queued output.
    fn shell_event(
        &mut self,
        server: String,
        view_id: String,
        shell_id: String,
        shell_event: antimony_client::session::ShellEvent,
    ) {
        use antimony_client::session::ShellEvent;
        let update = match shell_event {
            ShellEvent::Output(text) => {
                let joined = match self.shell_output.iter_mut().find(|p| p.view_id == view_id) {
                    Some(ShellViewEvent {
                        update: ShellUpdate::Output { data },
                        ..
                    }) => {
                        data.push_str(&text);
                        data.len()
                    }
                    _ => {
                        let len = text.len();
                        self.shell_output.push(ShellViewEvent {
                            server,
                            view_id,
                            shell_id,
                            update: ShellUpdate::Output { data: text },
                        });
                        len
                    }
                };
                // A flood goes out in pieces the webview takes between two frames.
                if joined >= MAX_SHELL_OUTPUT {
                    self.flush_shell_output();
                }
                return;
            }
            ShellEvent::Missed(bytes) => ShellUpdate::Missed { bytes },
            ShellEvent::Connection(state) => {
                let (state, message) = connection_state(state);
                ShellUpdate::Connection { state, message }
            }
            ShellEvent::Closed(reason) => ShellUpdate::Closed { reason },
        };
        self.flush_shell_output();
        self.emit(
            event::SHELL,
            &ShellViewEvent {
                server,
                view_id,
                shell_id,
                update,
            },
        );
    }

    /// Sends queued terminal output.
    fn flush_shell_output(&mut self) {
        for payload in std::mem::take(&mut self.shell_output) {
            self.emit(event::SHELL, &payload);
        }
    }

    fn session_event(&mut self, server: String, client_event: ClientEvent) {
        match client_event {
            ClientEvent::LogLines {
                namespace,
                lines,
                missed,
                restarted,
            } => self
                .batches
                .add(&server, &namespace, lines, missed, restarted),
            ClientEvent::Connection { namespace, state } => {
                let (state, message) = connection_state(state);
                let payload = ConnectionEvent {
                    server,
                    namespace,
                    state,
                    message,
                };
                // Labs may have changed while lab updates were not coming (log connections
                // don't tell).
                if payload.state == ConnectionStateName::Connected
                    && payload.namespace == namespace::LAB_UPDATES
                {
                    (self.signal)(Signal::LabsChanged {
                        server: payload.server.clone(),
                    });
                }
                self.connections
                    .retain(|p| !(p.server == payload.server && p.namespace == payload.namespace));
                self.emit(event::CONNECTION, &payload);
                self.connections.push(payload);
            }
            ClientEvent::Status(message) => {
                self.emit(event::STATUS, &StatusEvent { server, message });
            }
            // Shell news reaches the webview through the terminal views that show the shell.
            ClientEvent::ShellNotice(_) | ClientEvent::Shell { .. } => {}
            ClientEvent::LabUpdate(update) => {
                (self.signal)(Signal::LabsChanged {
                    server: server.clone(),
                });
                self.emit(
                    event::LAB_UPDATE,
                    &LabUpdateEvent {
                        server,
                        lab_id: update.lab_id,
                    },
                );
            }
            ClientEvent::CommandResult { command, result } => {
                let error = result.err().map(|e| match e {
                    CommandError::Refused(body) => body,
                    other => ErrorBody {
                        code: other.code(),
                        message: other.to_string(),
                    },
                });
                if command.command == LabCommand::Deploy {
                    (self.signal)(Signal::DeployFinished {
                        server: server.clone(),
                        lab_id: command.lab_id.clone(),
                        failure: error.as_ref().map(|e| e.message.clone()),
                    });
                }
                self.emit(
                    event::COMMAND_RESULT,
                    &CommandResultEvent {
                        server,
                        lab_id: command.lab_id,
                        command: command.command.into(),
                        node: command.node,
                        ok: error.is_none(),
                        error,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(range: std::ops::Range<usize>) -> Vec<String> {
        range.map(|i| format!("line {i}")).collect()
    }

    fn drain(batches: &mut Batches) -> Vec<LogsEvent> {
        std::iter::from_fn(|| batches.next()).collect()
    }

    #[test]
    fn batches_keep_order_and_put_markers_between_the_right_lines() {
        let mut batches = Batches::default();
        batches.add("s", "/logs/a", lines(0..3), 0, false);
        batches.add("s", "/logs/b", lines(0..1), 0, false);
        batches.add("s", "/logs/a", lines(3..5), 0, false);
        // A restart starts a batch of its own, after the waiting lines.
        batches.add("s", "/logs/a", lines(100..102), 0, true);
        batches.add("s", "/logs/a", lines(102..103), 0, false);
        let sent = drain(&mut batches);
        let shape: Vec<_> = sent
            .iter()
            .map(|b| (b.stream.as_str(), b.lines.clone(), b.restarted))
            .collect();
        assert_eq!(
            shape,
            [
                ("/logs/a", lines(0..5), false),
                ("/logs/b", lines(0..1), false),
                ("/logs/a", lines(100..103), true),
            ]
        );
        assert!(batches.next().is_none());
    }

    #[test]
    fn batches_stay_within_a_frame_and_deliveries_are_never_split() {
        let mut batches = Batches::default();
        for chunk in 0..10 {
            batches.add(
                "s",
                "/logs/a",
                lines(chunk * 1_024..(chunk + 1) * 1_024),
                0,
                false,
            );
        }
        // Four deliveries of 1,024 fill a batch of 4,096; a fifth does not fit.
        assert_eq!(batches.len(), 3);
        assert_eq!(batches.lines(), 10_240);
        assert!(batches.front_full());
        // A delivery bigger than a batch (a backlog) goes out whole.
        batches.add("s", "/logs/b", lines(0..5_000), 0, false);
        let sent = drain(&mut batches);
        assert_eq!(batches.lines(), 0);
        assert!(
            sent.iter()
                .all(|b| b.lines.len() <= MAX_BATCH || b.lines.len() == 5_000)
        );
        let a: Vec<String> = sent
            .iter()
            .filter(|b| b.stream == "/logs/a")
            .flat_map(|b| b.lines.clone())
            .collect();
        assert_eq!(a, lines(0..10_240));
        assert_eq!(sent.last().map(|b| b.lines.len()), Some(5_000));
    }

    #[test]
    fn trimmed_lines_are_reported_with_the_lines_after_them() {
        let mut batches = Batches::default();
        batches.add("s", "/logs/a", lines(0..2), 0, false);
        batches.add("s", "/logs/a", lines(50..51), 48, false);
        let sent = drain(&mut batches);
        assert_eq!((sent[0].missed, sent[0].lines.clone()), (0, lines(0..2)));
        assert_eq!((sent[1].missed, sent[1].lines.clone()), (48, lines(50..51)));
    }

    #[test]
    fn the_pace_holds_lines_back_until_the_webview_answers_or_times_out() {
        let start = Instant::now();
        let later = |ms| start + Duration::from_millis(ms);
        let mut pace = Pace::new(start);
        assert!(pace.open());
        pace.sent(1_500, start);
        assert!(pace.open());
        // The last batch may overdraw.
        pace.sent(1_500, start);
        assert!(!pace.open());
        // Not answered yet, not timed out.
        assert!(!pace.expire(later(500)));
        // Given back what it handled: open again.
        pace.granted(1_500, later(500));
        assert!(pace.open());
        pace.sent(1_500, later(500));
        assert!(!pace.open());
        // A second after the last answer, the credit starts over.
        assert!(!pace.expire(later(1_400)));
        assert!(pace.expire(later(1_500)));
        assert!(pace.open());
        // An open credit never times out.
        assert!(!pace.expire(later(9_000)));
        // More than the most credit is not kept.
        pace.granted(u32::MAX, later(9_000));
        pace.sent(usize::try_from(MAX_CREDIT).unwrap(), later(9_000));
        assert!(!pace.open());
        // A page that loaded starts over.
        pace.restart(later(9_000));
        assert!(pace.open());
    }
}
