//! OS notifications: a deploy on any server that finished or failed while the window was not
//! in front, as the notification rules allow (`notify_rules.rs`).

use antimony_protocol::Severity;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

use crate::notify_rules::{Rules, Subject};
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
    let severity = if failure.is_some() {
        Severity::Error
    } else {
        Severity::Success
    };
    let subject = Subject {
        server,
        lab_id: Some(lab_id),
        lab_name: Some(&name),
    };
    if !app
        .try_state::<Rules>()
        .is_none_or(|rules| rules.allows(subject, severity))
    {
        tracing::debug!(%server, lab = %lab_id, "the notification rules hold back a deploy notification");
        return;
    }
    let (title, body) = deploy_text(server, &name, failure);
    if let Err(error) = app.notification().builder().title(title).body(body).show() {
        tracing::warn!(%error, "cannot show a notification");
    }
}

/// The title and body of a finished deploy's notification: which lab, on which server.
fn deploy_text(server: &str, name: &str, failure: Option<String>) -> (String, String) {
    match failure {
        None => (format!("{name} is deployed"), format!("on {server}")),
        Some(error) => (
            format!("Deploying {name} failed"),
            format!("on {server}: {error}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deploy_notification_names_its_server() {
        assert_eq!(
            deploy_text("team", "pair", None),
            ("pair is deployed".to_owned(), "on team".to_owned())
        );
        assert_eq!(
            deploy_text("course", "ospf", Some("image not found".to_owned())),
            (
                "Deploying ospf failed".to_owned(),
                "on course: image not found".to_owned()
            )
        );
    }
}
