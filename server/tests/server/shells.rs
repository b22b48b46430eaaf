//! Shells end to end through rust_socketio, against the fake Docker engine's exec API (a
//! TTY stream behind a hijacked connection, with a small shell): the commands and their
//! error codes, `/shells/<id>` (backlog, input, resize), `/shell-commands`, every way a
//! shell closes, reattaching after a reconnect, UTF-8, hostile input, and no leak over many
//! open/close cycles.

use std::time::Duration;

use antimony_protocol::{LabCommand, LabCommandData, Namespace, Timestamp};
use antimony_server::auth::TokenKind;
use futures_util::FutureExt;
use rust_socketio::Payload;
use rust_socketio::asynchronous::Client;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::harness::OUTSIDER;
use crate::stack::{Received, Stack, command, connect, create_lab, next_event, start, start_with};

/// A deployed lab and a `/lab-commands` client.
async fn deployed(stack: &Stack) -> (String, Client) {
    let lab = create_lab(stack).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    assert_eq!(
        command(&commands, LabCommandData::new(&lab, LabCommand::Deploy)).await,
        json!({"payload": null})
    );
    (lab, commands)
}

fn open(lab: &str, node: &str) -> LabCommandData {
    LabCommandData::for_node(lab, LabCommand::OpenShell, node)
}

pub(crate) fn close(lab: &str, shell: &str) -> LabCommandData {
    LabCommandData {
        shell_id: Some(shell.to_owned()),
        ..LabCommandData::new(lab, LabCommand::CloseShell)
    }
}

async fn open_shell(commands: &Client, lab: &str, node: &str) -> String {
    let reply = command(commands, open(lab, node)).await;
    reply["payload"]
        .as_str()
        .unwrap_or_else(|| panic!("OpenShell answered {reply}"))
        .to_owned()
}

/// Output text from `data` events until it contains `wanted` (within 10 s).
pub(crate) async fn read_until(events: &mut Received, wanted: &str) -> String {
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some((name, values)) = events.recv().await {
            if name == "data"
                && let Some(text) = values.first().and_then(Value::as_str)
            {
                seen.push_str(text);
                if seen.contains(wanted) {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert!(
        matches!(found, Ok(true)),
        "no {wanted:?} in the output; got {seen:?}"
    );
    seen
}

/// Emits input, with an ack when `ack` (answered only on errors), and returns the ack (none
/// within 3 s: `None`).
pub(crate) async fn emit(client: &Client, event: &str, data: Value, ack: bool) -> Option<Value> {
    if !ack {
        client.emit(event, data).await.unwrap();
        return None;
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    client
        .emit_with_ack(event, data, Duration::from_secs(3), move |payload, _| {
            let tx = tx.clone();
            async move {
                if let Payload::Text(values) = payload {
                    let _ = tx.send(values);
                }
            }
            .boxed()
        })
        .await
        .unwrap();
    let values = tokio::time::timeout(Duration::from_secs(3), rx.recv())
        .await
        .ok()
        .flatten()?;
    Some(match values.into_iter().next() {
        Some(Value::Array(args)) => args.into_iter().next().unwrap_or(Value::Null),
        Some(other) => other,
        None => Value::Null,
    })
}

/// The next `/shell-commands` notice (its payload).
async fn notice(events: &mut Received) -> Value {
    next_event(events, "data").await[0]["payload"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_echoes_follows_its_size_and_closes_on_request() {
    let stack = start().await;
    let (lab, commands) = deployed(&stack).await;
    let (_notices, mut notices) = connect(&stack.base, "/shell-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    assert_eq!(
        command(
            &commands,
            LabCommandData::new(&lab, LabCommand::FetchShells)
        )
        .await,
        json!({"payload": null}),
        "no shells yet: null, as the Go server"
    );
    let id = open_shell(&commands, &lab, "srl1").await;
    let path = Namespace::shell(&id).path();
    let (shell, mut output) = connect(&stack.base, &path, Some(&stack.admin), None)
        .await
        .unwrap();
    let backlog = next_event(&mut output, "backlog").await;
    assert!(
        backlog[0].is_array(),
        "the backlog is one array: {backlog:?}"
    );
    assert_eq!(
        backlog[1]["start"],
        json!(0),
        "where it starts: {backlog:?}"
    );
    emit(&shell, "data", json!("echo hello shell\r"), false).await;
    read_until(&mut output, "hello shell\r\n").await;
    emit(&shell, "data", json!("stty size\r"), false).await;
    read_until(&mut output, "25 130").await;
    assert_eq!(
        emit(&shell, "resize", json!({"rows": 40, "cols": 100}), true).await,
        Some(json!({"payload": null}))
    );
    emit(&shell, "data", json!("stty size\r"), false).await;
    read_until(&mut output, "40 100").await;
    for bad in [
        json!({"rows": 0, "cols": 80}),
        json!({"rows": 24}),
        json!("24x80"),
    ] {
        let reply = emit(&shell, "resize", bad.clone(), true).await.unwrap();
        assert_eq!(reply["code"], json!(5422), "{bad}: {reply}");
    }
    assert_eq!(
        command(
            &commands,
            LabCommandData::new(&lab, LabCommand::FetchShells)
        )
        .await,
        json!({"payload": [{"id": id, "node": "srl1"}]})
    );
    assert_eq!(
        command(&commands, close(&lab, &id)).await,
        json!({"payload": null})
    );
    let closed = notice(&mut notices).await;
    assert_eq!(
        closed,
        json!({"labId": lab, "node": "srl1", "shellId": id, "command": 1,
               "message": "shell was closed by the user"})
    );
    let reply = emit(&shell, "data", json!("echo late\r"), true).await;
    assert_eq!(reply.map(|r| r["code"].clone()), Some(json!(5007)));
    // A closed shell still shows its last screen (the web UI reopens closed tabs), then
    // says it closed.
    let (late, mut late_events) = connect(&stack.base, &path, Some(&stack.admin), None)
        .await
        .unwrap();
    let backlog = next_event(&mut late_events, "backlog").await;
    let screen: String = backlog[0]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(screen.contains("hello shell"), "{screen:?}");
    assert_eq!(
        next_event(&mut late_events, "closed").await[0],
        json!({"reason": "shell was closed by the user"})
    );
    let _ = late.disconnect().await;
    let _ = shell.disconnect().await;
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_slower_than_the_node_gets_every_byte() {
    let stack = start().await;
    let (lab, commands) = deployed(&stack).await;
    let id = open_shell(&commands, &lab, "srl1").await;
    let path = Namespace::shell(&id).path();
    // 1 ms per event: far slower than the node prints 2.3 MB, more than its queue (1,024
    // packets) and the shell's backlog (256 KiB) hold. The node waits for it, as for a slow
    // terminal; nothing is dropped and it is not disconnected.
    let (terminal, mut output) = connect(
        &stack.base,
        &path,
        Some(&stack.admin),
        Some(Duration::from_millis(1)),
    )
    .await
    .unwrap();
    let backlog = next_event(&mut output, "backlog").await;
    let mut seen: String = backlog[0]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let prompt = seen.clone();
    assert!(prompt.ends_with(":~# "), "the prompt: {prompt:?}");
    emit(&terminal, "data", json!("seq 1 300000\r"), false).await;
    let expected: String = std::iter::once(format!("{prompt}seq 1 300000\r\n"))
        .chain((1..=300_000).map(|n| format!("{n}\r\n")))
        .chain(std::iter::once(prompt.clone()))
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while seen.len() < expected.len() {
        let Ok(event) = tokio::time::timeout(Duration::from_secs(2), output.recv()).await else {
            // Quiet for a while: still connected (and in time), or dropped for lagging?
            let connected = stack
                .io
                .of(&path)
                .is_some_and(|ns| !ns.sockets().is_empty());
            assert!(
                connected && tokio::time::Instant::now() < deadline,
                "{} of {} bytes; connected: {connected}",
                seen.len(),
                expected.len()
            );
            continue;
        };
        match event {
            Some((name, values)) if name == "data" => {
                seen.push_str(values.first().and_then(Value::as_str).unwrap_or_default());
            }
            Some((name, values)) => panic!("{name} {values:?} after {} bytes", seen.len()),
            None => panic!("the terminal was disconnected after {} bytes", seen.len()),
        }
    }
    assert!(seen == expected, "every byte, in order, once");
    let _ = terminal.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_commands_answer_the_protocols_codes() {
    let stack = start_with(|config| config.shell.user_limit = 2).await;
    let (lab, commands) = deployed(&stack).await;
    let undeployed = create_lab(&stack).await;
    let code = |reply: Value| reply["code"].clone();
    assert_eq!(
        code(command(&commands, LabCommandData::new(&lab, LabCommand::OpenShell)).await),
        json!(5422),
        "OpenShell without a node"
    );
    assert_eq!(
        code(command(&commands, open(&lab, "nope")).await),
        json!(5006)
    );
    assert_eq!(
        code(command(&commands, open(&undeployed, "srl1")).await),
        json!(5003)
    );
    assert_eq!(
        code(command(&commands, open("not-a-uuid", "srl1")).await),
        json!(5404)
    );
    assert_eq!(
        code(
            command(
                &commands,
                open("2b3c6f0e-2b7d-11f0-9a3e-0242ac120002", "srl1")
            )
            .await
        ),
        json!(5005)
    );
    assert_eq!(
        code(command(&commands, LabCommandData::new(&lab, LabCommand::CloseShell)).await),
        json!(5422),
        "CloseShell without a shellId"
    );
    assert_eq!(
        code(
            command(
                &commands,
                close(&lab, "9a6b7c1e-2b7d-11f0-9a3e-0242ac120002")
            )
            .await
        ),
        json!(5007)
    );
    let first = open_shell(&commands, &lab, "srl1").await;
    open_shell(&commands, &lab, "leaf-1").await;
    assert_eq!(
        code(command(&commands, open(&lab, "srl1")).await),
        json!(5008),
        "the per-user limit"
    );
    // Another user: the lab is not theirs to see, the shell not theirs to use or close.
    let outsider = stack.state.tokens.issue(
        TokenKind::Access,
        OUTSIDER,
        false,
        Timestamp::now_utc().unix_timestamp(),
    );
    let (theirs, _) = connect(&stack.base, "/lab-commands", Some(&outsider), None)
        .await
        .unwrap();
    assert_eq!(
        code(command(&theirs, open(&lab, "srl1")).await),
        json!(5403)
    );
    assert_eq!(
        code(command(&theirs, close(&lab, &first)).await),
        json!(5403)
    );
    assert_eq!(
        connect(
            &stack.base,
            &Namespace::shell(&first).path(),
            Some(&outsider),
            None
        )
        .await
        .err()
        .as_deref(),
        Some("No Access")
    );
    assert_eq!(
        connect(
            &stack.base,
            "/shells/no-such-shell",
            Some(&stack.admin),
            None
        )
        .await
        .err()
        .as_deref(),
        Some("Invalid namespace")
    );
    let _ = theirs.disconnect().await;
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shells_close_on_exit_node_stop_idle_timeout_and_destroy() {
    let stack = start_with(|config| config.shell.timeout = Duration::from_secs(2)).await;
    let (lab, commands) = deployed(&stack).await;
    let (_notices, mut notices) = connect(&stack.base, "/shell-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    // The remote side ends.
    let exits = open_shell(&commands, &lab, "leaf-1").await;
    let (shell, _) = connect(
        &stack.base,
        &Namespace::shell(&exits).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    emit(&shell, "data", json!("exit\r"), false).await;
    let closed = notice(&mut notices).await;
    assert_eq!(
        (closed["shellId"].as_str(), closed["message"].as_str()),
        (Some(exits.as_str()), Some("User closed the shell"))
    );
    // The node stops.
    let stopped = open_shell(&commands, &lab, "srl1").await;
    assert_eq!(
        command(
            &commands,
            LabCommandData::for_node(&lab, LabCommand::StopNode, "srl1")
        )
        .await,
        json!({"payload": null})
    );
    let closed = notice(&mut notices).await;
    assert_eq!(
        (closed["shellId"].as_str(), closed["message"].as_str()),
        (
            Some(stopped.as_str()),
            Some("the shell's node has been stopped")
        )
    );
    // Nobody types: closed after the timeout, and other shells go on.
    let idle = open_shell(&commands, &lab, "leaf-1").await;
    let busy = open_shell(&commands, &lab, "leaf-1").await;
    let (busy_shell, mut busy_output) = connect(
        &stack.base,
        &Namespace::shell(&busy).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        emit(&busy_shell, "data", json!("echo alive\r"), false).await;
    }
    let closed = notice(&mut notices).await;
    assert_eq!(
        (closed["shellId"].as_str(), closed["message"].as_str()),
        (Some(idle.as_str()), Some("shell was inactive for too long"))
    );
    read_until(&mut busy_output, "alive").await;
    // The lab is destroyed: its shells close.
    assert_eq!(
        command(&commands, LabCommandData::new(&lab, LabCommand::Destroy)).await,
        json!({"payload": null})
    );
    let closed = notice(&mut notices).await;
    assert_eq!(
        (closed["shellId"].as_str(), closed["message"].as_str()),
        (
            Some(busy.as_str()),
            Some("the shell's node has been stopped")
        )
    );
    assert!(stack.state.labs.shells.is_empty());
    let _ = shell.disconnect().await;
    let _ = busy_shell.disconnect().await;
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_owner_rejoins_a_shell_after_reconnecting_and_sees_its_screen() {
    let stack = start().await;
    let (lab, commands) = deployed(&stack).await;
    let id = open_shell(&commands, &lab, "srl1").await;
    let path = Namespace::shell(&id).path();
    let (shell, mut output) = connect(&stack.base, &path, Some(&stack.admin), None)
        .await
        .unwrap();
    // Output written before the backlog is taken arrives in it, not as data: wait for it.
    next_event(&mut output, "backlog").await;
    emit(&shell, "data", json!("echo before the break\r"), false).await;
    read_until(&mut output, "before the break\r\n").await;
    let _ = shell.disconnect().await;
    let _ = commands.disconnect().await;
    // A new connection of the same user (the Go server answers 5403 here).
    let (again, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    assert_eq!(
        command(&again, LabCommandData::new(&lab, LabCommand::FetchShells)).await,
        json!({"payload": [{"id": id, "node": "srl1"}]})
    );
    let (shell, mut output) = connect(&stack.base, &path, Some(&stack.admin), None)
        .await
        .unwrap();
    let backlog = next_event(&mut output, "backlog").await;
    let screen: String = backlog[0]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(screen.contains("before the break"), "{screen:?}");
    assert_eq!(
        command(&again, close(&lab, &id)).await,
        json!({"payload": null})
    );
    let _ = shell.disconnect().await;
    let _ = again.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_keeps_multi_byte_characters_whole_and_hostile_input_is_answered() {
    let stack = start().await;
    let (lab, commands) = deployed(&stack).await;
    let id = open_shell(&commands, &lab, "srl1").await;
    let (shell, mut output) = connect(
        &stack.base,
        &Namespace::shell(&id).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    next_event(&mut output, "backlog").await;
    // The fake writes its output 1,000 bytes at a time, splitting characters; every chunk
    // must be whole text (a split would show as U+FFFD).
    let wide = "€ü中".repeat(700);
    emit(&shell, "data", json!(format!("echo {wide}\r")), false).await;
    let seen = read_until(&mut output, &format!("{wide}\r\n")).await;
    assert!(!seen.contains('\u{fffd}'), "a character was split");
    // Input that is not a string is refused with 5422 when an ack is asked for.
    for bad in [json!(42), json!({"keys": "ls"}), json!(null)] {
        let reply = emit(&shell, "data", bad.clone(), true).await.unwrap();
        assert_eq!(reply["code"], json!(5422), "{bad}");
    }
    // Over the input limit (256 KiB a message): refused with 5422, naming the limit.
    let reply = emit(&shell, "data", json!("x".repeat(1_000_000)), true)
        .await
        .unwrap();
    assert_eq!(reply["code"], json!(5422));
    assert!(
        reply["message"].as_str().unwrap().contains("262144 bytes"),
        "{reply}"
    );
    // 200 kB in one message, control bytes and escape sequences: taken, and the shell goes on.
    emit(&shell, "data", json!("x".repeat(200_000)), false).await;
    emit(
        &shell,
        "data",
        json!("\u{3}\u{1b}[A\u{1b}[2J\u{7f}\u{0}"),
        false,
    )
    .await;
    emit(&shell, "data", json!("\recho still here\r"), false).await;
    read_until(&mut output, "still here\r\n").await;
    // An event the namespace does not know.
    let reply = emit(&shell, "nonsense", json!("x"), true).await.unwrap();
    assert_eq!(reply["code"], json!(5422));
    let _ = shell.disconnect().await;
    let _ = commands.disconnect().await;
}

/// This process's resident memory in KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_open_close_cycles_leave_nothing_behind() {
    let stack = start().await;
    let (lab, commands) = deployed(&stack).await;
    // Ten clients at a time, within the user's limit of 20 (one client per command waiting:
    // rust_socketio's random ack ids collide between commands waiting on one connection).
    let mut clients = Vec::new();
    for _ in 0..10 {
        let (client, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
            .await
            .unwrap();
        clients.push(client);
    }
    let cycle = async |n: usize| {
        futures_util::future::join_all(clients.iter().map(|client| {
            let lab = lab.clone();
            async move {
                for _ in 0..n / 10 {
                    let id = open_shell(client, &lab, "srl1").await;
                    assert_eq!(
                        command(client, close(&lab, &id)).await,
                        json!({"payload": null})
                    );
                }
            }
        }))
        .await;
    };
    // Warm up (allocator pools, connection buffers), then measure.
    cycle(100).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_before, tasks_before) = (rss_kib(), stack.state.tasks.len());
    cycle(1000).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (rss_after, tasks_after) = (rss_kib(), stack.state.tasks.len());
    assert!(stack.state.labs.shells.is_empty(), "every shell closed");
    assert!(
        stack.state.labs.shells.kept() <= antimony_server::lab::CLOSED_KEPT,
        "closed shells kept: {}",
        stack.state.labs.shells.kept()
    );
    assert_eq!(tasks_after, tasks_before, "background tasks");
    assert!(
        rss_after < rss_before + 16 * 1024,
        "RSS grew from {rss_before} to {rss_after} KiB over 1,000 cycles"
    );
    for client in clients {
        let _ = client.disconnect().await;
    }
    let _ = commands.disconnect().await;
}
