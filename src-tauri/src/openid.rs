//! OpenID Connect login through a window of its own (PROTOCOL.md §3.6, "Desktop
//! feasibility"). The server hands the tokens over only as cookies of its own origin, set when
//! the provider sends the browser back to `/users/login/success`, so no system browser can
//! pass them to the app. A window labelled `openid-<n>` opens `<rest base>/users/login/openid`
//! and the user goes through the provider's pages in it; every 250 ms the app reads that
//! window's cookies for the REST base, and once `authToken` and `accessToken` are both there
//! (see `antimony_client::account::tokens_from_cookies`) it closes the window.
//!
//! The window is incognito: its cookie store lives in memory and dies with it (no token is
//! written to WebKit's cookie file, and the main webview never shares it). It shows remote
//! pages, so no capability names its label (it may call no command and hear no event), and
//! the navigation guard lets it, and only it, go to web pages.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use antimony_client::account;
use antimony_client::profile::ServerProfile;
use antimony_client::rest::Tokens;
use tauri::{AppHandle, Runtime, Url, WebviewUrl, WebviewWindow, WebviewWindowBuilder};
use tokio::sync::Notify;

use crate::contract::{BridgeError, BridgeErrorKind, Result};

/// The label prefix of login windows.
pub(crate) const WINDOW_PREFIX: &str = "openid-";
/// How often the window's cookies are read.
const POLL: Duration = Duration::from_millis(250);
/// How long a login may take before the window closes by itself.
pub(crate) const TIME_LIMIT: Duration = Duration::from_secs(10 * 60);

/// Numbers the login windows (labels must be unique).
static NEXT_WINDOW: AtomicU64 = AtomicU64::new(1);

/// Whether a window (or webview) label is a login window's.
pub(crate) fn is_login_window(label: &str) -> bool {
    label.starts_with(WINDOW_PREFIX)
}

/// Where a login window may go: web pages (the server's and the provider's), nothing else
/// (no `file:`, no app page, no other scheme a page could hand to the system).
pub(crate) fn may_navigate(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https")
}

/// Where the login starts: the server's `/users/login/openid`. Its cookies are read for this
/// URL too: the server sets them on its origin with `Path=/`.
pub(crate) fn start_url(profile: &ServerProfile) -> Result<Url> {
    let text = profile.rest_url("/users/login/openid");
    Url::parse(&text).map_err(|e| {
        BridgeError::new(
            BridgeErrorKind::Profile,
            format!("the server's REST base does not make a URL ({text}): {e}"),
        )
    })
}

fn cancelled(message: &str) -> BridgeError {
    BridgeError::new(BridgeErrorKind::Cancelled, message)
}

/// Opens a login window at `start` for `server` and waits for the tokens. Rejects with
/// [`BridgeErrorKind::Cancelled`] when the user closes the window, or after [`TIME_LIMIT`].
pub(crate) async fn browser_login<R: Runtime>(
    app: &AppHandle<R>,
    server: &str,
    start: Url,
) -> Result<Tokens> {
    let label = format!(
        "{WINDOW_PREFIX}{}",
        NEXT_WINDOW.fetch_add(1, Ordering::Relaxed)
    );
    let window = WebviewWindowBuilder::new(app, &label, WebviewUrl::External(start.clone()))
        .title(format!("Log in to {server}"))
        .inner_size(520.0, 720.0)
        .min_inner_size(360.0, 420.0)
        .incognito(true)
        .disable_drag_drop_handler()
        .build()
        .map_err(|e| BridgeError::new(BridgeErrorKind::Io, format!("cannot open a window: {e}")))?;
    let closed = Arc::new(Notify::new());
    let on_close = Arc::clone(&closed);
    window.on_window_event(move |event| {
        if matches!(event, tauri::WindowEvent::Destroyed) {
            // Stored if nobody waits yet: the loop sees it at its next turn.
            on_close.notify_one();
        }
    });
    tracing::info!(%server, window = %label, "OpenID login window opened");
    let deadline = tokio::time::Instant::now() + TIME_LIMIT;
    let outcome = loop {
        tokio::select! {
            () = closed.notified() => {
                break Err(cancelled("the login window was closed before the login was done"));
            }
            () = tokio::time::sleep_until(deadline) => {
                break Err(cancelled(&format!(
                    "the login was not done within {} minutes",
                    TIME_LIMIT.as_secs() / 60
                )));
            }
            () = tokio::time::sleep(POLL) => {}
        }
        match cookies(&window, &start).await {
            Ok(Some(cookies)) => {
                let now = antimony_protocol::Timestamp::now_utc().unix_timestamp();
                let pairs = cookies.iter().map(|(n, v)| (n.as_str(), v.as_str()));
                if let Some(tokens) = account::tokens_from_cookies(pairs, now) {
                    break Ok(tokens);
                }
            }
            Ok(None) => {
                break Err(cancelled(
                    "the login window was closed before the login was done",
                ));
            }
            Err(error) => tracing::debug!(%error, "cannot read the login window's cookies yet"),
        }
    };
    if let Err(error) = window.destroy() {
        tracing::debug!(%error, "the login window is gone already");
    }
    tracing::info!(%server, done = outcome.is_ok(), "OpenID login window closed");
    outcome
}

/// The `(name, value)` of the cookies the window would send to `url`; `None` when its
/// webview is gone.
///
/// On Linux through WebKitGTK's cookie manager, asynchronously on the main thread: Tauri's
/// `cookies_for_url` blocks the calling thread and panics there when the webview went away
/// in between (a window closed while the request waits).
#[cfg(target_os = "linux")]
async fn cookies<R: Runtime>(
    window: &WebviewWindow<R>,
    url: &Url,
) -> std::result::Result<Option<Vec<(String, String)>>, String> {
    type Answer = std::result::Result<Vec<(String, String)>, String>;
    let (tx, rx) = tokio::sync::oneshot::channel::<Answer>();
    let url = url.to_string();
    window
        .with_webview(move |webview| {
            use webkit2gtk::{CookieManagerExt, WebViewExt, WebsiteDataManagerExt};
            let manager = webview
                .inner()
                .website_data_manager()
                .and_then(|data| data.cookie_manager());
            let Some(manager) = manager else {
                let _ = tx.send(Err("the webview has no cookie manager".into()));
                return;
            };
            manager.cookies(&url, None::<&gio::Cancellable>, move |answer| {
                let answer = answer
                    .map(|cookies| {
                        cookies
                            .into_iter()
                            .map(|mut cookie| {
                                let name = cookie.name().map(|n| n.to_string());
                                let value = cookie.value().map(|v| v.to_string());
                                (name.unwrap_or_default(), value.unwrap_or_default())
                            })
                            .collect()
                    })
                    .map_err(|e| e.to_string());
                let _ = tx.send(answer);
            });
        })
        .map_err(|e| e.to_string())?;
    match rx.await {
        Ok(answer) => answer.map(Some),
        // The request was dropped with the webview.
        Err(_) => Ok(None),
    }
}

/// The `(name, value)` of the cookies the window would send to `url`; `None` when its
/// webview is gone.
#[cfg(not(target_os = "linux"))]
async fn cookies<R: Runtime>(
    window: &WebviewWindow<R>,
    url: &Url,
) -> std::result::Result<Option<Vec<(String, String)>>, String> {
    let (window, url) = (window.clone(), url.clone());
    match tauri::async_runtime::spawn_blocking(move || window.cookies_for_url(url)).await {
        Ok(Ok(cookies)) => Ok(Some(
            cookies
                .iter()
                .map(|c| (c.name().to_owned(), c.value().to_owned()))
                .collect(),
        )),
        Ok(Err(error)) => Err(error.to_string()),
        Err(_) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_windows_go_to_web_pages_only() {
        let url = |s: &str| Url::parse(s).expect("a URL");
        assert!(may_navigate(&url("https://id.example.org/authorize?x=1")));
        assert!(may_navigate(&url(
            "http://127.0.0.1:3000/users/login/success"
        )));
        assert!(!may_navigate(&url("file:///etc/passwd")));
        assert!(!may_navigate(&url("tauri://localhost/")));
        assert!(!may_navigate(&url("javascript:alert(1)")));
        assert!(!may_navigate(&url("ssh://host/")));
        assert!(is_login_window("openid-3"));
        assert!(!is_login_window("main"));
        assert!(!is_login_window("shell-openid-1"));
    }

    #[test]
    fn the_login_starts_at_the_servers_openid_endpoint() {
        let behind_proxy = ServerProfile::new("lab", "https://lab.example.org").expect("a profile");
        assert_eq!(
            start_url(&behind_proxy).expect("a URL").as_str(),
            "https://lab.example.org/api/users/login/openid"
        );
        let direct = behind_proxy
            .with_rest_base("http://127.0.0.1:3000")
            .expect("a REST base");
        assert_eq!(
            start_url(&direct).expect("a URL").as_str(),
            "http://127.0.0.1:3000/users/login/openid"
        );
    }

    /// Whether a capability's `windows` pattern (`*` for any run of characters) names `label`.
    fn names(pattern: &str, label: &str) -> bool {
        let mut parts = pattern.split('*');
        let first = parts.next().unwrap_or_default();
        let Some(mut rest) = label.strip_prefix(first) else {
            return false;
        };
        let parts: Vec<&str> = parts.collect();
        let Some((last, middle)) = parts.split_last() else {
            return rest.is_empty();
        };
        for part in middle {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
        rest.ends_with(last)
    }

    #[test]
    fn no_capability_reaches_a_login_window() {
        assert!(names("shell-*", "shell-1") && names("main", "main") && names("*", "x"));
        assert!(!names("main", "main-2") && !names("shell-*", "openid-1"));
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("capabilities");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).expect("the capabilities directory") {
            let path = entry.expect("an entry").path();
            let text = std::fs::read_to_string(&path).expect("a capability file");
            let capability: serde_json::Value = serde_json::from_str(&text).expect("JSON");
            let windows = capability["windows"].as_array().expect("windows");
            for pattern in windows.iter().map(|w| w.as_str().expect("a label pattern")) {
                seen += 1;
                assert!(
                    !names(pattern, &format!("{WINDOW_PREFIX}1")),
                    "{} gives the login windows (remote pages) the app's permissions: {pattern}",
                    path.display()
                );
            }
            assert!(capability.get("webviews").is_none(), "{}", path.display());
        }
        assert!(seen >= 2, "the main and shell windows have capabilities");
    }
}
