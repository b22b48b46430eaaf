//! One test per command, each with its error exits.

use std::process::Stdio;
use std::time::Duration;

use antimony_fakes::World;
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::harness::{TOPOLOGY, run, stack, stack_with};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_add_list_use_remove() {
    let stack = stack().await;
    let added = run(stack.bare(), &["server", "add", "home", &stack.origin]).await;
    assert!(added.ok().contains("It is the current server"), "{added:?}");
    // A server that is down can still be added (with a warning).
    let down = run(
        stack.bare(),
        &["server", "add", "down", "http://127.0.0.1:9"],
    )
    .await;
    down.ok();
    assert!(down.stderr.contains("added anyway"), "{down:?}");
    let listed = run(stack.bare(), &["server", "list"]).await;
    let text = listed.ok();
    assert!(
        text.lines()
            .any(|l| l.starts_with('*') && l.contains("home")),
        "{text}"
    );
    assert!(text.contains(&format!("{}/api", stack.origin)), "{text}");
    run(stack.bare(), &["server", "use", "down"]).await.ok();
    let json = run(stack.bare(), &["server", "list", "--json"]).await;
    let value: serde_json::Value = serde_json::from_str(json.ok()).unwrap();
    assert_eq!(value["current"], "down");
    assert_eq!(value["servers"].as_array().unwrap().len(), 2);
    // No secret ever lands in the profiles file.
    let file = std::fs::read_to_string(stack.dir.path().join("servers.toml")).unwrap();
    assert!(!file.contains("s3cret") && !file.to_lowercase().contains("token"));

    run(stack.bare(), &["server", "remove", "down"]).await.ok();
    let gone = run(stack.bare(), &["server", "use", "down"]).await;
    assert!(gone.fails(1).contains("no server named \"down\""));
    let twice = run(stack.bare(), &["server", "add", "home", &stack.origin]).await;
    assert!(twice.fails(1).contains("exists already"));
    let bad = run(stack.bare(), &["server", "add", "x", "ftp://host"]).await;
    assert!(bad.fails(1).contains("http:// or https://"));
    // With the current profile removed, commands say how to choose one.
    run(stack.bare(), &["server", "remove", "home"]).await.ok();
    let none = run(stack.bare(), &["labs"]).await;
    assert!(none.fails(2).contains("no server chosen"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_logout_and_credentials_fail_clearly() {
    let stack = stack().await;
    // Wrong password: exit 3 with the server's message.
    let mut wrong = stack.cli();
    wrong.env("ANTIMONY_PASSWORD", "nope");
    let refused = run(wrong, &["labs"]).await;
    assert!(refused.fails(3).contains("refused the login of \"admin\""));
    // No password and nothing in a keychain: exit 1 (there is no keychain here at all).
    let mut nothing = stack.bare();
    nothing.env("ANTIMONY_SERVER", &stack.origin);
    let message = run(nothing, &["labs"]).await;
    assert!(
        message.fails(1).contains("No keychain is reachable"),
        "{message:?}"
    );
    // `login` works, but cannot keep the login without a keychain: a clear error, no file.
    let login = run(stack.cli(), &["login"]).await;
    assert!(
        login
            .fails(1)
            .contains("logged in, but the login cannot be kept")
    );
    assert!(login.stderr.contains("Secret Service"));
    let logout = run(stack.cli(), &["logout"]).await;
    assert!(logout.fails(1).contains("keychain"));
    // A server that is not there: exit 5.
    let mut away = stack.cli();
    away.env("ANTIMONY_SERVER", "http://127.0.0.1:9");
    let unreachable = run(away, &["labs"]).await;
    assert!(
        unreachable
            .fails(5)
            .contains("cannot reach http://127.0.0.1:9")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labs_lists_filters_and_prints_json() {
    let stack = stack().await;
    let first = stack.lab("first").await;
    stack.lab("second").await;
    run(stack.cli(), &["deploy", "--quiet", &first]).await.ok();

    let all = run(stack.cli(), &["labs"]).await;
    let text = all.ok();
    assert!(text.starts_with("NAME"), "{text}");
    assert!(text.contains("first") && text.contains("second"), "{text}");
    let running = run(stack.cli(), &["labs", "--state", "running"]).await;
    let text = running.ok();
    assert!(text.contains("first") && !text.contains("second"), "{text}");
    let json = run(stack.cli(), &["labs", "--json"]).await;
    let labs: serde_json::Value = serde_json::from_str(json.ok()).unwrap();
    assert_eq!(labs.as_array().unwrap().len(), 2);
    let bad = run(stack.cli(), &["labs", "--state", "sleeping"]).await;
    assert_eq!(bad.code, 2, "{bad:?}");
    assert!(bad.stderr.contains("unknown state"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_shows_nodes_by_name_or_id() {
    let stack = stack().await;
    let id = stack.lab("pair").await;
    run(stack.cli(), &["deploy", "-q", "pair"]).await.ok();
    let shown = run(stack.cli(), &["lab", "pair"]).await;
    let text = shown.ok();
    assert!(text.contains(&id) && text.contains("running"), "{text}");
    let node_rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("a ") || l.starts_with("b "))
        .collect();
    assert_eq!(node_rows.len(), 2, "{text}");
    assert!(node_rows.iter().all(|r| r.contains("linux")));
    let json = run(stack.cli(), &["lab", &id, "--json"]).await;
    let lab: serde_json::Value = serde_json::from_str(json.ok()).unwrap();
    assert_eq!(lab["name"], "pair");
    let missing = run(stack.cli(), &["lab", "nothing"]).await;
    assert!(missing.fails(4).contains("no lab named \"nothing\""));
    let unknown_id = run(
        stack.cli(),
        &["lab", "00000000-0000-4000-8000-000000000000"],
    )
    .await;
    unknown_id.fails(4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_shows_the_log_and_the_result() {
    let stack = stack().await;
    stack.lab("pair").await;
    let deployed = run(stack.cli(), &["deploy", "pair"]).await;
    let text = deployed.ok();
    assert!(
        text.contains("Creating container"),
        "containerlab's output is shown: {text}"
    );
    assert!(
        text.trim_end()
            .ends_with("Deployed pair: running with 2 nodes."),
        "{text}"
    );
    let json = run(stack.cli(), &["deploy", "pair", "--json"]).await;
    let result: serde_json::Value = serde_json::from_str(json.ok().trim()).unwrap();
    assert_eq!(result["ok"], true, "a redeploy");
    assert_eq!(result["state"], "running");

    let failing = stack_with(true).await;
    failing.lab("broken").await;
    let failed = run(failing.cli(), &["deploy", "broken"]).await;
    let message = failed.fails(4);
    assert!(
        message.contains("containerlab") && message.contains("(code 5001)"),
        "{message}"
    );
    let json = run(failing.cli(), &["deploy", "broken", "--json"]).await;
    assert_eq!(json.code, 4);
    let error: serde_json::Value = serde_json::from_str(json.stderr.trim()).unwrap();
    assert_eq!(error["error"]["code"], 5001);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_ends_the_instance_once() {
    let stack = stack().await;
    stack.lab("pair").await;
    run(stack.cli(), &["deploy", "-q", "pair"]).await.ok();
    let destroyed = run(stack.cli(), &["destroy", "pair"]).await;
    assert!(destroyed.ok().contains("Destroyed pair."));
    let again = run(stack.cli(), &["destroy", "pair"]).await;
    assert!(again.fails(4).contains("(code 5003)"), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_start_stop_restart() {
    let stack = stack().await;
    stack.lab("pair").await;
    let not_deployed = run(stack.cli(), &["node", "stop", "pair", "a"]).await;
    assert!(not_deployed.fails(4).contains("(code 5003)"));
    run(stack.cli(), &["deploy", "-q", "pair"]).await.ok();

    let stopped = run(stack.cli(), &["node", "stop", "pair", "b"]).await;
    assert_eq!(stopped.ok().trim(), "Stopped b of pair (now exited).");
    let again = run(stack.cli(), &["node", "stop", "pair", "b"]).await;
    assert!(again.fails(4).contains("already stopped"), "{again:?}");
    let started = run(stack.cli(), &["node", "start", "pair", "b"]).await;
    assert_eq!(started.ok().trim(), "Started b of pair (now running).");
    let restarted = run(stack.cli(), &["node", "restart", "pair", "a", "--json"]).await;
    let result: serde_json::Value = serde_json::from_str(restarted.ok().trim()).unwrap();
    assert_eq!(result["state"], "running");
    let unknown = run(stack.cli(), &["node", "start", "pair", "c"]).await;
    let message = unknown.fails(4);
    assert!(
        message.contains("(code 5006)") && message.contains("its nodes are a, b"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_print_the_backlog_or_follow() {
    let stack = stack().await;
    stack.lab("pair").await;
    let never = run(stack.cli(), &["logs", "pair"]).await;
    assert!(never.fails(4).contains("has no log yet"), "{never:?}");
    let no_nodes = run(stack.cli(), &["logs", "pair", "--node", "a"]).await;
    assert!(no_nodes.fails(4).contains("not deployed"));
    run(stack.cli(), &["deploy", "-q", "pair"]).await.ok();

    let lab_log = run(stack.cli(), &["logs", "pair"]).await;
    assert!(lab_log.ok().contains("Creating container"), "{lab_log:?}");
    let node_log = run(stack.cli(), &["logs", "pair", "--node", "a"]).await;
    assert!(
        node_log.ok().lines().any(|l| l.contains("booting")),
        "{node_log:?}"
    );
    let json = run(stack.cli(), &["logs", "pair", "-n", "a", "--json"]).await;
    let first: serde_json::Value = serde_json::from_str(json.ok().lines().next().unwrap()).unwrap();
    assert!(first["line"].is_string());
    let unknown = run(stack.cli(), &["logs", "pair", "--node", "z"]).await;
    assert!(unknown.fails(4).contains("has no node \"z\""));

    // --follow: new output appears until the process is told to stop.
    let mut command = stack.cli();
    command
        .args(["logs", "pair", "--node", "a", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(first.contains("booting"), "{first}");
    World::update(&stack.clab_state, |world| {
        let container = world
            .labs
            .values_mut()
            .flat_map(|l| l.containers.iter_mut())
            .find(|c| c.node == "a")
            .unwrap();
        container.log("followed line");
    })
    .unwrap();
    tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("followed line") {
                return;
            }
        }
        panic!("the stream ended");
    })
    .await
    .expect("the new line is printed");
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "SIGTERM ends --follow cleanly: {status}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_prints_status_messages_and_lab_updates() {
    let stack = stack().await;
    stack.lab("pair").await;
    let mut command = stack.cli();
    command
        .arg("watch")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let mut errors = BufReader::new(child.stderr.take().unwrap()).lines();
    let started = tokio::time::timeout(Duration::from_secs(20), errors.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(started.starts_with("Watching"), "{started}");
    run(stack.cli(), &["deploy", "-q", "pair"]).await.ok();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut success, mut update) = (false, false);
    tokio::time::timeout(Duration::from_secs(20), async {
        while !(success && update) {
            let line = lines.next_line().await.unwrap().unwrap();
            success |= line.contains("SUCCESS") && line.contains("Successfully deployed 'pair'");
            update |= line.contains("UPDATE") && line.contains("pair is running");
        }
    })
    .await
    .unwrap_or_else(|_| panic!("success {success}, update {update}"));
    let pid = child.id().unwrap().to_string();
    std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    let status = child.wait().await.unwrap();
    assert!(status.success(), "{status}");

    // With the login refused, watch exits at once with code 3.
    let mut wrong = stack.cli();
    wrong.env("ANTIMONY_PASSWORD", "nope");
    run(wrong, &["watch"]).await.fails(3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_creates_a_lab_and_deploys_it() {
    let stack = stack().await;
    let file = stack.dir.path().join("spine.clab.yml");
    std::fs::write(&file, TOPOLOGY.replace("name: pair", "name: spine")).unwrap();
    let path = file.to_str().unwrap();
    let imported = run(stack.cli(), &["import", path]).await;
    let text = imported.ok();
    assert!(
        text.contains("Imported") && text.contains("as lab spine") && text.contains("local"),
        "a 'local' collection is made: {text}"
    );
    assert!(text.contains("It is not scheduled"), "{text}");
    // Not deployed behind the user's back (servers deploy labs at their start time).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let labs = stack.rest().await.labs(&Default::default()).await.unwrap();
    let spine = labs.labs.iter().find(|l| l.name == "spine").unwrap();
    assert!(spine.instance.is_none(), "{spine:?}");
    // Listed with the topology's nodes, and never with the placeholder years the import uses.
    let listed = run(stack.cli(), &["labs"]).await;
    let text = listed.ok();
    let row = text.lines().find(|l| l.starts_with("spine")).unwrap();
    assert_eq!(
        row.split_whitespace().take(5).collect::<Vec<_>>(),
        ["spine", "inactive", "2", "local", "no"],
        "{text}"
    );
    assert!(row.contains("no end") && !text.contains("2199"), "{text}");
    let shown = run(stack.cli(), &["lab", "spine"]).await;
    let text = shown.ok();
    assert!(text.contains("Starts     not scheduled"), "{text}");
    assert!(text.contains("Ends       no end"), "{text}");
    assert!(!text.contains("2099") && !text.contains("2199"), "{text}");

    let second = stack.dir.path().join("leaf.clab.yaml");
    std::fs::write(&second, TOPOLOGY.replace("name: pair", "name: leaf")).unwrap();
    let deployed = run(
        stack.cli(),
        &["import", second.to_str().unwrap(), "--deploy"],
    )
    .await;
    let text = deployed.ok();
    assert!(text.contains("Creating container"), "{text}");
    assert!(
        text.contains("Deployed leaf: running with 2 nodes."),
        "{text}"
    );
    assert!(!text.contains("Redeploying"), "deployed once: {text}");

    let not_clab = stack.dir.path().join("notes.txt");
    std::fs::write(&not_clab, "hello").unwrap();
    let wrong_kind = run(stack.cli(), &["import", not_clab.to_str().unwrap()]).await;
    assert!(wrong_kind.fails(2).contains("not a containerlab file"));
    let broken = stack.dir.path().join("broken.clab.yml");
    std::fs::write(&broken, "name: [unclosed\n").unwrap();
    let invalid = run(stack.cli(), &["import", broken.to_str().unwrap()]).await;
    assert!(invalid.fails(4).contains("importing"), "{invalid:?}");
    let missing = run(stack.cli(), &["import", "/nonexistent/x.clab.yml"]).await;
    assert!(missing.fails(1).contains("reading /nonexistent/x.clab.yml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_password_comes_from_standard_input_never_from_the_command_line() {
    let stack = stack().await;
    stack.lab("pair").await;
    // `--password` is no option any more.
    let refused = run(
        stack.bare(),
        &[
            "--server",
            &stack.origin,
            "--user",
            "admin",
            "--password",
            "s3cret",
            "labs",
        ],
    )
    .await;
    assert_eq!(refused.code, 2, "{refused:#?}");
    let mut command = stack.bare();
    command
        .args([
            "--server",
            &stack.origin,
            "--user",
            "admin",
            "--password-stdin",
            "labs",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    {
        use tokio::io::AsyncWriteExt;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"s3cret\n").await.unwrap();
    }
    let output = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout.contains("pair"), "{stdout}");
}
