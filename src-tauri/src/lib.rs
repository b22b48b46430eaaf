//! Antimony Desktop: the Tauri shell. It holds `antimony-client` in managed state
//! (`state.rs`); its commands are thin adapters (`commands/`); the sessions' events reach the
//! webview as Tauri events (`forwarder.rs`, log lines batched per stream); the contract with
//! the webview is typed once, in `contract/`, and generated for TypeScript. Tokens stay on
//! this side.
//!
//! This file is the composition root: the tray, the local server, the OS notifications and
//! the forwarder each depend on the state only, and are wired together here.

// The command list, shared with build.rs: defines `for_each_command!`.
include!("commands/list.rs");

mod commands;
mod contract;
mod diagnostics;
mod forwarder;
mod local;
mod notifications;
mod notify_rules;
mod openid;
mod reminders;
mod settings_file;
mod state;
mod terminals;
mod tray;

use std::path::PathBuf;

use antimony_client::keychain::Keychain;
use antimony_client::profile::Profiles;
use tauri::Manager;

use state::Desktop;

/// Environment: where the profiles file is (tests use their own).
const PROFILES_ENV: &str = "ANTIMONY_CONFIG";
/// Environment: the local server's data directory (default: `server/` in the app's data
/// directory).
const LOCAL_DATA_ENV: &str = "ANTIMONY_LOCAL_DATA";
/// Environment: the keychain service (tests use their own).
const KEYCHAIN_ENV: &str = "ANTIMONY_KEYCHAIN_SERVICE";

/// How long quitting waits for the local server to stop.
const LOCAL_STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

macro_rules! handlers {
    ($($module:ident :: $name:ident),* $(,)?) => {
        tauri::generate_handler![$(commands::$module::$name),*]
    };
}

/// Starts the app.
pub fn run() {
    software_rendering_env();
    let (events_tx, events_rx) = tokio::sync::mpsc::unbounded_channel();
    let built = tauri::Builder::default()
        // First, so a second start only brings the running window forward.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tray::show_window(app);
        }))
        .plugin(
            tauri::plugin::Builder::<_, ()>::new("navigation-guard")
                .on_navigation(|webview, url| {
                    // An OpenID login window goes through the provider's pages; every other
                    // window stays on the app.
                    let allowed = if openid::is_login_window(webview.label()) {
                        openid::may_navigate(url)
                    } else {
                        is_app_url(url)
                    };
                    if !allowed {
                        tracing::warn!(%url, window = webview.label(), "refused a navigation");
                    }
                    allowed
                })
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(move |app| {
            let _guard = init_logging(app.path().app_log_dir().ok());
            let profiles = match std::env::var_os(PROFILES_ENV) {
                Some(path) => PathBuf::from(path),
                None => Profiles::default_path()?,
            };
            let keychain = match std::env::var(KEYCHAIN_ENV) {
                Ok(service) => Keychain::with_service(service),
                Err(_) => Keychain::default(),
            };
            tracing::info!(profiles = %profiles.display(), "starting");
            software_rendering(app.handle());
            app.manage(Desktop::new(profiles, keychain, events_tx));
            app.manage(local::LocalStop::default());
            app.manage(terminals::Terminals::default());
            let signals = app.handle().clone();
            forwarder::spawn(app.handle().clone(), events_rx, move |signal| {
                signals.state::<Desktop>().signal(signal);
            });
            app.manage(notify_rules::Rules::load(notify_rules::Rules::file_in(
                app.path().app_config_dir().ok(),
            )));
            notifications::spawn(app.handle().clone());
            app.manage(reminders::Reminders::load(reminders::Reminders::file_in(
                app.path().app_config_dir().ok(),
            )));
            reminders::spawn(app.handle().clone());
            tray::build(app.handle());
            let handle = app.handle().clone();
            let local_data = match std::env::var_os(LOCAL_DATA_ENV) {
                Some(dir) => PathBuf::from(dir),
                None => app.path().app_data_dir()?.join("server"),
            };
            tauri::async_runtime::spawn(async move {
                // Settled however the start ends (a panic included): list_servers waits for it.
                let settle = handle.clone();
                let settled = Settled(move || settle.state::<Desktop>().settle_local());
                local::start(handle.clone(), &local_data).await;
                drop(settled);
                handle.state::<Desktop>().restore().await;
            });
            Ok(())
        })
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::CloseRequested { api, .. }
                if window.label() == "main" && tray::hide_instead_of_close(window) =>
            {
                api.prevent_close();
            }
            tauri::WindowEvent::Destroyed => {
                // Its terminal views end with it (a page closed from the title bar unmounts
                // nothing).
                window
                    .state::<terminals::Terminals>()
                    .detach_window(window.label());
                // A shell's own window closed: the main window may show the shell again.
                if let Some(shell_id) = window.label().strip_prefix(commands::shells::WINDOW_PREFIX)
                {
                    use tauri::Emitter;
                    let closed = contract::ShellWindowClosed {
                        shell_id: shell_id.to_owned(),
                    };
                    if let Err(error) =
                        window.emit_to("main", contract::event::SHELL_WINDOW, &closed)
                    {
                        tracing::warn!(%error, "cannot tell the main window a shell window closed");
                    }
                }
            }
            _ => {}
        })
        .invoke_handler(for_each_command!(handlers))
        .build(tauri::generate_context!());
    let app = match built {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "the app cannot start");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            // Quitting stops the bundled server cleanly (its labs, being containers, keep
            // running; the next start recovers them).
            app.state::<local::LocalStop>()
                .stop_and_wait(LOCAL_STOP_WAIT);
        }
    });
}

/// Runs its function when dropped.
struct Settled<F: FnMut()>(F);

impl<F: FnMut()> Drop for Settled<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

/// Whether the webview may show `url`: only the app's own page (the bundled UI, or Vite's dev
/// server in a build without it). A link dropped or clicked never replaces the app.
fn is_app_url(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" if url.host_str() == Some("tauri.localhost") => true,
        "http" if cfg!(not(feature = "custom-protocol")) => {
            url.host_str() == Some("localhost") && url.port() == Some(5173)
        }
        "about" => url.path() == "blank",
        _ => false,
    }
}

/// Environment: `1` keeps WebKit's GPU compositing on.
const GPU_ENV: &str = "ANTIMONY_WEBVIEW_GPU";

/// Whether the webview renders on the CPU (the default; `ANTIMONY_WEBVIEW_GPU=1` keeps GPU
/// compositing).
fn software() -> bool {
    !std::env::var(GPU_ENV).is_ok_and(|v| v == "1")
}

/// Before GTK starts, in software mode: keeps GL out of the window's process where nothing
/// draws with it. `GDK_GL=disable` skips GDK's probe of every X visual through GLX at display
/// open (about 350 ms of the cold start with llvmpipe, `bench/desktop-footprint`);
/// `WEBKIT_DISABLE_DMABUF_RENDERER=1` has the web process hand its CPU-drawn frames over in
/// shared memory instead of DMA-BUF through GL (about 9 MB PSS);
/// `WEBKIT_WEB_RENDER_DEVICE_FILE` tells WebKit the GPU's render node ([`render_node`]) so that
/// the window's process does not open EGL to ask for it. What the user set wins.
fn software_rendering_env() {
    #[cfg(target_os = "linux")]
    if software() {
        let node = render_node(std::path::Path::new("/dev/dri"));
        for (name, value) in [
            ("GDK_GL", "disable"),
            ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
            ("WEBKIT_WEB_RENDER_DEVICE_FILE", node.as_str()),
        ] {
            if std::env::var_os(name).is_none() {
                // The first thing `run` does: no other thread reads the environment yet.
                // g_setenv fails only for a name with '=' in it, which these are not.
                let _ = glib::setenv(name, value, false);
            }
        }
    }
}

/// What names no render node: WebKit opens its render node only for GPU buffers (the DMA-BUF
/// renderer, accelerated WebGL), which software rendering never asks for.
const NO_RENDER_NODE: &str = "/dev/dri/none";

/// The render node WebKit should be told of: the first `renderD…` under `dri`, else
/// [`NO_RENDER_NODE`].
///
/// Untold, WebKit 2.50 opens an EGL display in the window's process at the first page load
/// only to ask EGL for the node (and the web process, which draws, opens its own). Without a
/// GPU that display loads Mesa's llvmpipe and with it LLVM: 8 MB of relocated data and 35 MB
/// of code faulted in, about 15 MB of the fresh app's PSS (`bench/desktop-footprint`), for an
/// answer (none) that software rendering does not use. With a GPU the first node is what
/// WebKit's own fallback (libdrm's first device with a render node) picks.
fn render_node(dri: &std::path::Path) -> String {
    let mut nodes: Vec<std::path::PathBuf> = std::fs::read_dir(dri)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
        .map(|entry| entry.path())
        .collect();
    // renderD128, renderD129, …: the same width, so text order is number order.
    nodes.sort();
    nodes
        .first()
        .and_then(|node| node.to_str())
        .map_or_else(|| NO_RENDER_NODE.to_owned(), str::to_owned)
}

/// Turns WebKit's accelerated compositing off, unless `ANTIMONY_WEBVIEW_GPU=1`.
///
/// The UI is tables and text. Composited, every log frame went through GL (llvmpipe without a
/// GPU) and stalled the web process's main thread: `bench/desktop-logs` measured 79,000
/// lines/s with frames up to 1.9 s apart, against 124,000 lines/s and none over 100 ms
/// without it, and 454 vs 324 MB PSS after the flood.
fn software_rendering<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if !software() {
        return;
    }
    #[cfg(target_os = "linux")]
    if let Some(window) = app.get_webview_window("main") {
        let set = window.with_webview(|webview| {
            use webkit2gtk::{SettingsExt, WebContextExt, WebViewExt};
            if let Some(settings) = webview.inner().settings() {
                settings.set_hardware_acceleration_policy(
                    webkit2gtk::HardwareAccelerationPolicy::Never,
                );
            }
            // One page that never navigates: no back/forward or page caches to keep.
            if let Some(context) = webview.inner().context() {
                context.set_cache_model(webkit2gtk::CacheModel::DocumentViewer);
            }
        });
        if let Err(error) = set {
            tracing::warn!(%error, "cannot turn GPU compositing off");
        }
    }
}

/// Logs to stderr and to a daily rolling file in the app's log directory (kept 7 days).
fn init_logging(dir: Option<PathBuf>) -> Option<()> {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // Whatever ANTIMONY_LOG says, no level logs what crosses the wire (tokens, shell input).
    let filter = || {
        antimony_client::QUIET_LOGGERS
            .iter()
            .chain(antimony_server::QUIET_LOGGERS)
            .fold(
                tracing_subscriber::EnvFilter::try_from_env("ANTIMONY_LOG")
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                |filter, directive| match directive.parse() {
                    Ok(directive) => filter.add_directive(directive),
                    Err(_) => filter,
                },
            )
    };
    let file = dir.and_then(|dir| {
        // The appender prunes old files by listing the directory: it must exist.
        std::fs::create_dir_all(&dir).ok()?;
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("antimony-desktop")
            .filename_suffix("log")
            .max_log_files(7)
            .build(dir)
            .ok()
    });
    let registry = tracing_subscriber::registry().with(
        // No colours: both layers share the span fields formatted once (by this layer), so
        // colours here would end up in the log file too.
        tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .with_filter(filter()),
    );
    let result = match file {
        Some(file) => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(file)
                    .with_filter(filter()),
            )
            .try_init(),
        None => registry.try_init(),
    };
    result.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_webview_stays_on_the_app() {
        let url = |s: &str| tauri::Url::parse(s).expect("a URL");
        assert!(is_app_url(&url("tauri://localhost/")));
        assert!(is_app_url(&url("tauri://localhost/index.html#labs")));
        assert!(is_app_url(&url("http://tauri.localhost/")));
        assert!(!is_app_url(&url("https://evil.example/login")));
        assert!(!is_app_url(&url("http://localhost:8080/")));
        assert!(!is_app_url(&url("file:///etc/passwd")));
        assert!(!is_app_url(&url("tauri://elsewhere/")));
    }

    #[test]
    fn webkit_is_told_the_first_render_node_or_none() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        assert_eq!(render_node(&dir.path().join("absent")), NO_RENDER_NODE);
        assert_eq!(render_node(dir.path()), NO_RENDER_NODE);
        for name in ["card0", "renderD129", "renderD128", "by-path"] {
            std::fs::write(dir.path().join(name), b"").expect("a node");
        }
        let first = dir.path().join("renderD128");
        assert_eq!(render_node(dir.path()), first.to_str().expect("UTF-8"));
    }
}
