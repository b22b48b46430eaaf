//! Reminders before a lab ends: an OS notification some minutes (15 unless the user says
//! otherwise) before a deployed lab's end time, with an "Extend by 1 hour" action where the
//! user may extend it. It runs here rather than in the webview so it works while the window is
//! hidden in the tray.
//!
//! The labs of every logged-in server are read through the state (`Desktop`), again on each
//! `Signal::LabsChanged` and every few minutes (the Go server announces no change of a lab's
//! times). What to remind of, and when to look again, are pure functions (tested in
//! `reminders/tests.rs`); the loop only reads, notifies and sleeps. Each lab is reminded of
//! once per end time: extended, it is reminded of again before its new end.
//!
//! The notification goes to the desktop's notification server over D-Bus
//! (org.freedesktop.Notifications, `notify-rust`): the notification plugin has no actions on
//! desktops. Waiting for the action is bounded by the lab's end.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use antimony_protocol::AccessClaims;
use antimony_protocol::Timestamp;
use antimony_protocol::rest::{InstanceState, LabInPartial, LabOut, LabsQuery};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use time::OffsetDateTime;
use tokio::sync::Notify;
use tokio::sync::broadcast::error::RecvError;

use crate::contract::{BridgeError, BridgeErrorKind, LabUpdateEvent, ReminderSettings, event};
use crate::state::{Desktop, Signal};

/// The lead time unless the user chose another.
pub(crate) const DEFAULT_LEAD_MINUTES: u32 = 15;
/// The longest lead time: a day.
pub(crate) const MAX_LEAD_MINUTES: u32 = 24 * 60;
/// How much the notification's action extends a lab by.
pub(crate) const EXTENSION: time::Duration = time::Duration::hours(1);
/// The notification action that extends the lab.
pub(crate) const EXTEND_ACTION: &str = "extend";
/// Labs are read again at least this often (the Go server is silent on a changed end time).
const REFRESH: Duration = Duration::from_secs(5 * 60);
/// Lab updates closer together than this are read once.
const SETTLE: Duration = Duration::from_millis(500);
/// Lab updates read the labs again at most this often (a busy server sends many a second).
const MIN_GAP: Duration = Duration::from_secs(10);
/// How long one server gets to answer.
const ANSWER: Duration = Duration::from_secs(15);
/// Ends further ahead than this (50 years) are placeholders for "no end" (the import's 2199).
const PARKED_AFTER: time::Duration = time::Duration::days(50 * 365);
/// The settings file, in the app's config directory.
const SETTINGS_FILE: &str = "reminders.json";

impl Default for ReminderSettings {
    fn default() -> Self {
        ReminderSettings {
            enabled: true,
            lead_minutes: DEFAULT_LEAD_MINUTES,
        }
    }
}

/// The reminder settings, kept in a file, in managed state.
#[derive(Debug)]
pub(crate) struct Reminders {
    path: Option<PathBuf>,
    settings: Mutex<ReminderSettings>,
    changed: Notify,
}

impl Reminders {
    /// The settings kept at `path` (the defaults when missing or unreadable).
    pub(crate) fn load(path: Option<PathBuf>) -> Self {
        let settings = crate::settings_file::read::<ReminderSettings>(path.as_deref())
            .filter(|s| check(*s).is_ok())
            .unwrap_or_default();
        Reminders {
            path,
            settings: Mutex::new(settings),
            changed: Notify::new(),
        }
    }

    /// Where the settings file is, in a config directory.
    pub(crate) fn file_in(dir: Option<PathBuf>) -> Option<PathBuf> {
        dir.map(|d| d.join(SETTINGS_FILE))
    }

    /// The settings in force.
    pub(crate) fn settings(&self) -> ReminderSettings {
        *self
            .settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Checks, keeps and applies new settings.
    pub(crate) fn set(&self, settings: ReminderSettings) -> Result<(), BridgeError> {
        check(settings)?;
        if let Some(path) = &self.path {
            crate::settings_file::write(path, &settings, "the reminder settings")?;
        }
        *self
            .settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = settings;
        self.changed.notify_one();
        Ok(())
    }
}

/// Whether settings are sensible: a lead time from 1 minute to a day.
pub(crate) fn check(settings: ReminderSettings) -> Result<(), BridgeError> {
    if (1..=MAX_LEAD_MINUTES).contains(&settings.lead_minutes) {
        Ok(())
    } else {
        Err(BridgeError::new(
            BridgeErrorKind::Io,
            format!("the reminder must come 1 to {MAX_LEAD_MINUTES} minutes before the end"),
        ))
    }
}

/// A deployed lab with an end time, as the reminders see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ending {
    /// The server's name.
    pub(crate) server: String,
    /// The lab's id.
    pub(crate) lab_id: String,
    /// The lab's name.
    pub(crate) name: String,
    /// When the server destroys it.
    pub(crate) end: OffsetDateTime,
    /// Why the user cannot extend it from the notification, if they cannot.
    pub(crate) cannot_extend: Option<&'static str>,
}

/// What a reminder is given once for: the lab and its end time.
pub(crate) type Reminded = (String, String, OffsetDateTime);

impl Ending {
    /// The key it is reminded of once by.
    pub(crate) fn key(&self) -> Reminded {
        (self.server.clone(), self.lab_id.clone(), self.end)
    }
}

/// Why the user cannot change a deployed lab's end, if they cannot: only its creator or an
/// admin may (PROTOCOL.md §3.7), and only antimony-server takes a new end time for a
/// deployed lab (the Go server would hang, §4.3).
pub(crate) fn cannot_extend(
    lab: &LabOut,
    identity: Option<&AccessClaims>,
    antimony_server: bool,
) -> Option<&'static str> {
    let allowed = identity.is_some_and(|me| me.is_admin || me.id == lab.creator.id);
    if !allowed {
        Some("Only its creator or an admin can extend it.")
    } else if !antimony_server {
        Some("This server cannot change a running lab.")
    } else {
        None
    }
}

/// The labs of one server that can be reminded of: deployed (running or deploying), with a
/// real end time still ahead.
pub(crate) fn endings(
    server: &str,
    labs: &[LabOut],
    identity: Option<&AccessClaims>,
    antimony_server: bool,
    now: OffsetDateTime,
) -> Vec<Ending> {
    labs.iter()
        .filter(|lab| {
            lab.instance.as_ref().is_some_and(|i| {
                matches!(i.state, InstanceState::Running | InstanceState::Deploying)
            })
        })
        .filter_map(|lab| {
            let end = lab.end_time.as_ref()?.as_offset_date_time();
            (end > now && end - now <= PARKED_AFTER).then(|| Ending {
                server: server.to_owned(),
                lab_id: lab.id.clone(),
                name: lab.name.clone(),
                end,
                cannot_extend: cannot_extend(lab, identity, antimony_server),
            })
        })
        .collect()
}

/// The lead time of the settings, `None` when reminders are off.
fn lead(settings: ReminderSettings) -> Option<time::Duration> {
    settings
        .enabled
        .then(|| time::Duration::minutes(i64::from(settings.lead_minutes)))
}

/// The labs to remind of now: ending within the lead time, not ended, not reminded of for
/// this end time yet.
pub(crate) fn due<'a>(
    endings: &'a [Ending],
    settings: ReminderSettings,
    now: OffsetDateTime,
    reminded: &HashSet<Reminded>,
) -> Vec<&'a Ending> {
    let Some(lead) = lead(settings) else {
        return Vec::new();
    };
    endings
        .iter()
        .filter(|e| e.end > now && e.end - lead <= now && !reminded.contains(&e.key()))
        .collect()
}

/// How long to sleep before the next reminder falls due: until the earliest lab enters its
/// lead time, at most `at_most`, at least a second.
pub(crate) fn next_check(
    endings: &[Ending],
    settings: ReminderSettings,
    now: OffsetDateTime,
    at_most: Duration,
) -> Duration {
    let next = lead(settings).and_then(|lead| {
        endings
            .iter()
            .map(|e| e.end - lead - now)
            .filter(|wait| wait.is_positive())
            .min()
    });
    next.and_then(|wait| Duration::try_from(wait).ok())
        .unwrap_or(at_most)
        .clamp(Duration::from_secs(1), at_most.max(Duration::from_secs(1)))
}

/// Forgets what was reminded of for end times now past (they are never due again).
pub(crate) fn forget_past(reminded: &mut HashSet<Reminded>, now: OffsetDateTime) {
    reminded.retain(|(_, _, end)| *end > now);
}

/// The notification's title and text.
pub(crate) fn reminder_text(ending: &Ending, now: OffsetDateTime) -> (String, String) {
    let left = ending.end - now;
    // Whole minutes, rounded up: "in 15 minutes" at 14:45:00 for 15:00:00.
    let minutes = (left.whole_seconds() + 59) / 60;
    let when = match minutes {
        ..=1 => "in a minute".to_owned(),
        2..=90 => format!("in {minutes} minutes"),
        _ => format!("in {} hours", (minutes + 30) / 60),
    };
    let title = format!("{} ends {when}", ending.name);
    let body = match ending.cannot_extend {
        None => format!("on {}: the server destroys it then.", ending.server),
        Some(why) => format!("on {}: the server destroys it then. {why}", ending.server),
    };
    (title, body)
}

/// The change that extends a lab ending at `end` by the extension.
pub(crate) fn extension(end: OffsetDateTime) -> LabInPartial {
    LabInPartial {
        end_time: Some(Timestamp::from(end + EXTENSION)),
        ..LabInPartial::default()
    }
}

/// Reminds of the labs of every logged-in server until the app ends.
pub(crate) fn spawn<R: Runtime>(app: AppHandle<R>) {
    let mut signals = app.state::<Desktop>().signals();
    tauri::async_runtime::spawn(async move {
        let mut reminded = HashSet::new();
        let mut known: Vec<Ending> = Vec::new();
        let mut read_at: Option<tokio::time::Instant> = None;
        // Labs changed since the last read.
        let mut changed = false;
        loop {
            let since = read_at.map_or(REFRESH, |at| at.elapsed());
            if since >= REFRESH || (changed && since >= MIN_GAP) {
                known = read_endings(&app).await;
                read_at = Some(tokio::time::Instant::now());
                changed = false;
            }
            let now = OffsetDateTime::now_utc();
            let settings = app.state::<Reminders>().settings();
            for ending in due(&known, settings, now, &reminded) {
                reminded.insert(ending.key());
                tauri::async_runtime::spawn(remind(app.clone(), ending.clone(), now));
            }
            forget_past(&mut reminded, now);
            let since = read_at.map_or(REFRESH, |at| at.elapsed());
            let until_read = if changed {
                MIN_GAP.saturating_sub(since)
            } else {
                REFRESH.saturating_sub(since)
            };
            let wait = next_check(&known, settings, now, until_read);
            let reminders = app.state::<Reminders>();
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = reminders.changed.notified() => {}
                signal = signals.recv() => match signal {
                    Ok(Signal::LabsChanged { .. }) | Err(RecvError::Lagged(_)) => {
                        // A burst of updates (a deploy) is read once.
                        tokio::time::sleep(SETTLE).await;
                        drain(&mut signals);
                        changed = true;
                    }
                    Ok(Signal::DeployFinished { .. }) => {}
                    Err(RecvError::Closed) => return,
                },
            }
        }
    });
}

/// Skips the signals already waiting.
fn drain(signals: &mut tokio::sync::broadcast::Receiver<Signal>) {
    use tokio::sync::broadcast::error::TryRecvError;
    loop {
        match signals.try_recv() {
            Ok(_) | Err(TryRecvError::Lagged(_)) => {}
            Err(TryRecvError::Empty | TryRecvError::Closed) => return,
        }
    }
}

/// The endings of every logged-in server's labs (a server that does not answer has none).
async fn read_endings<R: Runtime>(app: &AppHandle<R>) -> Vec<Ending> {
    let connections = app.state::<Desktop>().connections();
    let mut all = Vec::new();
    for (server, connected) in connections {
        let query = LabsQuery::default();
        let labs = match tokio::time::timeout(ANSWER, connected.rest.labs(&query)).await {
            Ok(Ok(page)) => page.labs,
            Ok(Err(error)) => {
                tracing::debug!(%server, %error, "reminders: cannot read the labs");
                continue;
            }
            Err(_) => {
                tracing::debug!(%server, "reminders: the labs did not come");
                continue;
            }
        };
        // Only asked when a lab is deployed: what the server says decides whether it may be
        // extended.
        let deployed = labs.iter().any(|l| l.instance.is_some());
        let antimony_server = deployed
            && matches!(
                tokio::time::timeout(ANSWER, connected.rest.server_version()).await,
                Ok(Ok(Some(_)))
            );
        let identity = connected.rest.identity();
        all.extend(endings(
            &server,
            &labs,
            identity.as_ref(),
            antimony_server,
            OffsetDateTime::now_utc(),
        ));
    }
    all
}

/// Shows the reminder and acts on its action.
async fn remind<R: Runtime>(app: AppHandle<R>, ending: Ending, now: OffsetDateTime) {
    let subject = crate::notify_rules::Subject {
        server: &ending.server,
        lab_id: Some(&ending.lab_id),
        lab_name: Some(&ending.name),
    };
    let allowed = app
        .try_state::<crate::notify_rules::Rules>()
        .is_none_or(|rules| rules.allows(subject, antimony_protocol::Severity::Warning));
    if !allowed {
        tracing::debug!(server = %ending.server, lab = %ending.lab_id, "the notification rules hold back a reminder");
        return;
    }
    let (title, body) = reminder_text(&ending, now);
    tracing::info!(server = %ending.server, lab = %ending.lab_id, "reminding of the lab's end");
    // Waiting for an action is bounded by the lab's end (then there is nothing to extend).
    let bound = Duration::try_from(ending.end - now)
        .unwrap_or(Duration::ZERO)
        .max(Duration::from_secs(60));
    let actions: &[(&str, &str)] = if ending.cannot_extend.is_none() {
        &[(EXTEND_ACTION, "Extend by 1 hour"), ("default", "Open")]
    } else {
        &[("default", "Open")]
    };
    match desktop_notification(&title, &body, actions, bound).await {
        Some(action) if action == EXTEND_ACTION => extend(&app, &ending).await,
        Some(action) if action == "default" => show_window(&app),
        _ => {}
    }
}

/// Extends the lab by an hour from the end it had, and says how that went.
async fn extend<R: Runtime>(app: &AppHandle<R>, ending: &Ending) {
    let desktop = app.state::<Desktop>();
    let change = extension(ending.end);
    let result = match desktop.connected(&ending.server) {
        Ok(connected) => {
            match tokio::time::timeout(ANSWER, connected.rest.update_lab(&ending.lab_id, &change))
                .await
            {
                Ok(result) => result.map_err(|e| BridgeError::from(e).message),
                Err(_) => Err("the server did not answer".to_owned()),
            }
        }
        Err(error) => Err(error.message),
    };
    match result {
        Ok(()) => {
            tracing::info!(server = %ending.server, lab = %ending.lab_id, "extended the lab by an hour");
            // The webview refetches the lab (the Go server would not announce it), and the
            // reminders read the new end.
            let update = LabUpdateEvent {
                server: ending.server.clone(),
                lab_id: Some(ending.lab_id.clone()),
            };
            if let Err(error) = app.emit(event::LAB_UPDATE, &update) {
                tracing::warn!(%error, "cannot tell the webview the lab changed");
            }
            desktop.signal(Signal::LabsChanged {
                server: ending.server.clone(),
            });
            let title = format!("{} runs an hour longer", ending.name);
            let body = format!("on {}", ending.server);
            let _ = desktop_notification(&title, &body, &[], Duration::ZERO).await;
        }
        Err(message) => {
            tracing::warn!(server = %ending.server, lab = %ending.lab_id, %message, "cannot extend the lab");
            let title = format!("{} could not be extended", ending.name);
            let _ = desktop_notification(&title, &message, &[], Duration::ZERO).await;
        }
    }
}

/// Brings the main window forward.
fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Shows a notification with actions (`(id, label)`) and waits at most `wait` for one; the
/// action's id (`"default"` for a click on the notification), or `None`.
#[cfg(target_os = "linux")]
async fn desktop_notification(
    title: &str,
    body: &str,
    actions: &[(&str, &str)],
    wait: Duration,
) -> Option<String> {
    let mut notification = notify_rust::Notification::new();
    notification.appname("Antimony").summary(title).body(body);
    for (id, label) in actions {
        notification.action(id, label);
    }
    let handle = match notification.show_async().await {
        Ok(handle) => handle,
        Err(error) => {
            tracing::warn!(%error, "cannot show a notification");
            return None;
        }
    };
    if actions.is_empty() || wait.is_zero() {
        return None;
    }
    let mut chosen = None;
    let waited = tokio::time::timeout(
        wait,
        handle.wait_for_action_async(|response| {
            chosen = match response {
                notify_rust::NotificationResponse::Action(id) => Some(id.clone()),
                notify_rust::NotificationResponse::Default => Some("default".to_owned()),
                _ => None,
            };
        }),
    )
    .await;
    if waited.is_err() {
        // Too late to act on: take it away.
        handle.close_async().await;
    }
    chosen
}

/// Elsewhere the notification has no actions.
#[cfg(not(target_os = "linux"))]
async fn desktop_notification(
    title: &str,
    body: &str,
    _actions: &[(&str, &str)],
    _wait: Duration,
) -> Option<String> {
    tracing::info!(
        title,
        body,
        "reminder (no desktop notifications with actions here)"
    );
    None
}

#[cfg(test)]
mod tests;
