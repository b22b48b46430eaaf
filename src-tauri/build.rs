//! Builds the Tauri context. Every command is declared here, so the webview may call only
//! the ones `capabilities/default.json` allows (`allow-<command>`).

const COMMANDS: &[&str] = &[
    "list_servers",
    "add_server",
    "remove_server",
    "use_server",
    "login_config",
    "login",
    "logout",
    "labs",
    "lab",
    "collections",
    "lab_command",
    "subscribe_logs",
    "unsubscribe_logs",
    "export_log",
    "local_prerequisites",
    "import_topology",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).map_err(|e| format!("tauri build: {e:#}").into())
}
