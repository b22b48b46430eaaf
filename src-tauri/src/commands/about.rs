//! The About dialog and "Export diagnostics": adapters over `crate::diagnostics`, which
//! knows what the app is and how a report reads.

use std::sync::Arc;
use std::time::Duration;

use antimony_client::rest::RestClient;
use tauri::{AppHandle, Manager, State};

use crate::contract::{About, AboutServer, BridgeError, BridgeErrorKind, Result, TlsMode};
use crate::diagnostics::{self, OsInfo, ReportInput, ServerLine};
use crate::state::Desktop;

/// How long the About dialog waits for a server's version.
const VERSION_WAIT: Duration = Duration::from_secs(5);
/// How long a diagnostics report waits for each server's version (all are asked at once).
const REPORT_VERSION_WAIT: Duration = Duration::from_secs(3);

/// Environment variables a report shows (with every `ANTIMONY_…` one): what changes how the
/// app, the webview or the local lab host behave.
const REPORTED_ENV: &[&str] = &[
    "XDG_CURRENT_DESKTOP",
    "XDG_SESSION_TYPE",
    "WAYLAND_DISPLAY",
    "DISPLAY",
    "GDK_BACKEND",
    "WEBKIT_DISABLE_COMPOSITING_MODE",
    "WEBKIT_DISABLE_DMABUF_RENDERER",
    "WEBKIT_WEB_RENDER_DEVICE_FILE",
    "LANG",
    "DOCKER_HOST",
    "PATH",
];

/// The app's version and build, the webview, the OS, and every server (without versions:
/// `server_version` asks each one).
#[tauri::command]
pub(crate) async fn about(desktop: State<'_, Desktop>) -> Result<About> {
    let servers = super::servers::server_views(&desktop)?
        .into_iter()
        .map(|s| AboutServer {
            name: s.name,
            origin: s.origin,
            local: s.local,
        })
        .collect();
    Ok(About {
        version: diagnostics::VERSION.to_owned(),
        commit: diagnostics::COMMIT.to_owned(),
        tauri: tauri::VERSION.to_owned(),
        webview: diagnostics::webview(),
        os: OsInfo::read().summary(),
        servers,
    })
}

/// A server's version, as it says in its `X-Antimony-Server` header; `null` for a server that
/// does not say (the Go server). No login needed. Rejects `unreachable` (or `certificate`)
/// when it cannot be asked.
#[tauri::command]
pub(crate) async fn server_version(
    desktop: State<'_, Desktop>,
    server: String,
) -> Result<Option<String>> {
    version_of(&desktop, &server, VERSION_WAIT).await
}

async fn version_of(desktop: &Desktop, server: &str, limit: Duration) -> Result<Option<String>> {
    let rest = match desktop.connected(server) {
        Ok(connected) => Arc::clone(&connected.rest),
        Err(_) => Arc::new(RestClient::new(desktop.profile(server)?)?),
    };
    tokio::time::timeout(limit, rest.server_version())
        .await
        .map_err(|_| {
            BridgeError::new(
                BridgeErrorKind::Unreachable,
                format!("{server} did not answer in {} s", limit.as_secs()),
            )
        })?
        .map_err(BridgeError::from)
}

/// Writes a diagnostics report (see `crate::diagnostics`) where the user chooses. The path
/// written, or `null` when the user cancelled.
#[tauri::command]
pub(crate) async fn export_diagnostics(app: AppHandle) -> Result<Option<String>> {
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_default();
    let suggested = format!("antimony-diagnostics-{stamp}.txt");
    let Some(path) =
        super::logs::choose_save_path(&app, suggested, ("Text", &["txt", "log"])).await?
    else {
        return Ok(None);
    };
    let generated = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let text = diagnostics::report(&gather(&app, generated).await?);
    let written = super::logs::write_file(&path, text).await?;
    tracing::info!(path = %written, "diagnostics exported");
    Ok(Some(written))
}

/// Everything a report says, from the app's state, files and servers.
async fn gather(app: &AppHandle, generated: String) -> Result<ReportInput> {
    let desktop = app.state::<Desktop>();
    let log_dir = app.path().app_log_dir().ok();
    let local = desktop.local();
    let prerequisites = match &local {
        Some(local) => Ok(local.driver.prerequisites().await),
        None => Err("the local server is not running".to_owned()),
    };
    let views = super::servers::server_views(&desktop)?;
    // Every server is asked at once, so one that does not answer costs the wait only once.
    let mut asking = tokio::task::JoinSet::new();
    for (index, view) in views.iter().enumerate() {
        let app = app.clone();
        let name = view.name.clone();
        asking.spawn(async move {
            let desktop = app.state::<Desktop>();
            let version = match version_of(&desktop, &name, REPORT_VERSION_WAIT).await {
                Ok(Some(version)) => version,
                Ok(None) => "unknown (the server does not say)".to_owned(),
                Err(error) => format!("unknown ({error})"),
            };
            (index, version)
        });
    }
    let mut versions = vec!["unknown".to_owned(); views.len()];
    while let Some(answer) = asking.join_next().await {
        if let Ok((index, version)) = answer
            && let Some(slot) = versions.get_mut(index)
        {
            *slot = version;
        }
    }
    let servers = views
        .into_iter()
        .zip(versions)
        .map(|(view, version)| ServerLine {
            name: view.name,
            origin: view.origin,
            rest_base: view.rest_base,
            tls: match view.tls {
                TlsMode::None => "none (plain HTTP)",
                TlsMode::System => "system roots",
                TlsMode::CaFile => "CA file",
                TlsMode::Pinned => "pinned certificate",
            }
            .to_owned(),
            fingerprint: view.fingerprint,
            logged_in: view.logged_in,
            local: view.local,
            version,
        })
        .collect();
    let mut environment: Vec<String> = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value)))
        .filter(|(name, _)| name.starts_with("ANTIMONY_") || REPORTED_ENV.contains(&name.as_str()))
        .map(|(name, value)| format!("{name}={}", value.to_string_lossy()))
        .collect();
    environment.sort();
    let mut paths = vec![(
        "Server profiles".to_owned(),
        desktop.profiles_path().display().to_string(),
    )];
    if let Some(local) = &local {
        paths.push((
            "Local server data".to_owned(),
            local.data_dir.display().to_string(),
        ));
    }
    let log = match &log_dir {
        Some(dir) => {
            paths.push(("Log directory".to_owned(), dir.display().to_string()));
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || {
                diagnostics::tail_log(&dir, diagnostics::LOG_PREFIX, diagnostics::LOG_LINES)
            })
            .await
            .unwrap_or_default()
        }
        None => diagnostics::LogTail {
            problem: Some("the app has no log directory".to_owned()),
            ..diagnostics::LogTail::default()
        },
    };
    Ok(ReportInput {
        generated,
        webview: diagnostics::webview(),
        os: OsInfo::read(),
        environment,
        paths,
        prerequisites,
        local_origin: local.map(|l| l.profile.origin),
        servers,
        log,
    })
}
