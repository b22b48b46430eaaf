//! The tray icon: how many labs run on this computer, a way back to the window, and quit.
//! The count is in the window title too.
//!
//! Closing the window hides it while the tray is there: the local server keeps running (and
//! with it the scheduler, the lab logs and the end-time destroys). Labs are containers, so
//! quitting never stops them either; the next start finds them again.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use antimony_protocol::rest::{InstanceState, LabsQuery};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

use crate::state::{Desktop, Signal};

/// Lab changes closer together than this are counted once.
const SETTLE: Duration = Duration::from_millis(300);

/// The tray, in managed state once it is built.
pub(crate) struct Tray<R: Runtime> {
    icon: TrayIcon<R>,
    running: MenuItem<R>,
    told_hidden: AtomicBool,
}

/// The window's title: the app, and how many labs run on this computer (task bars and
/// window switchers show it, also where there is no tray).
pub(crate) fn window_title(count: usize) -> String {
    match count {
        0 => "Antimony".to_owned(),
        n => format!("Antimony ({n} running)"),
    }
}

/// The menu line with the count.
pub(crate) fn running_text(count: usize) -> String {
    match count {
        0 => "No labs running on this computer".to_owned(),
        1 => "1 lab running on this computer".to_owned(),
        n => format!("{n} labs running on this computer"),
    }
}

/// Builds the tray and starts counting; `None` (and a log line) when the tray cannot be made.
pub(crate) fn build<R: Runtime>(app: &AppHandle<R>) -> Option<()> {
    let built = (|| -> tauri::Result<Tray<R>> {
        let running = MenuItem::with_id(app, "running", running_text(0), false, None::<&str>)?;
        let open = MenuItem::with_id(app, "open", "Open Antimony", true, None::<&str>)?;
        let quit = MenuItem::with_id(app, "quit", "Quit Antimony", true, None::<&str>)?;
        let separator = PredefinedMenuItem::separator(app)?;
        let menu = Menu::with_items(app, &[&running, &separator, &open, &quit])?;
        let mut builder = TrayIconBuilder::with_id("main")
            .tooltip("Antimony")
            .menu(&menu)
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
            running,
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

/// Waits until labs of the local server may have changed; false once the app ends.
async fn local_labs_changed(signals: &mut tokio::sync::broadcast::Receiver<Signal>) -> bool {
    loop {
        match signals.recv().await {
            Ok(Signal::LabsChanged { server }) if server == crate::state::LOCAL_SERVER => {
                return true;
            }
            // Missed signals may have been about the local server: count again.
            Err(RecvError::Lagged(_)) => return true,
            Ok(_) => {}
            Err(RecvError::Closed) => return false,
        }
    }
}

/// Keeps the count of the local server's running labs in the window title and the tray.
async fn count_running<R: Runtime>(app: AppHandle<R>) {
    let mut signals = app.state::<Desktop>().signals();
    while local_labs_changed(&mut signals).await {
        tokio::time::sleep(SETTLE).await;
        // Changes during the pause are in this count.
        while !signals.is_empty() {
            let _ = signals.try_recv();
        }
        let connected = app.state::<Desktop>().connected(crate::state::LOCAL_SERVER);
        let Ok(connected) = connected else {
            continue;
        };
        let query = LabsQuery {
            state_filter: vec![InstanceState::Running],
            ..LabsQuery::default()
        };
        let count = match connected.rest.labs(&query).await {
            Ok(page) => page
                .labs
                .iter()
                .filter(|lab| lab.state() == InstanceState::Running)
                .count(),
            Err(error) => {
                tracing::debug!(%error, "cannot count the running labs");
                continue;
            }
        };
        if let Some(window) = app.get_webview_window("main") {
            let _ = window.set_title(&window_title(count));
        }
        if let Some(tray) = app.try_state::<Tray<R>>() {
            let _ = tray.running.set_text(running_text(count));
            let title = (count > 0).then(|| count.to_string());
            let _ = tray.icon.set_title(title.as_deref());
            let _ = tray
                .icon
                .set_tooltip(Some(format!("Antimony: {}", running_text(count))));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_how_many_labs_run() {
        assert_eq!(running_text(0), "No labs running on this computer");
        assert_eq!(running_text(1), "1 lab running on this computer");
        assert_eq!(running_text(3), "3 labs running on this computer");
        assert_eq!(window_title(0), "Antimony");
        assert_eq!(window_title(2), "Antimony (2 running)");
    }
}
