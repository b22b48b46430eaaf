//! A node log read through an instance that does not own the lab, across a takeover.

use std::time::Duration;

use antimony_fakes::World;
use serde_json::json;

use super::group::{Group, create_lab, deploy_through, eventually, lab, log_lines, login};
use crate::stack::connect;

/// Appends `lines` to the output of the container `id` (stamped now, as Docker does).
fn print(group: &Group, id: &str, lines: std::ops::Range<usize>) {
    World::update(&group.data.join("fake-clab-state.json"), |world| {
        let container = world.container_mut(id).expect("the node's container");
        for n in lines {
            container.log(&format!("node line {n}"));
        }
    })
    .unwrap();
}

/// The numbers of the `node line <n>` lines, in the order they came.
fn numbers(lines: &[String]) -> Vec<usize> {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("node line "))
        .map(|n| n.parse().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL and redis-server (scripts/test runs it in its PostgreSQL pass)"]
async fn a_node_log_goes_on_after_a_takeover_without_a_line_twice() {
    let group = Group::new();
    let b = group.start("b", &[]);
    let a = group.start("a", &[]);
    let token = login(&a.base).await;
    let lab_id = create_lab(&a.base, &token).await;
    // B owns the lab: a client of B deploys it.
    let on_b = deploy_through(&b.base, &token, &lab_id).await;
    let _ = on_b.disconnect().await;
    let lease = format!("lab:{lab_id}");
    assert_eq!(group.holder(&lease).as_deref(), Some("b"));
    let mut node = serde_json::Value::Null;
    eventually(
        Duration::from_secs(10),
        "A shows B's instance and its nodes",
        async || {
            node = lab(&a.base, &token, &lab_id).await["instance"]["nodes"][0].clone();
            node["containerId"].is_string()
        },
    )
    .await;
    let container = node["containerId"].as_str().unwrap().to_owned();
    print(&group, &container, 0..10);

    // A client of A reads the node log, which B follows: the output so far, then new lines.
    let (log_socket, mut log) = connect(
        &a.base,
        &format!("/logs/{lab_id}/{container}"),
        Some(&token),
        None,
    )
    .await
    .unwrap();
    let mut lines = Vec::new();
    let mut until = async |last: usize, what: &str| {
        let wanted = format!("node line {last}");
        eventually(Duration::from_secs(20), what, async || {
            log_lines(&mut log, &mut lines);
            lines.contains(&wanted)
        })
        .await;
    };
    until(9, "the node's output so far reaches A's client").await;
    print(&group, &container, 10..20);
    until(19, "B's new lines reach A's client").await;

    // B dies; the node prints on while nobody follows it, then A takes the lab over.
    b.kill();
    print(&group, &container, 20..25);
    eventually(
        Duration::from_secs(20),
        "A takes the lab over",
        async || group.holder(&lease).as_deref() == Some("a"),
    )
    .await;
    eventually(
        Duration::from_secs(10),
        "A serves the recovered lab",
        async || lab(&a.base, &token, &lab_id).await["instance"]["recovered"] == json!(true),
    )
    .await;
    print(&group, &container, 25..30);
    until(29, "A's own follower's lines reach the same client").await;
    // Anything read twice would come right after: give it time to show.
    tokio::time::sleep(Duration::from_secs(1)).await;
    log_lines(&mut log, &mut lines);

    assert_eq!(
        numbers(&lines),
        (0..30).collect::<Vec<_>>(),
        "every line once and in order: {lines:#?}"
    );
    let mut seen = std::collections::HashSet::new();
    for line in &lines {
        assert!(seen.insert(line), "{line:?} came twice: {lines:#?}");
    }
    let _ = log_socket.disconnect().await;
}
