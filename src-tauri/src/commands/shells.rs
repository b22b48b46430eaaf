//! Shells: open, list, close, and the terminal views that show them (attach, input, size,
//! pop out into a window of their own).

use antimony_protocol::TerminalSize;
use tauri::{Manager, State};

use crate::contract::{BridgeError, BridgeErrorKind, Result, ShellInfo, ShellOpened};
use crate::state::Desktop;
use crate::terminals::Terminals;

/// Opens a shell on a node; the view attaches it right away (its output starts flowing).
#[tauri::command]
pub(crate) async fn open_shell(
    window: tauri::Window,
    desktop: State<'_, Desktop>,
    terminals: State<'_, Terminals>,
    server: String,
    lab_id: String,
    node: String,
    view_id: String,
) -> Result<ShellOpened> {
    let connected = desktop.connected(&server)?;
    let shell_id = connected.session.open_shell(&lab_id, &node).await?;
    terminals.attach(
        &desktop,
        &connected.session,
        &server,
        &shell_id,
        &view_id,
        window.label(),
    );
    Ok(ShellOpened { shell_id })
}

/// The user's open shells in a lab.
#[tauri::command]
pub(crate) async fn list_shells(
    desktop: State<'_, Desktop>,
    server: String,
    lab_id: String,
) -> Result<Vec<ShellInfo>> {
    let connected = desktop.connected(&server)?;
    Ok(connected
        .session
        .shells(&lab_id)
        .await?
        .into_iter()
        .map(|s| ShellInfo {
            shell_id: s.id,
            node: s.node,
        })
        .collect())
}

/// Closes a shell on the server (its views get `closed`).
#[tauri::command]
pub(crate) async fn close_shell(
    desktop: State<'_, Desktop>,
    server: String,
    lab_id: String,
    shell_id: String,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    connected.session.close_shell(&lab_id, &shell_id).await?;
    Ok(())
}

/// Attaches a view to an open shell: its backlog repaints the view, then output follows.
#[tauri::command]
pub(crate) async fn attach_shell(
    window: tauri::Window,
    desktop: State<'_, Desktop>,
    terminals: State<'_, Terminals>,
    server: String,
    shell_id: String,
    view_id: String,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    terminals.attach(
        &desktop,
        &connected.session,
        &server,
        &shell_id,
        &view_id,
        window.label(),
    );
    Ok(())
}

/// Detaches a view; the shell keeps running.
#[tauri::command]
pub(crate) fn detach_shell(terminals: State<'_, Terminals>, view_id: String) {
    terminals.detach(&view_id);
}

/// Input typed or pasted in a view.
#[tauri::command]
pub(crate) async fn shell_input(
    terminals: State<'_, Terminals>,
    view_id: String,
    data: String,
) -> Result<()> {
    terminals.input(&view_id, data).await
}

/// A view's size changed; false when the server keeps its own size (no `resize`).
#[tauri::command]
pub(crate) async fn resize_shell(
    terminals: State<'_, Terminals>,
    view_id: String,
    rows: u16,
    cols: u16,
) -> Result<bool> {
    let size = TerminalSize::new(rows, cols)
        .map_err(|e| BridgeError::new(BridgeErrorKind::Protocol, e.to_string()))?;
    terminals.resize(&view_id, size).await
}

/// The label of a shell's own window is this, then the shell id.
pub(crate) const WINDOW_PREFIX: &str = "shell-";

/// The label of a shell's own window: the prefix and the shell id (a UUID; characters a label
/// may not hold are left out).
pub(crate) fn window_label(shell_id: &str) -> String {
    let id: String = shell_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(64)
        .collect();
    format!("{WINDOW_PREFIX}{id}")
}

/// Opens a window showing one shell (the webview's `#shell?…` route attaches its own view).
/// When it closes, the main window gets `antimony://shell-window`.
#[tauri::command]
pub(crate) async fn pop_out_shell(
    app: tauri::AppHandle,
    server: String,
    lab_id: String,
    shell_id: String,
    node: String,
) -> Result<String> {
    let label = window_label(&shell_id);
    if let Some(window) = app.get_webview_window(&label) {
        let _ = window.set_focus();
        return Ok(label);
    }
    let route = format!(
        "index.html#shell?server={}&lab={}&shell={}&node={}",
        encode(&server),
        encode(&lab_id),
        encode(&shell_id),
        encode(&node)
    );
    tauri::WebviewWindowBuilder::new(&app, &label, tauri::WebviewUrl::App(route.into()))
        .title(format!("{node} — Antimony"))
        .inner_size(900.0, 560.0)
        .min_inner_size(400.0, 240.0)
        .disable_drag_drop_handler()
        .build()
        .map_err(|e| BridgeError::new(BridgeErrorKind::Io, format!("cannot open a window: {e}")))?;
    Ok(label)
}

/// Percent-encodes a route parameter.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
