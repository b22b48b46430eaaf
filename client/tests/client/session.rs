//! The Socket.IO session against antimony-server with the fake containerlab and Docker:
//! events, lab commands with typed errors, and exactly-once log lines across reconnects.

use std::sync::Arc;
use std::time::Duration;

use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_client::session::{ClientEvent, CommandError, ConnectionState, Session};
use antimony_fakes::{FakeDocker, workspace_binary};
use antimony_protocol::rest::CollectionIn;
use antimony_protocol::{LabCommand, LabCommandData, LabUpdate, Namespace, Severity, Timestamp};
use antimony_server::{AppState, Config};
use tokio::sync::mpsc::UnboundedReceiver;

const TOPOLOGY: &str =
    "name: pair\ntopology:\n  nodes:\n    a:\n      kind: linux\n    b:\n      kind: linux\n";

pub struct Stack {
    pub state: AppState,
    pub io: socketioxide::SocketIo,
    origin: String,
    _docker: FakeDocker,
    _dir: tempfile::TempDir,
}

pub async fn stack() -> Stack {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let socket = dir.path().join("docker.sock");
    let docker = FakeDocker::start(&socket, &data.join("fake-clab-state.json")).unwrap();
    let mut config = Config::with_data_dir(&data);
    config.containerlab_binary = workspace_binary("fake-containerlab");
    config.docker_host = Some(docker.host.clone());
    let (state, origin, io) = crate::rest::serve_with_io(config).await;
    Stack {
        state,
        io,
        origin,
        _docker: docker,
        _dir: dir,
    }
}

pub async fn client(stack: &Stack) -> Arc<RestClient> {
    let rest = RestClient::new(ServerProfile::new("test", &stack.origin).unwrap()).unwrap();
    rest.login_native("admin", "s3cret").await.unwrap();
    Arc::new(rest)
}

pub async fn new_lab(rest: &RestClient) -> String {
    let collection = rest
        .create_collection(&CollectionIn {
            name: "netlab".into(),
            public_write: true,
            public_deploy: true,
            allow_host_access: None,
        })
        .await
        .unwrap();
    let start = Timestamp::parse("2099-01-01T00:00:00Z").unwrap();
    rest.import(
        TOPOLOGY,
        &collection,
        start,
        Timestamp::parse("2099-01-02T00:00:00Z").unwrap(),
    )
    .await
    .unwrap()
    .lab_id
}

/// The next event matching `pick`, within 20 s.
async fn wait_for<T>(
    events: &mut UnboundedReceiver<ClientEvent>,
    mut pick: impl FnMut(ClientEvent) -> Option<T>,
) -> T {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Some(found) = pick(events.recv().await.expect("the session is open")) {
                return found;
            }
        }
    })
    .await
    .expect("the event within 20 s")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_status_messages_and_lab_updates() {
    let stack = stack().await;
    let rest = client(&stack).await;
    let lab = new_lab(&rest).await;
    let (session, mut events) = Session::open(Arc::clone(&rest));
    assert!(
        session.ready(Duration::from_secs(10)).await,
        "the global namespaces connect"
    );

    let deployed = session
        .command(&LabCommandData::new(&lab, LabCommand::Deploy))
        .await;
    assert_eq!(deployed, Ok(serde_json::Value::Null));
    // Status messages and lab updates come on separate connections, in either order.
    let (mut success, mut updated) = (None, false);
    while success.is_none() || !updated {
        wait_for(&mut events, |e| {
            match e {
                ClientEvent::Status(m) if m.severity == Severity::Success => success = Some(m),
                ClientEvent::LabUpdate(u) => updated |= u == LabUpdate::lab(&lab),
                _ => {}
            }
            Some(())
        })
        .await;
    }
    assert_eq!(
        success.unwrap().content,
        "Successfully deployed 'pair' (pair)"
    );

    match session
        .command(&LabCommandData::new("not-a-uuid", LabCommand::Deploy))
        .await
    {
        Err(e @ CommandError::Refused(_)) => assert_eq!(e.code(), 5404),
        other => panic!("{other:?}"),
    }
    match session
        .command(&LabCommandData::for_node(
            &lab,
            LabCommand::StopNode,
            "nope",
        ))
        .await
    {
        Err(e) => assert_eq!(e.code(), 5006),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        session
            .command(&LabCommandData::new(&lab, LabCommand::Destroy))
            .await,
        Ok(serde_json::Value::Null)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_lines_arrive_exactly_once_across_reconnects() {
    let stack = stack().await;
    let rest = client(&stack).await;
    let lab = new_lab(&rest).await;
    let (session, mut events) = Session::open(Arc::clone(&rest));
    let namespace = Namespace::lab_logs(&lab);

    // Subscribing before the lab runs: `Invalid namespace` until the deploy, then the log.
    session.subscribe_logs(&namespace);
    let refused = wait_for(&mut events, |e| match e {
        ClientEvent::Connection {
            state: ConnectionState::Refused(reason),
            ..
        } => Some(reason),
        _ => None,
    })
    .await;
    assert_eq!(refused, "Invalid namespace");
    session
        .command(&LabCommandData::new(&lab, LabCommand::Deploy))
        .await
        .unwrap();

    let path = namespace.path();
    let stream = stack.state.logs.get(&path).unwrap();
    let io = stack.io.clone();
    let mut seen: Vec<String> = Vec::new();
    let collect = |event: ClientEvent, seen: &mut Vec<String>| {
        if let ClientEvent::LogLines {
            lines,
            missed,
            restarted,
            ..
        } = event
        {
            assert_eq!((missed, restarted), (0, false));
            seen.extend(lines);
        }
    };
    let mut next = 0;
    for round in 0..3 {
        // Lines while connected…
        stream.push_lines((0..200).map(|_| {
            next += 1;
            format!("line {next}")
        }));
        // …then the server drops the socket, and lines keep coming while it is away.
        tokio::time::timeout(Duration::from_secs(30), async {
            while io.of(&path).is_none_or(|ns| ns.sockets().is_empty()) {
                collect(events.recv().await.unwrap(), &mut seen);
            }
        })
        .await
        .expect("the subscriber is connected");
        io.of(&path).unwrap().disconnect().await.unwrap();
        stream.push_lines((0..150).map(|_| {
            next += 1;
            format!("line {next}")
        }));
        let expected = stream.backlog().0.len();
        tokio::time::timeout(Duration::from_secs(30), async {
            while seen.len() < expected {
                collect(events.recv().await.unwrap(), &mut seen);
            }
        })
        .await
        .unwrap_or_else(|_| panic!("round {round}: {} of {expected} lines", seen.len()));
    }
    let everything: Vec<String> = stream.backlog().0.iter().map(|l| l.to_string()).collect();
    assert_eq!(seen, everything, "every line once, in order");
    assert!(
        seen.iter().any(|l| l.contains("Creating container")),
        "the deploy's lines came first"
    );
    session.unsubscribe_logs(&namespace);
}
