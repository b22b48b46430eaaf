//! Server configuration: Antimony's own `config.yml` (the Go server's keys), command-line
//! overrides and the native-login environment variables, resolved into one [`Config`].

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::{Error, Result};

mod cluster;
mod database;
mod provider;

pub use cluster::{ClusterConfig, DEFAULT_LEASE, valid_instance};
use database::DatabaseSection;
pub use database::{
    DEFAULT_POSTGRES_NAME, DEFAULT_POSTGRES_PORT, PASSWORD_VARIABLE, PostgresConfig,
};
pub use provider::Provider;

/// The default address: loopback only, like the Go server.
pub const DEFAULT_BIND: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 3000);

/// The default data directory, relative to the working directory.
pub const DEFAULT_DATA_DIR: &str = "antimony-data";

/// The resolved configuration of one server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen.
    pub bind: SocketAddr,
    /// The data directory: the signing secret lives here, and by default everything else.
    pub data_dir: PathBuf,
    /// The SQLite database file (unused with PostgreSQL).
    pub database_file: PathBuf,
    /// PostgreSQL instead of SQLite (`database.host` set).
    pub postgres: Option<PostgresConfig>,
    /// Topology definitions and bind files: `<storage>/<topologyId>/…`.
    pub storage_dir: PathBuf,
    /// Run directories of deployed labs: `<run>/<labId>/…`.
    pub run_dir: PathBuf,
    /// Login settings.
    pub auth: AuthConfig,
    /// Shell limits.
    pub shell: ShellConfig,
    /// A device configuration file replacing the bundled one.
    pub device_config: Option<PathBuf>,
    /// The lab driver (`general.provider`): containerlab here, or clabernetes on a cluster.
    pub provider: Provider,
    /// The containerlab executable (a name looked up on `PATH`, or a path).
    pub containerlab_binary: PathBuf,
    /// The kind configuration (`canRestart`, SSH credentials per containerlab kind).
    pub kinds_config: PathBuf,
    /// Lines kept in each lab log's backlog.
    pub lab_log_backlog: usize,
    /// Lines kept in each node log's backlog.
    pub node_log_backlog: usize,
    /// Whether clients that ask get batched log lines (`streaming.logBatch`, default true).
    pub log_batching: bool,
    /// The Docker engine to use instead of `DOCKER_HOST` (`unix:///path`, `tcp://…`).
    pub docker_host: Option<String>,
    /// Public host names requests may carry in `Host` besides loopback names and IP
    /// addresses (`server.publicHosts`, `--public-host`).
    pub public_hosts: Vec<String>,
    /// Origins allowed besides the server's own (`server.allowedOrigins`, `--allow-origin`).
    pub allowed_origins: Vec<String>,
    /// Connection and timing limits of the listener.
    pub net: crate::net::NetLimits,
    /// HTTPS: a certificate and key, or a self-signed certificate kept in the data directory
    /// (`server.tls`, `--tls-cert`/`--tls-key`, `--tls-self-signed`).
    pub tls: Option<crate::net::TlsSource>,
    /// A build of the official web UI to serve at `/` (`server.webUi`, `--web-ui`).
    pub web_ui: Option<PathBuf>,
    /// One instance among several (`cluster.redis`); `None`: the only one.
    pub cluster: Option<ClusterConfig>,
}

/// Login settings.
#[derive(Clone)]
pub struct AuthConfig {
    /// Whether username and password login is enabled.
    pub enable_native: bool,
    /// The native user name (`SB_NATIVE_USERNAME`).
    pub native_username: String,
    /// The native password (`SB_NATIVE_PASSWORD`).
    pub native_password: String,
    /// Whether empty credentials may log in on a server that is not bound to loopback
    /// (`auth.allowEmptyCredentials`, `--allow-empty-credentials`). Without it such a server
    /// refuses to start when the native login is enabled without credentials.
    pub allow_empty_remote: bool,
    /// OpenID Connect login (`auth.enableOpenId` and the `openId*` keys), when enabled.
    pub open_id: Option<OpenIdConfig>,
}

/// OpenID Connect login settings, as the Go server's keys name them.
#[derive(Clone)]
pub struct OpenIdConfig {
    /// The provider (`auth.openIdIssuer`); its discovery document is
    /// `<issuer>/.well-known/openid-configuration`.
    pub issuer: String,
    /// The client id (`auth.openIdClientId`).
    pub client_id: String,
    /// The client secret (`SB_OIDC_SECRET`).
    pub client_secret: String,
    /// The public REST base (`auth.openIdRedirectHost`, e.g. `https://host/api`); the
    /// provider sends users back to `<redirect_host>/users/login/success`.
    pub redirect_host: String,
    /// Users in any of these groups are admins (`auth.openIdAdminGroups`).
    pub admin_groups: Vec<String>,
    /// Scopes asked for (`auth.openIdScopes`, default `openid email profile`).
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OpenIdConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenIdConfig")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_host", &self.redirect_host)
            .field("admin_groups", &self.admin_groups)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl AuthConfig {
    /// Whether empty credentials log in as the native admin: true when either the user name
    /// or the password is empty, as on the Go server.
    pub fn allow_empty(&self) -> bool {
        self.native_username.is_empty() || self.native_password.is_empty()
    }
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("enable_native", &self.enable_native)
            .field("native_username", &self.native_username)
            .field("native_password", &"<redacted>")
            .field("allow_empty_remote", &self.allow_empty_remote)
            .field("open_id", &self.open_id)
            .finish()
    }
}

/// Shell settings.
#[derive(Debug, Clone)]
pub struct ShellConfig {
    /// Open shells per user.
    pub user_limit: u32,
    /// A shell without input for this long is closed.
    pub timeout: Duration,
    /// Private keys offered when a shell logs in to a node over SSH (`shell.sshKeys`,
    /// default the server user's `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`).
    pub ssh_keys: Vec<PathBuf>,
}

impl Config {
    /// Defaults with everything under `data_dir`, bound to [`DEFAULT_BIND`], native login
    /// with empty credentials (auto login).
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Config {
            bind: DEFAULT_BIND,
            database_file: data_dir.join("antimony.db"),
            postgres: None,
            storage_dir: data_dir.join("storage"),
            run_dir: data_dir.join("run"),
            data_dir,
            auth: AuthConfig {
                enable_native: true,
                native_username: String::new(),
                native_password: String::new(),
                allow_empty_remote: false,
                open_id: None,
            },
            shell: ShellConfig {
                user_limit: 20,
                timeout: Duration::from_secs(1800),
                ssh_keys: crate::driver::ssh::default_keys(),
            },
            device_config: None,
            provider: Provider::Containerlab,
            containerlab_binary: "containerlab".into(),
            kinds_config: "kinds.conf.yml".into(),
            lab_log_backlog: crate::logs::DEFAULT_BACKLOG,
            node_log_backlog: crate::logs::DEFAULT_BACKLOG,
            log_batching: true,
            docker_host: None,
            public_hosts: Vec::new(),
            allowed_origins: Vec::new(),
            net: crate::net::NetLimits::default(),
            tls: None,
            web_ui: None,
            cluster: None,
        }
    }

    /// Resolves the configuration from an optional `config.yml`, the command-line overrides
    /// and the environment (`env` looks a variable up; pass `std::env::var(..).ok()`).
    ///
    /// Paths set in the file are taken as written (relative to the working directory, as
    /// the Go server does); paths not set live under the data directory.
    pub fn load(
        file: Option<&Path>,
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let file_config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    Error::Config(format!("cannot read config file {}: {e}", path.display()))
                })?;
                FileConfig::parse(&text)
                    .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?
            }
            None => FileConfig::default(),
        };
        let data_dir = overrides
            .data_dir
            .clone()
            .unwrap_or_else(|| DEFAULT_DATA_DIR.into());
        let mut config = Config::with_data_dir(data_dir);
        file_config.apply(&mut config)?;
        if let Some(bind) = overrides.bind {
            config.bind = bind;
        }
        config
            .public_hosts
            .extend(overrides.public_hosts.iter().cloned());
        config
            .allowed_origins
            .extend(overrides.allowed_origins.iter().cloned());
        if overrides.allow_empty_credentials {
            config.auth.allow_empty_remote = true;
        }
        match (&overrides.tls_certificate, &overrides.tls_key) {
            (Some(certificate), Some(key)) => {
                config.tls = Some(crate::net::TlsSource::Files {
                    certificate: certificate.clone(),
                    key: key.clone(),
                });
            }
            (None, None) if overrides.tls_self_signed => {
                config.tls = Some(crate::net::TlsSource::SelfSigned);
            }
            (None, None) => {}
            _ => {
                return Err(Error::Config("--tls-cert and --tls-key go together".into()));
            }
        }
        if let Some(dir) = &overrides.web_ui {
            config.web_ui = Some(dir.clone());
        }
        if let Some(dir) = &config.web_ui
            && !dir.join("index.html").is_file()
        {
            return Err(Error::Config(format!(
                "the web UI directory {} has no index.html (give the directory of a built \
                 web UI, e.g. antimony-interface's `dist`)",
                dir.display()
            )));
        }
        if let Some(postgres) = &mut config.postgres {
            postgres.password = env(PASSWORD_VARIABLE);
        }
        config.auth.native_username = env("SB_NATIVE_USERNAME").unwrap_or_default();
        config.auth.native_password = env("SB_NATIVE_PASSWORD").unwrap_or_default();
        if let Some(open_id) = &mut config.auth.open_id {
            open_id.client_secret = env("SB_OIDC_SECRET")
                .filter(|secret| !secret.is_empty())
                .ok_or_else(|| {
                    Error::Config(
                        "auth.enableOpenId is true, so SB_OIDC_SECRET must hold the client secret"
                            .into(),
                    )
                })?;
        }
        Ok(config)
    }
}

impl Config {
    /// Refuses to serve on a non-loopback address with auto login (empty credentials), unless
    /// the configuration says so explicitly.
    pub fn check_exposure(&self, listening: SocketAddr) -> Result<()> {
        let auto_login = self.auth.enable_native && self.auth.allow_empty();
        if auto_login && !listening.ip().is_loopback() && !self.auth.allow_empty_remote {
            return Err(Error::Config(format!(
                "refusing to listen on {listening} with empty native credentials: anyone who \
                 reaches this address would be an admin. Set SB_NATIVE_USERNAME and \
                 SB_NATIVE_PASSWORD, bind to 127.0.0.1, or pass --allow-empty-credentials \
                 (auth.allowEmptyCredentials: true)"
            )));
        }
        Ok(())
    }
}

/// Values from the command line that win over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--bind ADDR:PORT`
    pub bind: Option<SocketAddr>,
    /// `--data-dir DIR`
    pub data_dir: Option<PathBuf>,
    /// `--public-host NAME` (repeatable)
    pub public_hosts: Vec<String>,
    /// `--allow-origin ORIGIN` (repeatable)
    pub allowed_origins: Vec<String>,
    /// `--allow-empty-credentials`
    pub allow_empty_credentials: bool,
    /// `--tls-cert PATH`
    pub tls_certificate: Option<PathBuf>,
    /// `--tls-key PATH`
    pub tls_key: Option<PathBuf>,
    /// `--tls-self-signed`
    pub tls_self_signed: bool,
    /// `--web-ui DIR`
    pub web_ui: Option<PathBuf>,
}

/// The keys of Antimony's `config.yml` that this server reads. Unknown keys are ignored, so
/// a Go server's file loads unchanged.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct FileConfig {
    general: provider::GeneralSection,
    clabernetes: provider::ClabernetesSection,
    server: ServerSection,
    auth: AuthSection,
    shell: ShellSection,
    database: DatabaseSection,
    #[serde(alias = "filesystem")]
    file_system: FileSystemSection,
    containerlab: ContainerlabSection,
    streaming: StreamingSection,
    cluster: cluster::ClusterSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct StreamingSection {
    clab_log_backlog: Option<usize>,
    container_log_backlog: Option<usize>,
    log_batch: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ServerSection {
    host: Option<String>,
    port: Option<u16>,
    public_hosts: Vec<String>,
    allowed_origins: Vec<String>,
    max_connections: Option<usize>,
    max_connections_per_address: Option<usize>,
    request_timeout: Option<u64>,
    tls: TlsSection,
    web_ui: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct TlsSection {
    certificate: Option<PathBuf>,
    key: Option<PathBuf>,
    self_signed: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct AuthSection {
    enable_native: Option<bool>,
    enable_open_id: Option<bool>,
    allow_empty_credentials: Option<bool>,
    open_id_issuer: Option<String>,
    open_id_client_id: Option<String>,
    open_id_redirect_host: Option<String>,
    open_id_admin_groups: Option<Vec<String>>,
    open_id_scopes: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ShellSection {
    user_limit: Option<u32>,
    timeout: Option<u64>,
    ssh_keys: Option<Vec<PathBuf>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FileSystemSection {
    storage: Option<PathBuf>,
    run: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ContainerlabSection {
    device_config: Option<PathBuf>,
    kinds_config: Option<PathBuf>,
    binary: Option<PathBuf>,
    docker_host: Option<String>,
}

impl AuthSection {
    /// The OpenID settings of a file that enables OpenID (the secret comes later, from the
    /// environment).
    fn open_id(&self) -> Result<OpenIdConfig> {
        let url = |key: &str, value: &Option<String>| -> Result<String> {
            let value = value.as_deref().map(str::trim).unwrap_or_default();
            let parsed = reqwest::Url::parse(value).map_err(|_| {
                Error::Config(format!(
                    "auth.enableOpenId is true, so auth.{key} must be an http(s) URL (got {value:?})"
                ))
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                return Err(Error::Config(format!(
                    "auth.{key} must be an http(s) URL (got {value:?})"
                )));
            }
            Ok(value.trim_end_matches('/').to_owned())
        };
        let client_id = self
            .open_id_client_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                Error::Config(
                    "auth.enableOpenId is true, so auth.openIdClientId must be set".into(),
                )
            })?;
        Ok(OpenIdConfig {
            issuer: url("openIdIssuer", &self.open_id_issuer)?,
            client_id: client_id.to_owned(),
            client_secret: String::new(),
            redirect_host: url("openIdRedirectHost", &self.open_id_redirect_host)?,
            admin_groups: self.open_id_admin_groups.clone().unwrap_or_default(),
            scopes: self
                .open_id_scopes
                .clone()
                .filter(|scopes| !scopes.is_empty())
                .unwrap_or_else(|| vec!["openid".into(), "email".into(), "profile".into()]),
        })
    }
}

impl FileConfig {
    fn parse(text: &str) -> std::result::Result<Self, serde_norway::Error> {
        if text.trim().is_empty() {
            return Ok(FileConfig::default());
        }
        serde_norway::from_str(text)
    }

    fn apply(self, config: &mut Config) -> Result<()> {
        config.provider = self.general.provider(self.clabernetes)?;
        if self.auth.enable_open_id == Some(true) {
            config.auth.open_id = Some(self.auth.open_id()?);
        }
        if let Some(enable) = self.auth.enable_native {
            config.auth.enable_native = enable;
        }
        if let Some(allow) = self.auth.allow_empty_credentials {
            config.auth.allow_empty_remote = allow;
        }
        config.public_hosts = self.server.public_hosts;
        config.allowed_origins = self.server.allowed_origins;
        if let Some(limit) = self.server.max_connections.filter(|n| *n > 0) {
            config.net.connections = limit;
        }
        if let Some(limit) = self.server.max_connections_per_address.filter(|n| *n > 0) {
            config.net.connections_per_address = limit;
        }
        if let Some(seconds) = self.server.request_timeout.filter(|n| *n > 0) {
            config.net.request_timeout = Duration::from_secs(seconds);
        }
        config.tls = match self.server.tls {
            TlsSection {
                certificate: Some(certificate),
                key: Some(key),
                ..
            } => Some(crate::net::TlsSource::Files { certificate, key }),
            TlsSection {
                certificate: None,
                key: None,
                self_signed,
            } => self_signed.then_some(crate::net::TlsSource::SelfSigned),
            _ => {
                return Err(Error::Config(
                    "server.tls.certificate and server.tls.key go together".into(),
                ));
            }
        };
        config.web_ui = self.server.web_ui;
        let host = match self.server.host.as_deref() {
            None | Some("") => config.bind.ip(),
            Some("localhost") => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Some(host) => host
                .parse()
                .map_err(|_| Error::Config(format!("server.host {host:?} is not an IP address")))?,
        };
        config.bind = SocketAddr::new(host, self.server.port.unwrap_or(config.bind.port()));
        if let Some(limit) = self.shell.user_limit {
            config.shell.user_limit = limit;
        }
        if let Some(timeout) = self.shell.timeout {
            config.shell.timeout = Duration::from_secs(timeout);
        }
        if let Some(keys) = self.shell.ssh_keys {
            config.shell.ssh_keys = keys;
        }
        config.postgres = self.database.postgres()?;
        config.cluster = self.cluster.cluster()?;
        if let Some(file) = self.database.local_file {
            config.database_file = file;
        }
        if let Some(storage) = self.file_system.storage {
            config.storage_dir = storage;
        }
        if let Some(run) = self.file_system.run {
            config.run_dir = run;
        }
        config.device_config = self.containerlab.device_config;
        if let Some(kinds) = self.containerlab.kinds_config {
            config.kinds_config = kinds;
        }
        if let Some(binary) = self.containerlab.binary {
            config.containerlab_binary = binary;
        }
        if let Some(host) = self.containerlab.docker_host.filter(|h| !h.is_empty()) {
            config.docker_host = Some(host);
        }
        if let Some(batch) = self.streaming.log_batch {
            config.log_batching = batch;
        }
        if let Some(lines) = self.streaming.clab_log_backlog.filter(|n| *n > 0) {
            config.lab_log_backlog = lines;
        }
        if let Some(lines) = self.streaming.container_log_backlog.filter(|n| *n > 0) {
            config.node_log_backlog = lines;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
