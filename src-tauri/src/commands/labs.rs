//! Labs, collections and lab commands.

use antimony_protocol::LabCommandData;
use antimony_protocol::rest::{CollectionOut, LabIn, LabInPartial, LabOut, LabsQuery};
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

/// Creates a lab of a topology; its id. The server deploys it at its start time.
#[tauri::command]
pub(crate) async fn create_lab(
    desktop: State<'_, Desktop>,
    server: String,
    lab: LabIn,
) -> Result<String> {
    Ok(desktop.connected(&server)?.rest.create_lab(&lab).await?)
}

/// Renames, reschedules or extends a lab (`unsupported` for a deployed lab on a server that
/// would hang on it).
#[tauri::command]
pub(crate) async fn update_lab(
    desktop: State<'_, Desktop>,
    server: String,
    lab_id: String,
    lab: LabInPartial,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    connected.rest.update_lab(&lab_id, &lab).await?;
    Ok(())
}

/// Deletes a lab that is not deployed (or whose deployment failed).
#[tauri::command]
pub(crate) async fn delete_lab(
    desktop: State<'_, Desktop>,
    server: String,
    lab_id: String,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    connected.rest.delete_lab(&lab_id).await?;
    Ok(())
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
