//! The shared state of one server: configuration, store, token signer, files, and the lab
//! domain's state. It knows nothing of the transports: the Socket.IO layer is built around
//! it by `serve` (see `lib.rs`).

use std::ops::Deref;
use std::sync::Arc;

use antimony_protocol::Timestamp;
use antimony_protocol::rest::DeviceConfig;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::auth::openid::OpenId;
use crate::auth::{LoginThrottle, Sessions, TokenSigner, load_or_create_secret, signing_key};
use crate::cluster::Cluster;
use crate::config::Provider;
#[cfg(feature = "clabernetes")]
use crate::driver::ClabernetesDriver;
use crate::driver::{ContainerlabDriver, LabDriver};
use crate::events::EventBus;
use crate::files::TopologyFiles;
use crate::kinds::Kinds;
use crate::lab::{Domain, Instances, LabLocks, LabSettings, Labs, Shells};
use crate::logs::LogHub;
use crate::store::{LabFilter, Store, User};
use crate::topology::TopologyValidator;
use crate::{Config, Error, Result};

/// The device configuration bundled with the server.
const BUNDLED_DEVICES: &str = include_str!("../assets/device-config.json");

/// The file in the data directory that holds the token signing secret.
pub const SECRET_FILE: &str = "jwt-secret";

/// Everything handlers share; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Shared>);

/// The parts of [`AppState`].
#[derive(Debug)]
pub struct Shared {
    /// The configuration it was opened with.
    pub config: Config,
    /// The database.
    pub store: Store,
    /// Signs tokens (its key is bound to the native login settings).
    pub tokens: TokenSigner,
    /// Verifies tokens, refusing those of sessions that logged out.
    pub sessions: Sessions,
    /// Failed native logins per address and user.
    pub throttle: LoginThrottle,
    /// OpenID Connect login, when the configuration enables it.
    pub openid: Option<OpenId>,
    /// Topology files.
    pub files: TopologyFiles,
    /// Checks topology definitions.
    pub validator: TopologyValidator,
    /// `GET /devices`.
    pub devices: Vec<DeviceConfig>,
    /// Lab updates and other events for the real-time side.
    pub events: EventBus,
    /// Lab and node log streams.
    pub logs: Arc<LogHub>,
    /// The lab domain (it shares the store, files, events, logs and background work).
    pub labs: Labs,
    /// Cancelled when the server shuts down: ends background work (log followers, …).
    pub shutdown: CancellationToken,
    /// Background work (log followers, the scheduler and what it starts, watchers): awaited
    /// on shutdown.
    pub tasks: TaskTracker,
    /// This instance among several (`cluster.redis`); `None` when it is the only one.
    pub cluster: Option<Cluster>,
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    /// Opens the store, the secret and the bundled assets of a server, with the driver of
    /// its provider (containerlab, or clabernetes).
    pub async fn open(config: Config) -> Result<Self> {
        if let Provider::Clabernetes(settings) = &config.provider {
            #[cfg(feature = "clabernetes")]
            {
                let driver = Arc::new(ClabernetesDriver::connect(settings.clone()).await);
                return Self::open_with_driver(config, driver).await;
            }
            #[cfg(not(feature = "clabernetes"))]
            {
                let _ = settings;
                return Err(crate::Error::Config(
                    "general.provider clabernetes: this build has no clabernetes provider \
                     (build antimony-server with its default features)"
                        .into(),
                ));
            }
        }
        let work_dir = match config.run_dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let driver = Arc::new(ContainerlabDriver::new(
            &config.containerlab_binary,
            work_dir,
            config.docker_host.as_deref(),
        ));
        Self::open_with_driver(config, driver).await
    }

    /// Like [`AppState::open`], with another lab driver.
    pub async fn open_with_driver(config: Config, driver: Arc<dyn LabDriver>) -> Result<Self> {
        make_private(&config.data_dir)?;
        let (tasks, shutdown) = (TaskTracker::new(), CancellationToken::new());
        let cluster = match &config.cluster {
            Some(settings) => {
                Some(Cluster::open(settings, config.postgres.as_ref(), shutdown.clone()).await?)
            }
            None => None,
        };
        let store = Store::open(&config).await?;
        store.upsert_user(User::native_admin()).await?;
        let secret = load_or_create_secret(&config.data_dir.join(SECRET_FILE))?;
        let tokens = TokenSigner::new(&signing_key(&secret, &config.auth));
        let sessions = Sessions::load(
            tokens.clone(),
            &store,
            Timestamp::now_utc().unix_timestamp(),
        )
        .await?;
        let devices = load_devices(&config)?;
        let instances = Instances::default();
        instances.queue_pending(
            &store.labs(LabFilter::default()).await?,
            Timestamp::now_utc(),
        );
        let files = TopologyFiles::new(&config.storage_dir);
        let (events, logs) = (EventBus::default(), Arc::new(LogHub::default()));
        let labs = Labs::new(Domain {
            store: store.clone(),
            files: files.clone(),
            driver,
            kinds: Kinds::load(&config.kinds_config)?,
            events: events.clone(),
            logs: Arc::clone(&logs),
            instances,
            locks: LabLocks::default(),
            shells: Shells::default(),
            tasks: tasks.clone(),
            shutdown: shutdown.clone(),
            settings: LabSettings {
                run_dir: config.run_dir.clone(),
                lab_log_backlog: config.lab_log_backlog,
                node_log_backlog: config.node_log_backlog,
                shell_timeout: config.shell.timeout,
                shell_user_limit: config.shell.user_limit,
                ssh_keys: config.shell.ssh_keys.clone(),
            },
        });
        let state = AppState(Arc::new(Shared {
            files,
            tokens,
            sessions,
            throttle: LoginThrottle::default(),
            openid: config.auth.open_id.clone().map(OpenId::new).transpose()?,
            validator: TopologyValidator::bundled()?,
            devices,
            events,
            logs,
            labs,
            shutdown,
            tasks,
            store,
            cluster,
            config,
        }));
        Ok(state)
    }
}

/// Creates the data directory with mode 0700, or tightens an existing one that others can
/// enter (it holds the signing secret and the database).
fn make_private(dir: &std::path::Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    crate::files::create_private_dir(dir)?;
    let mode = std::fs::metadata(dir)
        .map_err(|e| Error::io(format!("reading {}", dir.display()), e))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        tracing::warn!(dir = %dir.display(), mode = format!("{:o}", mode & 0o777), "the data directory was open to others; setting mode 0700");
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::io(format!("securing {}", dir.display()), e))?;
    }
    Ok(())
}

/// Reads the device configuration (the bundled one unless the config names a file), keeping
/// the four fields the API sends.
fn load_devices(config: &Config) -> Result<Vec<DeviceConfig>> {
    let (text, origin) = match &config.device_config {
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?,
            path.display().to_string(),
        ),
        None => (
            BUNDLED_DEVICES.to_owned(),
            "the bundled device config".to_owned(),
        ),
    };
    serde_json::from_str(&text).map_err(|e| Error::Config(format!("{origin}: {e}")))
}
