//! The tray icon: how many labs run, per server (the menu has a line for each) and in all
//! (the icon's label and the window title, for desktops without a tray), a way back to the
//! window, and quit.
//!
//! Closing the window hides it while the tray is there: the local server keeps running (and
//! with it the scheduler, the lab logs and the end-time destroys). Labs are containers, so
//! quitting never stops them either; the next start finds them again.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use antimony_protocol::rest::{InstanceState, LabsQuery};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

use crate::state::{Desktop, Signal};

/// Lab changes closer together than this are counted once.
const SETTLE: Duration = Duration::from_millis(300);
/// Every server is counted again this often (logins and logouts, servers added or removed).
const RECOUNT: Duration = Duration::from_secs(60);
/// How long one server gets to answer.
const ANSWER: Duration = Duration::from_secs(15);

/// The tray, in managed state once it is built.
pub(crate) struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    /// The lines of the menu shown (rebuilt only when they change).
    lines: Mutex<Vec<String>>,
    told_hidden: AtomicBool,
}

/// What the tray knows of one server's labs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerCount {
    /// Not counted yet.
    Counting,
    /// This many labs run.
    Running(usize),
    /// Nobody is logged in there.
    NotLoggedIn,
    /// It did not answer.
    Unreachable,
}

/// The running labs of every server, in the order of the server list (the local one first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RunningCounts {
    servers: Vec<(String, ServerCount)>,
}

impl RunningCounts {
    /// Follows exactly these servers, in this order; new ones are `Counting`, gone ones
    /// are forgotten.
    pub(crate) fn follow(&mut self, names: &[String]) {
        let old = std::mem::take(&mut self.servers);
        self.servers = names
            .iter()
            .map(|name| {
                let known = old.iter().find(|(n, _)| n == name).map(|(_, c)| *c);
                (name.clone(), known.unwrap_or(ServerCount::Counting))
            })
            .collect();
    }

    /// Records a server's count (a server not followed is ignored).
    pub(crate) fn set(&mut self, server: &str, count: ServerCount) {
        if let Some(entry) = self.servers.iter_mut().find(|(n, _)| n == server) {
            entry.1 = count;
        }
    }

    /// The labs running on every server that answered.
    pub(crate) fn total(&self) -> usize {
        self.servers
            .iter()
            .map(|(_, c)| match c {
                ServerCount::Running(n) => *n,
                _ => 0,
            })
            .sum()
    }

    /// The menu's lines, one per server.
    pub(crate) fn lines(&self) -> Vec<String> {
        if self.servers.is_empty() {
            return vec!["No servers".to_owned()];
        }
        self.servers
            .iter()
            .map(|(name, count)| format!("{name}: {}", count_text(*count)))
            .collect()
    }
}

/// What a server's line says after its name.
fn count_text(count: ServerCount) -> String {
    match count {
        ServerCount::Counting => "counting…".to_owned(),
        ServerCount::Running(0) => "no labs running".to_owned(),
        ServerCount::Running(1) => "1 lab running".to_owned(),
        ServerCount::Running(n) => format!("{n} labs running"),
        ServerCount::NotLoggedIn => "not logged in".to_owned(),
        ServerCount::Unreachable => "not answering".to_owned(),
    }
}

/// The window's title: the app, and how many labs run on all servers (task bars and
/// window switchers show it, also where there is no tray).
pub(crate) fn window_title(count: usize) -> String {
    match count {
        0 => "Antimony".to_owned(),
        n => format!("Antimony ({n} running)"),
    }
}

/// The icon's tooltip: the total.
pub(crate) fn tooltip(count: usize) -> String {
    match count {
        0 => "Antimony: no labs running".to_owned(),
        1 => "Antimony: 1 lab running".to_owned(),
        n => format!("Antimony: {n} labs running"),
    }
}

/// The menu: a line per server, then Open and Quit.
fn menu<R: Runtime>(app: &AppHandle<R>, lines: &[String]) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    for (i, line) in lines.iter().enumerate() {
        menu.append(&MenuItem::with_id(
            app,
            format!("server-{i}"),
            line,
            false,
            None::<&str>,
        )?)?;
    }
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&MenuItem::with_id(
        app,
        "open",
        "Open Antimony",
        true,
        None::<&str>,
    )?)?;
    menu.append(&MenuItem::with_id(
        app,
        "quit",
        "Quit Antimony",
        true,
        None::<&str>,
    )?)?;
    Ok(menu)
}

/// Builds the tray and starts counting; `None` (and a log line) when the tray cannot be made.
pub(crate) fn build<R: Runtime>(app: &AppHandle<R>) -> Option<()> {
    let built = (|| -> tauri::Result<Tray<R>> {
        let lines = RunningCounts::default().lines();
        let mut builder = TrayIconBuilder::with_id("main")
            .tooltip(tooltip(0))
            .menu(&menu(app, &lines)?)
            .on_menu_event(|app, event| match event.id().as_ref() {
                "open" => show_window(app),
                "quit" => {
                    tracing::info!("quit from the tray");
                    app.exit(0);
                }
                _ => {}
            });
        if let Some(icon) = app.default_window_icon() {
            builder = builder.icon(icon.clone());
        }
        Ok(Tray {
            icon: builder.build(app)?,
            lines: Mutex::new(lines),
            told_hidden: AtomicBool::new(false),
        })
    })();
    tauri::async_runtime::spawn(count_running(app.clone()));
    match built {
        Ok(tray) => {
            app.manage(tray);
            Some(())
        }
        Err(error) => {
            tracing::warn!(%error, "no tray icon: closing the window quits the app");
            None
        }
    }
}

/// Whether something on the desktop shows tray icons: a StatusNotifier host (KDE, XFCE,
/// Cinnamon, GNOME with the AppIndicator extension, …) owns the watcher's bus name. Without
/// one, a hidden window could not be brought back.
#[cfg(target_os = "linux")]
fn tray_shown() -> bool {
    use gio::prelude::*;
    let Ok(bus) = gio::bus_get_sync(gio::BusType::Session, gio::Cancellable::NONE) else {
        return false;
    };
    let answer = bus.call_sync(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        "org.freedesktop.DBus",
        "NameHasOwner",
        Some(&("org.kde.StatusNotifierWatcher",).to_variant()),
        Some(glib_bool_reply()),
        gio::DBusCallFlags::NONE,
        1_000,
        gio::Cancellable::NONE,
    );
    answer
        .ok()
        .and_then(|reply| reply.get::<(bool,)>())
        .is_some_and(|(owned,)| owned)
}

#[cfg(target_os = "linux")]
fn glib_bool_reply() -> &'static gio::glib::VariantTy {
    gio::glib::VariantTy::new("(b)").unwrap_or(gio::glib::VariantTy::ANY)
}

#[cfg(not(target_os = "linux"))]
fn tray_shown() -> bool {
    true
}

/// Hides the window instead of closing it, when there is a tray to come back from.
/// Returns whether it did; without a tray the window closes and the app quits (the labs,
/// being containers, keep running either way).
pub(crate) fn hide_instead_of_close<R: Runtime>(window: &tauri::Window<R>) -> bool {
    let app = window.app_handle();
    let Some(tray) = app.try_state::<Tray<R>>() else {
        return false;
    };
    if !tray_shown() {
        tracing::info!("no tray on this desktop: closing the window quits the app");
        return false;
    }
    if let Err(error) = window.hide() {
        tracing::warn!(%error, "cannot hide the window");
        return false;
    }
    if !tray.told_hidden.swap(true, Ordering::Relaxed) {
        let shown = app
            .notification()
            .builder()
            .title("Antimony keeps running")
            .body("Your labs and the local server keep running. Open or quit Antimony from its tray icon.")
            .show();
        if let Err(error) = shown {
            tracing::debug!(%error, "cannot show a notification");
        }
    }
    true
}

/// Brings the window back.
pub(crate) fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Waits until labs of a server may have changed: its name, or `None` for all of them (a
/// missed signal, or time for a recount); `Err` once the app ends.
async fn labs_changed(
    signals: &mut tokio::sync::broadcast::Receiver<Signal>,
) -> Result<Option<String>, ()> {
    let recount = tokio::time::sleep(RECOUNT);
    tokio::pin!(recount);
    loop {
        tokio::select! {
            () = &mut recount => return Ok(None),
            signal = signals.recv() => match signal {
                Ok(Signal::LabsChanged { server }) => return Ok(Some(server)),
                // Missed signals may have been about any server: count them all.
                Err(RecvError::Lagged(_)) => return Ok(None),
                Ok(_) => {}
                Err(RecvError::Closed) => return Err(()),
            },
        }
    }
}

/// Every server's name, the local one first.
fn server_names(desktop: &Desktop) -> Vec<String> {
    let local = desktop
        .local()
        .map(|_| crate::state::LOCAL_SERVER.to_owned());
    let profiles = desktop
        .profiles()
        .map(|p| p.servers.into_iter().map(|s| s.name).collect::<Vec<_>>())
        .unwrap_or_default();
    local.into_iter().chain(profiles).collect()
}

/// How many labs run on a server.
async fn count_server(desktop: &Desktop, server: &str) -> ServerCount {
    let Ok(connected) = desktop.connected(server) else {
        return ServerCount::NotLoggedIn;
    };
    let query = LabsQuery {
        state_filter: vec![InstanceState::Running],
        ..LabsQuery::default()
    };
    match tokio::time::timeout(ANSWER, connected.rest.labs(&query)).await {
        Ok(Ok(page)) => ServerCount::Running(
            page.labs
                .iter()
                .filter(|lab| lab.state() == InstanceState::Running)
                .count(),
        ),
        Ok(Err(error)) => {
            tracing::debug!(%server, %error, "cannot count the running labs");
            ServerCount::Unreachable
        }
        Err(_) => ServerCount::Unreachable,
    }
}

/// Keeps the count of every server's running labs in the window title and the tray.
async fn count_running<R: Runtime>(app: AppHandle<R>) {
    let mut signals = app.state::<Desktop>().signals();
    let mut counts = RunningCounts::default();
    let mut changed: Option<String> = None;
    let mut all = true;
    loop {
        let desktop = app.state::<Desktop>();
        counts.follow(&server_names(&desktop));
        let due: Vec<String> = counts
            .servers
            .iter()
            .filter(|(n, c)| {
                all || *c == ServerCount::Counting || changed.as_deref() == Some(n.as_str())
            })
            .map(|(n, _)| n.clone())
            .collect();
        for name in due {
            counts.set(&name, count_server(&desktop, &name).await);
        }
        show(&app, &counts);
        match labs_changed(&mut signals).await {
            Ok(server) => {
                tokio::time::sleep(SETTLE).await;
                // Changes during the pause are in this count (of every server, if several).
                all = server.is_none();
                loop {
                    match signals.try_recv() {
                        Ok(Signal::LabsChanged { server: other }) => {
                            all |= server.as_deref() != Some(other.as_str());
                        }
                        Ok(_) => {}
                        Err(TryRecvError::Lagged(_)) => all = true,
                        Err(TryRecvError::Empty | TryRecvError::Closed) => break,
                    }
                }
                changed = server;
            }
            Err(()) => return,
        }
    }
}

/// Puts the counts in the window title and the tray.
fn show<R: Runtime>(app: &AppHandle<R>, counts: &RunningCounts) {
    let total = counts.total();
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.set_title(&window_title(total));
    }
    let Some(tray) = app.try_state::<Tray<R>>() else {
        return;
    };
    let title = (total > 0).then(|| total.to_string());
    let _ = tray.icon.set_title(title.as_deref());
    let _ = tray.icon.set_tooltip(Some(tooltip(total)));
    let lines = counts.lines();
    let mut shown = tray
        .lines
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if *shown != lines {
        match menu(app, &lines) {
            Ok(menu) => {
                let _ = tray.icon.set_menu(Some(menu));
                *shown = lines;
            }
            Err(error) => tracing::warn!(%error, "cannot rebuild the tray menu"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn counts_every_server_and_says_each_in_the_menu() {
        let mut counts = RunningCounts::default();
        assert_eq!(counts.lines(), ["No servers"]);
        counts.follow(&names(&["This computer", "team", "course", "old"]));
        assert_eq!(counts.lines()[1], "team: counting…");
        counts.set("This computer", ServerCount::Running(1));
        counts.set("team", ServerCount::Running(2));
        counts.set("course", ServerCount::NotLoggedIn);
        counts.set("old", ServerCount::Unreachable);
        counts.set("unknown", ServerCount::Running(9));
        assert_eq!(counts.total(), 3);
        assert_eq!(
            counts.lines(),
            [
                "This computer: 1 lab running",
                "team: 2 labs running",
                "course: not logged in",
                "old: not answering",
            ]
        );
        // A server removed is forgotten, one added is counted; the others keep their counts.
        counts.follow(&names(&["This computer", "team", "new"]));
        assert_eq!(counts.total(), 3);
        assert_eq!(counts.lines()[2], "new: counting…");
        counts.set("team", ServerCount::Running(0));
        assert_eq!(counts.lines()[1], "team: no labs running");
        assert_eq!(counts.total(), 1);
    }

    #[test]
    fn says_how_many_labs_run() {
        assert_eq!(tooltip(0), "Antimony: no labs running");
        assert_eq!(tooltip(1), "Antimony: 1 lab running");
        assert_eq!(tooltip(3), "Antimony: 3 labs running");
        assert_eq!(window_title(0), "Antimony");
        assert_eq!(window_title(2), "Antimony (2 running)");
    }
}
