//! SSH to a node, for shells on network operating systems (SR Linux, cEOS, XRd, …), whose
//! own CLI is what an engineer wants: as the Go server does, with the kind's `sshUsername`
//! and `sshPassword` and the server user's private keys, to the node's management address,
//! host keys not checked (lab nodes make new ones at every deploy), an `xterm` PTY.
//!
//! The client is `russh` (pure Rust, maintained, async on tokio, with `ring` for its
//! cryptography so it builds with a C compiler only): no `ssh` binary, no extra process per
//! shell, and the window size follows the user's terminal.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::TerminalSize;
use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use russh::client::{self, Handle, Msg};
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, ChannelWriteHalf, Disconnect};

use super::DriverError;
use super::terminal::{Terminal, TerminalInput};

/// Where and as whom to log in.
#[derive(Clone)]
pub struct SshTarget {
    /// The node's address (its management IPv4, without the prefix length).
    pub host: String,
    /// The port (22).
    pub port: u16,
    /// The user.
    pub user: String,
    /// The password, if the kind has one.
    pub password: Option<String>,
    /// Private keys to offer, in order (files that do not exist are skipped).
    pub keys: Vec<PathBuf>,
}

impl std::fmt::Debug for SshTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "<set>"))
            .field("keys", &self.keys)
            .finish()
    }
}

/// The private keys the Go server offers: the server user's `~/.ssh/id_*`.
pub fn default_keys() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME") else {
        return Vec::new();
    };
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|name| PathBuf::from(&home).join(".ssh").join(name))
        .collect()
}

/// Accepts any host key: lab nodes make new ones whenever they are deployed.
struct AnyHostKey;

impl client::Handler for AnyHostKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

fn failed(target: &SshTarget, what: impl std::fmt::Display) -> DriverError {
    DriverError::Ssh(format!(
        "{}@{}:{}: {what}",
        target.user, target.host, target.port
    ))
}

/// Logs in and opens a shell with a PTY of `size`, within `timeout`.
#[tracing::instrument(skip_all, fields(host = %target.host, user = %target.user), err(Display, level = "info"))]
pub async fn open(
    target: &SshTarget,
    size: TerminalSize,
    timeout: Duration,
) -> Result<Terminal, DriverError> {
    tokio::time::timeout(timeout, open_now(target, size))
        .await
        .map_err(|_| failed(target, format!("no login within {} s", timeout.as_secs())))?
}

async fn open_now(target: &SshTarget, size: TerminalSize) -> Result<Terminal, DriverError> {
    let config = Arc::new(client::Config {
        keepalive_interval: Some(Duration::from_secs(30)),
        ..client::Config::default()
    });
    let mut handle = client::connect(config, (target.host.as_str(), target.port), AnyHostKey)
        .await
        .map_err(|e| failed(target, e))?;
    if !authenticate(&mut handle, target).await? {
        let _ = handle.disconnect(Disconnect::ByApplication, "", "en").await;
        return Err(failed(target, "the login was refused"));
    }
    let channel = handle
        .channel_open_session()
        .await
        .map_err(|e| failed(target, e))?;
    channel
        .request_pty(
            false,
            "xterm",
            u32::from(size.cols),
            u32::from(size.rows),
            0,
            0,
            &[],
        )
        .await
        .map_err(|e| failed(target, e))?;
    channel
        .request_shell(false)
        .await
        .map_err(|e| failed(target, e))?;
    let (reader, writer) = channel.split();
    let output = futures_util::stream::unfold(reader, |mut reader| async move {
        loop {
            match reader.wait().await? {
                ChannelMsg::Data { data } | ChannelMsg::ExtendedData { data, .. } => {
                    return Some((Ok(Bytes::copy_from_slice(&data)), reader));
                }
                ChannelMsg::Eof | ChannelMsg::Close => return None,
                _ => {}
            }
        }
    })
    .boxed();
    Ok(Terminal {
        output,
        input: Box::new(SshInput { handle, writer }),
        via: format!("ssh {}@{}", target.user, target.host),
    })
}

/// Offers the keys, then the password; true once one is accepted.
async fn authenticate(
    handle: &mut Handle<AnyHostKey>,
    target: &SshTarget,
) -> Result<bool, DriverError> {
    for path in target.keys.iter().filter(|p| p.is_file()) {
        let key = match russh::keys::load_secret_key(path, None) {
            Ok(key) => key,
            Err(error) => {
                tracing::debug!(key = %path.display(), %error, "cannot use a key");
                continue;
            }
        };
        let hash = handle
            .best_supported_rsa_hash()
            .await
            .map_err(|e| failed(target, e))?
            .flatten();
        let accepted = handle
            .authenticate_publickey(
                &target.user,
                PrivateKeyWithHashAlg::new(Arc::new(key), hash),
            )
            .await
            .map_err(|e| failed(target, e))?;
        if accepted.success() {
            return Ok(true);
        }
    }
    if let Some(password) = &target.password {
        let accepted = handle
            .authenticate_password(&target.user, password)
            .await
            .map_err(|e| failed(target, e))?;
        return Ok(accepted.success());
    }
    Ok(false)
}

struct SshInput {
    handle: Handle<AnyHostKey>,
    writer: ChannelWriteHalf<Msg>,
}

impl TerminalInput for SshInput {
    fn write(&mut self, bytes: Bytes) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            self.writer
                .data_bytes(bytes)
                .await
                .map_err(|e| DriverError::Ssh(format!("writing to the shell: {e}")))
        }
        .boxed()
    }

    fn resize(&mut self, size: TerminalSize) -> BoxFuture<'_, Result<(), DriverError>> {
        async move {
            self.writer
                .window_change(u32::from(size.cols), u32::from(size.rows), 0, 0)
                .await
                .map_err(|e| DriverError::Ssh(format!("resizing the shell: {e}")))
        }
        .boxed()
    }

    fn close(&mut self) -> BoxFuture<'_, ()> {
        async move {
            let _ = self.writer.eof().await;
            let _ = self.writer.close().await;
            let _ = self
                .handle
                .disconnect(Disconnect::ByApplication, "shell closed", "en")
                .await;
        }
        .boxed()
    }
}
