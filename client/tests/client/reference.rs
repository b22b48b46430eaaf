//! The client against the reference server (tests/fixtures/reference-server): npm `socket.io`
//! and Node's http module reproducing the Go server's wire quirks — cookie-only REST, 498,
//! JSON-string commands, `{payload}` wrapping, raw log strings, `containnerName`,
//! `Invalid namespace` before the first deploy, and tokens that die with a restart.

use std::sync::Arc;
use std::time::Duration;

use antimony_client::Error;
use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_client::session::{ClientEvent, ConnectionState, Session};
use antimony_fakes::ReferenceServer;
use antimony_protocol::rest::{InstanceState, LabsQuery};
use antimony_protocol::{LabCommand, LabCommandData, Namespace, Severity, Timestamp};
use tokio::sync::mpsc::UnboundedReceiver;

const TOPOLOGY: &str = "name: go-pair\ntopology:\n  nodes:\n    alpha:\n      kind: linux\n    beta:\n      kind: linux\n";

fn profile(server: &ReferenceServer) -> ServerProfile {
    // REST at the root, as the Go server serves it.
    ServerProfile::new("go", &server.origin())
        .unwrap()
        .with_rest_base(&server.origin())
        .unwrap()
}

async fn next<T>(
    events: &mut UnboundedReceiver<ClientEvent>,
    what: &str,
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
    .unwrap_or_else(|_| panic!("no {what} within 20 s"))
}

async fn import(rest: &RestClient) -> String {
    let collections = rest.collections().await.unwrap();
    let fixtures = collections.iter().find(|c| c.name == "fixtures").unwrap();
    let start = Timestamp::parse("2099-01-01T00:00:00Z").unwrap();
    let end = Timestamp::parse("2099-01-02T00:00:00Z").unwrap();
    rest.import(TOPOLOGY, &fixtures.id, start, end)
        .await
        .unwrap()
        .lab_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploys_and_streams_against_the_go_wire_format() {
    let dir = tempfile::tempdir().unwrap();
    let server = ReferenceServer::start(&dir.path().join("state.json"), 0).unwrap();
    let rest = Arc::new(RestClient::new(profile(&server)).unwrap());
    let identity = rest.login_native("admin", "admin").await.unwrap();
    assert_eq!(identity.id.len(), 35, "the Go server's admin id");
    let lab = import(&rest).await;
    // `labs` must send a limit: without one the Go server answers nothing.
    let page = rest.labs(&LabsQuery::default()).await.unwrap();
    assert!(page.labs.iter().any(|l| l.id == lab));
    let queued = rest.lab(&lab).await.unwrap();
    assert!(queued.instance.is_none() && queued.state() == InstanceState::Inactive);

    let (session, mut events) = Session::open(Arc::clone(&rest));
    assert!(session.ready(Duration::from_secs(20)).await);
    let lab_log = Namespace::lab_logs(&lab);
    session.subscribe_logs(&lab_log);
    let refused = next(&mut events, "refusal", |e| match e {
        ClientEvent::Connection {
            state: ConnectionState::Refused(reason),
            ..
        } => Some(reason),
        _ => None,
    })
    .await;
    assert_eq!(
        refused, "Invalid namespace",
        "no lab log before the first deploy"
    );

    // The command goes out as a JSON string (the Go server ignores objects, without an ack).
    let deployed = session
        .command(&LabCommandData::new(&lab, LabCommand::Deploy))
        .await;
    assert_eq!(deployed, Ok(serde_json::Value::Null));
    let mut success = None;
    let mut result = None;
    let mut log = Vec::new();
    while success.is_none()
        || result.is_none()
        || !log
            .iter()
            .any(|l: &String| l.contains("Deployment of lab was successful"))
    {
        let event = tokio::time::timeout(Duration::from_secs(20), events.recv()).await;
        let Ok(Some(e)) = event else {
            panic!("deploy events stopped: success {success:?}, result {result:?}, log {log:?}");
        };
        {
            match e {
                ClientEvent::Status(m) if m.severity == Severity::Success => success = Some(m),
                ClientEvent::CommandResult { command, result: r } => {
                    assert_eq!(command.command, LabCommand::Deploy);
                    result = Some(r);
                }
                ClientEvent::LogLines {
                    namespace, lines, ..
                } if namespace == lab_log.path() => {
                    log.extend(lines);
                }
                _ => {}
            }
        }
    }
    assert_eq!(result, Some(Ok(serde_json::Value::Null)));
    assert!(
        success.unwrap().content.contains("go-pair"),
        "wrapped status messages decode"
    );
    assert!(
        log.iter().any(|l| l.contains('\u{1b}')),
        "raw lines, ANSI kept: {log:?}"
    );

    // `containnerName` (sic) is read; node logs are addressed by container id.
    let deployed = rest.lab(&lab).await.unwrap();
    let nodes = deployed.instance.unwrap().nodes.unwrap();
    assert_eq!(nodes.len(), 2);
    assert!(
        nodes.iter().all(|n| n.container_name.starts_with("clab-")),
        "{nodes:?}"
    );
    let node_log = Namespace::node_logs(&lab, &nodes[0].container_id);
    session.subscribe_logs(&node_log);
    let boot = next(&mut events, "the node's backlog", |e| match e {
        ClientEvent::LogLines {
            namespace, lines, ..
        } if namespace == node_log.path() => Some(lines),
        _ => None,
    })
    .await;
    // Blocks this worker until the control API has sent every line; events queue meanwhile.
    server
        .emit_lines(&lab, Some(&nodes[0].container_id), 2_000)
        .unwrap();
    let mut live = Vec::new();
    while live.len() < 2_000 {
        let lines = next(&mut events, "live node lines", |e| match e {
            ClientEvent::LogLines {
                namespace,
                lines,
                missed,
                restarted,
            } if namespace == node_log.path() => {
                assert_eq!((missed, restarted), (0, false));
                Some(lines)
            }
            _ => None,
        })
        .await;
        live.extend(lines);
    }
    let expected: Vec<String> = (1..=2_000).map(|i| format!("control {i}")).collect();
    assert_eq!(
        live,
        expected,
        "in order, once, after {} boot lines",
        boot.len()
    );

    // Errors come back typed.
    let unknown = session
        .command(&LabCommandData::for_node(
            &lab,
            LabCommand::StopNode,
            "gamma",
        ))
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), 5006);
    session
        .command(&LabCommandData::new(&lab, LabCommand::Destroy))
        .await
        .unwrap();
    let again = session
        .command(&LabCommandData::new(&lab, LabCommand::Destroy))
        .await
        .unwrap_err();
    assert_eq!(again.code(), 5003);

    // Namespace reuse (§5.4): the lab log's socket from the first run gets nothing from the
    // next deployment; the session connects it again when the lab starts deploying.
    session
        .command(&LabCommandData::new(&lab, LabCommand::Deploy))
        .await
        .unwrap();
    let mut second: Vec<String> = Vec::new();
    while !second
        .iter()
        .any(|l| l.contains("Deployment of lab was successful"))
    {
        let lines = next(
            &mut events,
            "the second deployment's lab log",
            |e| match e {
                ClientEvent::LogLines {
                    namespace, lines, ..
                } if namespace == lab_log.path() => Some(lines),
                _ => None,
            },
        )
        .await;
        second.extend(lines);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_kills_every_token_and_the_client_logs_in_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ReferenceServer::start(&dir.path().join("state.json"), 0).unwrap();
    // One client that may log in again by itself, one that may not.
    let keeps = Arc::new(RestClient::new(profile(&server)).unwrap());
    keeps.login_native("admin", "admin").await.unwrap();
    keeps.remember_credentials("admin", "admin");
    let forgets = Arc::new(RestClient::new(profile(&server)).unwrap());
    forgets.login_native("admin", "admin").await.unwrap();
    let lab = import(&keeps).await;

    let (session, mut events) = Session::open(Arc::clone(&keeps));
    assert!(session.ready(Duration::from_secs(20)).await);
    let (lost, mut lost_events) = Session::open(Arc::clone(&forgets));
    assert!(lost.ready(Duration::from_secs(20)).await);
    let old_token = keeps.tokens().access.unwrap();

    server.restart().unwrap();

    // Socket.IO: the reconnect is refused with `Invalid Token`, the refresh too; the session
    // logs in again and connects. (rust_socketio would not retry by itself.)
    next(&mut events, "the reconnect's refusal", |e| match e {
        ClientEvent::Connection {
            state: ConnectionState::Refused(reason),
            ..
        } if reason == "Invalid Token" => Some(()),
        _ => None,
    })
    .await;
    assert!(
        session.ready(Duration::from_secs(20)).await,
        "connected again"
    );
    assert_ne!(keeps.tokens().access.unwrap(), old_token, "a new login");
    assert_eq!(
        session
            .command(&LabCommandData::new(&lab, LabCommand::Deploy))
            .await,
        Ok(serde_json::Value::Null),
        "commands work after the new login"
    );

    // REST: 498, the refresh is refused (403): a new login, or NotLoggedIn without one.
    assert_eq!(keeps.lab(&lab).await.unwrap().id, lab);
    match forgets.lab(&lab).await {
        Err(Error::NotLoggedIn { .. }) => {}
        other => panic!("expected NotLoggedIn, got {other:?}"),
    }
    // The session without credentials says a login is needed.
    next(&mut lost_events, "LoginNeeded", |e| match e {
        ClientEvent::Connection {
            state: ConnectionState::LoginNeeded(_),
            ..
        } => Some(()),
        _ => None,
    })
    .await;
}

/// Output of a shell until it contains `wanted` (within 15 s); what it saw.
async fn shell_output(shell: &mut antimony_client::session::ShellHandle, wanted: &str) -> String {
    use antimony_client::session::ShellEvent;
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(event) = shell.next().await {
            match event {
                ShellEvent::Output(text) => {
                    seen.push_str(&text);
                    if seen.contains(wanted) {
                        return true;
                    }
                }
                ShellEvent::Closed(reason) => {
                    seen.push_str(&format!("[closed: {reason}]"));
                    if seen.contains(wanted) {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    })
    .await;
    assert!(matches!(found, Ok(true)), "no {wanted:?} in {seen:?}");
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shells_work_against_a_server_without_the_extensions() {
    use antimony_client::session::Resized;
    use antimony_protocol::TerminalSize;
    let dir = tempfile::tempdir().unwrap();
    let server = ReferenceServer::start(&dir.path().join("state.json"), 0).unwrap();
    let rest = Arc::new(RestClient::new(profile(&server)).unwrap());
    rest.login_native("admin", "admin").await.unwrap();
    let lab = import(&rest).await;
    let (session, _events) = Session::open(Arc::clone(&rest));
    assert!(session.ready(Duration::from_secs(20)).await);
    session
        .command(&LabCommandData::new(&lab, LabCommand::Deploy))
        .await
        .unwrap();
    let id = session.open_shell(&lab, "alpha").await.unwrap();
    let mut shell = session.attach_shell(&id);
    shell_output(&mut shell, "alpha# ").await;
    shell.input("echo go-like\r").await.unwrap();
    let mut seen = shell_output(&mut shell, "go-like\r\n").await;
    // No resize on a Go server: no ack comes, and the client says so instead of failing.
    assert_eq!(
        shell.resize(TerminalSize::new(40, 100).unwrap()).await,
        Ok(Resized::Unsupported)
    );
    // A second view repaints from the Go server's backlog (all output since the shell opened,
    // with no position); the first view goes on, each line once.
    let mut second = session.attach_shell(&id);
    shell_output(&mut second, "go-like\r\n").await;
    shell.input("echo once-more\r").await.unwrap();
    seen += &shell_output(&mut shell, "once-more\r\n").await;
    assert_eq!(seen.matches("go-like").count(), 2, "{seen:?}");
    shell.input("exit\r").await.unwrap();
    shell_output(&mut shell, "[closed: User closed the shell]").await;
}
