//! A server stack per test, and running `antimony` against it.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_fakes::{FakeDocker, workspace_binary};
use antimony_protocol::Timestamp;
use antimony_protocol::rest::CollectionIn;
use antimony_server::{AppState, Config};
use tokio::process::Command;

pub const TOPOLOGY: &str =
    "name: pair\ntopology:\n  nodes:\n    a:\n      kind: linux\n    b:\n      kind: linux\n";

/// antimony-server with the fakes, in a temporary directory.
pub struct Stack {
    _state: AppState,
    pub origin: String,
    pub dir: tempfile::TempDir,
    pub clab_state: PathBuf,
    _docker: FakeDocker,
}

/// The DER bytes of the first certificate in a PEM text.
fn rustls_pem_der(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .unwrap()
}

/// A stack whose containerlab deploys work.
pub async fn stack() -> Stack {
    stack_with(false).await
}

/// A stack; with `failing_deploys`, containerlab fails every deploy.
pub async fn stack_with(failing_deploys: bool) -> Stack {
    stack_configured(failing_deploys, false, false).await
}

/// A stack serving HTTPS itself, with a self-signed certificate in `<dir>/data/tls/`.
pub async fn stack_https() -> Stack {
    stack_configured(false, true, false).await
}

/// A stack whose login configuration offers OpenID Connect too (its provider is never
/// reached: the discovery happens at the first OpenID login).
pub async fn stack_openid() -> Stack {
    stack_configured(false, false, true).await
}

async fn stack_configured(failing_deploys: bool, https: bool, openid: bool) -> Stack {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let clab_state = data.join("fake-clab-state.json");
    let docker = FakeDocker::start(&dir.path().join("docker.sock"), &clab_state).unwrap();
    let mut config = Config::with_data_dir(&data);
    config.containerlab_binary = if failing_deploys {
        // The fake reads FAKE_CLAB_FAIL; a wrapper sets it for this server only.
        let wrapper = dir.path().join("containerlab");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nFAKE_CLAB_FAIL=deploy,redeploy exec {} \"$@\"\n",
                workspace_binary("fake-containerlab").display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        wrapper
    } else {
        workspace_binary("fake-containerlab")
    };
    let kinds = dir.path().join("kinds.conf.yml");
    std::fs::write(&kinds, "linux:\n  canRestart: true\n").unwrap();
    config.kinds_config = kinds;
    config.docker_host = Some(docker.host.clone());
    config.auth.native_username = "admin".into();
    config.auth.native_password = "s3cret".into();
    if https {
        config.tls = Some(antimony_server::net::TlsSource::SelfSigned);
    }
    if openid {
        config.auth.open_id = Some(antimony_server::config::OpenIdConfig {
            issuer: "http://127.0.0.1:9/oidc".into(),
            client_id: "antimony".into(),
            client_secret: "not-used".into(),
            redirect_host: "http://127.0.0.1:9/api".into(),
            admin_groups: vec![],
            scopes: vec!["openid".into()],
        });
    }
    let state = AppState::open(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let scheme = if https { "https" } else { "http" };
    let origin = format!("{scheme}://{}", listener.local_addr().unwrap());
    tokio::spawn(antimony_server::serve(
        state.clone(),
        listener,
        std::future::pending(),
    ));
    if https {
        // The server makes its certificate as it starts serving.
        let certificate = dir.path().join("data/tls/self-signed.crt");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !certificate.exists() {
            assert!(std::time::Instant::now() < deadline, "no certificate");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Stack {
        _state: state,
        origin,
        dir,
        clab_state,
        _docker: docker,
    }
}

impl Stack {
    /// A logged-in REST client, to set things up.
    pub async fn rest(&self) -> Arc<RestClient> {
        let mut profile = ServerProfile::new("setup", &self.origin).unwrap();
        // Over the server's own HTTPS: its self-signed certificate, pinned.
        let certificate = self.dir.path().join("data/tls/self-signed.crt");
        if self.origin.starts_with("https://")
            && let Ok(pem) = std::fs::read_to_string(&certificate)
        {
            let der = rustls_pem_der(&pem);
            profile.tls = antimony_client::tls::Trust::Pinned {
                fingerprint: antimony_client::tls::fingerprint_of(&der),
                certificate: pem,
            };
        }
        let rest = RestClient::new(profile).unwrap();
        rest.login_native("admin", "s3cret").await.unwrap();
        Arc::new(rest)
    }

    /// Imports the two-node topology as a lab named `name`; returns its id.
    pub async fn lab(&self, name: &str) -> String {
        let rest = self.rest().await;
        let collection = match rest
            .collections()
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.name == "netlab")
        {
            Some(c) => c.id,
            None => rest
                .create_collection(&CollectionIn {
                    name: "netlab".into(),
                    public_write: true,
                    public_deploy: true,
                    allow_host_access: None,
                })
                .await
                .unwrap(),
        };
        let definition = TOPOLOGY.replace("name: pair", &format!("name: {name}"));
        rest.import(
            &definition,
            &collection,
            Timestamp::parse("2099-01-01T00:00:00Z").unwrap(),
            Timestamp::parse("2099-01-02T00:00:00Z").unwrap(),
        )
        .await
        .unwrap()
        .lab_id
    }

    /// `antimony` with no server, user or keychain: profiles in this stack's directory.
    pub fn bare(&self) -> Command {
        antimony(self.dir.path())
    }

    /// `antimony` talking to this stack as admin, with --user/--password from the
    /// environment (the non-interactive way: no keychain).
    pub fn cli(&self) -> Command {
        let mut command = self.bare();
        command
            .env("ANTIMONY_SERVER", &self.origin)
            .env("ANTIMONY_USER", "admin")
            .env("ANTIMONY_PASSWORD", "s3cret");
        command
    }
}

/// `antimony` with its profiles in `home`, the keychain out of reach, and no server chosen.
pub fn antimony(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_antimony"));
    command
        .env("ANTIMONY_CONFIG", home.join("servers.toml"))
        .env(
            "ANTIMONY_KEYCHAIN_SERVICE",
            format!("antimony-cli-test-{}", std::process::id()),
        )
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/antimony-test-bus",
        )
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env_remove("ANTIMONY_SERVER")
        .env_remove("ANTIMONY_API")
        .env_remove("ANTIMONY_USER")
        .env_remove("ANTIMONY_PASSWORD")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

/// What a run printed, and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "{self:#?}");
        &self.stdout
    }

    /// Asserts the exit code and returns stderr.
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "{self:#?}");
        assert!(
            self.stderr.lines().any(|l| l.starts_with("error: ")),
            "{self:#?}"
        );
        &self.stderr
    }
}

/// Runs `command` with `args` to the end (at most 60 s).
pub async fn run(mut command: Command, args: &[&str]) -> Run {
    command.args(args);
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), command.output())
        .await
        .unwrap_or_else(|_| panic!("antimony {args:?} did not finish within 60 s"))
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
