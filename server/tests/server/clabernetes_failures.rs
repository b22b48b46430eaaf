//! The clabernetes provider when things go wrong or change: deploys that clabernetes fails or
//! that never become ready, a destroy that cancels a deploy, a redeploy, and hostile answers
//! from the API server (the fake of `antimony_fakes::kubernetes`).

use std::time::Duration;

use antimony_fakes::kubernetes::FakeKubernetes;
use antimony_protocol::{LabCommand, LabCommandData, Namespace};
use serde_json::json;

use crate::clabernetes::{at, deploy, get_lab, namespace_of, nodes, read_until, stack_on};
use crate::stack::{command, connect, create_lab, create_lab_from, next_event};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_and_stuck_deploys_answer_5001_and_say_why() {
    let fake = FakeKubernetes::start().await.unwrap();
    let (stack, _dir) = stack_on(&fake, Duration::from_secs(2)).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    let failing = create_lab_from(
        &stack,
        "name: broken\ntopology:\n  nodes:\n    r1:\n      kind: linux\n      image: fake-deploy-failed:1\n",
    )
    .await;
    let reply = deploy(&commands, &failing).await;
    assert_eq!(reply["code"], json!(5001), "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains("deployfailed"),
        "{reply}"
    );
    assert_eq!(
        get_lab(at(&stack), &failing).await["instance"]["state"],
        json!(3)
    );

    let stuck = create_lab_from(
        &stack,
        "name: stuck\ntopology:\n  nodes:\n    r1:\n      kind: linux\n      image: fake-pull-error:1\n",
    )
    .await;
    let reply = deploy(&commands, &stuck).await;
    assert_eq!(reply["code"], json!(5001), "{reply}");
    assert!(
        reply["message"].as_str().unwrap().contains("deployTimeout"),
        "{reply}"
    );
    let (_log, mut events) = connect(
        &stack.base,
        &Namespace::lab_logs(&stuck).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    let backlog = next_event(&mut events, "backlog").await[0].to_string();
    assert!(
        backlog.contains("(ImagePullBackOff)"),
        "the pod's trouble is logged: {backlog}"
    );
    // Destroying the failed lab cleans its namespace up.
    let namespace = namespace_of(&stack.state, &stuck).await;
    assert!(fake.namespaces().contains(&namespace));
    assert_eq!(
        command(&commands, LabCommandData::new(&stuck, LabCommand::Destroy)).await,
        json!({"payload": null})
    );
    assert!(!fake.namespaces().contains(&namespace));
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_fail_clearly_and_endless_lines_are_cut() {
    let fake = FakeKubernetes::start().await.unwrap();
    let (stack, _dir) = stack_on(&fake, Duration::from_secs(60)).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    // A topology status of the wrong shape fails the deploy at once, with what was wrong.
    let broken = create_lab_from(
        &stack,
        "name: odd\ntopology:\n  nodes:\n    r1:\n      kind: linux\n      image: fake-bad-status:1\n",
    )
    .await;
    let started = std::time::Instant::now();
    let reply = deploy(&commands, &broken).await;
    assert_eq!(reply["code"], json!(5001), "{reply}");
    let message = reply["message"].as_str().unwrap();
    assert!(message.contains("cannot be used"), "{message}");
    assert!(message.contains("wrong shape"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "no retrying a bad shape"
    );

    // A node that prints a line of a megabyte: its log keeps a cut line, and goes on.
    let lab = create_lab(&stack).await;
    assert_eq!(deploy(&commands, &lab).await, json!({"payload": null}));
    let namespace = namespace_of(&stack.state, &lab).await;
    let srl1 = nodes(at(&stack), &lab).await[1].1.clone();
    let (_log, mut events) = connect(
        &stack.base,
        &Namespace::node_logs(&lab, &srl1).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    next_event(&mut events, "backlog").await;
    assert!(fake.node_prints(&namespace, "srl1", &"x".repeat(1024 * 1024)));
    assert!(fake.node_prints(&namespace, "srl1", "after the long one"));
    let seen = read_until(&mut events, "after the long one").await;
    assert!(
        seen.contains("more bytes of this line were cut"),
        "cut with a marker"
    );
    assert!(seen.len() < 64 * 1024, "{} bytes arrived", seen.len());
    let _ = commands.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destroy_cancels_a_deploy_and_a_redeploy_starts_afresh() {
    let fake = FakeKubernetes::start().await.unwrap();
    let (stack, _dir) = stack_on(&fake, Duration::from_secs(600)).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    let stuck = create_lab_from(
        &stack,
        "name: waits\ntopology:\n  nodes:\n    r1:\n      kind: linux\n      image: fake-pull-error:1\n",
    )
    .await;
    let deploying = {
        let commands = commands.clone();
        let stuck = stuck.clone();
        tokio::spawn(async move { deploy(&commands, &stuck).await })
    };
    let mut namespace = None;
    for _ in 0..100 {
        if let Ok(Some(record)) = stack.state.store.lab(&stuck).await
            && record.instance_name.is_some()
        {
            let name = namespace_of(&stack.state, &stuck).await;
            if fake.namespaces().contains(&name) {
                namespace = Some(name);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let namespace = namespace.expect("the deploy made its namespace");
    let (destroyer, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    assert_eq!(
        command(&destroyer, LabCommandData::new(&stuck, LabCommand::Destroy)).await,
        json!({"payload": null})
    );
    let cancelled = tokio::time::timeout(Duration::from_secs(10), deploying)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cancelled["code"], json!(5001), "{cancelled}");
    assert!(
        !fake.namespaces().contains(&namespace),
        "the destroy removed it"
    );

    // A second deploy of a running lab is a redeploy: a fresh namespace, new pods.
    let lab = create_lab(&stack).await;
    assert_eq!(deploy(&commands, &lab).await, json!({"payload": null}));
    let namespace = namespace_of(&stack.state, &lab).await;
    let uids = |fake: &FakeKubernetes| -> Vec<String> {
        let mut uids: Vec<String> = fake
            .pods(&namespace)
            .iter()
            .map(|p| p["metadata"]["uid"].as_str().unwrap().to_owned())
            .collect();
        uids.sort();
        uids
    };
    let before = uids(&fake);
    assert_eq!(before.len(), 2);
    assert_eq!(deploy(&commands, &lab).await, json!({"payload": null}));
    let after = uids(&fake);
    assert_eq!(after.len(), 2);
    assert!(
        after.iter().all(|u| !before.contains(u)),
        "every pod is new"
    );
    let states: Vec<String> = nodes(at(&stack), &lab)
        .await
        .into_iter()
        .map(|(_, _, s)| s)
        .collect();
    assert_eq!(states, ["running", "running"]);
    assert_eq!(
        get_lab(at(&stack), &lab).await["instance"]["state"],
        json!(1)
    );
    let _ = destroyer.disconnect().await;
    let _ = commands.disconnect().await;
}
