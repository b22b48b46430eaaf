//! OS notifications: a deploy that finished or failed while the window was not in front.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

use crate::state::{Desktop, Signal};

/// Shows notifications for the signals of `desktop` until the app ends.
pub(crate) fn spawn<R: Runtime>(app: AppHandle<R>) {
    let mut signals = app.state::<Desktop>().signals();
    tauri::async_runtime::spawn(async move {
        loop {
            match signals.recv().await {
                Ok(Signal::DeployFinished {
                    server,
                    lab_id,
                    failure,
                }) => deploy_finished(&app, &server, &lab_id, failure).await,
                Ok(Signal::LabsChanged { .. }) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    });
}

/// A notification for a finished or failed deploy, when the window is not in front.
async fn deploy_finished<R: Runtime>(
    app: &AppHandle<R>,
    server: &str,
    lab_id: &str,
    failure: Option<String>,
) {
    let focused = app
        .get_webview_window("main")
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false);
    if focused {
        return;
    }
    let name = match app.state::<Desktop>().connected(server) {
        Ok(connected) => connected
            .rest
            .lab(lab_id)
            .await
            .map_or_else(|_| lab_id.to_owned(), |lab| lab.name),
        Err(_) => lab_id.to_owned(),
    };
    let (title, body) = match failure {
        None => (format!("{name} is deployed"), format!("on {server}")),
        Some(error) => (format!("Deploying {name} failed"), error),
    };
    if let Err(error) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(%error, "cannot show a notification");
    }
}
