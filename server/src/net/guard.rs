//! The request guard: which `Host` and `Origin` a request may carry (DNS rebinding and
//! cross-site requests).
//!
//! - **Host**: a server bound to loopback, or one given public names, answers only requests
//!   whose `Host` is a loopback name (`localhost`, `*.localhost`), an IP address, or one of
//!   its public names. A page on `http://evil.example` whose name was rebound to 127.0.0.1
//!   sends `Host: evil.example` and is refused (403).
//! - **Origin**: a request that carries an `Origin` (browsers send one on WebSocket
//!   handshakes, on cross-origin requests and on same-origin requests that change state) must
//!   come from the server's own origin (the `Origin`'s host and port are the request's
//!   `Host`) or a configured one, for every Socket.IO request and every REST request that is
//!   not `GET`, `HEAD` or `OPTIONS`. Native clients (the desktop app, the CLI) send none.

use std::net::IpAddr;

use antimony_protocol::{ErrorBody, ErrorCode};
use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Which hosts and origins requests may name.
#[derive(Debug, Clone, Default)]
pub struct HostPolicy {
    /// Whether `Host` is checked (a loopback bind, or public names configured).
    pub check_host: bool,
    /// Public host names (lowercase, without port) besides loopback names and IP addresses.
    pub public_hosts: Vec<String>,
    /// Origins (`scheme://host[:port]`, lowercase) allowed besides the server's own.
    pub allowed_origins: Vec<String>,
}

impl HostPolicy {
    /// The policy of a server listening on `bind` with these names and origins.
    pub fn new(bind: IpAddr, public_hosts: &[String], allowed_origins: &[String]) -> Self {
        HostPolicy {
            check_host: bind.is_loopback() || !public_hosts.is_empty(),
            public_hosts: public_hosts
                .iter()
                .map(|h| split_port(h.trim()).0.to_ascii_lowercase())
                .collect(),
            allowed_origins: allowed_origins
                .iter()
                .map(|o| o.trim().trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    /// Whether a request with this `Host` is answered.
    pub fn host_allowed(&self, host: Option<&str>) -> bool {
        if !self.check_host {
            return true;
        }
        let Some(host) = host else { return false };
        let name = split_port(host).0.to_ascii_lowercase();
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        name == "localhost"
            || name.ends_with(".localhost")
            || bare.parse::<IpAddr>().is_ok()
            || self.public_hosts.contains(&name)
    }

    /// Whether a request from `origin` to `host` is let through.
    pub fn origin_allowed(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim().to_ascii_lowercase();
        if self.allowed_origins.contains(&origin) {
            return true;
        }
        let Some((scheme, authority)) = origin.split_once("://") else {
            return false; // `null` (sandboxed frames, files) and garbage
        };
        let Some(host) = host else { return false };
        normalise(scheme, authority) == normalise(scheme, &host.to_ascii_lowercase())
    }
}

/// `host[:port]` → (`host`, `port`), IPv6 literals in brackets kept whole.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(end) => {
                let (host, rest) = authority.split_at(end + 1);
                (host, rest.strip_prefix(':'))
            }
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host, Some(port)),
        _ => (authority, None),
    }
}

/// An authority with the scheme's default port left out.
fn normalise(scheme: &str, authority: &str) -> String {
    let (host, port) = split_port(authority);
    let default = match scheme {
        "http" | "ws" => Some("80"),
        "https" | "wss" => Some("443"),
        _ => None,
    };
    match port {
        Some(port) if Some(port) != default => format!("{host}:{port}"),
        _ => host.to_owned(),
    }
}

fn refusal(message: String) -> Response {
    (
        StatusCode::FORBIDDEN,
        axum::Json(ErrorBody::new(ErrorCode::Forbidden, message)),
    )
        .into_response()
}

/// The middleware: refuses (403) a request whose `Host` or `Origin` is not allowed.
pub(crate) async fn guard(
    State(policy): State<std::sync::Arc<HostPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .headers()
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| request.uri().authority().map(|a| a.as_str()))
        .map(str::to_owned);
    if !policy.host_allowed(host.as_deref()) {
        tracing::info!(host = ?host, "refused a request for a host this server does not serve");
        return refusal(format!(
            "this server does not answer requests for host {:?}; add it to server.publicHosts",
            host.unwrap_or_default()
        ));
    }
    let checked = request.uri().path().starts_with("/socket.io")
        || !matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
    if checked && let Some(origin) = request.headers().get(ORIGIN) {
        let origin = origin.to_str().unwrap_or("invalid");
        if !policy.origin_allowed(origin, host.as_deref()) {
            tracing::info!(origin, "refused a cross-origin request");
            return refusal(format!(
                "requests from origin {origin:?} are not allowed; add it to server.allowedOrigins"
            ));
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback() -> HostPolicy {
        HostPolicy::new(
            "127.0.0.1".parse().unwrap(),
            &["Lab.Example.org".to_owned()],
            &["https://ui.example.org/".to_owned()],
        )
    }

    #[test]
    fn loopback_names_addresses_and_public_names_are_answered() {
        let policy = loopback();
        for host in [
            "127.0.0.1:3000",
            "localhost",
            "LOCALHOST:3000",
            "app.localhost:1420",
            "[::1]:3000",
            "10.0.0.5",
            "lab.example.org",
            "lab.example.org:8443",
        ] {
            assert!(policy.host_allowed(Some(host)), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:3000",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "",
        ] {
            assert!(!policy.host_allowed(Some(host)), "{host}");
        }
        assert!(!policy.host_allowed(None));
        let open = HostPolicy::new("0.0.0.0".parse().unwrap(), &[], &[]);
        assert!(open.host_allowed(Some("anything.example")));
    }

    #[test]
    fn same_origin_and_configured_origins_pass() {
        let policy = loopback();
        assert!(policy.origin_allowed("http://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(policy.origin_allowed("https://lab.example.org", Some("lab.example.org")));
        assert!(policy.origin_allowed("https://lab.example.org", Some("lab.example.org:443")));
        assert!(policy.origin_allowed("http://lab.example.org:80", Some("lab.example.org")));
        assert!(policy.origin_allowed("https://UI.example.org", Some("127.0.0.1:3000")));
        assert!(!policy.origin_allowed("http://evil.example", Some("127.0.0.1:3000")));
        assert!(!policy.origin_allowed("http://127.0.0.1:8080", Some("127.0.0.1:3000")));
        assert!(!policy.origin_allowed("https://lab.example.org", Some("lab.example.org:8443")));
        assert!(!policy.origin_allowed("null", Some("127.0.0.1:3000")));
        assert!(!policy.origin_allowed("http://127.0.0.1:3000", None));
    }
}
