//! The local lab host: its prerequisites, and importing containerlab topologies (into any
//! server, the local one by default). The import rules and workflow are
//! `antimony_client::import`'s; these commands adapt them.

use antimony_client::import::{self, ImportEnd, ImportStart, TopologyFile};
use antimony_protocol::PrerequisiteReport as Prerequisites;
use antimony_protocol::{LabCommand, LabCommandData};
use tauri::State;

use crate::contract::{BridgeError, BridgeErrorKind, ImportedLab, Result, TopologyCheck};
use crate::state::Desktop;

/// How long a lab imported into a remote server may run before the server destroys it.
const REMOTE_LAB_HOURS: u32 = 24 * 7;

/// Checks, afresh, what the local server needs to deploy labs.
#[tauri::command]
pub(crate) async fn local_prerequisites(desktop: State<'_, Desktop>) -> Result<Prerequisites> {
    let local = desktop.local().ok_or_else(|| {
        BridgeError::new(
            BridgeErrorKind::Unreachable,
            "the local server is not running",
        )
    })?;
    Ok(local.driver.prerequisites().await)
}

/// Whether a file can be imported as a topology, and the name its lab gets.
#[tauri::command]
pub(crate) fn check_topology(file_name: String, definition: String) -> Result<TopologyCheck> {
    let file = TopologyFile::new(file_name, definition)?;
    Ok(TopologyCheck {
        lab_name: file.lab_name,
    })
}

/// Creates a topology and a lab from a containerlab file's text, in the "local" collection
/// (or the server's only one). With `deploy`, the lab is deployed right after; its progress
/// and outcome come as events like any deploy.
#[tauri::command]
pub(crate) async fn import_topology(
    desktop: State<'_, Desktop>,
    server: String,
    file_name: String,
    definition: String,
    deploy: bool,
) -> Result<ImportedLab> {
    let file = TopologyFile::new(file_name, definition)?;
    let connected = desktop.connected(&server)?;
    let start = if deploy {
        ImportStart::DeployNow
    } else {
        ImportStart::Unscheduled
    };
    let end = if server == crate::state::LOCAL_SERVER {
        // One's own machine: a lab runs until the user destroys it.
        ImportEnd::Never
    } else {
        ImportEnd::After {
            hours: REMOTE_LAB_HOURS,
        }
    };
    let imported = import::import(&connected.rest, &file, None, start, end).await?;
    // Nothing after this may fail: the lab exists (and, to deploy now, starts in a minute).
    if deploy {
        let session = std::sync::Arc::clone(&connected.session);
        let command = LabCommandData::new(&imported.imported.lab_id, LabCommand::Deploy);
        // The outcome is a command-result event (and a toast), like any deploy.
        tauri::async_runtime::spawn(async move {
            let _ = session.command(&command).await;
        });
    }
    Ok(ImportedLab {
        lab_id: imported.imported.lab_id,
        lab_name: imported.imported.name,
        collection: imported.collection,
    })
}
