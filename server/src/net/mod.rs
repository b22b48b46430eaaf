//! The HTTP listener: a hyper accept loop with the limits a hostile client meets before any
//! handler runs, and the request guard (see [`guard`]).
//!
//! - **Connections**: at most [`NetLimits::connections`] in all and
//!   [`NetLimits::connections_per_address`] from one address; more are answered
//!   `429`/`503` with a JSON body and closed.
//! - **Slow clients**: request headers (and the wait for the next request on a kept-alive
//!   connection) must arrive within [`NetLimits::request_timeout`], and so must each part of a
//!   request body; a connection whose writes make no progress for
//!   [`NetLimits::write_stall`] is closed.
//! - **Sizes**: request heads are bounded (64 KiB); bodies by the routes (see `http`) and
//!   Socket.IO messages by the Socket.IO layer (see `socket`).

pub(crate) mod guard;
mod stall;
pub mod tls;

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use antimony_protocol::{ErrorBody, ErrorCode};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;

pub use guard::HostPolicy;
pub use tls::{Tls, TlsSource};

/// Connection and timing limits of the listener.
#[derive(Debug, Clone)]
pub struct NetLimits {
    /// Open connections in all.
    pub connections: usize,
    /// Open connections from one IP address.
    pub connections_per_address: usize,
    /// Time for a request's headers (and for the next request on an idle kept-alive
    /// connection), and for each read of its body.
    pub request_timeout: Duration,
    /// Time a connection's writes may make no progress (a client that stops reading).
    pub write_stall: Duration,
}

impl Default for NetLimits {
    fn default() -> Self {
        NetLimits {
            connections: 4096,
            connections_per_address: 256,
            request_timeout: Duration::from_secs(30),
            write_stall: Duration::from_secs(60),
        }
    }
}

/// The largest request head (request line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// How long a refused connection gets to take its answer.
const REFUSAL_WRITE: Duration = Duration::from_secs(2);
/// How long shutdown waits for HTTP requests in flight.
const DRAIN: Duration = Duration::from_secs(10);

/// Open connections, in all and per address.
#[derive(Debug)]
struct Connections {
    limits: NetLimits,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// A connection's place, given back when dropped.
struct Slot {
    connections: Arc<Connections>,
    address: IpAddr,
}

/// Why a connection was not admitted.
enum Full {
    Address,
    Server,
}

impl Connections {
    fn admit(self: &Arc<Self>, address: IpAddr) -> Result<Slot, Full> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.0 >= self.limits.connections {
            return Err(Full::Server);
        }
        let from_address = open.1.entry(address).or_default();
        if *from_address >= self.limits.connections_per_address {
            return Err(Full::Address);
        }
        *from_address += 1;
        open.0 += 1;
        Ok(Slot {
            connections: Arc::clone(self),
            address,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self
            .connections
            .open
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        open.0 = open.0.saturating_sub(1);
        if let Some(count) = open.1.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.1.remove(&self.address);
            }
        }
    }
}

/// Marks a request that came over HTTPS (this server's own TLS).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OverTls;

/// Serves `app` on `listener` (over TLS when `tls` is given) until `stop` completes, then
/// waits (a little) for requests in flight. Each request carries its peer's address as
/// [`ConnectInfo`], and [`OverTls`] when it came over TLS.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: NetLimits,
    tls: Option<tls::Tls>,
    stop: impl Future<Output = ()>,
) {
    let connections = Arc::new(Connections {
        limits: limits.clone(),
        open: Mutex::new((0, HashMap::new())),
    });
    // Connections in flight, and the signal that asks them to finish their request and close.
    let tracker = tokio_util::task::TaskTracker::new();
    let draining = tokio_util::sync::CancellationToken::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.request_timeout)
        .max_buf_size(MAX_HEAD);
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of file descriptors, or a connection reset before it was taken: wait a
                // moment rather than spin.
                tracing::warn!(%error, "cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let slot = match connections.admit(peer.ip()) {
            Ok(slot) => slot,
            Err(full) => {
                tokio::spawn(refuse(stream, full, limits.clone()));
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let stream = stall::StallGuard::new(stream, limits.write_stall);
        let connection = Connection {
            http: http.clone(),
            app: app.clone(),
            peer,
            draining: draining.clone(),
        };
        match &tls {
            None => {
                tracker.spawn(async move {
                    connection.run(stream, false).await;
                    drop(slot);
                });
            }
            Some(tls) => {
                let (acceptor, handshake) = (tls.acceptor.clone(), limits.request_timeout);
                tracker.spawn(async move {
                    // The handshake is bounded like a request's headers.
                    match tokio::time::timeout(handshake, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => connection.run(stream, true).await,
                        Ok(Err(error)) => {
                            tracing::debug!(%peer, %error, "TLS handshake failed");
                        }
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                    drop(slot);
                });
            }
        }
    }
    drop(listener);
    draining.cancel();
    tracker.close();
    if tokio::time::timeout(DRAIN, tracker.wait()).await.is_err() {
        tracing::warn!("HTTP requests still in flight at shutdown");
    }
}

/// One accepted connection's HTTP side.
struct Connection {
    http: hyper::server::conn::http1::Builder,
    app: Router,
    peer: std::net::SocketAddr,
    draining: tokio_util::sync::CancellationToken,
}

impl Connection {
    /// Serves requests on `io` until the client goes, or shutdown asks it to finish.
    async fn run<I>(self, io: I, over_tls: bool)
    where
        I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            http,
            app,
            peer,
            draining,
        } = self;
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            if over_tls {
                request.extensions_mut().insert(OverTls);
            }
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
        let connection = http
            .serve_connection(TokioIo::new(io), service)
            .with_upgrades();
        tokio::pin!(connection);
        let ended = tokio::select! {
            ended = connection.as_mut() => ended,
            () = draining.cancelled() => {
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(error) = ended {
            tracing::debug!(%peer, %error, "connection ended with an error");
        }
    }
}

/// Answers a connection over a limit with a JSON error, then closes it.
async fn refuse(mut stream: TcpStream, full: Full, limits: NetLimits) {
    let (status, body) = match full {
        Full::Address => (
            "429 Too Many Requests",
            ErrorBody::new(
                ErrorCode::TooManyRequests,
                format!(
                    "too many connections from this address (at most {})",
                    limits.connections_per_address
                ),
            ),
        ),
        Full::Server => (
            "503 Service Unavailable",
            ErrorBody::new(
                ErrorCode::TooManyRequests,
                format!(
                    "the server has too many connections (at most {})",
                    limits.connections
                ),
            ),
        ),
    };
    let body = serde_json::to_string(&body).unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nretry-after: 5\r\n\
         connection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_WRITE, async {
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await;
}
