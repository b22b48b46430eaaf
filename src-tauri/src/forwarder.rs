//! Forwards the sessions' events to the webview as Tauri events.
//!
//! Log lines are batched per stream: one `antimony://logs` event per stream every
//! [`FLUSH_EVERY`] (or as soon as a batch holds [`MAX_BATCH`] lines), in order. Nothing is
//! dropped: a batch is flushed before a stream restarts or reports trimmed lines, so those
//! markers land between the right lines. Everything else is sent at once.

use std::time::Duration;

use antimony_client::session::{ClientEvent, CommandError, ConnectionState};
use antimony_protocol::{LabCommand, LabCommandData, StatusMessage, namespace};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::mpsc;

use crate::state::{Desktop, ServerEvent};

/// Event names (the UI's `lib/bridge` listens to these).
pub(crate) mod name {
    /// A namespace connection changed state.
    pub(crate) const CONNECTION: &str = "antimony://connection";
    /// A status message.
    pub(crate) const STATUS: &str = "antimony://status";
    /// A lab changed.
    pub(crate) const LAB_UPDATE: &str = "antimony://lab-update";
    /// A batch of log lines of one stream.
    pub(crate) const LOGS: &str = "antimony://logs";
    /// A lab command finished.
    pub(crate) const COMMAND_RESULT: &str = "antimony://command-result";
}

/// How often pending log lines are sent.
pub(crate) const FLUSH_EVERY: Duration = Duration::from_millis(32);
/// A batch this big is sent at once. Each batch is one task on the webview's main thread:
/// at 2,000 lines a flood made frames up to 106 ms apart, at 1,000 none over 100 ms
/// (`bench/desktop-logs`).
pub(crate) const MAX_BATCH: usize = 1_000;

/// The latest connection state of every namespace, so a webview that (re)loads after the
/// sessions connected learns their state ([`replay_connections`]).
#[derive(Debug, Default)]
pub(crate) struct Connections(std::sync::Mutex<Vec<ConnectionPayload>>);

impl Connections {
    fn record(&self, payload: &ConnectionPayload) {
        let mut all = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        all.retain(|p| !(p.server == payload.server && p.namespace == payload.namespace));
        all.push(payload.clone());
    }

    fn all(&self) -> Vec<ConnectionPayload> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

static NOTICES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A message from the app itself, shown like a server's status message.
pub(crate) fn notice<R: Runtime>(
    app: &AppHandle<R>,
    server: &str,
    severity: antimony_protocol::Severity,
    content: &str,
) {
    let message = StatusMessage {
        id: format!(
            "desktop-{}",
            NOTICES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ),
        source: "Antimony Desktop".into(),
        content: content.to_owned(),
        log_content: content.to_owned(),
        timestamp: antimony_protocol::Timestamp::now_utc(),
        severity,
    };
    let payload = StatusPayload {
        server: server.to_owned(),
        message,
    };
    emit(app, name::STATUS, &payload);
}

/// Sends the latest state of every connection again.
pub(crate) fn replay_connections<R: Runtime>(app: &AppHandle<R>) {
    for payload in app.state::<Connections>().all() {
        emit(app, name::CONNECTION, &payload);
    }
}

/// `antimony://connection`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ConnectionPayload {
    server: String,
    namespace: String,
    state: &'static str,
    message: Option<String>,
}

/// `antimony://status`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StatusPayload {
    server: String,
    message: StatusMessage,
}

/// `antimony://lab-update`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LabUpdatePayload {
    server: String,
    lab_id: Option<String>,
}

/// `antimony://logs`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LogsPayload {
    /// The server.
    pub(crate) server: String,
    /// The stream (its namespace path).
    pub(crate) stream: String,
    /// New lines, in order.
    pub(crate) lines: Vec<String>,
    /// Lines trimmed on the server before they could be delivered (before `lines`).
    pub(crate) missed: u64,
    /// The stream started over; `lines` begin the new run.
    pub(crate) restarted: bool,
}

/// `antimony://command-result`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommandResultPayload {
    server: String,
    lab_id: String,
    command: &'static str,
    node: Option<String>,
    ok: bool,
    error: Option<antimony_protocol::ErrorBody>,
}

/// The name the UI uses for a lab command.
pub(crate) fn command_name(command: LabCommand) -> &'static str {
    match command {
        LabCommand::Deploy => "deploy",
        LabCommand::Destroy => "destroy",
        LabCommand::StartNode => "startNode",
        LabCommand::StopNode => "stopNode",
        LabCommand::RestartNode => "restartNode",
        LabCommand::FetchShells => "fetchShells",
        LabCommand::OpenShell => "openShell",
        LabCommand::CloseShell => "closeShell",
    }
}

/// Log batches waiting for the next flush, in the order their streams first got lines.
#[derive(Debug, Default)]
pub(crate) struct Batches {
    pending: Vec<LogsPayload>,
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
    ) -> Vec<LogsPayload> {
        let mut ready = Vec::new();
        let index = self
            .pending
            .iter()
            .position(|b| b.server == server && b.stream == stream);
        // A marker (restart, trimmed lines) belongs before these lines, after the pending
        // ones: send those first.
        let index = match index {
            Some(i) if restarted || missed > 0 => {
                ready.push(self.pending.remove(i));
                None
            }
            other => other,
        };
        let index = match index {
            Some(i) => i,
            None => {
                self.pending.push(LogsPayload {
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
            batch.lines.extend(lines);
            batch.lines.len() >= MAX_BATCH
        });
        if full {
            ready.push(self.pending.remove(index));
        }
        ready
    }

    /// Everything pending.
    pub(crate) fn drain(&mut self) -> Vec<LogsPayload> {
        std::mem::take(&mut self.pending)
    }
}

/// Runs the forwarder until every sender is gone.
pub(crate) fn spawn_forwarder<R: Runtime>(
    app: AppHandle<R>,
    mut events: mpsc::UnboundedReceiver<ServerEvent>,
) {
    tauri::async_runtime::spawn(async move {
        let mut batches = Batches::default();
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(event) => {
                        for batch in forward(&app, &mut batches, event) {
                            emit(&app, name::LOGS, &batch);
                        }
                    }
                    None => break,
                },
                _ = tick.tick() => {
                    for batch in batches.drain() {
                        emit(&app, name::LOGS, &batch);
                    }
                }
            }
        }
    });
}

fn emit<R: Runtime, T: Serialize>(app: &AppHandle<R>, event: &str, payload: &T) {
    // By reference: a log batch is serialised once, never copied (the hot path).
    if let Err(error) = app.emit(event, payload) {
        tracing::warn!(%error, event, "cannot send an event to the webview");
    }
}

/// Handles one event: sends it, or batches it; returns log batches due now.
fn forward<R: Runtime>(
    app: &AppHandle<R>,
    batches: &mut Batches,
    ServerEvent { server, event }: ServerEvent,
) -> Vec<LogsPayload> {
    match event {
        ClientEvent::LogLines {
            namespace,
            lines,
            missed,
            restarted,
        } => return batches.add(&server, &namespace, lines, missed, restarted),
        ClientEvent::Connection { namespace, state } => {
            let (state, message) = match state {
                ConnectionState::Connected => ("connected", None),
                ConnectionState::Refused(message) => ("refused", Some(message)),
                ConnectionState::Trouble(message) => ("trouble", Some(message)),
                ConnectionState::LoginNeeded(message) => ("loginNeeded", Some(message)),
            };
            let payload = ConnectionPayload {
                server,
                namespace,
                state,
                message,
            };
            // Labs may have changed while lab updates were not coming (log connections don't
            // tell).
            if payload.state == "connected" && payload.namespace == namespace::LAB_UPDATES {
                crate::tray::labs_changed(app, &payload.server);
            }
            app.state::<Connections>().record(&payload);
            emit(app, name::CONNECTION, &payload);
        }
        ClientEvent::Status(message) => {
            emit(app, name::STATUS, &StatusPayload { server, message });
        }
        ClientEvent::LabUpdate(update) => {
            crate::tray::labs_changed(app, &server);
            emit(
                app,
                name::LAB_UPDATE,
                &LabUpdatePayload {
                    server,
                    lab_id: update.lab_id,
                },
            );
        }
        ClientEvent::CommandResult { command, result } => {
            if command.command == LabCommand::Deploy {
                notify_deploy(app, &server, &command, &result);
            }
            let error = result.err().map(|e| match e {
                CommandError::Refused(body) => body,
                other => antimony_protocol::ErrorBody {
                    code: other.code(),
                    message: other.to_string(),
                },
            });
            emit(
                app,
                name::COMMAND_RESULT,
                &CommandResultPayload {
                    server,
                    lab_id: command.lab_id,
                    command: command_name(command.command),
                    node: command.node,
                    ok: error.is_none(),
                    error,
                },
            );
        }
    }
    Vec::new()
}

/// An OS notification for a finished or failed deploy, when the window is not in front.
fn notify_deploy<R: Runtime>(
    app: &AppHandle<R>,
    server: &str,
    command: &LabCommandData,
    result: &Result<serde_json::Value, CommandError>,
) {
    let focused = app
        .get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    if focused {
        return;
    }
    let (app, server, lab_id) = (app.clone(), server.to_owned(), command.lab_id.clone());
    let failure = result.as_ref().err().map(ToString::to_string);
    tauri::async_runtime::spawn(async move {
        let desktop = app.state::<Desktop>();
        let name = match desktop.connected(&server) {
            Ok(connected) => connected
                .rest
                .lab(&lab_id)
                .await
                .map_or_else(|_| lab_id.clone(), |lab| lab.name),
            Err(_) => lab_id.clone(),
        };
        let (title, body) = match failure {
            None => (format!("{name} is deployed"), format!("on {server}")),
            Some(error) => (format!("Deploying {name} failed"), error),
        };
        if let Err(error) = app.notification().builder().title(title).body(body).show() {
            tracing::warn!(%error, "cannot show a notification");
        }
    });
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
    fn a_full_batch_goes_out_at_once_and_nothing_is_lost() {
        let mut batches = Batches::default();
        let mut sent = Vec::new();
        for chunk in 0..10 {
            for batch in batches.add(
                "s",
                "/logs/a",
                lines(chunk * 700..(chunk + 1) * 700),
                0,
                false,
            ) {
                assert!(batch.lines.len() >= MAX_BATCH);
                sent.extend(batch.lines);
            }
        }
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
