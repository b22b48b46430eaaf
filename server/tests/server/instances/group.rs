//! The pieces of a multi-instance test: a `redis-server`, server processes on one database,
//! and small REST and Socket.IO helpers.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use antimony_fakes::{FakeDocker, workspace_binary};
use serde_json::{Value, json};

use crate::database::{TestDatabase, required_postgres_url};
use crate::harness::TOPOLOGY;
use crate::stack::Received;

/// A `redis-server` on a free loopback port, stopped when dropped.
pub struct Redis {
    child: Child,
    pub url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `redis-server` from `PATH`; a clear failure when it is not installed.
fn redis_binary() -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("redis-server"))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "redis-server is missing: the multi-instance tests need it \
                 (apt-get install redis-server; scripts/test installs it)"
            )
        })
}

/// A Redis command in RESP.
fn resp(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for arg in args {
        out.extend(format!("${}\r\n", arg.len()).into_bytes());
        out.extend(*arg);
        out.extend(b"\r\n");
    }
    out
}

impl Redis {
    fn connect(&self) -> std::net::TcpStream {
        let address = self.url.trim_start_matches("redis://");
        let stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        stream
    }

    /// Publishes raw bytes on a channel, as anything that reaches Redis could.
    pub fn publish(&self, channel: &str, payload: &[u8]) {
        let mut stream = self.connect();
        stream
            .write_all(&resp(&[b"PUBLISH", channel.as_bytes(), payload]))
            .unwrap();
        let mut answer = [0u8; 64];
        let _ = stream.read(&mut answer);
    }

    /// Subscribes to a channel; [`Redis::received`] reads what came.
    pub fn subscribe(&self, channel: &str) -> std::net::TcpStream {
        let mut stream = self.connect();
        stream
            .write_all(&resp(&[b"SUBSCRIBE", channel.as_bytes()]))
            .unwrap();
        stream
    }

    /// What a subscription received until `until` shows up (at most 10 s), as text.
    pub fn received(stream: &mut std::net::TcpStream, until: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut text = Vec::new();
        while !String::from_utf8_lossy(&text).contains(until) {
            assert!(
                Instant::now() < deadline,
                "no {until:?} on the subscription: {}",
                String::from_utf8_lossy(&text)
            );
            let mut chunk = [0u8; 4096];
            if let Ok(n) = stream.read(&mut chunk) {
                text.extend(&chunk[..n]);
            }
        }
        String::from_utf8_lossy(&text).into_owned()
    }

    pub fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(redis_binary())
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting redis-server");
        let redis = Redis {
            child,
            url: format!("redis://127.0.0.1:{port}"),
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                let mut answer = [0u8; 5];
                if stream.write_all(b"PING\r\n").is_ok()
                    && stream.read_exact(&mut answer).is_ok()
                    && &answer == b"+PONG"
                {
                    return redis;
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer PING"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One `antimony-server` process of the group.
pub struct Instance {
    child: Child,
    pub base: String,
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Instance {
    /// Kills the process with SIGKILL: it leaves its leases as they are.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

/// Two or more instances on one database, one Redis and one data directory.
pub struct Group {
    pub redis: Redis,
    pub database: TestDatabase,
    pub docker: FakeDocker,
    pub data: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Group {
    pub fn new() -> Self {
        let redis = Redis::start();
        let database = TestDatabase::create(&required_postgres_url());
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(
            dir.path().join("kinds.conf.yml"),
            "nokia_srlinux:\n  canRestart: true\nlinux:\n  canRestart: true\n",
        )
        .unwrap();
        let docker = FakeDocker::start(
            &dir.path().join("docker.sock"),
            &data.join("fake-clab-state.json"),
        )
        .unwrap();
        Group {
            redis,
            database,
            docker,
            data,
            dir,
        }
    }

    /// The configuration file of the instance `name`.
    fn config(&self, name: &str, extra: &str) -> PathBuf {
        let db = &self.database.settings;
        let path = self.dir.path().join(format!("config-{name}.yml"));
        let text = format!(
            "database:\n  host: {}\n  port: {}\n  database: {}\n  user: {}\n\
             containerlab:\n  binary: {}\n  dockerHost: {}\n  kindsConfig: {}\n\
             cluster:\n  redis: {}\n  instance: {name}\n  leaseSeconds: 3\n{extra}",
            db.host,
            db.port,
            db.database,
            db.user,
            workspace_binary("fake-containerlab").display(),
            self.docker.host,
            self.dir.path().join("kinds.conf.yml").display(),
            self.redis.url,
        );
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Starts the instance `name` and waits until it listens.
    pub fn start(&self, name: &str, env: &[(&str, &str)]) -> Instance {
        let config = self.config(name, "");
        let mut child = Command::new(env!("CARGO_BIN_EXE_antimony-server"))
            .arg("--data-dir")
            .arg(&self.data)
            .args(["--bind", "127.0.0.1:0", "--config"])
            .arg(&config)
            .env(
                "SB_DATABASE_PASSWORD",
                self.database.settings.password.clone().unwrap_or_default(),
            )
            .env("SB_NATIVE_USERNAME", "admin")
            .env("SB_NATIVE_PASSWORD", "s3cret")
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let base = wait_for_address(&mut child, name);
        Instance { child, base }
    }

    /// Which instance holds the lease `name`, if any.
    pub fn holder(&self, lease: &str) -> Option<String> {
        self.database.query_text(&format!(
            "SELECT instance FROM cluster_lease WHERE name = '{lease}' AND expires_at > now()"
        ))
    }
}

/// Reads the server's log until it says where it listens (keeps echoing it to the test's
/// output, prefixed with the instance's name, so a failure shows both sides).
fn wait_for_address(child: &mut Child, name: &str) -> String {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let name = name.to_owned();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("[{name}] {line}");
            }
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
        .expect("the instance logs its address");
    format!("http://{address}")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Logs in as the native admin; the token works on every instance (one secret).
pub async fn login(base: &str) -> String {
    let login = http()
        .post(format!("{base}/api/users/login/native"))
        .json(&json!({"username": "admin", "password": "s3cret"}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    login
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("accessToken="))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .expect("an accessToken cookie")
}

async fn call(method: reqwest::Method, url: String, token: &str, body: Option<Value>) -> Value {
    let mut request = http()
        .request(method, url)
        .header("cookie", format!("accessToken={token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// A `/lab-commands` client of `base` that has deployed `lab`: its instance owns the lab.
pub async fn deploy_through(
    base: &str,
    token: &str,
    lab: &str,
) -> rust_socketio::asynchronous::Client {
    let (commands, _) = crate::stack::connect(base, "/lab-commands", Some(token), None)
        .await
        .unwrap();
    let deploy = antimony_protocol::LabCommandData::new(lab, antimony_protocol::LabCommand::Deploy);
    assert_eq!(
        crate::stack::command(&commands, deploy).await,
        json!({"payload": null})
    );
    commands
}

/// A collection, a topology and a lab, through `base`.
pub async fn create_lab(base: &str, token: &str) -> String {
    create_lab_at(base, token, "2099-01-01T00:00:00Z", "2099-01-02T00:00:00Z").await
}

/// A collection, a topology and a lab scheduled from `start` to `end`, through `base`.
pub async fn create_lab_at(base: &str, token: &str, start: &str, end: &str) -> String {
    let post = |path: &str, body: Value| {
        call(
            reqwest::Method::POST,
            format!("{base}{path}"),
            token,
            Some(body),
        )
    };
    let collection = post(
        "/collections",
        json!({"name": "netlab", "publicWrite": true, "publicDeploy": true}),
    )
    .await["payload"]
        .clone();
    let topology = post(
        "/topologies",
        json!({"definition": TOPOLOGY, "syncUrl": "", "collectionId": collection}),
    )
    .await["payload"]
        .clone();
    let lab = post(
        "/labs",
        json!({"name": "Spread", "startTime": start, "endTime": end, "topologyId": topology}),
    )
    .await;
    lab["payload"].as_str().expect("a lab id").to_owned()
}

/// Status message contents received until one contains `text`.
pub async fn until_status(received: &mut Received, text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let (event, values) = tokio::time::timeout(Duration::from_secs(20), received.recv())
            .await
            .unwrap_or_else(|_| panic!("no status message with {text:?}; got {seen:?}"))
            .unwrap();
        if event != "data" {
            continue;
        }
        let content = values[0]["payload"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let done = content.contains(text);
        seen.push(content);
        if done {
            return seen;
        }
    }
}

/// Waits until `check` holds (at most `limit`).
pub async fn eventually(limit: Duration, what: &str, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The lab as `base` serves it.
pub async fn lab(base: &str, token: &str, lab_id: &str) -> Value {
    call(
        reqwest::Method::GET,
        format!("{base}/labs/{lab_id}"),
        token,
        None,
    )
    .await["payload"]
        .clone()
}

/// The lines of a log subscriber, backlog first, in the order they came.
pub fn log_lines(received: &mut Received, into: &mut Vec<String>) {
    while let Ok((event, values)) = received.try_recv() {
        match event.as_str() {
            "backlog" => into.extend(
                values[0]
                    .as_array()
                    .expect("the backlog is an array")
                    .iter()
                    .map(|l| l.as_str().unwrap().to_owned()),
            ),
            "data" => into.push(values[0].as_str().unwrap().to_owned()),
            _ => {}
        }
    }
}
