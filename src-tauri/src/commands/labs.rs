//! Labs, collections and lab commands.

use antimony_protocol::rest::{CollectionOut, LabOut, LabsQuery};
use antimony_protocol::{LabCommand, LabCommandData};
use tauri::State;

use crate::error::{BridgeError, Result};
use crate::state::Desktop;

/// The server's labs.
#[tauri::command]
pub(crate) async fn labs(desktop: State<'_, Desktop>, server: String) -> Result<Vec<LabOut>> {
    let connected = desktop.connected(&server)?;
    Ok(connected.rest.labs(&LabsQuery::default()).await?.labs)
}

/// One lab.
#[tauri::command]
pub(crate) async fn lab(
    desktop: State<'_, Desktop>,
    server: String,
    lab_id: String,
) -> Result<LabOut> {
    let connected = desktop.connected(&server)?;
    Ok(connected.rest.lab(&lab_id).await?)
}

/// The server's collections.
#[tauri::command]
pub(crate) async fn collections(
    desktop: State<'_, Desktop>,
    server: String,
) -> Result<Vec<CollectionOut>> {
    let connected = desktop.connected(&server)?;
    Ok(connected.rest.collections().await?)
}

/// Runs a lab command and waits for its ack (deploy and destroy: until containerlab ends).
#[tauri::command]
pub(crate) async fn lab_command(
    desktop: State<'_, Desktop>,
    server: String,
    lab_id: String,
    command: String,
    node: Option<String>,
) -> Result<()> {
    let command = match command.as_str() {
        "deploy" => LabCommand::Deploy,
        "destroy" => LabCommand::Destroy,
        "startNode" => LabCommand::StartNode,
        "stopNode" => LabCommand::StopNode,
        "restartNode" => LabCommand::RestartNode,
        other => {
            return Err(BridgeError::new(
                "protocol",
                format!("unknown lab command {other:?}"),
            ));
        }
    };
    let data = match node {
        Some(node) => LabCommandData::for_node(&lab_id, command, &node),
        None => LabCommandData::new(&lab_id, command),
    };
    let connected = desktop.connected(&server)?;
    connected.session.command(&data).await?;
    Ok(())
}
