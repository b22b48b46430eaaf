//! Labs, collections and lab commands.

use antimony_protocol::LabCommandData;
use antimony_protocol::rest::{CollectionOut, LabOut, LabsQuery};
use tauri::State;

use crate::contract::{LabCommandName, Result};
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
    command: LabCommandName,
    node: Option<String>,
) -> Result<()> {
    let data = match node {
        Some(node) => LabCommandData::for_node(&lab_id, command.into(), &node),
        None => LabCommandData::new(&lab_id, command.into()),
    };
    let connected = desktop.connected(&server)?;
    connected.session.command(&data).await?;
    Ok(())
}
