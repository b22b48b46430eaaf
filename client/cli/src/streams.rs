//! `logs` and `watch`: live streams until Ctrl-C.

use std::time::Duration;

use antimony_client::session::{ClientEvent, ConnectionState, Session};
use antimony_protocol::rest::LabOut;
use antimony_protocol::{ConnectError, ErrorCode, Namespace, Severity};
use clap::Args;
use serde_json::json;

use crate::Global;
use crate::context;
use crate::labs::find_lab;
use crate::output::{Failure, print_json, state};

#[derive(Debug, Args)]
pub(crate) struct LogsArgs {
    /// The lab: its id, or its name.
    lab: String,
    /// A node's log instead of the lab's (its name or container id).
    #[arg(long, short = 'n')]
    node: Option<String>,
    /// Keep printing new lines until Ctrl-C.
    #[arg(long, short = 'f')]
    follow: bool,
}

/// The log namespace of a lab, or of one of its nodes.
fn log_namespace(lab: &LabOut, node: Option<&str>) -> Result<Namespace, Failure> {
    let Some(node) = node else {
        return Ok(Namespace::lab_logs(&lab.id));
    };
    let nodes = lab
        .instance
        .as_ref()
        .and_then(|i| i.nodes.as_ref())
        .ok_or_else(|| {
            Failure::refused(
                Some(ErrorCode::LabNotRunning.code()),
                format!("{} is not deployed, so its nodes have no logs", lab.name),
            )
        })?;
    // By name; by container id (or its start); by the container name's suffix (real servers
    // mangle node names that contain `-`).
    let found = nodes
        .iter()
        .find(|n| n.name == node)
        .or_else(|| {
            nodes
                .iter()
                .find(|n| node.len() >= 4 && n.container_id.starts_with(node))
        })
        .or_else(|| {
            nodes
                .iter()
                .find(|n| n.container_name.ends_with(&format!("-{node}")))
        });
    match found {
        Some(n) => Ok(Namespace::node_logs(&lab.id, &n.container_id)),
        None => {
            let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
            Err(Failure::refused(
                Some(ErrorCode::NodeNotFound.code()),
                format!(
                    "{} has no node {node:?} (its nodes: {})",
                    lab.name,
                    names.join(", ")
                ),
            ))
        }
    }
}

pub(crate) async fn logs(global: &Global, args: LogsArgs) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let lab = find_lab(&rest, &args.lab).await?;
    let namespace = log_namespace(&lab, args.node.as_deref())?;
    let path = namespace.path();
    let (session, mut events) = Session::open(rest);
    session.subscribe_logs(&namespace);
    let mut said_waiting = false;
    let interrupted = interrupted();
    tokio::pin!(interrupted);
    loop {
        // Without --follow the backlog must come soon; with it, wait as long as it takes.
        let patience = if args.follow {
            Duration::from_secs(60 * 60 * 24 * 365)
        } else {
            Duration::from_secs(20)
        };
        let event = tokio::select! {
            () = &mut interrupted => return Ok(()),
            event = tokio::time::timeout(patience, events.recv()) => match event {
                Ok(Some(event)) => event,
                Ok(None) => return Ok(()),
                Err(_) => {
                    return Err(Failure::unreachable(format!(
                        "no log from the server within 20 s ({path})"
                    )));
                }
            },
        };
        match event {
            ClientEvent::LogLines {
                namespace,
                lines,
                missed,
                restarted,
            } if namespace == path => {
                if global.json {
                    for line in &lines {
                        print_json(&json!({ "line": line }))?;
                    }
                } else {
                    if missed > 0 {
                        eprintln!("[{missed} lines of this log were trimmed on the server]");
                    }
                    if restarted && said_waiting {
                        eprintln!("[the log started over]");
                    }
                    for line in &lines {
                        println!("{line}");
                    }
                }
                if !args.follow {
                    // The first delivery is the backlog: everything so far.
                    return Ok(());
                }
            }
            ClientEvent::Connection {
                namespace,
                state: ConnectionState::Refused(message),
            } if namespace == path => {
                if ConnectError::from_message(&message) != Some(ConnectError::InvalidNamespace) {
                    return Err(Failure::refused(
                        None,
                        format!("the server refused {path}: {message}"),
                    ));
                }
                if !args.follow {
                    return Err(Failure::refused(
                        Some(ErrorCode::LabNotRunning.code()),
                        format!(
                            "{} has no log yet: it has not been deployed since the server started",
                            lab.name
                        ),
                    ));
                }
                if !said_waiting && !global.json {
                    eprintln!("[waiting for {} to be deployed …]", lab.name);
                }
                said_waiting = true;
            }
            ClientEvent::Connection {
                state: ConnectionState::LoginNeeded(message),
                ..
            } => return Err(Failure::login(message)),
            ClientEvent::Connection {
                namespace,
                state: ConnectionState::Trouble(message),
            } if namespace == path && !global.json => {
                eprintln!("[connection lost: {message}; reconnecting …]");
            }
            _ => {}
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Success => "SUCCESS",
        Severity::Info => "INFO",
        Severity::Warning => "WARNING",
        Severity::Error => "ERROR",
        Severity::Fatal => "FATAL",
    }
}

pub(crate) async fn watch(global: &Global) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let (_session, mut events) = context::session(std::sync::Arc::clone(&rest)).await?;
    if !global.json {
        eprintln!("Watching {} (Ctrl-C to stop) …", rest.profile().name);
    }
    let interrupted = interrupted();
    tokio::pin!(interrupted);
    loop {
        let event = tokio::select! {
            () = &mut interrupted => return Ok(()),
            event = events.recv() => match event {
                Some(event) => event,
                None => return Ok(()),
            },
        };
        match event {
            ClientEvent::Status(message) => {
                if global.json {
                    print_json(&json!({ "type": "status", "message": message }))?;
                } else {
                    let t: time::OffsetDateTime = message.timestamp.into();
                    let t = t.to_offset(time::UtcOffset::UTC);
                    println!(
                        "{:02}:{:02}:{:02} {:<7} {}",
                        t.hour(),
                        t.minute(),
                        t.second(),
                        severity(message.severity),
                        message.content
                    );
                }
            }
            ClientEvent::LabUpdate(update) => {
                let lab = match &update.lab_id {
                    Some(id) => rest.lab(id).await.ok(),
                    None => None,
                };
                if global.json {
                    print_json(&json!({
                        "type": "labUpdate",
                        "labId": update.lab_id,
                        "state": lab.as_ref().map(|l| state(l.state())),
                    }))?;
                } else {
                    match (&update.lab_id, lab) {
                        (None, _) => println!("         UPDATE  every lab changed"),
                        (Some(_), Some(lab)) => {
                            println!("         UPDATE  {} is {}", lab.name, state(lab.state()));
                        }
                        (Some(id), None) => println!("         UPDATE  lab {id} (gone)"),
                    }
                }
            }
            ClientEvent::Connection { namespace, state } => match state {
                ConnectionState::LoginNeeded(message) => return Err(Failure::login(message)),
                ConnectionState::Trouble(message) if !global.json => {
                    eprintln!("[{namespace}: {message}; reconnecting …]");
                }
                ConnectionState::Connected if !global.json => {
                    tracing::debug!(%namespace, "connected");
                }
                _ => {}
            },
            _ => {}
        }
    }
}
