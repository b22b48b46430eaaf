//! Lab commands forwarded to a lab's owner over Redis pub/sub: a small request/response.
//!
//! Each instance listens on `antimony:<instance>:requests` and `antimony:<instance>:replies`
//! (and `…:follows`, `…:lines` for logs, see `relay`; `…:shells`, `…:shell-output` for
//! shells, see `shells`; and `antimony:news`, see `mirror`).
//! A request carries an id, the asking instance, the user's id and the command as the client
//! sent it; the owner answers twice: once the command has its place in the lab's order
//! ([`Reply::admitted`], so one socket's commands keep their order across instances) and once
//! it is done (the ack body, exactly as a local command would be acked). A refused command is
//! answered once, with its body.
//!
//! Everything read from Redis is untrusted: messages over [`MESSAGE_LIMIT`] or of another
//! shape are dropped (logged), and the asking side never waits without a time limit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::{Error, Result};

/// The largest message taken from Redis (a reply may list shells; a command is at most
/// 16 KiB).
pub const MESSAGE_LIMIT: usize = 1024 * 1024;
/// Requests waiting to be served; more are refused (answered with an error) at once.
const INCOMING_LIMIT: usize = 256;

/// A command sent to a lab's owner.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// Unique on the asking instance.
    pub id: u64,
    /// The asking instance (where the reply goes).
    pub from: String,
    /// The user who sent the command (looked up again by the owner).
    pub user: String,
    /// The command's argument as the client sent it.
    pub command: serde_json::Value,
}

/// One answer to a [`Request`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Reply {
    /// The request's id.
    pub id: u64,
    /// The command has its place in its lab's order; the final reply follows.
    pub admitted: bool,
    /// The ack body (`{payload}` or `{code, message}`), in the final reply.
    pub body: Option<serde_json::Value>,
}

/// What instances tell each other about the labs they run, on [`NEWS_CHANNEL`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum News {
    /// A lab's instance on `from` (`None`: it has none any more).
    Instance {
        /// The sending instance.
        from: String,
        /// The lab.
        lab: String,
        /// Its instance.
        instance: Option<antimony_protocol::rest::InstanceOut>,
    },
    /// `from` just started: every instance tells it about its labs.
    Hello {
        /// The new instance.
        from: String,
    },
}

impl News {
    /// The sending instance.
    pub fn from(&self) -> &str {
        match self {
            News::Instance { from, .. } | News::Hello { from } => from,
        }
    }
}

/// Asks a log's owner for its lines from `after` on (the owner's sequence numbers), then every
/// new one, until the log ends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Follow {
    /// The asking instance (where the lines go).
    pub from: String,
    /// The log's namespace path (`/logs/<labId>` or `/logs/<labId>/<containerId>`).
    pub path: String,
    /// The first line wanted.
    pub after: u64,
}

pub use super::lines::LineBatch;

/// The most lines of one [`LineBatch`].
pub const BATCH_LINES: usize = 256;
/// Batches waiting to be applied; more are dropped (the follower sees a gap, marked).
const LINES_LIMIT: usize = 4096;

/// A terminal of another instance on a shell held here (`cluster::shells`). The owner checks
/// the user once, on `Attach`; input and sizes name the attach they belong to.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum ShellRequest {
    /// `user` attaches a terminal: answered on `replies` under `id` (an ack body); once
    /// allowed, the shell's output, its backlog first, goes to `from` as [`ShellOutput`].
    Attach {
        /// The attach's id on the asking instance.
        id: u64,
        /// The asking instance.
        from: String,
        /// The user attaching.
        user: String,
        /// The shell.
        shell: String,
    },
    /// Input for the shell; an error is answered under `ack` when there is one.
    Input {
        /// The attach.
        attach: u64,
        /// The asking instance.
        from: String,
        /// The shell.
        shell: String,
        /// The text.
        data: String,
        /// The request id to answer an error under.
        ack: Option<u64>,
    },
    /// The terminal's new size (`{"rows", "cols"}`, checked by the owner); answered under
    /// `ack` when there is one.
    Resize {
        /// The attach.
        attach: u64,
        /// The asking instance.
        from: String,
        /// The shell.
        shell: String,
        /// The size as the client sent it.
        size: serde_json::Value,
        /// The request id to answer under.
        ack: Option<u64>,
    },
    /// The terminal went away: stop sending its output.
    Detach {
        /// The attach.
        attach: u64,
        /// The asking instance.
        from: String,
    },
}

/// Output of a shell for a terminal attached from another instance, numbered by the owner.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ShellOutput {
    /// The shell's owner.
    pub from: String,
    /// The attach it is for.
    pub attach: u64,
    /// The sequence number of the first chunk.
    pub first: u64,
    /// Where the first chunk starts in the shell's output, in bytes.
    pub at: u64,
    /// Where the backlog sent on attach ends (a sequence number).
    pub backlog: u64,
    /// The chunks (at most [`BATCH_LINES`]).
    pub chunks: Vec<String>,
    /// The shell closed after these chunks, for this reason.
    pub closed: Option<String>,
}

/// How long the directory keeps where a shell lives (renewed on every attach).
const SHELL_PLACE_SECONDS: u64 = 7 * 24 * 3600;

fn shell_place_key(shell: &str) -> String {
    format!("antimony:shell:{shell}")
}

/// What other instances send this one.
#[derive(Debug)]
pub struct Inbox {
    /// Lab commands to run here.
    pub requests: mpsc::Receiver<Request>,
    /// Other instances' labs.
    pub news: mpsc::Receiver<News>,
    /// Logs others follow here.
    pub follows: mpsc::Receiver<Follow>,
    /// Lines of logs this instance follows elsewhere.
    pub lines: mpsc::Receiver<LineBatch>,
    /// Terminals of other instances on shells held here.
    pub shells: mpsc::Receiver<ShellRequest>,
    /// Output of shells held elsewhere.
    pub shell_output: mpsc::Receiver<ShellOutput>,
}

/// The channel every instance listens on for [`News`].
pub const NEWS_CHANNEL: &str = "antimony:news";
/// News waiting to be applied; more are dropped (logged) rather than piling up.
const NEWS_LIMIT: usize = 4096;

fn requests_channel(instance: &str) -> String {
    format!("antimony:{instance}:requests")
}

fn replies_channel(instance: &str) -> String {
    format!("antimony:{instance}:replies")
}

fn follows_channel(instance: &str) -> String {
    format!("antimony:{instance}:follows")
}

fn lines_channel(instance: &str) -> String {
    format!("antimony:{instance}:lines")
}

fn shells_channel(instance: &str) -> String {
    format!("antimony:{instance}:shells")
}

fn shell_output_channel(instance: &str) -> String {
    format!("antimony:{instance}:shell-output")
}

/// Parses a message and hands it on unless too many wait (both logged).
fn hand_on<T: serde::de::DeserializeOwned>(payload: &[u8], to: &mpsc::Sender<T>, what: &str) {
    match serde_json::from_slice::<T>(payload) {
        Ok(item) => {
            if to.try_send(item).is_err() {
                tracing::warn!(
                    what,
                    "dropped a message from another instance (too many wait)"
                );
            }
        }
        Err(error) => {
            tracing::warn!(%error, what, "dropped a malformed message from another instance")
        }
    }
}

/// Sends requests and replies, and routes replies to whoever waits for them.
#[derive(Clone)]
pub struct Forwarder {
    instance: String,
    publisher: redis::aio::MultiplexedConnection,
    next_id: Arc<AtomicU64>,
    waiting: Arc<Mutex<HashMap<u64, mpsc::Sender<Reply>>>>,
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("instance", &self.instance)
            .finish_non_exhaustive()
    }
}

/// Removes a request from the waiting ones when its caller stops waiting.
pub struct Pending {
    id: u64,
    waiting: Arc<Mutex<HashMap<u64, mpsc::Sender<Reply>>>>,
    /// The replies, in order.
    pub replies: mpsc::Receiver<Reply>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Pending {
    /// The request id its replies come under.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        lock(&self.waiting).remove(&self.id);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Forwarder {
    /// Connects, subscribes to this instance's channels and starts listening until
    /// `shutdown`. Requests for this instance come out of the returned receiver.
    pub async fn start(
        client: &redis::Client,
        instance: &str,
        shutdown: CancellationToken,
    ) -> Result<(Self, Inbox)> {
        let publisher = client
            .get_multiplexed_async_connection()
            .await
            .map_err(redis_error)?;
        let mut pubsub = client.get_async_pubsub().await.map_err(redis_error)?;
        let (requests, replies) = (requests_channel(instance), replies_channel(instance));
        let (follows, lines) = (follows_channel(instance), lines_channel(instance));
        let (shells, shell_output) = (shells_channel(instance), shell_output_channel(instance));
        pubsub
            .subscribe(&[
                requests.as_str(),
                replies.as_str(),
                follows.as_str(),
                lines.as_str(),
                shells.as_str(),
                shell_output.as_str(),
                NEWS_CHANNEL,
            ])
            .await
            .map_err(redis_error)?;
        let forwarder = Forwarder {
            instance: instance.to_owned(),
            publisher,
            next_id: Arc::new(AtomicU64::new(1)),
            waiting: Arc::new(Mutex::new(HashMap::new())),
        };
        let (incoming, incoming_rx) = mpsc::channel(INCOMING_LIMIT);
        let (news, news_rx) = mpsc::channel(NEWS_LIMIT);
        let (follow_tx, follow_rx) = mpsc::channel(INCOMING_LIMIT);
        let (lines_tx, lines_rx) = mpsc::channel(LINES_LIMIT);
        let (shells_tx, shells_rx) = mpsc::channel(INCOMING_LIMIT);
        let (output_tx, output_rx) = mpsc::channel(LINES_LIMIT);
        let listener = forwarder.clone();
        tokio::spawn(async move {
            let mut messages = pubsub.into_on_message();
            loop {
                let message = tokio::select! {
                    () = shutdown.cancelled() => return,
                    message = messages.next() => message,
                };
                let Some(message) = message else {
                    tracing::error!(
                        "the Redis subscription ended: commands forwarded to this instance are no longer served"
                    );
                    return;
                };
                let payload: &[u8] = message.get_payload_bytes();
                if payload.len() > MESSAGE_LIMIT {
                    tracing::warn!(
                        bytes = payload.len(),
                        "dropped an oversized cluster message"
                    );
                    continue;
                }
                let channel = message.get_channel_name();
                if channel == lines {
                    hand_on(payload, &lines_tx, "log lines");
                } else if channel == shell_output {
                    hand_on(payload, &output_tx, "shell output");
                } else if channel == shells {
                    hand_on(payload, &shells_tx, "shell request");
                } else if channel == follows {
                    hand_on(payload, &follow_tx, "log follow");
                } else if channel == NEWS_CHANNEL {
                    match serde_json::from_slice::<News>(payload) {
                        Ok(item) if crate::config::valid_instance(item.from()) => {
                            if news.try_send(item).is_err() {
                                tracing::warn!(
                                    "dropped news from another instance (too many wait)"
                                );
                            }
                        }
                        Ok(_) => {
                            tracing::warn!("dropped news from an instance with an invalid name")
                        }
                        Err(error) => tracing::warn!(%error, "dropped malformed news"),
                    }
                } else if message.get_channel_name() == requests {
                    match serde_json::from_slice::<Request>(payload) {
                        Ok(request) => listener.take_request(&incoming, request).await,
                        Err(error) => {
                            tracing::warn!(%error, "dropped a malformed forwarded command")
                        }
                    }
                } else {
                    match serde_json::from_slice::<Reply>(payload) {
                        Ok(reply) => listener.route_reply(reply),
                        Err(error) => tracing::warn!(%error, "dropped a malformed forwarded reply"),
                    }
                }
            }
        });
        let inbox = Inbox {
            requests: incoming_rx,
            news: news_rx,
            follows: follow_rx,
            lines: lines_rx,
            shells: shells_rx,
            shell_output: output_rx,
        };
        Ok((forwarder, inbox))
    }

    async fn take_request(&self, incoming: &mpsc::Sender<Request>, request: Request) {
        if !crate::config::valid_instance(&request.from) {
            tracing::warn!("dropped a forwarded command from an instance with an invalid name");
            return;
        }
        if let Err(mpsc::error::TrySendError::Full(request)) = incoming.try_send(request) {
            let body = serde_json::json!({
                "code": antimony_protocol::ErrorCode::ServerError,
                "message": "the lab's server is busy: too many forwarded commands wait",
            });
            let _ = self
                .reply(&request.from, request.id, false, Some(body))
                .await;
        }
    }

    fn route_reply(&self, reply: Reply) {
        let waiting = lock(&self.waiting);
        match waiting.get(&reply.id) {
            Some(sender) => {
                if sender.try_send(reply).is_err() {
                    tracing::warn!("dropped a forwarded reply nobody expected (a third reply?)");
                }
            }
            None => tracing::debug!(
                id = reply.id,
                "a forwarded reply came after its caller gave up"
            ),
        }
    }

    /// Sends a command of `user` to `owner`; its replies come in [`Pending::replies`].
    pub async fn request(
        &self,
        owner: &str,
        user: &str,
        command: serde_json::Value,
    ) -> Result<Pending> {
        let pending = self.expect_reply();
        let id = pending.id;
        let request = Request {
            id,
            from: self.instance.clone(),
            user: user.to_owned(),
            command,
        };
        self.publish(&requests_channel(owner), &request).await?;
        Ok(pending)
    }

    /// Answers a request of `to`.
    pub async fn reply(
        &self,
        to: &str,
        id: u64,
        admitted: bool,
        body: Option<serde_json::Value>,
    ) -> Result<()> {
        let reply = Reply { id, admitted, body };
        self.publish(&replies_channel(to), &reply).await
    }

    /// Asks `owner` for a log.
    pub async fn follow(&self, owner: &str, follow: &Follow) -> Result<()> {
        self.publish(&follows_channel(owner), follow).await
    }

    /// Sends lines of a log to the instance that follows it.
    pub async fn send_lines(&self, to: &str, batch: &LineBatch) -> Result<()> {
        self.publish(&lines_channel(to), batch).await
    }

    /// A request id whose replies come in the returned [`Pending::replies`].
    pub fn expect_reply(&self) -> Pending {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(2);
        lock(&self.waiting).insert(id, tx);
        Pending {
            id,
            waiting: Arc::clone(&self.waiting),
            replies: rx,
        }
    }

    /// Sends a message about a shell to the instance that holds it.
    pub async fn send_shell_request(&self, owner: &str, request: &ShellRequest) -> Result<()> {
        self.publish(&shells_channel(owner), request).await
    }

    /// Sends a shell's output to an instance attached to it; false when nobody listens there
    /// (the instance stopped).
    pub async fn send_shell_output(&self, to: &str, output: &ShellOutput) -> Result<bool> {
        Ok(self
            .publish_counted(&shell_output_channel(to), output)
            .await?
            > 0)
    }

    /// Notes in Redis that a shell lives on this instance, so that the others find it.
    pub async fn place_shell(&self, shell: &str) -> Result<()> {
        let mut publisher = self.publisher.clone();
        redis::cmd("SET")
            .arg(shell_place_key(shell))
            .arg(&self.instance)
            .arg("EX")
            .arg(SHELL_PLACE_SECONDS)
            .query_async::<()>(&mut publisher)
            .await
            .map_err(redis_error)
    }

    /// Whether `instance` still listens on Redis (a stopped instance's subscription ends).
    pub async fn listening(&self, instance: &str) -> Result<bool> {
        let mut publisher = self.publisher.clone();
        let counts: HashMap<String, i64> = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(shells_channel(instance))
            .query_async(&mut publisher)
            .await
            .map_err(redis_error)?;
        Ok(counts.values().any(|count| *count > 0))
    }

    /// The instance a shell lives on, as noted in Redis (a valid instance name, or none).
    pub async fn locate_shell(&self, shell: &str) -> Result<Option<String>> {
        let mut publisher = self.publisher.clone();
        let place: Option<String> = redis::cmd("GET")
            .arg(shell_place_key(shell))
            .query_async(&mut publisher)
            .await
            .map_err(redis_error)?;
        Ok(place.filter(|p| crate::config::valid_instance(p)))
    }

    /// Tells every instance.
    pub async fn announce(&self, news: &News) -> Result<()> {
        self.publish(NEWS_CHANNEL, news).await
    }

    async fn publish(&self, channel: &str, message: &impl Serialize) -> Result<()> {
        self.publish_counted(channel, message).await.map(|_| ())
    }

    /// Publishes; how many subscribers got it.
    async fn publish_counted(&self, channel: &str, message: &impl Serialize) -> Result<i64> {
        let text = serde_json::to_string(message).map_err(|e| Error::Cluster(e.to_string()))?;
        let mut publisher = self.publisher.clone();
        redis::cmd("PUBLISH")
            .arg(channel)
            .arg(text)
            .query_async::<i64>(&mut publisher)
            .await
            .map_err(redis_error)
    }
}

pub(super) fn redis_error(error: redis::RedisError) -> Error {
    Error::Cluster(format!("Redis: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shapes_are_strict() {
        let reply: Reply =
            serde_json::from_str(r#"{"id":3,"admitted":false,"body":{"payload":null}}"#).unwrap();
        assert_eq!(reply.id, 3);
        assert!(serde_json::from_str::<Reply>(r#"{"id":3,"admitted":false,"x":1}"#).is_err());
        assert!(serde_json::from_str::<Request>(r#"{"id":"3"}"#).is_err());
    }
}
