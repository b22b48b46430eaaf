//! Shells across instances: the shell lives on the lab's owner; a client of another instance
//! opens, lists and closes it there and types into it through its own instance.

use std::time::Duration;

use antimony_protocol::{LabCommand, LabCommandData, Namespace};
use serde_json::{Value, json};

use super::group::{Group, create_lab, deploy_through, login};
use crate::shells::{close, emit, read_until};
use crate::stack::{command, connect, next_event};

fn fetch(lab: &str) -> LabCommandData {
    LabCommandData::new(lab, LabCommand::FetchShells)
}

/// The text of a `backlog` event's chunks.
fn screen(backlog: &[Value]) -> String {
    backlog[0]
        .as_array()
        .expect("the backlog's chunks are an array")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and redis-server (scripts/test runs it in its PostgreSQL pass)"]
async fn a_shell_on_the_owner_is_used_through_another_instance() {
    let group = Group::new();
    let b = group.start("b", &[]);
    let a = group.start("a", &[]);
    let token = login(&a.base).await;
    let lab = create_lab(&a.base, &token).await;
    // B owns the lab: a client of B deployed it.
    let on_b = deploy_through(&b.base, &token, &lab).await;
    assert_eq!(group.holder(&format!("lab:{lab}")).as_deref(), Some("b"));

    // A client of A opens a shell: it lives on B, which lists it to the same user.
    let (on_a, _) = connect(&a.base, "/lab-commands", Some(&token), None)
        .await
        .unwrap();
    let (notices_a, mut notices) = connect(&a.base, "/shell-commands", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(command(&on_a, fetch(&lab)).await, json!({"payload": null}));
    let opened = command(
        &on_a,
        LabCommandData::for_node(&lab, LabCommand::OpenShell, "srl1"),
    )
    .await;
    let id = opened["payload"]
        .as_str()
        .unwrap_or_else(|| panic!("OpenShell through A answered {opened}"))
        .to_owned();
    let listed = json!({"payload": [{"id": id, "node": "srl1"}]});
    assert_eq!(
        command(&on_b, fetch(&lab)).await,
        listed,
        "B holds the shell"
    );
    assert_eq!(command(&on_a, fetch(&lab)).await, listed);
    // The codes are the owner's: a node that does not exist, a shell id that does not.
    let nowhere = LabCommandData::for_node(&lab, LabCommand::OpenShell, "nope");
    assert_eq!(
        command(&on_a, nowhere.clone()).await,
        command(&on_b, nowhere).await
    );
    let unknown = close(&lab, "00000000-0000-4000-8000-000000000000");
    assert_eq!(command(&on_a, unknown).await["code"], json!(5007));

    // A terminal on A: the backlog, input and its echo, sizes.
    let path = Namespace::shell(&id).path();
    let (shell, mut output) = connect(&a.base, &path, Some(&token), None).await.unwrap();
    let backlog = next_event(&mut output, "backlog").await;
    assert!(backlog[0].is_array(), "{backlog:?}");
    assert_eq!(backlog[1]["start"], json!(0), "{backlog:?}");
    // Everything the terminal got, in order.
    let mut seen = screen(&backlog);
    emit(&shell, "data", json!("echo hello shell\r"), false).await;
    seen += &read_until(&mut output, "hello shell\r\n").await;
    emit(&shell, "data", json!("stty size\r"), false).await;
    seen += &read_until(&mut output, "25 130").await;
    assert_eq!(
        emit(&shell, "resize", json!({"rows": 40, "cols": 100}), true).await,
        Some(json!({"payload": null})),
        "the owner acks the size it took"
    );
    emit(&shell, "data", json!("stty size\r"), false).await;
    seen += &read_until(&mut output, "40 100").await;
    for bad in [json!({"rows": 0, "cols": 80}), json!("24x80")] {
        let reply = emit(&shell, "resize", bad.clone(), true).await.unwrap();
        assert_eq!(reply["code"], json!(5422), "{bad}: {reply}");
    }
    assert_eq!(
        emit(&shell, "data", json!(42), true).await.unwrap()["code"],
        json!(5422)
    );

    // A second terminal, on A and on B, repaints from the backlog: the screen so far, once.
    for base in [&a.base, &b.base] {
        let (again, mut events) = connect(base, &path, Some(&token), None).await.unwrap();
        let backlog = next_event(&mut events, "backlog").await;
        let text = screen(&backlog);
        assert_eq!(
            text.matches("echo hello shell\r\n").count(),
            1,
            "{base}: {text:?}"
        );
        assert!(text.contains("40 100"), "{base}: {text:?}");
        assert_eq!(backlog[1]["start"], json!(0), "{backlog:?}");
        let _ = again.disconnect().await;
    }
    // Nothing was repeated or lost on the first terminal either: what it got is the
    // owner's whole output, as a terminal on B sees it.
    emit(&shell, "data", json!("echo after\r"), false).await;
    seen += &read_until(&mut output, "after\r\n").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok((name, values)) = output.try_recv() {
        if name == "data" {
            seen += values[0].as_str().unwrap();
        }
    }
    let (on_owner, mut events) = connect(&b.base, &path, Some(&token), None).await.unwrap();
    assert_eq!(screen(&next_event(&mut events, "backlog").await), seen);
    let _ = on_owner.disconnect().await;

    // Closing through A: the notice reaches A's client, the terminal sees the close.
    assert_eq!(
        command(&on_a, close(&lab, &id)).await,
        json!({"payload": null})
    );
    let notice = next_event(&mut notices, "data").await[0]["payload"].clone();
    assert_eq!(
        notice,
        json!({"labId": lab, "node": "srl1", "shellId": id, "command": 1,
               "message": "shell was closed by the user"})
    );
    assert_eq!(
        next_event(&mut output, "closed").await[0],
        json!({"reason": "shell was closed by the user"})
    );
    let late = emit(&shell, "data", json!("echo late\r"), true).await;
    assert_eq!(late.map(|r| r["code"].clone()), Some(json!(5007)));
    assert_eq!(command(&on_a, fetch(&lab)).await, json!({"payload": null}));
    // Its last screen is still shown through A, then the close.
    let (last, mut events) = connect(&a.base, &path, Some(&token), None).await.unwrap();
    assert!(screen(&next_event(&mut events, "backlog").await).contains("after"));
    assert_eq!(
        next_event(&mut events, "closed").await[0],
        json!({"reason": "shell was closed by the user"})
    );
    // A shell id nobody holds is no namespace on A.
    let nobody = Namespace::shell("00000000-0000-4000-8000-000000000000").path();
    let refused = connect(&a.base, &nobody, Some(&token), None).await;
    assert_eq!(refused.err().as_deref(), Some("Invalid namespace"));
    for client in [last, shell, notices_a, on_a, on_b] {
        let _ = client.disconnect().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and redis-server (scripts/test runs it in its PostgreSQL pass)"]
async fn a_terminal_on_another_instance_closes_when_the_shells_owner_dies() {
    let group = Group::new();
    let b = group.start("b", &[]);
    let a = group.start("a", &[]);
    let token = login(&a.base).await;
    let lab = create_lab(&a.base, &token).await;
    let on_b = deploy_through(&b.base, &token, &lab).await;
    let opened = command(
        &on_b,
        LabCommandData::for_node(&lab, LabCommand::OpenShell, "srl1"),
    )
    .await;
    let id = opened["payload"].as_str().unwrap().to_owned();
    // Opened on B by a client of B, joined on A.
    let (shell, mut output) = connect(&a.base, &Namespace::shell(&id).path(), Some(&token), None)
        .await
        .unwrap();
    next_event(&mut output, "backlog").await;
    emit(&shell, "data", json!("echo on b\r"), false).await;
    read_until(&mut output, "on b\r\n").await;
    b.kill();
    assert_eq!(
        next_event(&mut output, "closed").await[0],
        json!({"reason": "the server that ran this shell stopped"})
    );
    let late = emit(&shell, "data", json!("echo late\r"), true).await;
    assert_eq!(late.map(|r| r["code"].clone()), Some(json!(5007)));
    let _ = shell.disconnect().await;
}
