//! Socket.IO through `rust_socketio`, against the server on a real TCP socket with the fake
//! containerlab and the fake Docker engine: connect errors, the lab cycle, namespace
//! clean-up, and log delivery to slow subscribers.

use std::sync::Arc;
use std::time::Duration;

use antimony_protocol::{LabCommand, LabCommandData, Namespace, Timestamp};
use antimony_server::auth::TokenKind;
use serde_json::json;

use crate::harness::OUTSIDER;
use crate::stack::{command, connect, create_lab, next_event, start};

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
    // A command over 16 KiB is refused before it is read.
    let mut huge = LabCommandData::new(&lab, LabCommand::Deploy);
    huge.node = Some("n".repeat(20_000));
    assert_eq!(command(&commands, huge).await["code"], json!(5422));
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
async fn unauthenticated_and_malformed_dynamic_namespaces_leave_nothing_behind() {
    let stack = start().await;
    let lab = create_lab(&stack).await;
    let long = "x".repeat(4000);
    let cases: Vec<(String, Option<&str>, &str)> = vec![
        (Namespace::lab_logs(&lab).path(), None, "Unauthorized"),
        (
            Namespace::lab_logs(&lab).path(),
            Some("not-a-token"),
            "Invalid Token",
        ),
        (format!("/shells/{lab}"), None, "Unauthorized"),
        (format!("/logs/{long}"), None, "Invalid namespace"),
        (
            format!("/logs/{long}"),
            Some(&stack.admin),
            "Invalid namespace",
        ),
        (format!("/logs/{lab}/{long}"), None, "Invalid namespace"),
        (format!("/logs/{lab}/a%2Fb"), None, "Invalid namespace"),
        (format!("/shells/{long}"), None, "Invalid namespace"),
    ];
    for (path, token, refusal) in &cases {
        assert_eq!(
            connect(&stack.base, path, *token, None)
                .await
                .err()
                .as_deref(),
            Some(*refusal),
            "{path:.60}"
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    for (path, _, _) in &cases {
        assert!(
            stack.io.of(path).is_none(),
            "a refused dynamic namespace is removed: {path:.60}"
        );
    }
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_updates_go_only_to_those_who_may_see_the_lab() {
    let stack = start().await;
    let member = "5c0e1d2a-2b7d-11f0-9a3e-0242ac120002";
    stack
        .state
        .store
        .upsert_user(antimony_server::store::User {
            id: member.into(),
            name: "carol".into(),
            is_admin: false,
            groups: vec!["netlab".into()],
        })
        .await
        .unwrap();
    let now = Timestamp::now_utc().unix_timestamp();
    let token = |id: &str| stack.state.tokens.issue(TokenKind::Access, id, false, now);
    let (admin, mut admin_events) = connect(&stack.base, "/lab-updates", Some(&stack.admin), None)
        .await
        .unwrap();
    let (ours, mut our_events) = connect(&stack.base, "/lab-updates", Some(&token(member)), None)
        .await
        .unwrap();
    let (theirs, mut their_events) =
        connect(&stack.base, "/lab-updates", Some(&token(OUTSIDER)), None)
            .await
            .unwrap();
    let lab = create_lab(&stack).await;
    let expected = json!({"payload": {"labId": lab}});
    assert_eq!(
        next_event(&mut admin_events, "data").await,
        std::slice::from_ref(&expected)
    );
    assert_eq!(next_event(&mut our_events, "data").await, [expected]);

    // Deleted, the lab's id goes to nobody: everybody refetches.
    let deleted = reqwest::Client::new()
        .delete(format!("{}/labs/{lab}", stack.base))
        .header("cookie", format!("accessToken={}", stack.admin))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 200);
    let refetch = json!({"payload": {"labId": null}});
    assert_eq!(
        next_event(&mut admin_events, "data").await,
        std::slice::from_ref(&refetch)
    );
    assert_eq!(
        next_event(&mut our_events, "data").await,
        std::slice::from_ref(&refetch)
    );
    // The outsider's first event is the refetch: it never heard of the lab.
    assert_eq!(next_event(&mut their_events, "data").await, [refetch]);
    for client in [admin, ours, theirs] {
        let _ = client.disconnect().await;
    }
}
