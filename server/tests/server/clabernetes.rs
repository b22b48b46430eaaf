//! The clabernetes provider end to end, through the real server (REST, `/lab-commands`,
//! log and shell namespaces over Socket.IO) against the fake Kubernetes API server of
//! `antimony_fakes::kubernetes` (a cluster with clabernetes): deploy, the nodes' state, node
//! logs followed, shells with resize, destroy; a restart that recovers the labs from the
//! topology resources; the node commands clabernetes cannot run. Failures, cancels, redeploys
//! and hostile answers are in `clabernetes_failures.rs`.

use std::time::Duration;

use antimony_fakes::kubernetes::FakeKubernetes;
use antimony_protocol::{LabCommand, LabCommandData, Namespace};
use antimony_server::config::Provider;
use antimony_server::driver::{ClabernetesSettings, LabDriver};
use rust_socketio::asynchronous::Client;
use serde_json::{Value, json};

use crate::stack::{Received, Stack, command, connect, create_lab, next_event, start_with};

/// A server whose provider is clabernetes on `fake`.
pub async fn stack_on(
    fake: &FakeKubernetes,
    deploy_timeout: Duration,
) -> (Stack, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    fake.write_kubeconfig(&kubeconfig).unwrap();
    let settings = ClabernetesSettings {
        kubeconfig: Some(kubeconfig),
        deploy_timeout,
        ..ClabernetesSettings::default()
    };
    let stack = start_with(|config| config.provider = Provider::Clabernetes(settings)).await;
    (stack, dir)
}

/// Where a server is and an admin's token.
#[derive(Clone, Copy)]
pub struct At<'a> {
    pub base: &'a str,
    pub admin: &'a str,
}

pub fn at(stack: &Stack) -> At<'_> {
    At {
        base: &stack.base,
        admin: &stack.admin,
    }
}

pub async fn get_lab(server: At<'_>, lab: &str) -> Value {
    let reply: Value = reqwest::Client::new()
        .get(format!("{}/labs/{lab}", server.base))
        .header("cookie", format!("accessToken={}", server.admin))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["payload"].clone()
}

/// The namespace the driver gives the lab.
pub async fn namespace_of(state: &antimony_server::AppState, lab: &str) -> String {
    let record = state.store.lab(lab).await.unwrap().unwrap();
    format!("antimony-{}", record.instance_name.unwrap())
}

/// The lab's nodes by name: (container id, state).
pub async fn nodes(server: At<'_>, lab: &str) -> Vec<(String, String, String)> {
    let lab = get_lab(server, lab).await;
    lab["instance"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes: {lab}"))
        .iter()
        .map(|n| {
            (
                n["name"].as_str().unwrap().to_owned(),
                n["containerId"].as_str().unwrap().to_owned(),
                n["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Lines of `data` events until one contains `wanted` (within 10 s).
pub async fn read_until(events: &mut Received, wanted: &str) -> String {
    match read_within(events, wanted, Duration::from_secs(10)).await {
        Ok(seen) => seen,
        Err(seen) => panic!("no {wanted:?} in {seen:?}"),
    }
}

/// Lines of `data` events until one contains `wanted`, or what came within `limit`.
async fn read_within(
    events: &mut Received,
    wanted: &str,
    limit: Duration,
) -> Result<String, String> {
    let mut seen = String::new();
    let found = tokio::time::timeout(limit, async {
        while let Some((name, values)) = events.recv().await {
            if name == "data" {
                for value in &values {
                    match value {
                        Value::String(text) => seen.push_str(text),
                        Value::Array(lines) => lines
                            .iter()
                            .filter_map(Value::as_str)
                            .for_each(|l| seen.push_str(l)),
                        _ => {}
                    }
                }
                if seen.contains(wanted) {
                    return true;
                }
            }
        }
        false
    })
    .await;
    if matches!(found, Ok(true)) {
        Ok(seen)
    } else {
        Err(seen)
    }
}

pub async fn deploy(commands: &Client, lab: &str) -> Value {
    command(commands, LabCommandData::new(lab, LabCommand::Deploy)).await
}

pub async fn open_shell(
    stack: &Stack,
    commands: &Client,
    lab: &str,
    node: &str,
) -> (Client, Received) {
    let reply = command(
        commands,
        LabCommandData::for_node(lab, LabCommand::OpenShell, node),
    )
    .await;
    let id = reply["payload"]
        .as_str()
        .unwrap_or_else(|| panic!("OpenShell answered {reply}"))
        .to_owned();
    let (shell, mut output) = connect(
        &stack.base,
        &Namespace::shell(&id).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    next_event(&mut output, "backlog").await;
    (shell, output)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_deploys_runs_logs_opens_shells_and_is_destroyed() {
    let fake = FakeKubernetes::start().await.unwrap();
    let (stack, _dir) = stack_on(&fake, Duration::from_secs(60)).await;
    let lab = create_lab(&stack).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    assert_eq!(deploy(&commands, &lab).await, json!({"payload": null}));

    // The cluster has the lab's namespace, its topology and a running pod per node.
    let namespace = namespace_of(&stack.state, &lab).await;
    assert!(
        fake.namespaces().contains(&namespace),
        "{:?}",
        fake.namespaces()
    );
    let topology = fake.topology(&namespace, "lab").expect("the topology");
    let definition = topology["spec"]["definition"]["containerlab"]
        .as_str()
        .unwrap();
    assert!(
        definition.contains("srl1") && definition.contains("leaf-1"),
        "{definition}"
    );
    assert_eq!(
        topology["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "antimony"
    );
    assert_eq!(topology["status"]["topologyState"], "running");
    let pods = fake.pods(&namespace);
    assert_eq!(pods.len(), 2);
    assert!(pods.iter().all(|p| p["status"]["phase"] == "Running"));

    // The lab and its nodes, as the server reports them.
    let reply = get_lab(at(&stack), &lab).await;
    assert_eq!(reply["instance"]["state"], json!(1), "{reply}");
    let nodes = nodes(at(&stack), &lab).await;
    let names: Vec<&str> = nodes.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, ["leaf-1", "srl1"]);
    assert!(
        nodes
            .iter()
            .all(|(_, id, state)| id.len() == 12 && state == "running"),
        "{nodes:?}"
    );
    let ipv4 = reply["instance"]["nodes"][1]["ipv4"].as_str().unwrap();
    assert!(
        ipv4.starts_with("10.244.") && ipv4.ends_with("/32"),
        "{ipv4}"
    );
    let srl1 = nodes[1].1.clone();

    // What the deploy did is in the lab's log.
    let (_lab_log, mut lab_events) = connect(
        &stack.base,
        &Namespace::lab_logs(&lab).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    let backlog = next_event(&mut lab_events, "backlog").await[0].to_string();
    assert!(
        backlog.contains(&format!("creating namespace {namespace}")),
        "{backlog}"
    );
    assert!(
        backlog.contains("topology: running, 2 of 2 nodes ready"),
        "{backlog}"
    );

    // The node's log is its pod's log, followed.
    let (_node_log, mut node_events) = connect(
        &stack.base,
        &Namespace::node_logs(&lab, &srl1).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    let backlog = next_event(&mut node_events, "backlog").await[0].to_string();
    assert!(backlog.contains("node srl1 ready"), "{backlog}");
    assert!(
        !backlog.contains("node leaf-1"),
        "only this node's pod: {backlog}"
    );
    assert!(fake.node_prints(&namespace, "srl1", "hello from srl1"));
    read_until(&mut node_events, "hello from srl1").await;

    // A shell: bash on srl1, at the default size, then resized.
    let (shell, mut output) = open_shell(&stack, &commands, &lab, "srl1").await;
    shell.emit("data", json!("stty size\r")).await.unwrap();
    read_until(&mut output, "25 130").await;
    shell
        .emit("resize", json!({"rows": 40, "cols": 100}))
        .await
        .unwrap();
    // kube sends resizes and keystrokes from one task that takes whichever is ready first,
    // so the new size may land after the next keystrokes: ask until it shows.
    let mut resized = Err(String::new());
    for _ in 0..20 {
        shell.emit("data", json!("stty size\r")).await.unwrap();
        resized = read_within(&mut output, "40 100", Duration::from_millis(500)).await;
        if resized.is_ok() {
            break;
        }
    }
    assert!(resized.is_ok(), "never 40 100: {resized:?}");
    shell.emit("data", json!("nosuch\r")).await.unwrap();
    read_until(&mut output, "bash: nosuch: command not found").await;
    // alpine has no bash: its shell is sh. Its bash fails late, as on a busy node: the shell
    // handed out is still sh, and the first input reaches it.
    fake.store.delay_exec_failures(Duration::from_millis(2500));
    let (alpine, mut alpine_output) = open_shell(&stack, &commands, &lab, "leaf-1").await;
    alpine.emit("data", json!("nosuch\r")).await.unwrap();
    let seen = read_until(&mut alpine_output, "sh: nosuch: command not found").await;
    assert!(!seen.contains("bash"), "{seen:?}");

    // Destroy deletes the namespace.
    assert_eq!(
        command(&commands, LabCommandData::new(&lab, LabCommand::Destroy)).await,
        json!({"payload": null})
    );
    assert!(
        !fake.namespaces().contains(&namespace),
        "the namespace is gone"
    );
    assert!(fake.pods(&namespace).is_empty());
    assert!(get_lab(at(&stack), &lab).await["instance"].is_null());
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_and_start_are_refused_with_5000_and_restart_makes_a_new_pod() {
    let fake = FakeKubernetes::start().await.unwrap();
    let (stack, _dir) = stack_on(&fake, Duration::from_secs(60)).await;
    let lab = create_lab(&stack).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    assert_eq!(deploy(&commands, &lab).await, json!({"payload": null}));
    let namespace = namespace_of(&stack.state, &lab).await;
    let (shell, mut output) = open_shell(&stack, &commands, &lab, "srl1").await;

    let stop = command(
        &commands,
        LabCommandData::for_node(&lab, LabCommand::StopNode, "srl1"),
    )
    .await;
    assert_eq!(stop["code"], json!(5000), "{stop}");
    assert_eq!(
        stop["message"],
        "clabernetes cannot stop a single node: its controller keeps every node's deployment \
         running; restart the node or destroy the lab instead"
    );
    let start = command(
        &commands,
        LabCommandData::for_node(&lab, LabCommand::StartNode, "srl1"),
    )
    .await;
    assert_eq!(start["code"], json!(5000), "{start}");
    assert!(
        start["message"]
            .as_str()
            .unwrap()
            .starts_with("clabernetes cannot start a single node")
    );
    // Refused before anything happened: the shell is still open.
    shell
        .emit("data", json!("echo still here\r"))
        .await
        .unwrap();
    read_until(&mut output, "still here\r\n").await;

    let pod_of = |node: &str| {
        fake.pods(&namespace)
            .into_iter()
            .find(|p| p["metadata"]["labels"]["clabernetes/topologyNode"] == node)
            .map(|p| p["metadata"]["uid"].clone())
    };
    let before = pod_of("srl1").unwrap();
    let leaf = pod_of("leaf-1").unwrap();
    let restart = command(
        &commands,
        LabCommandData::for_node(&lab, LabCommand::RestartNode, "srl1"),
    )
    .await;
    assert_eq!(restart, json!({"payload": null}));
    let after = pod_of("srl1").unwrap();
    assert_ne!(before, after, "a new pod");
    assert_eq!(
        pod_of("leaf-1").unwrap(),
        leaf,
        "the other node is untouched"
    );
    // Node state follows the pods (a watch): not ready is exited, ready again is running.
    let state_of = async |wanted: &str| {
        for _ in 0..100 {
            let found = nodes(at(&stack), &lab).await;
            if found.iter().any(|(n, _, s)| n == "leaf-1" && s == wanted) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("leaf-1 never became {wanted}");
    };
    assert!(fake.set_node_ready(&namespace, "leaf-1", false));
    state_of("exited").await;
    assert!(fake.set_node_ready(&namespace, "leaf-1", true));
    state_of("running").await;
    let states: Vec<String> = nodes(at(&stack), &lab)
        .await
        .into_iter()
        .map(|(_, _, s)| s)
        .collect();
    assert_eq!(states, ["running", "running"]);
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labs_are_found_again_after_a_server_restart() {
    let fake = FakeKubernetes::start().await.unwrap();
    let (mut first, _dir) = stack_on(&fake, Duration::from_secs(60)).await;
    let lab = create_lab(&first).await;
    let (commands, _) = connect(&first.base, "/lab-commands", Some(&first.admin), None)
        .await
        .unwrap();
    assert_eq!(deploy(&commands, &lab).await, json!({"payload": null}));
    let before = nodes(at(&first), &lab).await;
    let _ = commands.disconnect().await;
    // The first server stops; a second one starts on the same data and the same cluster.
    let config = first.state.config.clone();
    let _ = first.shutdown.take().unwrap().send(());
    tokio::time::timeout(Duration::from_secs(20), first.served.take().unwrap())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let state = antimony_server::AppState::open(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(antimony_server::Server::new(state.clone()).serve(
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    let second = At {
        base: &base,
        admin: &first.admin,
    };
    let mut recovered = Value::Null;
    for _ in 0..100 {
        recovered = get_lab(second, &lab).await;
        if !recovered["instance"].is_null() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        recovered["instance"]["recovered"],
        json!(true),
        "{recovered}"
    );
    assert_eq!(recovered["instance"]["state"], json!(1));
    assert_eq!(
        nodes(second, &lab).await,
        before,
        "the same nodes, ids and states"
    );

    // The recovered lab is fully usable: its node log, a restart and a destroy.
    let srl1 = before[1].1.clone();
    let (_log, mut events) = connect(
        second.base,
        &Namespace::node_logs(&lab, &srl1).path(),
        Some(second.admin),
        None,
    )
    .await
    .unwrap();
    let backlog = next_event(&mut events, "backlog").await[0].to_string();
    assert!(backlog.contains("node srl1 ready"), "{backlog}");
    let (commands, _) = connect(second.base, "/lab-commands", Some(second.admin), None)
        .await
        .unwrap();
    let restart = command(
        &commands,
        LabCommandData::for_node(&lab, LabCommand::RestartNode, "srl1"),
    )
    .await;
    assert_eq!(restart, json!({"payload": null}));
    let namespace = namespace_of(&state, &lab).await;
    assert_eq!(
        command(&commands, LabCommandData::new(&lab, LabCommand::Destroy)).await,
        json!({"payload": null})
    );
    assert!(!fake.namespaces().contains(&namespace));
    let _ = commands.disconnect().await;
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(20), served).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prerequisites_name_the_cluster_and_the_controller() {
    let fake = FakeKubernetes::start().await.unwrap();
    let (stack, dir) = stack_on(&fake, Duration::from_secs(60)).await;
    let report = stack.state.labs.driver.prerequisites().await;
    let found: Vec<(String, bool, String)> = report
        .checks
        .iter()
        .map(|c| (c.id.clone(), c.ok, c.detail.clone()))
        .collect();
    assert_eq!(
        found,
        [
            ("kubernetes".into(), true, "Kubernetes v1.33.1".into()),
            (
                "clabernetes".into(),
                true,
                "clabernetes.containerlab.dev/v1alpha1 topologies".into()
            ),
        ]
    );
    // A cluster that is not there: the check says so, and a deploy fails with the reason.
    let url = fake.url.clone();
    drop(fake);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let unreachable = antimony_server::driver::ClabernetesDriver::connect(ClabernetesSettings {
        kubeconfig: Some(dir.path().join("kubeconfig")),
        ..ClabernetesSettings::default()
    })
    .await;
    let report = unreachable.prerequisites().await;
    assert!(!report.checks[0].ok, "{:?} ({url})", report.checks);
    assert!(
        report.checks[0]
            .guidance
            .as_deref()
            .unwrap_or_default()
            .contains("not reachable"),
        "{:?}",
        report.checks
    );
    let nowhere = antimony_server::driver::ClabernetesDriver::connect(ClabernetesSettings {
        kubeconfig: Some(dir.path().join("missing")),
        ..ClabernetesSettings::default()
    })
    .await;
    let report = nowhere.prerequisites().await;
    assert!(
        report.checks[0]
            .guidance
            .as_deref()
            .unwrap_or_default()
            .contains("clabernetes.kubeconfig"),
        "{:?}",
        report.checks
    );
}
