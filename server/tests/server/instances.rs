//! Several `antimony-server` processes behind one name (docs/scaling-out.md): a real
//! `redis-server` on a loopback port, one PostgreSQL database, one data directory (the
//! topology files and the token secret are shared), the fake containerlab and one fake Docker
//! engine (the labs run where every instance reaches them).
//!
//! PostgreSQL-only (ignored by a plain `cargo test`; scripts/test runs them in its PostgreSQL
//! pass). They fail, not skip, when `redis-server` is missing: scripts/test installs it.

use std::process::{Command, Stdio};
use std::time::Duration;

use antimony_protocol::{LabCommand, LabCommandData};
use serde_json::json;

use crate::stack::{command, connect};

mod group;
mod node_logs;
mod shells;

use group::{
    Group, create_lab, create_lab_at, deploy_through, eventually, lab, log_lines, login,
    until_status,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and redis-server (scripts/test runs it in its PostgreSQL pass)"]
async fn a_command_on_one_instance_runs_on_the_owner_and_everyone_hears_of_it() {
    let group = Group::new();
    let b = group.start("b", &[]);
    let a = group.start("a", &[]);
    let token = login(&a.base).await;
    let lab_id = create_lab(&a.base, &token).await;

    // A client of B deploys: B owns the lab.
    let on_b = deploy_through(&b.base, &token, &lab_id).await;
    let deploy = LabCommandData::new(&lab_id, LabCommand::Deploy);
    assert_eq!(group.holder(&format!("lab:{lab_id}")).as_deref(), Some("b"));

    // A client of A listens and commands; B runs the commands.
    let (status_a, mut statuses) = connect(&a.base, "/status-messages", Some(&token), None)
        .await
        .unwrap();
    let (updates_a, mut updates) = connect(&a.base, "/lab-updates", Some(&token), None)
        .await
        .unwrap();
    let (on_a, _) = connect(&a.base, "/lab-commands", Some(&token), None)
        .await
        .unwrap();
    let destroy = LabCommandData::new(&lab_id, LabCommand::Destroy);
    assert_eq!(command(&on_a, destroy).await, json!({"payload": null}));
    assert_eq!(
        command(&on_a, deploy.clone()).await,
        json!({"payload": null})
    );
    let seen = until_status(&mut statuses, "Successfully deployed 'Spread'").await;
    for expected in [
        "Destroying lab Spread",
        "Successfully destroyed lab Spread",
        "Deploying lab 'Spread'",
    ] {
        assert!(
            seen.iter().any(|c| c.contains(expected)),
            "{expected:?} in {seen:?}"
        );
    }
    let mut lab_updates = 0;
    while let Ok((event, values)) = updates.try_recv() {
        if event == "data" && values[0]["payload"]["labId"] == json!(lab_id) {
            lab_updates += 1;
        }
    }
    assert!(
        lab_updates >= 2,
        "A's client got {lab_updates} updates of the lab"
    );
    assert_eq!(group.holder(&format!("lab:{lab_id}")).as_deref(), Some("b"));
    // A's REST API shows the instance B runs.
    eventually(
        Duration::from_secs(10),
        "A shows B's instance",
        async || lab(&a.base, &token, &lab_id).await["instance"]["state"] == json!(1),
    )
    .await;
    // The ack codes are those of a local command: the same command on B answers the same.
    let node = LabCommandData {
        node: Some("nope".into()),
        ..LabCommandData::new(&lab_id, LabCommand::StopNode)
    };
    let via_a = command(&on_a, node.clone()).await;
    let on_b_itself = command(&on_b, node).await;
    assert!(via_a["code"].is_i64(), "{via_a}");
    assert_eq!(via_a, on_b_itself);
    for client in [on_a, on_b, status_a, updates_a] {
        let _ = client.disconnect().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and redis-server (scripts/test runs it in its PostgreSQL pass)"]
async fn killing_the_owner_hands_its_labs_over_and_the_log_goes_on() {
    const FLOOD: usize = 300;
    let group = Group::new();
    let b = group.start("b", &[("FAKE_CLAB_LINES", "300")]);
    let a = group.start("a", &[]);
    let token = login(&a.base).await;
    let lab_id = create_lab(&a.base, &token).await;
    // B owns the lab: a client of B deployed it once.
    let on_b = deploy_through(&b.base, &token, &lab_id).await;
    let deploy = LabCommandData::new(&lab_id, LabCommand::Deploy);
    let destroy = LabCommandData::new(&lab_id, LabCommand::Destroy);
    assert_eq!(
        command(&on_b, destroy.clone()).await,
        json!({"payload": null})
    );
    let _ = on_b.disconnect().await;
    let lease = format!("lab:{lab_id}");
    assert_eq!(group.holder(&lease).as_deref(), Some("b"));

    // A client of A deploys it (B runs the deploy) and reads its whole log through A.
    let (on_a, _) = connect(&a.base, "/lab-commands", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(command(&on_a, deploy).await, json!({"payload": null}));
    eventually(
        Duration::from_secs(10),
        "A shows B's instance",
        async || lab(&a.base, &token, &lab_id).await["instance"]["state"] == json!(1),
    )
    .await;
    let (log_socket, mut log) = connect(&a.base, &format!("/logs/{lab_id}"), Some(&token), None)
        .await
        .unwrap();
    let mut lines = Vec::new();
    let last_flood = format!("INFO line {} t=", FLOOD - 1);
    eventually(
        Duration::from_secs(20),
        "the deploy's log reaches A's client",
        async || {
            log_lines(&mut log, &mut lines);
            lines.iter().any(|l| l.contains(&last_flood))
                && lines
                    .iter()
                    .any(|l| l.contains("Successfully deployed lab"))
        },
    )
    .await;

    // B dies: A takes the lab over, and the same subscriber reads on.
    b.kill();
    eventually(
        Duration::from_secs(20),
        "A takes the lab over",
        async || group.holder(&lease).as_deref() == Some("a"),
    )
    .await;
    eventually(
        Duration::from_secs(10),
        "A serves the recovered lab",
        async || {
            let lab = lab(&a.base, &token, &lab_id).await;
            lab["instance"]["state"] == json!(1) && lab["instance"]["recovered"] == json!(true)
        },
    )
    .await;
    assert_eq!(command(&on_a, destroy).await, json!({"payload": null}));
    eventually(
        Duration::from_secs(10),
        "A's own lines follow B's",
        async || {
            log_lines(&mut log, &mut lines);
            lines.iter().any(|l| l.contains("Destroying lab"))
        },
    )
    .await;

    // Once and in order: the flood's lines 0..FLOOD, no line twice, A's after B's.
    let flood: Vec<usize> = lines
        .iter()
        .filter_map(|l| l.split(" INFO line ").nth(1))
        .map(|rest| rest.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        flood,
        (0..FLOOD).collect::<Vec<_>>(),
        "the flood once and in order"
    );
    let mut seen = std::collections::HashSet::new();
    for line in &lines {
        assert!(seen.insert(line), "{line:?} came twice: {lines:#?}");
    }
    let position = |text: &str| lines.iter().position(|l| l.contains(text)).unwrap();
    assert!(position("Successfully deployed lab") < position("Destroying lab"));
    assert!(position(&last_flood) < position("Destroying lab"));
    let _ = log_socket.disconnect().await;
    let _ = on_a.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and redis-server (scripts/test runs it in its PostgreSQL pass)"]
async fn a_scheduled_lab_is_deployed_once_across_instances() {
    use time::format_description::well_known::Rfc3339;
    let group = Group::new();
    let a = group.start("a", &[]);
    let token = login(&a.base).await;
    let (status_a, mut statuses) = connect(&a.base, "/status-messages", Some(&token), None)
        .await
        .unwrap();
    let at = |seconds| {
        (time::OffsetDateTime::now_utc() + time::Duration::seconds(seconds))
            .format(&Rfc3339)
            .unwrap()
    };
    let lab_id = create_lab_at(&a.base, &token, &at(8), &at(3600)).await;
    // B starts after the lab was made: it queues it too, as every instance does at start.
    let b = group.start("b", &[]);
    let seen = until_status(&mut statuses, "Successfully deployed 'Spread'").await;
    // A second deploy would have said so by now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut all = seen;
    while let Ok((event, values)) = statuses.try_recv() {
        if event == "data" {
            all.push(
                values[0]["payload"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    let deploys = all
        .iter()
        .filter(|c| c.contains("Deploying lab 'Spread'"))
        .count();
    assert_eq!(deploys, 1, "one scheduled deploy across instances: {all:?}");
    let owner = group.holder(&format!("lab:{lab_id}"));
    assert!(matches!(owner.as_deref(), Some("a" | "b")), "{owner:?}");
    for base in [&a.base, &b.base] {
        assert_eq!(
            lab(base, &token, &lab_id).await["instance"]["state"],
            json!(1)
        );
    }
    let _ = status_a.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and redis-server (scripts/test runs it in its PostgreSQL pass)"]
async fn what_comes_through_redis_is_checked() {
    let group = Group::new();
    let a = group.start("a", &[]);
    let token = login(&a.base).await;
    let lab_id = create_lab(&a.base, &token).await;
    let mut replies = group.redis.subscribe("antimony:x:replies");
    // Garbage, a wrong shape, an oversized message and news about a malformed lab id.
    group
        .redis
        .publish("antimony:a:requests", b"\xff\x00not json");
    group
        .redis
        .publish("antimony:a:requests", br#"{"id":"1","from":"x"}"#);
    let huge = format!(
        r#"{{"id":1,"from":"x","user":"u","command":"{}"}}"#,
        "a".repeat(2 * 1024 * 1024)
    );
    group.redis.publish("antimony:a:requests", huge.as_bytes());
    group.redis.publish(
        "antimony:news",
        br#"{"kind":"instance","from":"x","lab":"../../etc","instance":null}"#,
    );
    group
        .redis
        .publish("antimony:a:lines", br#"{"path":"/logs/x","first":0}"#);
    // A forged command of a user who does not exist is refused, not run.
    let forged = json!({
        "id": 7,
        "from": "x",
        "user": "00000000-0000-0000-0000-00000000dead",
        "command": LabCommandData::new(&lab_id, LabCommand::Deploy).to_wire_string(),
    });
    group
        .redis
        .publish("antimony:a:requests", forged.to_string().as_bytes());
    let text = group::Redis::received(&mut replies, "the user is unknown");
    assert!(text.contains(r#""id":7"#), "{text}");
    assert!(!text.contains(r#""admitted":true"#), "{text}");
    // Shells: garbage and wrong shapes are dropped; input for an attach the owner never
    // allowed is refused (5007), and so is a forged attach of an unknown user.
    group
        .redis
        .publish("antimony:a:shells", b"\xff\x00not json");
    group.redis.publish(
        "antimony:a:shells",
        br#"{"kind":"detach","attach":1,"from":"x","extra":1}"#,
    );
    group
        .redis
        .publish("antimony:a:shell-output", br#"{"from":"x","attach":1}"#);
    let shell = "00000000-0000-4000-8000-000000000001";
    let input = json!({"kind": "input", "attach": 1, "from": "x", "shell": shell,
                       "data": "rm -rf /\r", "ack": 9});
    group
        .redis
        .publish("antimony:a:shells", input.to_string().as_bytes());
    let text = group::Redis::received(&mut replies, r#""id":9"#);
    assert!(text.contains("5007"), "{text}");
    let attach = json!({"kind": "attach", "id": 8, "from": "x",
                        "user": "00000000-0000-0000-0000-00000000dead", "shell": shell});
    group
        .redis
        .publish("antimony:a:shells", attach.to_string().as_bytes());
    let text = group::Redis::received(&mut replies, r#""id":8"#);
    assert!(text.contains("the user is unknown"), "{text}");
    // A still serves its own clients.
    let (on_a, _) = connect(&a.base, "/lab-commands", Some(&token), None)
        .await
        .unwrap();
    let deploy = LabCommandData::new(&lab_id, LabCommand::Deploy);
    assert_eq!(command(&on_a, deploy).await, json!({"payload": null}));
    let _ = on_a.disconnect().await;
}

#[test]
fn several_instances_refuse_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yml");
    std::fs::write(&config, "cluster:\n  redis: redis://127.0.0.1:1\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_antimony-server"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--bind", "127.0.0.1:0", "--config"])
        .arg(&config)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs PostgreSQL"),
        "the refusal says why: {stderr}"
    );
}
