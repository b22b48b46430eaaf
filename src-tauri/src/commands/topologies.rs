//! Topologies, their bind files, collections and the containerlab schema: what the topology
//! editor reads and changes. The server decides who may (PROTOCOL.md §3.7) and answers with
//! its code.

use antimony_protocol::rest::{
    BindFileIn, BindFileInPartial, CollectionIn, CollectionInPartial, DeviceConfig, TopologyIn,
    TopologyInPartial, TopologyOut,
};
use tauri::State;

use crate::contract::Result;
use crate::state::Desktop;

/// The server's topologies (those the user may see), with their bind files.
#[tauri::command]
pub(crate) async fn topologies(
    desktop: State<'_, Desktop>,
    server: String,
) -> Result<Vec<TopologyOut>> {
    Ok(desktop.connected(&server)?.rest.topologies().await?)
}

/// Creates a topology; its id.
#[tauri::command]
pub(crate) async fn create_topology(
    desktop: State<'_, Desktop>,
    server: String,
    topology: TopologyIn,
) -> Result<String> {
    Ok(desktop
        .connected(&server)?
        .rest
        .create_topology(&topology)
        .await?)
}

/// Changes a topology's definition, sync URL or collection.
#[tauri::command]
pub(crate) async fn update_topology(
    desktop: State<'_, Desktop>,
    server: String,
    topology_id: String,
    topology: TopologyInPartial,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    connected
        .rest
        .update_topology(&topology_id, &topology)
        .await?;
    Ok(())
}

/// Deletes a topology.
#[tauri::command]
pub(crate) async fn delete_topology(
    desktop: State<'_, Desktop>,
    server: String,
    topology_id: String,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    connected.rest.delete_topology(&topology_id).await?;
    Ok(())
}

/// Adds a bind file to a topology; its id.
#[tauri::command]
pub(crate) async fn create_bind_file(
    desktop: State<'_, Desktop>,
    server: String,
    topology_id: String,
    file: BindFileIn,
) -> Result<String> {
    let connected = desktop.connected(&server)?;
    Ok(connected.rest.create_bind_file(&topology_id, &file).await?)
}

/// Changes a bind file's path or content.
#[tauri::command]
pub(crate) async fn update_bind_file(
    desktop: State<'_, Desktop>,
    server: String,
    topology_id: String,
    file_id: String,
    file: BindFileInPartial,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    connected
        .rest
        .update_bind_file(&topology_id, &file_id, &file)
        .await?;
    Ok(())
}

/// Deletes a bind file.
#[tauri::command]
pub(crate) async fn delete_bind_file(
    desktop: State<'_, Desktop>,
    server: String,
    topology_id: String,
    file_id: String,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    connected
        .rest
        .delete_bind_file(&topology_id, &file_id)
        .await?;
    Ok(())
}

/// Creates a collection (admins only); its id.
#[tauri::command]
pub(crate) async fn create_collection(
    desktop: State<'_, Desktop>,
    server: String,
    collection: CollectionIn,
) -> Result<String> {
    let connected = desktop.connected(&server)?;
    Ok(connected.rest.create_collection(&collection).await?)
}

/// Renames a collection or changes its rights.
#[tauri::command]
pub(crate) async fn update_collection(
    desktop: State<'_, Desktop>,
    server: String,
    collection_id: String,
    collection: CollectionInPartial,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    connected
        .rest
        .update_collection(&collection_id, &collection)
        .await?;
    Ok(())
}

/// Deletes a collection.
#[tauri::command]
pub(crate) async fn delete_collection(
    desktop: State<'_, Desktop>,
    server: String,
    collection_id: String,
) -> Result<()> {
    let connected = desktop.connected(&server)?;
    connected.rest.delete_collection(&collection_id).await?;
    Ok(())
}

/// The containerlab JSON schema the server checks topologies against.
#[tauri::command]
pub(crate) async fn clab_schema(
    desktop: State<'_, Desktop>,
    server: String,
) -> Result<serde_json::Value> {
    Ok(desktop.connected(&server)?.rest.clab_schema().await?)
}

/// The device kinds the server knows (names and interface patterns).
#[tauri::command]
pub(crate) async fn devices(
    desktop: State<'_, Desktop>,
    server: String,
) -> Result<Vec<DeviceConfig>> {
    Ok(desktop.connected(&server)?.rest.devices().await?)
}
