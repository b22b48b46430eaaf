//! A log namespace read straight off its WebSocket: Engine.IO v4 and Socket.IO v5 framing
//! for the one thing a log connection does, taking `backlog`, `data` and `lines` events.
//!
//! rust_socketio stays the client for every other namespace. Per packet it parses the
//! payload into `serde_json::Value`s, takes async locks, arms a timer and boxes a future
//! for the handler; at a line per packet that was most of the Rust session's cost (issue 15).
//! This reader uses the layer under it, the same `tokio-tungstenite` connection and
//! `native_tls` trust, and turns a packet into its line with one allocation. The connection
//! task drives it directly: no task or channel between the socket and the log cursor.
//!
//! What the server sends is untrusted: a message is at most tungstenite's 64 MiB, a packet
//! that is not understood is skipped, and a server that stops pinging is left after its
//! `pingInterval + pingTimeout`.

use std::fmt;
use std::time::Duration;

use antimony_protocol::LOG_BATCH_AUTH;
use futures_util::{FutureExt, SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use self::packet::socketio_packet;
use crate::profile::ServerProfile;

mod packet;

/// How long opening the WebSocket and the Engine.IO handshake may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(30);

/// The most live lines gathered into one [`Incoming::Lines`] (about what a webview renders
/// in a frame; a server's `lines` batch, at most 256, is never split).
pub(super) const MAX_DELIVERY: usize = 1024;

/// The most WebSocket messages taken in one [`LogSocket::next_batch`].
const GATHER: usize = 1024;

/// What a log connection received, in order.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Incoming {
    /// The namespace is connected (Socket.IO CONNECT).
    Connected,
    /// The server refused the namespace: the `connect_error` message.
    Refused(String),
    /// The server closed the namespace or the connection.
    Closed,
    /// The whole backlog, sent on every connect.
    Backlog(Vec<String>),
    /// Live lines (`data` events and `lines` batches received together).
    Lines(Vec<String>),
    /// The newest lines of a `lines` batch over [`packet::MAX_MESSAGE_LINES`], after how many
    /// older ones were dropped.
    CappedLines(u64, Vec<String>),
}

/// One log namespace's WebSocket.
pub(super) struct LogSocket {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    namespace: String,
    /// The server's `pingInterval + pingTimeout`: no ping for this long, and it is gone.
    ping_limit: Duration,
    /// When the server must have pinged next.
    ping_deadline: Instant,
    /// The server pinged: a pong is owed.
    pong_due: bool,
}

impl fmt::Debug for LogSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSocket")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// The Engine.IO URL of a server: `ws(s)://<host>/socket.io/?EIO=4&transport=websocket`.
fn engine_url(origin: &str) -> String {
    let rest = origin.trim_end_matches('/');
    let ws = if let Some(host) = rest.strip_prefix("https://") {
        format!("wss://{host}")
    } else if let Some(host) = rest.strip_prefix("http://") {
        format!("ws://{host}")
    } else {
        rest.to_owned()
    };
    format!("{ws}/socket.io/?EIO=4&transport=websocket")
}

/// The CONNECT packet's `auth`: the access token, and the ask for batched log lines
/// (antimony-server sends a log's new lines as `lines` arrays; other servers ignore the key
/// and send one `data` event per line, which the client takes as well).
pub(super) fn auth(token: &str) -> Value {
    serde_json::json!({ "token": token, LOG_BATCH_AUTH: true })
}

impl LogSocket {
    /// Opens the WebSocket, takes the Engine.IO handshake and asks for `namespace` with
    /// `token`. Its answer (CONNECT or `connect_error`) comes from [`next_batch`](Self::next_batch).
    pub(super) async fn connect(
        profile: &ServerProfile,
        namespace: &str,
        token: &str,
    ) -> Result<Self, String> {
        tokio::time::timeout(OPEN_TIMEOUT, Self::open(profile, namespace, token))
            .await
            .unwrap_or_else(|_| Err("the server did not open the connection in time".into()))
    }

    async fn open(profile: &ServerProfile, namespace: &str, token: &str) -> Result<Self, String> {
        let connector = if profile.uses_tls() {
            // The same trust as REST and the other namespaces.
            Some(Connector::NativeTls(
                profile.tls.connector().map_err(|e| e.to_string())?,
            ))
        } else {
            None
        };
        let (mut ws, _) = tokio_tungstenite::connect_async_tls_with_config(
            engine_url(&profile.origin),
            None,
            true,
            connector,
        )
        .await
        .map_err(|e| e.to_string())?;
        let open = loop {
            match ws.next().await {
                Some(Ok(Message::Text(text))) => break text,
                Some(Ok(Message::Close(_))) | None => {
                    return Err("the server closed the connection".into());
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.to_string()),
            }
        };
        let ping_limit = handshake(&open)?;
        let connect = format!("40{namespace},{}", auth(token));
        ws.send(Message::Text(connect))
            .await
            .map_err(|e| e.to_string())?;
        Ok(LogSocket {
            ws,
            namespace: namespace.to_owned(),
            ping_limit,
            ping_deadline: Instant::now() + ping_limit,
            pong_due: false,
        })
    }

    /// Waits for what arrives next and takes whatever else has arrived with it (at most
    /// [`GATHER`] messages), appending to `into`. Cancel-safe: it awaits only the first
    /// message. Err when the connection failed or the server stopped pinging.
    pub(super) async fn next_batch(&mut self, into: &mut Vec<Incoming>) -> Result<(), String> {
        let first = tokio::time::timeout_at(self.ping_deadline, self.ws.next())
            .await
            .map_err(|_| {
                format!(
                    "no ping from the server for {} s",
                    self.ping_limit.as_secs()
                )
            })?;
        let mut message = first;
        for taken in 1..=GATHER {
            match message {
                Some(Ok(Message::Text(text))) => {
                    if self.take(&text, into) {
                        return Ok(());
                    }
                }
                Some(Ok(Message::Close(_))) | None => {
                    into.push(Incoming::Closed);
                    return Ok(());
                }
                // Binary attachments and WebSocket pings (answered by tungstenite).
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.to_string()),
            }
            if taken == GATHER {
                break;
            }
            match self.ws.next().now_or_never() {
                Some(next) => message = next,
                None => break,
            }
        }
        Ok(())
    }

    /// Answers the server's pings; call after each [`next_batch`](Self::next_batch).
    pub(super) async fn flush(&mut self) -> Result<(), String> {
        if std::mem::take(&mut self.pong_due) {
            self.ws
                .send(Message::Text("3".into()))
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Leaves the namespace and closes the connection (best effort).
    pub(super) async fn close(mut self) {
        let leave = format!("41{},", self.namespace);
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            let _ = self.ws.send(Message::Text(leave)).await;
            let _ = self.ws.close(None).await;
        })
        .await;
    }

    /// Takes one Engine.IO packet; true when the connection is over.
    fn take(&mut self, text: &str, into: &mut Vec<Incoming>) -> bool {
        match text.as_bytes().first() {
            // ping
            Some(b'2') => {
                self.pong_due = true;
                self.ping_deadline = Instant::now() + self.ping_limit;
            }
            // message: a Socket.IO packet
            Some(b'4') => {
                if let Some(incoming) =
                    socketio_packet(text.get(1..).unwrap_or_default(), &self.namespace)
                {
                    let over = incoming == Incoming::Closed;
                    push(into, incoming);
                    return over;
                }
            }
            // close
            Some(b'1') => {
                into.push(Incoming::Closed);
                return true;
            }
            // noop, upgrade, anything else
            _ => {}
        }
        false
    }
}

/// Appends, joining live lines to the previous delivery while it has room.
fn push(into: &mut Vec<Incoming>, incoming: Incoming) {
    if let Incoming::Lines(mut lines) = incoming {
        if let Some(Incoming::Lines(last)) = into.last_mut()
            && last.len() < MAX_DELIVERY
        {
            last.append(&mut lines);
        } else {
            into.push(Incoming::Lines(lines));
        }
    } else {
        into.push(incoming);
    }
}

/// The ping limit of the Engine.IO open packet `0{"sid":…,"pingInterval":…,"pingTimeout":…}`.
fn handshake(open: &str) -> Result<Duration, String> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Open {
        ping_interval: u64,
        ping_timeout: u64,
    }
    let json = open
        .strip_prefix('0')
        .ok_or_else(|| format!("not an Engine.IO open packet: {:.40}", open))?;
    let open: Open = serde_json::from_str(json).map_err(|e| format!("bad open packet: {e}"))?;
    // A hostile value must not overflow the deadline: at most a day.
    Ok(Duration::from_millis(
        open.ping_interval
            .saturating_add(open.ping_timeout)
            .min(86_400_000),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: &str = "/logs/0c6d1f8a-2b7d-11f0-9a3e-0242ac120002";

    #[test]
    fn live_lines_join_up_to_a_delivery() {
        let mut into = Vec::new();
        for i in 0..MAX_DELIVERY + 1 {
            push(&mut into, Incoming::Lines(vec![i.to_string()]));
        }
        push(&mut into, Incoming::Backlog(vec!["b".into()]));
        push(&mut into, Incoming::Lines(vec!["c".into()]));
        let sizes: Vec<usize> = into
            .iter()
            .map(|i| match i {
                Incoming::Lines(l) | Incoming::Backlog(l) => l.len(),
                _ => 0,
            })
            .collect();
        assert_eq!(sizes, [MAX_DELIVERY, 1, 1, 1]);
    }

    #[test]
    fn the_handshake_gives_the_ping_limit() {
        assert_eq!(
            handshake(
                "0{\"sid\":\"a\",\"upgrades\":[],\"pingInterval\":25000,\"pingTimeout\":20000,\"maxPayload\":1000000}"
            ),
            Ok(Duration::from_secs(45))
        );
        assert_eq!(
            handshake(&format!(
                "0{{\"pingInterval\":{},\"pingTimeout\":{}}}",
                u64::MAX,
                u64::MAX
            )),
            Ok(Duration::from_secs(86_400))
        );
        assert!(handshake("40").is_err());
        assert!(handshake("0{}").is_err());
    }

    #[test]
    fn urls_follow_the_origin() {
        assert_eq!(
            engine_url("https://lab.example.org"),
            "wss://lab.example.org/socket.io/?EIO=4&transport=websocket"
        );
        assert_eq!(
            engine_url("http://127.0.0.1:3000"),
            "ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket"
        );
    }

    /// A hostile server on a real socket: what it sends, and what the reader makes of it.
    mod wire {
        use tokio::net::TcpListener;

        use super::*;

        async fn serve(
            script: impl FnOnce(
                WebSocketStream<TcpStream>,
            ) -> futures_util::future::BoxFuture<'static, ()>
            + Send
            + 'static,
        ) -> ServerProfile {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let origin = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(async move {
                let (tcp, _) = listener.accept().await.unwrap();
                script(tokio_tungstenite::accept_async(tcp).await.unwrap()).await;
            });
            ServerProfile::new("hostile", &origin).unwrap()
        }

        async fn text(ws: &mut WebSocketStream<TcpStream>) -> String {
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(text))) => return text,
                    Some(Ok(_)) => {}
                    other => panic!("{other:?}"),
                }
            }
        }

        #[tokio::test]
        async fn lines_arrive_in_order_pings_are_answered_and_junk_is_skipped() {
            let (seen_tx, seen_rx) = tokio::sync::oneshot::channel();
            let profile = serve(|mut ws| {
                Box::pin(async move {
                    let open = r#"0{"sid":"s","upgrades":[],"pingInterval":300,"pingTimeout":300}"#;
                    ws.send(Message::Text(open.into())).await.unwrap();
                    let connect = text(&mut ws).await;
                    let mut frames: Vec<Message> = [
                        format!("40{NS},{{\"sid\":\"x\"}}"),
                        format!("42{NS},[\"backlog\",[\"a\",\"b\"]]"),
                        format!("42{NS},[\"data\",\"c\"]"),
                        "2".into(),
                        format!("42{NS},[\"data\",7]"),
                        "4junk".into(),
                        "42/logs/other,[\"data\",\"x\"]".into(),
                        "6".into(),
                        format!("42{NS},[\"lines\",[\"d\",\"e\"]]"),
                        format!("42{NS},[\"data\",\"f"),
                        format!("42{NS},[\"data\",\"g\"]"),
                    ]
                    .into_iter()
                    .map(Message::Text)
                    .collect();
                    frames.insert(5, Message::Binary(vec![0xff, 0x00]));
                    for frame in frames {
                        ws.send(frame).await.unwrap();
                    }
                    // The pong comes back; then a second ping, well after the first limit.
                    let pong = text(&mut ws).await;
                    tokio::time::sleep(Duration::from_millis(400)).await;
                    ws.send(Message::Text("2".into())).await.unwrap();
                    let second = text(&mut ws).await;
                    ws.send(Message::Text(format!("41{NS},"))).await.unwrap();
                    let _ = seen_tx.send((connect, pong, second));
                })
            })
            .await;
            let mut socket = LogSocket::connect(&profile, NS, "t0k3n").await.unwrap();
            let mut got = Vec::new();
            while got.last() != Some(&Incoming::Closed) {
                socket.next_batch(&mut got).await.unwrap();
                socket.flush().await.unwrap();
            }
            let (connect, pong, second) = seen_rx.await.unwrap();
            assert_eq!(
                connect,
                format!("40{NS},{{\"logBatch\":true,\"token\":\"t0k3n\"}}")
            );
            assert_eq!((pong.as_str(), second.as_str()), ("3", "3"));
            // Live lines are joined however the messages were read together.
            let mut live = Vec::new();
            let mut shape = Vec::new();
            for incoming in got {
                match incoming {
                    Incoming::Lines(lines) => {
                        if shape.last() != Some(&"lines") {
                            shape.push("lines");
                        }
                        live.extend(lines);
                    }
                    Incoming::Backlog(lines) => {
                        assert_eq!(lines, ["a", "b"]);
                        shape.push("backlog");
                    }
                    Incoming::Connected => shape.push("connected"),
                    Incoming::Closed => shape.push("closed"),
                    Incoming::Refused(m) => panic!("refused: {m}"),
                    Incoming::CappedLines(..) => panic!("capped"),
                }
            }
            assert_eq!(shape, ["connected", "backlog", "lines", "closed"]);
            assert_eq!(live, ["c", "d", "e", "g"]);
        }

        #[tokio::test]
        async fn a_flood_arrives_whole_however_it_is_gathered() {
            const FLOOD: usize = 5 * GATHER + 7;
            let profile = serve(|mut ws| {
                Box::pin(async move {
                    let open = r#"0{"sid":"s","pingInterval":25000,"pingTimeout":20000}"#;
                    ws.send(Message::Text(open.into())).await.unwrap();
                    let _ = text(&mut ws).await;
                    ws.feed(Message::Text(format!("40{NS},{{}}")))
                        .await
                        .unwrap();
                    for i in 0..FLOOD {
                        let line = format!("42{NS},[\"data\",\"{i}\"]");
                        ws.feed(Message::Text(line)).await.unwrap();
                    }
                    ws.feed(Message::Text(format!("41{NS},"))).await.unwrap();
                    ws.flush().await.unwrap();
                    let _ = ws.next().await;
                })
            })
            .await;
            let mut socket = LogSocket::connect(&profile, NS, "t").await.unwrap();
            // Let the whole flood queue up, so that reads gather as much as they may.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let mut got = Vec::new();
            let mut batches = 0;
            while got.last() != Some(&Incoming::Closed) {
                socket.next_batch(&mut got).await.unwrap();
                batches += 1;
            }
            let live: Vec<String> = got
                .into_iter()
                .filter_map(|i| match i {
                    Incoming::Lines(lines) => Some(lines),
                    _ => None,
                })
                .flatten()
                .collect();
            let expected: Vec<String> = (0..FLOOD).map(|i| i.to_string()).collect();
            assert_eq!(live.len(), FLOOD, "in {batches} reads");
            assert_eq!(live, expected);
        }

        #[tokio::test]
        async fn a_server_that_stops_pinging_is_left() {
            let profile = serve(|mut ws| {
                Box::pin(async move {
                    let open = r#"0{"sid":"s","pingInterval":100,"pingTimeout":100}"#;
                    ws.send(Message::Text(open.into())).await.unwrap();
                    let _ = text(&mut ws).await;
                    ws.send(Message::Text(format!("40{NS},{{}}")))
                        .await
                        .unwrap();
                    // Silent, with the connection open.
                    tokio::time::sleep(Duration::from_secs(30)).await;
                })
            })
            .await;
            let mut socket = LogSocket::connect(&profile, NS, "t").await.unwrap();
            let mut got = Vec::new();
            socket.next_batch(&mut got).await.unwrap();
            assert_eq!(got, [Incoming::Connected]);
            let started = Instant::now();
            let error = socket.next_batch(&mut got).await.unwrap_err();
            assert!(error.contains("no ping"), "{error}");
            assert!(started.elapsed() < Duration::from_secs(5));
        }

        #[tokio::test]
        async fn a_server_that_is_not_engine_io_is_refused() {
            let profile = serve(|mut ws| {
                Box::pin(async move {
                    ws.send(Message::Text("hello".into())).await.unwrap();
                })
            })
            .await;
            let error = LogSocket::connect(&profile, NS, "t").await.unwrap_err();
            assert!(error.contains("not an Engine.IO open packet"), "{error}");
        }
    }
}
