//! Socket.IO through `rust_socketio`, against the server on a real TCP socket with the fake
//! containerlab and the fake Docker engine: connect errors, the lab cycle, namespace
//! clean-up, and log delivery to slow subscribers.

use std::sync::Arc;
use std::time::Duration;

use antimony_fakes::{FakeDocker, workspace_binary};
use antimony_protocol::{LabCommand, LabCommandData, Namespace, Timestamp};
use antimony_server::auth::TokenKind;
use antimony_server::{AppState, Config};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::harness::{OUTSIDER, TOPOLOGY};

struct Stack {
    state: AppState,
    io: socketioxide::SocketIo,
    base: String,
    admin: String,
    _docker: FakeDocker,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<antimony_server::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

async fn start() -> Stack {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let socket = dir.path().join("docker.sock");
    let docker = FakeDocker::start(&socket, &data.join("fake-clab-state.json")).unwrap();
    std::fs::write(
        dir.path().join("kinds.conf.yml"),
        "nokia_srlinux:\n  canRestart: true\nlinux:\n  canRestart: true\n",
    )
    .unwrap();
    let mut config = Config::with_data_dir(&data);
    config.containerlab_binary = workspace_binary("fake-containerlab");
    config.docker_host = Some(docker.host.clone());
    config.kinds_config = dir.path().join("kinds.conf.yml");
    config.lab_log_backlog = 1000;
    let state = AppState::open(config).await.unwrap();
    state
        .store
        .upsert_user(antimony_server::store::User {
            id: OUTSIDER.into(),
            name: "bob".into(),
            is_admin: false,
            groups: vec![],
        })
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel();
    let server = antimony_server::Server::new(state.clone());
    let io = server.io().clone();
    let served = tokio::spawn(server.serve(listener, async move {
        let _ = rx.await;
    }));
    let now = Timestamp::now_utc().unix_timestamp();
    let admin = state.tokens.issue(
        TokenKind::Access,
        antimony_protocol::NATIVE_ADMIN_ID,
        true,
        now,
    );
    Stack {
        state,
        io,
        base,
        admin,
        _docker: docker,
        shutdown: Some(tx),
        served: Some(served),
        _dir: dir,
    }
}

/// Creates a collection, the topology and a lab through the REST API.
async fn create_lab(stack: &Stack) -> String {
    let client = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        client
            .post(format!("{}{path}", stack.base))
            .header("cookie", format!("accessToken={}", stack.admin))
            .json(&body)
            .send()
    };
    let collection: Value = post(
        "/collections",
        json!({"name": "netlab", "publicWrite": true, "publicDeploy": true}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let topology: Value = post(
        "/topologies",
        json!({"definition": TOPOLOGY, "syncUrl": "", "collectionId": collection["payload"]}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let lab: Value = post("/labs", json!({"name": "Rusty", "startTime": "2099-01-01T00:00:00Z", "endTime": "2099-01-02T00:00:00Z", "topologyId": topology["payload"]})).await.unwrap().json().await.unwrap();
    lab["payload"].as_str().unwrap().to_owned()
}

/// What a connected client received.
type Received = mpsc::UnboundedReceiver<(String, Vec<Value>)>;

/// Connects a namespace over WebSocket and waits for the server's CONNECT, or returns the
/// `connect_error` message. `slow` makes the client take that long per event.
async fn connect(
    base: &str,
    namespace: &str,
    token: Option<&str>,
    slow: Option<Duration>,
) -> Result<(Client, Received), String> {
    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let (status_tx, mut status_rx) = mpsc::unbounded_channel::<Result<(), String>>();
    let connected = status_tx.clone();
    let mut builder = ClientBuilder::new(base)
        .namespace(namespace)
        .transport_type(TransportType::Websocket)
        .reconnect(false);
    if let Some(token) = token {
        builder = builder.auth(json!({ "token": token }));
    }
    let client = builder
        .on(Event::Connect, move |_, _| {
            let connected = connected.clone();
            async move {
                let _ = connected.send(Ok(()));
            }
            .boxed()
        })
        .on(Event::Error, move |payload, _| {
            let status = status_tx.clone();
            async move {
                if let Payload::Text(values) = payload {
                    let text = values
                        .first()
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned();
                    let message = text
                        .split_once('{')
                        .and_then(|(_, rest)| {
                            serde_json::from_str::<Value>(&format!("{{{rest}")).ok()
                        })
                        .and_then(|v| v["message"].as_str().map(str::to_owned))
                        .unwrap_or(text);
                    let _ = status.send(Err(message));
                }
            }
            .boxed()
        })
        .on_any(move |event, payload, _| {
            let events = events_tx.clone();
            async move {
                if let (Event::Custom(name), Payload::Text(values)) = (event, payload) {
                    let _ = events.send((name, values));
                }
                if let Some(delay) = slow {
                    tokio::time::sleep(delay).await;
                }
            }
            .boxed()
        })
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    match tokio::time::timeout(Duration::from_secs(10), status_rx.recv()).await {
        Ok(Some(Ok(()))) => Ok((client, events_rx)),
        Ok(Some(Err(message))) => {
            let _ = client.disconnect().await;
            Err(message)
        }
        _ => panic!("no CONNECT or connect_error from {namespace}"),
    }
}

/// Sends a lab command as a JSON string and waits for the ack (with our own timeout:
/// rust_socketio never calls back for an ack that does not come).
async fn command(client: &Client, command: LabCommandData) -> Value {
    let (tx, mut rx) = mpsc::unbounded_channel();
    client
        .emit_with_ack(
            "data",
            json!(command.to_wire_string()),
            Duration::from_secs(60),
            move |payload, _| {
                let tx = tx.clone();
                async move {
                    if let Payload::Text(values) = payload {
                        let _ = tx.send(values);
                    }
                }
                .boxed()
            },
        )
        .await
        .unwrap();
    let values = tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .expect("an ack within 60 s")
        .unwrap();
    // rust_socketio 0.6 hands the ack's argument list as one array.
    match values.into_iter().next() {
        Some(Value::Array(args)) => args.into_iter().next().unwrap_or(Value::Null),
        Some(other) => other,
        None => Value::Null,
    }
}

async fn next_event(events: &mut Received, name: &str) -> Vec<Value> {
    loop {
        let (event, values) = tokio::time::timeout(Duration::from_secs(20), events.recv())
            .await
            .unwrap_or_else(|_| panic!("no {name} event"))
            .unwrap();
        if event == name {
            return values;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_errors_carry_the_exact_texts() {
    let stack = start().await;
    let lab = create_lab(&stack).await;
    assert_eq!(
        connect(&stack.base, "/status-messages", None, None)
            .await
            .err()
            .as_deref(),
        Some("Unauthorized")
    );
    assert_eq!(
        connect(&stack.base, "/lab-updates", Some("nope"), None)
            .await
            .err()
            .as_deref(),
        Some("Invalid Token")
    );
    assert_eq!(
        connect(
            &stack.base,
            &format!("/logs/{lab}"),
            Some(&stack.admin),
            None
        )
        .await
        .err()
        .as_deref(),
        Some("Invalid namespace")
    );

    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    assert_eq!(
        command(&commands, LabCommandData::new(&lab, LabCommand::Deploy)).await,
        json!({"payload": null})
    );
    let outsider = stack.state.tokens.issue(
        TokenKind::Access,
        OUTSIDER,
        false,
        Timestamp::now_utc().unix_timestamp(),
    );
    assert_eq!(
        connect(&stack.base, &format!("/logs/{lab}"), Some(&outsider), None)
            .await
            .err()
            .as_deref(),
        Some("No Access")
    );
    let (theirs, _) = connect(&stack.base, "/lab-commands", Some(&outsider), None)
        .await
        .unwrap();
    let reply = command(&theirs, LabCommandData::new(&lab, LabCommand::Destroy)).await;
    assert_eq!(reply["code"], json!(5403));
    assert_eq!(
        command(&commands, LabCommandData::new(&lab, LabCommand::Destroy)).await,
        json!({"payload": null})
    );
    let _ = commands.disconnect().await;
    let _ = theirs.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_and_finished_log_namespaces_leave_nothing_behind() {
    let stack = start().await;
    let lab = create_lab(&stack).await;
    let io = stack.io.clone();
    let path = Namespace::lab_logs(&lab).path();
    assert!(
        connect(&stack.base, &path, Some(&stack.admin), None)
            .await
            .is_err()
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        io.of(&path).is_none(),
        "a refused dynamic namespace is removed"
    );

    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    command(&commands, LabCommandData::new(&lab, LabCommand::Deploy)).await;
    let (subscriber, mut events) = connect(&stack.base, &path, Some(&stack.admin), None)
        .await
        .unwrap();
    let backlog = next_event(&mut events, "backlog").await;
    assert!(
        backlog[0]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l.as_str().unwrap().contains("Creating container"))
    );
    assert!(io.of(&path).is_some());
    command(&commands, LabCommandData::new(&lab, LabCommand::Destroy)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        io.of(&path).is_none(),
        "the namespace goes with the instance"
    );
    assert!(stack.state.logs.get(&path).is_none());
    let _ = subscriber.disconnect().await;
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_subscribers_get_every_line_in_order() {
    let stack = start().await;
    let lab = create_lab(&stack).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    command(&commands, LabCommandData::new(&lab, LabCommand::Deploy)).await;
    let path = Namespace::lab_logs(&lab).path();
    let stream = stack.state.logs.get(&path).unwrap();

    // A subscriber slow enough to fill its queue: backpressure holds lines back, none is lost.
    let (slow, mut events) = connect(
        &stack.base,
        &path,
        Some(&stack.admin),
        Some(Duration::from_micros(200)),
    )
    .await
    .unwrap();
    let backlog = next_event(&mut events, "backlog").await[0]
        .as_array()
        .unwrap()
        .len();
    const LINES: usize = 3000;
    let producer = {
        let stream = Arc::clone(&stream);
        tokio::spawn(async move {
            for chunk in 0..LINES / 100 {
                stream.push_lines((0..100).map(|i| format!("line {}", chunk * 100 + i)));
                tokio::task::yield_now().await;
            }
        })
    };
    producer.await.unwrap();
    for expected in 0..LINES {
        let line = next_event(&mut events, "data").await;
        assert_eq!(
            line,
            [json!(format!("line {expected}"))],
            "in order, none missing"
        );
    }
    assert!(backlog > 0);
    let _ = slow.disconnect().await;
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_falls_behind_the_backlog_is_disconnected_and_resumes_from_it() {
    let stack = start().await;
    let lab = create_lab(&stack).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    command(&commands, LabCommandData::new(&lab, LabCommand::Deploy)).await;
    let path = Namespace::lab_logs(&lab).path();
    let stream = stack.state.logs.get(&path).unwrap();
    let io = stack.io.clone();

    let (crawler, mut events) = connect(
        &stack.base,
        &path,
        Some(&stack.admin),
        Some(Duration::from_millis(3)),
    )
    .await
    .unwrap();
    next_event(&mut events, "backlog").await;
    // Far more than the backlog keeps (1000 here) while the client takes 3 ms a line.
    stream.push_lines((0..5000).map(|i| format!("flood {i}")));
    let mut disconnected = false;
    for _ in 0..400 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if io.of(&path).is_none_or(|ns| ns.sockets().is_empty()) {
            disconnected = true;
            break;
        }
    }
    assert!(disconnected, "the lagging subscriber was disconnected");
    let _ = crawler.disconnect().await;

    // Reconnecting gives the backlog again, with a marker for what was trimmed.
    let (again, mut events) = connect(&stack.base, &path, Some(&stack.admin), None)
        .await
        .unwrap();
    let backlog = next_event(&mut events, "backlog").await;
    let lines = backlog[0].as_array().unwrap();
    assert!(
        lines[0]
            .as_str()
            .unwrap()
            .contains("earlier lines of this log were trimmed"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.last().unwrap(), &json!("flood 4999"));
    assert_eq!(lines.len(), 1001);
    let _ = again.disconnect().await;
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_disconnects_clients_and_ends_every_background_task() {
    let mut stack = start().await;
    let lab = create_lab(&stack).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    command(&commands, LabCommandData::new(&lab, LabCommand::Deploy)).await;
    let (subscriber, mut events) = connect(
        &stack.base,
        &Namespace::lab_logs(&lab).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    next_event(&mut events, "backlog").await;
    assert!(
        !stack.state.tasks.is_empty(),
        "node log followers, the scheduler and the subscriber run in the background"
    );
    stack.shutdown.take().unwrap().send(()).unwrap();
    let served = tokio::time::timeout(Duration::from_secs(15), stack.served.take().unwrap())
        .await
        .expect("the server stops within 15 s")
        .unwrap();
    assert!(served.is_ok(), "{served:?}");
    assert!(
        stack.state.tasks.is_empty(),
        "{} background tasks outlived the server",
        stack.state.tasks.len()
    );
    assert!(
        stack
            .io
            .of("/lab-commands")
            .is_none_or(|ns| ns.sockets().is_empty())
    );
    let _ = subscriber.disconnect().await;
    let _ = commands.disconnect().await;
}
