//! Shells through the client engine against antimony-server and the fake Docker engine's
//! exec: open, type, resize (also at once after attaching), two views of one shell,
//! reattach after the connection drops with nothing shown twice, and the close with its
//! reason.

use std::sync::Arc;
use std::time::Duration;

use antimony_client::session::{Resized, Session, ShellEvent, ShellHandle};
use antimony_protocol::{LabCommand, LabCommandData, Namespace, TerminalSize};

use crate::session::{client, new_lab, stack};

/// Output until it contains `wanted` (within 15 s); everything seen.
async fn read_until(shell: &mut ShellHandle, wanted: &str) -> String {
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(15), async {
        while let Some(event) = shell.next().await {
            if let ShellEvent::Output(text) = event {
                seen.push_str(&text);
                if seen.contains(wanted) {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert!(matches!(found, Ok(true)), "no {wanted:?} in {seen:?}");
    seen
}

/// The next `Closed` (within 15 s).
async fn closed(shell: &mut ShellHandle) -> String {
    tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            match shell.next().await {
                Some(ShellEvent::Closed(reason)) => return reason,
                Some(_) => {}
                None => panic!("the handle ended without a close"),
            }
        }
    })
    .await
    .expect("a close within 15 s")
}

async fn deployed_session(stack: &crate::session::Stack) -> (Session, String) {
    let rest = client(stack).await;
    let lab = new_lab(&rest).await;
    let (session, _events) = Session::open(Arc::clone(&rest));
    assert!(session.ready(Duration::from_secs(10)).await);
    session
        .command(&LabCommandData::new(&lab, LabCommand::Deploy))
        .await
        .unwrap();
    (session, lab)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_types_resizes_and_closes_with_its_reason() {
    let stack = stack().await;
    let (session, lab) = deployed_session(&stack).await;
    assert!(session.shells(&lab).await.unwrap().is_empty());
    let id = session.open_shell(&lab, "a").await.unwrap();
    let mut shell = session.attach_shell(&id);
    assert!(shell.connected(Duration::from_secs(10)).await);
    read_until(&mut shell, ":~# ").await;
    shell.input("echo typed\r").await.unwrap();
    read_until(&mut shell, "typed\r\n").await;
    assert_eq!(
        shell.resize(TerminalSize::new(33, 99).unwrap()).await,
        Ok(Resized::Yes)
    );
    shell.input("stty size\r").await.unwrap();
    read_until(&mut shell, "33 99").await;
    let listed = session.shells(&lab).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id.as_str(), listed[0].node.as_str()),
        (id.as_str(), "a")
    );
    session.close_shell(&lab, &id).await.unwrap();
    assert_eq!(closed(&mut shell).await, "shell was closed by the user");
    match session.close_shell(&lab, &id).await {
        Err(e) => assert_eq!(e.code(), 5007),
        Ok(()) => panic!("closed twice"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_size_and_input_sent_right_after_attaching_wait_for_the_connection() {
    let stack = stack().await;
    let (session, lab) = deployed_session(&stack).await;
    let id = session.open_shell(&lab, "a").await.unwrap();
    // As a terminal view does: its size and what is typed go out as soon as it is attached,
    // before its namespace has connected.
    let mut shell = session.attach_shell(&id);
    assert_eq!(
        shell.resize(TerminalSize::new(41, 101).unwrap()).await,
        Ok(Resized::Yes)
    );
    shell.input("stty size\r").await.unwrap();
    read_until(&mut shell, "\r\n41 101\r\n").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reattached_shell_shows_nothing_twice_and_two_views_see_the_same_output() {
    let stack = stack().await;
    let (session, lab) = deployed_session(&stack).await;
    let id = session.open_shell(&lab, "b").await.unwrap();
    let mut shell = session.attach_shell(&id);
    let mut seen = read_until(&mut shell, ":~# ").await;
    shell.input("echo first-marker\r").await.unwrap();
    seen += &read_until(&mut shell, "first-marker\r\n").await;
    // A second view (a window of its own) repaints from the backlog.
    let mut second = session.attach_shell(&id);
    read_until(&mut second, "first-marker\r\n").await;
    // The server drops the first view's connection; it comes back by itself.
    let path = Namespace::shell(&id).path();
    stack.io.of(&path).unwrap().disconnect().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut typed = false;
    for _ in 0..50 {
        if shell.input("echo second-marker\r").await.is_ok() {
            typed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(typed, "the view reconnected");
    seen += &read_until(&mut shell, "second-marker\r\n").await;
    assert_eq!(
        seen.matches("first-marker").count(),
        2,
        "the typed line and its output, once each: {seen:?}"
    );
    read_until(&mut second, "second-marker\r\n").await;
    // The remote side ends: both views hear it.
    shell.input("exit\r").await.unwrap();
    assert_eq!(closed(&mut shell).await, "User closed the shell");
    assert_eq!(closed(&mut second).await, "User closed the shell");
}
