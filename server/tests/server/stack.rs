//! A server on a real TCP socket with the fake containerlab and the fake Docker engine, and
//! a small rust_socketio client to talk to it: shared by the socket and shell tests.

use std::time::Duration;

use antimony_fakes::{FakeDocker, workspace_binary};
use antimony_protocol::{LabCommandData, Timestamp};
use antimony_server::auth::TokenKind;
use antimony_server::{AppState, Config};
use futures_util::FutureExt;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use rust_socketio::{Event, Payload, TransportType};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::harness::{OUTSIDER, TOPOLOGY};

pub struct Stack {
    pub state: AppState,
    pub io: socketioxide::SocketIo,
    pub base: String,
    pub admin: String,
    pub _docker: FakeDocker,
    pub shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub served: Option<tokio::task::JoinHandle<antimony_server::Result<()>>>,
    pub _database: Option<crate::database::TestDatabase>,
    pub _dir: tempfile::TempDir,
}

impl Drop for Stack {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

pub async fn start() -> Stack {
    start_with(|_| {}).await
}

/// [`start`], with changes to the configuration.
pub async fn start_with(change: impl FnOnce(&mut Config)) -> Stack {
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
    change(&mut config);
    let database = crate::database::TestDatabase::fresh();
    if let Some(database) = &database {
        database.configure(&mut config);
    }
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
    let antimony_server::Io::Local(io) = server.io().clone() else {
        panic!("a single instance has the local adapter")
    };
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
        _database: database,
        _dir: dir,
    }
}

/// Creates a collection, the topology and a lab through the REST API.
pub async fn create_lab(stack: &Stack) -> String {
    create_lab_from(stack, TOPOLOGY).await
}

/// [`create_lab`] with another topology. The collection and the topology are made once
/// per server; every call makes a new lab.
pub async fn create_lab_from(stack: &Stack, definition: &str) -> String {
    let client = reqwest::Client::new();
    let cookie = format!("accessToken={}", stack.admin);
    let get = async |path: &str| -> Value {
        client
            .get(format!("{}{path}", stack.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let post = async |path: &str, body: Value| -> Value {
        client
            .post(format!("{}{path}", stack.base))
            .header("cookie", &cookie)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let collections = get("/collections").await;
    let collection = match collections["payload"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == "netlab"))
    {
        Some(found) => found["id"].clone(),
        None => post(
            "/collections",
            json!({"name": "netlab", "publicWrite": true, "publicDeploy": true}),
        )
        .await["payload"]
            .clone(),
    };
    let topologies = get("/topologies").await;
    let topology = match topologies["payload"]
        .as_array()
        .and_then(|all| all.iter().find(|t| t["definition"] == definition))
    {
        Some(found) => found["id"].clone(),
        None => post(
            "/topologies",
            json!({"definition": definition, "syncUrl": "", "collectionId": collection}),
        )
        .await["payload"]
            .clone(),
    };
    let lab = post("/labs", json!({"name": "Rusty", "startTime": "2099-01-01T00:00:00Z", "endTime": "2099-01-02T00:00:00Z", "topologyId": topology})).await;
    lab["payload"]
        .as_str()
        .unwrap_or_else(|| panic!("no lab: {lab}"))
        .to_owned()
}

/// What a connected client received.
pub type Received = mpsc::UnboundedReceiver<(String, Vec<Value>)>;

/// Connects a namespace over WebSocket and waits for the server's CONNECT, or returns the
/// `connect_error` message. `slow` makes the client take that long per event.
pub async fn connect(
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
pub async fn command(client: &Client, command: LabCommandData) -> Value {
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

pub async fn next_event(events: &mut Received, name: &str) -> Vec<Value> {
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
