//! The real `antimony-server` binary over real TCP sockets: start, stop on SIGTERM, restart
//! on the same data directory, and keep data and logins.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::database::TestDatabase;
use crate::harness::TOPOLOGY;

pub struct ServerProcess {
    child: Child,
    pub base: String,
}

/// Writes a `config.yml` in `dir` that puts the server on `database`; returns its path.
pub fn database_config(dir: &std::path::Path, database: &TestDatabase) -> std::path::PathBuf {
    let settings = &database.settings;
    let path = dir.join("config.yml");
    std::fs::write(
        &path,
        format!(
            "database:\n  host: {}\n  port: {}\n  database: {}\n  user: {}\n",
            settings.host, settings.port, settings.database, settings.user
        ),
    )
    .unwrap();
    path
}

impl ServerProcess {
    /// Starts the binary on a free port and waits until it logs its address; on the test's
    /// PostgreSQL database when the tests run against one.
    fn start(data_dir: &std::path::Path, database: Option<&TestDatabase>) -> Self {
        match database {
            Some(database) => {
                let config = database_config(data_dir, database);
                let password = database.settings.password.clone().unwrap_or_default();
                Self::start_with(
                    data_dir,
                    &["--config", config.to_str().unwrap()],
                    &[("SB_DATABASE_PASSWORD", password.as_str())],
                )
            }
            None => Self::start_with(data_dir, &[], &[]),
        }
    }

    /// Starts the binary with more flags and environment variables.
    pub fn start_with(data_dir: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_antimony-server"))
            .args([
                "--data-dir",
                data_dir.to_str().unwrap(),
                "--bind",
                "127.0.0.1:0",
            ])
            .args(extra)
            .envs(env.iter().copied())
            .env("SB_NATIVE_USERNAME", "admin")
            .env("SB_NATIVE_PASSWORD", "s3cret")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(address) = line.split("address=").nth(1) {
                    let _ = tx.send(
                        address
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_owned(),
                    );
                }
            }
        });
        let address = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server logs its address");
        ServerProcess {
            child,
            base: format!("http://{address}"),
        }
    }

    pub fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

fn cookie(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .unwrap_or_else(|| panic!("no {name} cookie"))
}

async fn json_call(
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = client()
        .request(method, url)
        .header("cookie", format!("accessToken={token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn data_and_logins_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::fresh();
    let server = ServerProcess::start(dir.path(), database.as_ref());
    let base = server.base.clone();

    let login = client()
        .post(format!("{base}/api/users/login/native"))
        .json(&json!({"username": "admin", "password": "s3cret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let access = cookie(&login, "accessToken");
    let auth = cookie(&login, "authToken");

    let (_, collection) = json_call(
        reqwest::Method::POST,
        format!("{base}/collections"),
        &access,
        Some(json!({"name": "netlab", "publicWrite": true, "publicDeploy": true})),
    )
    .await;
    let collection = collection["payload"].as_str().unwrap().to_owned();
    let (_, topology) = json_call(
        reqwest::Method::POST,
        format!("{base}/topologies"),
        &access,
        Some(json!({"definition": TOPOLOGY, "syncUrl": "", "collectionId": collection})),
    )
    .await;
    let topology = topology["payload"].as_str().unwrap().to_owned();
    let (status, _) = json_call(reqwest::Method::POST, format!("{base}/labs"), &access, Some(json!({"name": "survivor", "startTime": "2099-01-01T00:00:00Z", "endTime": "2099-01-02T00:00:00Z", "topologyId": topology}))).await;
    assert_eq!(status, 200);

    // A 10 MB body over a real socket gets a JSON error, and the server keeps serving.
    let big = client()
        .post(format!("{base}/collections"))
        .header("cookie", format!("accessToken={access}"))
        .header("content-type", "application/json")
        .body(vec![b' '; 10 * 1024 * 1024])
        .send()
        .await;
    if let Ok(response) = big {
        assert_eq!(response.status(), 413);
        assert_eq!(response.json::<Value>().await.unwrap()["code"], json!(422));
    }

    let status = server.terminate();
    assert!(status.success(), "graceful shutdown exits 0: {status}");

    let server = ServerProcess::start(dir.path(), database.as_ref());
    let base = server.base.clone();
    let (status, labs) = json_call(
        reqwest::Method::GET,
        format!("{base}/labs?limit=10&offset=0"),
        &access,
        None,
    )
    .await;
    assert_eq!(status, 200, "the old access token still works: {labs}");
    assert_eq!(labs["payload"][0]["name"], json!("survivor"));
    assert_eq!(labs["payload"][0]["topologyDefinition"], json!(TOPOLOGY));
    let (_, topologies) = json_call(
        reqwest::Method::GET,
        format!("{base}/topologies"),
        &access,
        None,
    )
    .await;
    assert_eq!(topologies["payload"][0]["definition"], json!(TOPOLOGY));
    // The never-deployed future lab is queued again after the restart.
    let (_, scheduled) = json_call(
        reqwest::Method::GET,
        format!("{base}/labs?stateFilter[]=-2"),
        &access,
        None,
    )
    .await;
    assert_eq!(scheduled["payload"].as_array().unwrap().len(), 1);

    let refresh = client()
        .get(format!("{base}/users/login/refresh"))
        .header("cookie", format!("authToken={auth}"))
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), 200, "the old auth token still refreshes");
    drop(server);
}

#[test]
fn openid_without_its_settings_stops_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yml");
    std::fs::write(&config, "auth:\n  enableOpenId: true\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_antimony-server"))
        .args([
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("auth.enableOpenId is true, so auth.openIdClientId must be set"),
        "{stderr}"
    );
}

#[test]
fn help_lists_the_flags() {
    let output = Command::new(env!("CARGO_BIN_EXE_antimony-server"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in ["--config", "--bind", "--data-dir", "SB_NATIVE_USERNAME"] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}
