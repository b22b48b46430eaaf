//! Server profiles as a file a team hands out (`antimony_client::sharing`): export to and
//! import from a file the user picks in the native dialogs (the webview never names a path).
//! No login, password or local path goes into the file.

use antimony_client::sharing;
use tauri::State;
use tauri_plugin_dialog::DialogExt;

use crate::contract::{BridgeError, BridgeErrorKind, Result, ServersImported, SkippedServer};
use crate::state::{Desktop, LOCAL_SERVER};

/// The file name the save dialog offers.
const SUGGESTED_NAME: &str = "antimony-servers.json";
/// The dialogs' titles (the end-to-end test finds the dialogs by them).
const EXPORT_TITLE: &str = "Export servers";
const IMPORT_TITLE: &str = "Import servers";

/// The file of every server profile (the local server is not one: it is this computer's).
pub(crate) fn export_text(desktop: &Desktop) -> Result<String> {
    let profiles = desktop.profiles()?;
    Ok(sharing::export(&profiles, &[])?)
}

/// Adds the servers of a file's text to the profiles; the local server's name is taken.
pub(crate) fn import_text(desktop: &Desktop, file: &str, text: &str) -> Result<ServersImported> {
    let report = desktop.update_profiles(|profiles| {
        Ok(sharing::import(profiles, text, |name| {
            name == LOCAL_SERVER
        })?)
    })?;
    Ok(ServersImported {
        file: file.to_owned(),
        added: report.added,
        skipped: report
            .skipped
            .into_iter()
            .map(|s| SkippedServer {
                name: s.name,
                reason: s.reason,
            })
            .collect(),
    })
}

/// Saves the server profiles to a file the user picks; its path, or nothing when cancelled.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub(crate) async fn export_servers(
    app: tauri::AppHandle,
    desktop: State<'_, Desktop>,
) -> Result<Option<String>> {
    let text = export_text(&desktop)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(EXPORT_TITLE)
        .set_file_name(SUGGESTED_NAME)
        .add_filter("Antimony servers", &["json"])
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|e| BridgeError::new(BridgeErrorKind::Io, format!("not a local file: {e}")))?;
    super::logs::write_file(&path, text).await.map(Some)
}

/// Adds the servers of a file the user picks; what was added and what was left out, or
/// nothing when cancelled.
#[tauri::command]
#[tracing::instrument(skip_all, err)]
pub(crate) async fn import_servers(
    app: tauri::AppHandle,
    desktop: State<'_, Desktop>,
) -> Result<Option<ServersImported>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(IMPORT_TITLE)
        .add_filter("Antimony servers", &["json"])
        .pick_file(move |path| {
            let _ = tx.send(path);
        });
    let Some(path) = rx.await.ok().flatten() else {
        return Ok(None);
    };
    let path = path
        .into_path()
        .map_err(|e| BridgeError::new(BridgeErrorKind::Io, format!("not a local file: {e}")))?;
    let io = |e: std::io::Error| {
        BridgeError::new(
            BridgeErrorKind::Io,
            format!("reading {}: {e}", path.display()),
        )
    };
    // Bounded before it is read: the file's limit, and a little room to say it is too big.
    let size = tokio::fs::metadata(&path).await.map_err(io)?.len();
    if size > sharing::MAX_FILE_BYTES as u64 {
        return Err(BridgeError::new(
            BridgeErrorKind::Io,
            format!(
                "{} is larger than {} bytes: not a file of Antimony servers",
                path.display(),
                sharing::MAX_FILE_BYTES
            ),
        ));
    }
    let text = tokio::fs::read_to_string(&path).await.map_err(io)?;
    let file = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let imported = import_text(&desktop, &file, &text)?;
    tracing::info!(
        added = imported.added.len(),
        skipped = imported.skipped.len(),
        "imported servers"
    );
    Ok(Some(imported))
}

#[cfg(test)]
mod tests {
    use super::*;
    use antimony_client::keychain::Keychain;
    use antimony_client::profile::{Profiles, ServerProfile};

    fn desktop(dir: &std::path::Path) -> Desktop {
        let (events, _) = tokio::sync::mpsc::unbounded_channel();
        Desktop::new(
            dir.join("servers.toml"),
            Keychain::with_service("antimony-desktop-sharing-test".to_owned()),
            events,
        )
    }

    #[test]
    fn export_then_import_adds_the_servers_and_reserves_this_computer() {
        let from = tempfile::tempdir().expect("a temporary directory");
        let source = desktop(from.path());
        source
            .update_profiles(|p| {
                p.add(ServerProfile::new("team", "https://lab.example.org")?)?;
                let mut direct = ServerProfile::new("course", "http://10.0.0.5:3000")?
                    .with_rest_base("http://10.0.0.5:3000")?;
                direct.user = Some("alice".to_owned());
                p.add(direct)?;
                Ok(())
            })
            .expect("profiles written");
        let text = export_text(&source).expect("exported");
        assert!(
            text.contains("lab.example.org") && text.contains("course"),
            "{text}"
        );
        assert!(!text.contains("alice"), "no user name in the file: {text}");

        // A file that also names "This computer" (someone's local server) and a server the
        // other computer has already.
        let mut shared: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let servers = shared["servers"].as_array_mut().expect("servers");
        servers.push(serde_json::json!({ "name": LOCAL_SERVER, "url": "http://127.0.0.1:4000" }));
        servers.push(serde_json::json!({ "name": "broken", "url": "ftp://nowhere" }));
        let text = shared.to_string();

        let to = tempfile::tempdir().expect("a temporary directory");
        let target = desktop(to.path());
        target
            .update_profiles(|p| Ok(p.add(ServerProfile::new("team", "https://other.example")?)?))
            .expect("profiles written");
        let report = import_text(&target, "servers.json", &text).expect("imported");
        assert_eq!(report.file, "servers.json");
        assert_eq!(report.added, ["course"]);
        let skipped: Vec<&str> = report.skipped.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(skipped, ["team", LOCAL_SERVER, "broken"]);
        assert!(
            report.skipped[0].reason.contains("exists already"),
            "{:?}",
            report.skipped
        );
        assert!(
            report.skipped[1].reason.contains("exists already"),
            "{:?}",
            report.skipped
        );

        let kept = Profiles::load(&to.path().join("servers.toml")).expect("the file");
        let course = kept.get("course").expect("course kept");
        assert_eq!(course.rest_base(), "http://10.0.0.5:3000");
        assert_eq!(course.user, None);
        assert_eq!(
            kept.get("team").expect("team").origin,
            "https://other.example",
            "an existing server is not replaced"
        );
        assert!(kept.get(LOCAL_SERVER).is_none());
    }

    #[test]
    fn a_file_that_is_not_servers_is_refused_and_changes_nothing() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let target = desktop(dir.path());
        let error = import_text(&target, "x.json", "name: pair\n").expect_err("refused");
        assert_eq!(error.kind, BridgeErrorKind::Profile);
        assert!(
            error.message.contains("not a file of Antimony servers"),
            "{error:?}"
        );
        assert!(target.profiles().expect("profiles").servers.is_empty());
    }
}
