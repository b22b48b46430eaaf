//! Delivery under failure: the antimony-server process is killed (SIGKILL) and started again
//! in the middle of a 100,000-line node log, while the container keeps writing. The session
//! reconnects by itself and must deliver every line exactly once, in order.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_client::session::{ClientEvent, Session};
use antimony_fakes::{FakeDocker, World, split_stamp, workspace_binary};
use antimony_protocol::rest::CollectionIn;
use antimony_protocol::{LabCommand, LabCommandData, Namespace, Timestamp};

const TOPOLOGY: &str = "name: chaos\ntopology:\n  nodes:\n    r1:\n      kind: linux\n";
const LINES: usize = 100_000;
const CHUNK: usize = 5_000;

/// The server as a process, on a fixed port so it can come back at the same address.
struct ServerProcess {
    dir: PathBuf,
    port: u16,
    docker_host: String,
    child: Option<Child>,
}

impl ServerProcess {
    fn start(&mut self) {
        let child = Command::new(workspace_binary("antimony-server"))
            .arg("--data-dir")
            .arg(self.dir.join("data"))
            .arg("--bind")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--config")
            .arg(self.dir.join("config.yml"))
            .env("FAKE_CLAB_STATE", self.dir.join("clab-state.json"))
            .env("DOCKER_HOST", &self.docker_host)
            .env("SB_NATIVE_USERNAME", "admin")
            .env("SB_NATIVE_PASSWORD", "admin")
            .env("RUST_LOG", "warn")
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap(); // SIGKILL: no clean shutdown
            child.wait().unwrap();
        }
    }

    async fn wait_until_serving(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = format!("http://127.0.0.1:{}/users/login/config", self.port);
        while Instant::now() < deadline {
            if reqwest::get(&url)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not come up");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The container's output as the fake Docker keeps it, without the timestamps.
fn container_lines(state: &Path, container_id: &str) -> Vec<String> {
    let world = World::read(state).unwrap();
    world
        .labs
        .values()
        .flat_map(|lab| lab.containers.iter())
        .find(|c| c.id.starts_with(container_id))
        .unwrap()
        .logs
        .iter()
        .map(|line| split_stamp(line).1.to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_mid_stream_loses_and_repeats_no_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let state_file = dir.path().join("clab-state.json");
    std::fs::write(
        dir.path().join("config.yml"),
        format!(
            "containerlab:\n  binary: {}\nstreaming:\n  containerLogBacklog: 200000\n",
            workspace_binary("fake-containerlab").display()
        ),
    )
    .unwrap();
    let docker = FakeDocker::start(&dir.path().join("docker.sock"), &state_file).unwrap();
    let mut server = ServerProcess {
        dir: dir.path().to_owned(),
        port: free_port(),
        docker_host: docker.host.clone(),
        child: None,
    };
    server.start();
    server.wait_until_serving().await;
    let origin = format!("http://127.0.0.1:{}", server.port);

    let rest = Arc::new(RestClient::new(ServerProfile::new("chaos", &origin).unwrap()).unwrap());
    rest.login_native("admin", "admin").await.unwrap();
    let collection = rest
        .create_collection(&CollectionIn {
            name: "chaos".into(),
            public_write: true,
            public_deploy: true,
            allow_host_access: None,
        })
        .await
        .unwrap();
    let lab_id = rest
        .import(
            TOPOLOGY,
            &collection,
            Timestamp::parse("2099-01-01T00:00:00Z").unwrap(),
            Timestamp::parse("2099-01-02T00:00:00Z").unwrap(),
        )
        .await
        .unwrap()
        .lab_id;
    let (session, mut events) = Session::open(Arc::clone(&rest));
    assert!(session.ready(Duration::from_secs(20)).await);
    session
        .command(&LabCommandData::new(&lab_id, LabCommand::Deploy))
        .await
        .unwrap();
    let lab = rest.lab(&lab_id).await.unwrap();
    let node = lab.instance.unwrap().nodes.unwrap().remove(0);
    let container_id = node.container_id.clone();
    let namespace = Namespace::node_logs(&lab_id, &container_id);
    session.subscribe_logs(&namespace);

    // The container writes 100,000 lines in chunks, whatever happens to the server.
    let writer_state = state_file.clone();
    let writer_id = container_id.clone();
    let writer = tokio::task::spawn_blocking(move || {
        for chunk in 0..LINES / CHUNK {
            World::update(&writer_state, |world| {
                let container = world.container_mut(&writer_id).unwrap();
                for i in chunk * CHUNK..(chunk + 1) * CHUNK {
                    container.log(&format!("chaos line {i}"));
                }
            })
            .unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
    });

    let path = namespace.path();
    let mut received: Vec<String> = Vec::new();
    let mut killed = false;
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let done = received
            .last()
            .is_some_and(|l| l == &format!("chaos line {}", LINES - 1));
        if done {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {} lines arrived",
            received.len()
        );
        if !killed && received.len() >= LINES / 3 {
            server.kill();
            killed = true;
            // Lines written while the server is away must arrive too.
            tokio::time::sleep(Duration::from_millis(700)).await;
            server.start();
        }
        let Ok(Some(event)) = tokio::time::timeout(Duration::from_secs(5), events.recv()).await
        else {
            continue;
        };
        if let ClientEvent::LogLines {
            namespace,
            lines,
            missed,
            restarted,
        } = event
            && namespace == path
        {
            assert_eq!(missed, 0, "nothing may be trimmed");
            assert!(
                !restarted || received.is_empty(),
                "the stream was taken as started over after {} lines",
                received.len()
            );
            received.extend(lines);
        }
    }
    writer.await.unwrap();
    assert!(killed, "the server was killed mid-stream");
    let expected = container_lines(&state_file, &container_id);
    assert!(expected.len() > LINES, "boot lines and the chaos lines");
    // Exactly once: no line repeated, none missing, in order.
    if received != expected {
        let first_difference = received
            .iter()
            .zip(&expected)
            .position(|(a, b)| a != b)
            .unwrap_or(received.len().min(expected.len()));
        panic!(
            "received {} lines, expected {}; first difference at {first_difference}: {:?} vs {:?}",
            received.len(),
            expected.len(),
            received.get(first_difference),
            expected.get(first_difference)
        );
    }
}
