//! The local lab host: its prerequisites, and importing containerlab topologies (into any
//! server, the local one by default).

use antimony_client::rest::{ImportStart, is_topology_file};
use antimony_protocol::PrerequisiteReport as Prerequisites;
use antimony_protocol::{LabCommand, LabCommandData};
use serde::Serialize;
use tauri::State;

use crate::error::{BridgeError, Result};
use crate::state::Desktop;

/// The biggest topology file the app imports.
const MAX_TOPOLOGY: usize = 1024 * 1024;
/// How long a lab imported into a remote server may run before the server destroys it.
const LAB_HOURS: i64 = 24 * 7;
/// The end of a lab on this computer: 2199-01-01, after anything the user will see.
const NEVER_ENDS: time::OffsetDateTime = time::macros::datetime!(2199-01-01 00:00 UTC);

/// Checks, afresh, what the local server needs to deploy labs.
#[tauri::command]
pub(crate) async fn local_prerequisites(desktop: State<'_, Desktop>) -> Result<Prerequisites> {
    let driver = desktop
        .local_driver()
        .ok_or_else(|| BridgeError::new("unreachable", "the local server is not running"))?;
    Ok(driver.prerequisites().await)
}

/// What `import_topology` created.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ImportedLab {
    lab_id: String,
    lab_name: String,
    collection: String,
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
    if !is_topology_file(&file_name) {
        return Err(BridgeError::new(
            "io",
            format!("{file_name} is not a containerlab topology (.clab.yml or .clab.yaml)"),
        ));
    }
    if definition.len() > MAX_TOPOLOGY {
        return Err(BridgeError::new(
            "io",
            format!("{file_name} is bigger than 1 MiB"),
        ));
    }
    let connected = desktop.connected(&server)?;
    let rest = &connected.rest;
    let (collection_id, collection) = rest.import_collection(None).await?;
    let start = if deploy {
        ImportStart::DeployNow
    } else {
        ImportStart::Unscheduled
    }
    .time();
    let end = if server == crate::local::NAME {
        // One's own machine: a lab runs until the user destroys it.
        NEVER_ENDS.into()
    } else {
        (time::OffsetDateTime::from(start) + time::Duration::hours(LAB_HOURS)).into()
    };
    let imported = rest.import(&definition, &collection_id, start, end).await?;
    // Nothing after this may fail: the lab exists (and, to deploy now, starts in a minute).
    tracing::info!(%server, lab = %imported.name, file = %file_name, deploy, "imported a topology");
    if deploy {
        let session = std::sync::Arc::clone(&connected.session);
        let command = LabCommandData::new(&imported.lab_id, LabCommand::Deploy);
        // The outcome is a command-result event (and a toast), like any deploy.
        tauri::async_runtime::spawn(async move {
            let _ = session.command(&command).await;
        });
    }
    Ok(ImportedLab {
        lab_id: imported.lab_id,
        lab_name: imported.name,
        collection,
    })
}
