//! `--web-ui DIR`: a build of the official Antimony web UI served at `/`, same-origin with REST
//! under `/api` and Socket.IO at `/socket.io`, so one process replaces the reverse proxy, the Go
//! server and the UI container.
//!
//! Files are served from the directory (no path leaves it; `tower_http::services::ServeDir`);
//! any other path is the app's own route and gets `index.html`. The UI's `index.html` asks
//! browsers to `upgrade-insecure-requests`: over plain HTTP from any host but the loopback
//! one, that would turn every request into an HTTPS request the server does not answer, so
//! the directive is taken out of `index.html` when the page is served over plain HTTP (over
//! HTTPS the page goes out as built).

use std::path::{Path, PathBuf};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;

use crate::net::OverTls;

/// The web UI's routes: `index.html` for `/`, `/index.html` and every path that is not a
/// file; the files as they are.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(dir: &Path) -> Router<S> {
    let index_dir = dir.to_path_buf();
    let files = ServeDir::new(dir)
        .append_index_html_on_directories(false)
        .fallback(axum::routing::get(index).with_state(index_dir.clone()));
    Router::new()
        .route("/", axum::routing::get(index))
        .route("/index.html", axum::routing::get(index))
        .with_state(index_dir)
        .fallback_service(files)
}

/// `index.html`, without `upgrade-insecure-requests` over plain HTTP.
async fn index(State(dir): State<PathBuf>, request: Request) -> Response {
    let path = dir.join("index.html");
    let html = match tokio::fs::read_to_string(&path).await {
        Ok(html) => html,
        Err(error) => {
            tracing::error!(path = %path.display(), %error, "cannot read the web UI");
            return (
                StatusCode::NOT_FOUND,
                "the web UI directory has no index.html",
            )
                .into_response();
        }
    };
    let html = if request.extensions().get::<OverTls>().is_some() {
        html
    } else {
        without_upgrade_insecure_requests(&html)
    };
    let mut response = html.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Takes the `upgrade-insecure-requests` directive out of every Content-Security-Policy
/// `<meta>` tag, and the tag itself when nothing else is left in it.
pub(crate) fn without_upgrade_insecure_requests(html: &str) -> String {
    const DIRECTIVE: &str = "upgrade-insecure-requests";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = find_ignore_case(rest, "<meta") {
        let (Some(before), Some(from)) = (rest.get(..start), rest.get(start..)) else {
            break;
        };
        let Some(length) = from.find('>') else {
            break;
        };
        let (Some(tag), Some(after)) = (from.get(..=length), from.get(length + 1..)) else {
            break;
        };
        out.push_str(before);
        let lower = tag.to_ascii_lowercase();
        if lower.contains("content-security-policy") && lower.contains(DIRECTIVE) {
            let kept: Vec<&str> = content_of(tag)
                .unwrap_or_default()
                .split(';')
                .map(str::trim)
                .filter(|d| !d.is_empty() && !d.eq_ignore_ascii_case(DIRECTIVE))
                .collect();
            if !kept.is_empty() {
                out.push_str(&format!(
                    "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
                    kept.join("; ")
                ));
            }
        } else {
            out.push_str(tag);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn find_ignore_case(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// The `content="…"` value of a tag.
fn content_of(tag: &str) -> Option<&str> {
    let at = find_ignore_case(tag, "content=")? + "content=".len();
    let value = tag.get(at..)?;
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = value.get(1..)?;
    value.find(quote).and_then(|end| value.get(..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upgrade_directive_goes_and_everything_else_stays() {
        let html = "<head>\n  <meta charset=\"utf-8\"/>\n  <meta http-equiv=\"Content-Security-Policy\" content=\"upgrade-insecure-requests\">\n  <meta content=\"x\" name=\"description\"/>\n</head>";
        assert_eq!(
            without_upgrade_insecure_requests(html),
            "<head>\n  <meta charset=\"utf-8\"/>\n  \n  <meta content=\"x\" name=\"description\"/>\n</head>"
        );
        let mixed = "<META HTTP-EQUIV='content-security-policy' CONTENT='default-src self; Upgrade-Insecure-Requests'>";
        assert_eq!(
            without_upgrade_insecure_requests(mixed),
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src self\">"
        );
        let plain = "<p>upgrade-insecure-requests is a CSP directive</p><meta name=a>";
        assert_eq!(without_upgrade_insecure_requests(plain), plain);
        assert_eq!(without_upgrade_insecure_requests("<meta"), "<meta");
    }
}
