//! The event forwarder: everything the sessions and the app say goes to the webview as Tauri
//! events (see `contract::event`), and what the rest of the app cares about goes out as
//! [`Signal`]s.
//!
//! Log lines are batched per stream: one `antimony://logs` event per stream every
//! [`FLUSH_EVERY`] (or as soon as a batch holds [`MAX_BATCH`] lines), in order. Nothing is
//! dropped: a batch is flushed before a stream restarts or reports trimmed lines, so those
//! markers land between the right lines. Terminal output is tuned for latency instead: it
//! goes out as soon as nothing else waits in the queue, output of one view that queued up
//! meanwhile joined into one event. Everything else is sent at once. The forwarder keeps
//! every connection's latest state, to send again when a webview loads late.

use std::time::Duration;

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

/// How often pending log lines are sent.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(32);
/// A batch this big is sent at once. Each batch is one task on the webview's main thread:
/// at 2,000 lines a flood made frames up to 106 ms apart, at 1,000 none over 100 ms
/// (`bench/desktop-logs`).
pub(crate) const MAX_BATCH: usize = 1_000;
/// Terminal output joined for one view at most before it is sent (bytes): one event of it is
/// parsed and handed to the terminal well within a frame.
pub(crate) const MAX_SHELL_OUTPUT: usize = 64 * 1024;

/// Log batches waiting for the next flush, in the order their streams first got lines.
#[derive(Debug, Default)]
pub(crate) struct Batches {
    pending: Vec<LogsEvent>,
}

impl Batches {
    /// Adds lines of a stream; returns batches that must go out now (in order).
    pub(crate) fn add(
        &mut self,
        server: &str,
        stream: &str,
        lines: Vec<String>,
        missed: u64,
        restarted: bool,
    ) -> Vec<LogsEvent> {
        let mut ready = Vec::new();
        let index = self
            .pending
            .iter()
            .position(|b| b.server == server && b.stream == stream);
        // A marker (restart, trimmed lines) belongs before these lines, after the pending
        // ones: send those first. So do pending lines that would make one batch too big for
        // a frame with these.
        let index = match index {
            Some(i)
                if restarted
                    || missed > 0
                    || self
                        .pending
                        .get(i)
                        .is_some_and(|b| b.lines.len() + lines.len() > MAX_BATCH) =>
            {
                ready.push(self.pending.remove(i));
                None
            }
            other => other,
        };
        let index = match index {
            Some(i) => i,
            None => {
                self.pending.push(LogsEvent {
                    server: server.to_owned(),
                    stream: stream.to_owned(),
                    lines: Vec::new(),
                    missed,
                    restarted,
                });
                self.pending.len() - 1
            }
        };
        let full = self.pending.get_mut(index).is_some_and(|batch| {
            // Lines delivered together (a server's batches, gathered by the client, at most
            // a frame's worth) are moved in whole when nothing is pending, never split.
            if batch.lines.is_empty() {
                batch.lines = lines;
            } else {
                batch.lines.extend(lines);
            }
            batch.lines.len() >= MAX_BATCH
        });
        if full {
            ready.push(self.pending.remove(index));
        }
        ready
    }

    /// Everything pending.
    pub(crate) fn drain(&mut self) -> Vec<LogsEvent> {
        std::mem::take(&mut self.pending)
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
        connections: Vec::new(),
        notices: 0,
        shell_output: Vec::new(),
    };
    tauri::async_runtime::spawn(async move {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(event) => {
                        forwarder.forward(event);
                        // Terminal output waits only while more events are queued.
                        if events.is_empty() {
                            forwarder.flush_shell_output();
                        }
                    }
                    None => break,
                },
                _ = tick.tick() => {
                    for batch in forwarder.batches.drain() {
                        forwarder.emit(event::LOGS, &batch);
                    }
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
            AppEvent::Replay => {
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
            } => {
                for batch in self
                    .batches
                    .add(&server, &namespace, lines, missed, restarted)
                {
                    self.emit(event::LOGS, &batch);
                }
            }
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

    #[test]
    fn batches_keep_order_and_put_markers_between_the_right_lines() {
        let mut batches = Batches::default();
        assert!(
            batches
                .add("s", "/logs/a", lines(0..3), 0, false)
                .is_empty()
        );
        assert!(
            batches
                .add("s", "/logs/b", lines(0..1), 0, false)
                .is_empty()
        );
        assert!(
            batches
                .add("s", "/logs/a", lines(3..5), 0, false)
                .is_empty()
        );
        // A restart sends what was pending first.
        let ready = batches.add("s", "/logs/a", lines(100..102), 0, true);
        assert_eq!(ready.len(), 1);
        assert_eq!(ready[0].lines, lines(0..5));
        assert!(!ready[0].restarted);
        let rest = batches.drain();
        assert_eq!(rest.len(), 2);
        assert_eq!(
            (rest[0].stream.as_str(), rest[0].lines.clone()),
            ("/logs/b", lines(0..1))
        );
        assert_eq!(rest[1].lines, lines(100..102));
        assert!(rest[1].restarted);
        assert!(batches.drain().is_empty());
    }

    #[test]
    fn batches_go_out_before_they_grow_past_a_frame_and_nothing_is_lost() {
        let mut batches = Batches::default();
        let mut sent = Vec::new();
        let mut events = 0;
        for chunk in 0..10 {
            for batch in batches.add(
                "s",
                "/logs/a",
                lines(chunk * 700..(chunk + 1) * 700),
                0,
                false,
            ) {
                // 700 pending and 700 more would be 1,400: the 700 go first.
                assert_eq!(batch.lines.len(), 700);
                events += 1;
                sent.extend(batch.lines);
            }
        }
        assert_eq!(events, 9);
        // A delivery of a full batch or more (a backlog) goes out whole, at once.
        let big = batches.add("s", "/logs/b", lines(0..2_500), 0, false);
        assert_eq!(big.len(), 1);
        assert_eq!(big[0].lines.len(), 2_500);
        for batch in batches.drain() {
            sent.extend(batch.lines);
        }
        assert_eq!(sent, lines(0..7_000));
    }

    #[test]
    fn trimmed_lines_are_reported_with_the_lines_after_them() {
        let mut batches = Batches::default();
        batches.add("s", "/logs/a", lines(0..2), 0, false);
        let ready = batches.add("s", "/logs/a", lines(50..51), 48, false);
        assert_eq!(ready[0].missed, 0);
        let rest = batches.drain();
        assert_eq!((rest[0].missed, rest[0].lines.clone()), (48, lines(50..51)));
    }
}
