//! Builds the Tauri context. Every command is declared here (from the one list in
//! `src/commands/list.rs`), so the webview may call only the ones
//! `capabilities/default.json` allows (`allow-<command>`).

include!("src/commands/list.rs");

macro_rules! command_names {
    ($($module:ident :: $name:ident),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[&str] = for_each_command!(command_names);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=src/commands/list.rs");
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    tauri_build::try_build(attributes).map_err(|e| format!("tauri build: {e:#}").into())
}
