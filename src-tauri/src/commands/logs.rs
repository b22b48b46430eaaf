//! Log subscriptions and export.

use antimony_protocol::Namespace;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use crate::contract::{BridgeError, BridgeErrorKind, Result, Subscription};
use crate::state::Desktop;

/// Subscribes to a lab log, or a node log (by container id). Subscriptions are counted;
/// lines arrive as `antimony://logs` events, each once. (Async: the session spawns its
/// connection task on the runtime, which sync commands, run on the main thread, lack.)
#[tauri::command]
pub(crate) async fn subscribe_logs(
    desktop: State<'_, Desktop>,
    server: String,
    lab_id: String,
    container_id: Option<String>,
) -> Result<Subscription> {
    let namespace = match container_id {
        Some(container) => Namespace::node_logs(lab_id, container),
        None => Namespace::lab_logs(lab_id),
    };
    desktop
        .connected(&server)?
        .session
        .subscribe_logs(&namespace);
    Ok(Subscription {
        stream: namespace.path(),
    })
}

/// Drops one subscription.
#[tauri::command]
pub(crate) async fn unsubscribe_logs(
    desktop: State<'_, Desktop>,
    server: String,
    stream: String,
) -> Result<()> {
    let namespace = Namespace::parse(&stream)
        .map_err(|e| BridgeError::new(BridgeErrorKind::Protocol, format!("{stream:?}: {e}")))?;
    if let Ok(connected) = desktop.connected(&server) {
        connected.session.unsubscribe_logs(&namespace);
    }
    Ok(())
}

/// The webview gives `lines` of log credit back (once per animation frame): about the lines
/// of `antimony://logs` it handled since it last said so, more while its frames are short,
/// less when they grow long. The forwarder sends lines only while it has credit.
#[tauri::command]
pub(crate) fn logs_handled(desktop: State<'_, Desktop>, lines: u32) {
    desktop.logs_handled(lines);
}

/// Saves a log: asks the user where (the webview never names a path), then writes it.
/// Returns the file's path, or nothing when the user cancelled.
#[tauri::command]
pub(crate) async fn export_log(
    app: tauri::AppHandle,
    suggested_name: String,
    contents: String,
) -> Result<Option<String>> {
    let Some(path) = choose_save_path(&app, suggested_name, ("Log", &["log", "txt"])).await? else {
        return Ok(None);
    };
    write_file(&path, contents).await.map(Some)
}

/// Asks the user where to save a file: the native save dialog, starting at `suggested_name`
/// and offering `filter` (a name and extensions). `None` when the user cancelled.
pub(crate) async fn choose_save_path(
    app: &tauri::AppHandle,
    suggested_name: String,
    filter: (&str, &[&str]),
) -> Result<Option<std::path::PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(suggested_name)
        .add_filter(filter.0, filter.1)
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    path.into_path()
        .map(Some)
        .map_err(|e| BridgeError::new(BridgeErrorKind::Io, format!("not a local file: {e}")))
}

/// Writes a file the user chose; its path, for the webview to show.
pub(crate) async fn write_file(path: &std::path::Path, contents: String) -> Result<String> {
    tokio::fs::write(path, contents).await.map_err(|e| {
        BridgeError::new(
            BridgeErrorKind::Io,
            format!("writing {}: {e}", path.display()),
        )
    })?;
    Ok(path.display().to_string())
}
