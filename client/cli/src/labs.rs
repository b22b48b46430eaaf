//! `labs`, `lab`, `deploy`, `destroy`, `node …` and `import`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use antimony_client::import::{self, ImportEnd, ImportStart, TopologyFile};
use antimony_client::rest::RestClient;
use antimony_client::session::{ClientEvent, Session};
use antimony_protocol::rest::{InstanceState, LabOut, LabsQuery};
use antimony_protocol::{ErrorCode, LabCommand, LabCommandData, Namespace, is_well_formed_uuid};
use clap::{Args, Subcommand};
use serde_json::json;
use tokio::sync::mpsc;

use crate::Global;
use crate::context;
use crate::output::{Failure, print_json, print_table, state, time};

#[derive(Debug, Args)]
pub(crate) struct LabsArgs {
    /// Only labs in this state (repeatable): inactive, scheduled, deploying, running,
    /// stopping, failed.
    #[arg(long = "state", value_name = "STATE", value_parser = parse_state)]
    states: Vec<InstanceState>,
    /// Only labs whose name contains this.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct LabArg {
    /// The lab: its id, or its name.
    pub(crate) lab: String,
}

#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// The lab: its id, or its name.
    lab: String,
    /// Do not show the lab's log while waiting.
    #[arg(long, short = 'q')]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum NodeCommand {
    /// Start a stopped node.
    Start(NodeArgs),
    /// Stop a node.
    Stop(NodeArgs),
    /// Restart a node.
    Restart(NodeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct NodeArgs {
    /// The lab: its id, or its name.
    lab: String,
    /// The node's name.
    node: String,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// A containerlab topology file (.clab.yml or .clab.yaml).
    file: PathBuf,
    /// The collection to put it in (default: "local", or the only one there is).
    #[arg(long, value_name = "NAME")]
    collection: Option<String>,
    /// How long the lab may run before the server destroys it.
    #[arg(long, default_value_t = 168, value_name = "HOURS")]
    hours: u32,
    /// Deploy it right away, showing its log.
    #[arg(long, conflicts_with = "start")]
    deploy: bool,
    /// Let the server deploy it at this time (RFC 3339, e.g. 2026-12-01T08:00:00Z). Without
    /// --start or --deploy the lab is created but not scheduled.
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    start: Option<antimony_protocol::Timestamp>,
}

pub(crate) fn parse_time(text: &str) -> Result<antimony_protocol::Timestamp, String> {
    antimony_protocol::Timestamp::parse(text)
        .map_err(|e| format!("{text:?} is not an RFC 3339 time: {e}"))
}

fn parse_state(text: &str) -> Result<InstanceState, String> {
    InstanceState::ALL
        .iter()
        .copied()
        .find(|s| state(*s) == text.to_ascii_lowercase())
        .ok_or_else(|| {
            let names: Vec<&str> = InstanceState::ALL.iter().map(|s| state(*s)).collect();
            format!("unknown state {text:?}; one of {}", names.join(", "))
        })
}

pub(crate) async fn list(global: &Global, args: LabsArgs) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let query = LabsQuery {
        search_query: args.search,
        state_filter: args.states,
        ..LabsQuery::default()
    };
    let page = rest.labs(&query).await?;
    if global.json {
        return print_json(&page.labs);
    }
    if page.labs.is_empty() {
        println!("No labs.");
        return Ok(());
    }
    let collections = rest.collections().await.unwrap_or_default();
    let collection_name = |id: &str| {
        collections
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_owned(), |c| c.name.clone())
    };
    let now = time::OffsetDateTime::now_utc();
    let rows: Vec<Vec<String>> = page
        .labs
        .iter()
        .map(|lab| {
            // The instance's nodes, else the topology's (as the app counts them).
            let nodes = lab
                .instance
                .as_ref()
                .and_then(|i| i.nodes.as_ref())
                .map(Vec::len)
                .or_else(|| import::topology_node_count(&lab.topology_definition))
                .map_or_else(|| "-".to_owned(), |n| n.to_string());
            vec![
                lab.name.clone(),
                state(lab.state()).to_owned(),
                nodes,
                collection_name(&lab.collection_id),
                ends(lab, now),
                lab.id.clone(),
            ]
        })
        .collect();
    print_table(
        &["NAME", "STATE", "NODES", "COLLECTION", "ENDS", "ID"],
        &rows,
    );
    if let Some(total) = page.total
        && total > page.labs.len() as u64
    {
        println!("({} of {total} labs)", page.labs.len());
    }
    Ok(())
}

/// When a lab starts, in words: "not scheduled" for a lab parked far ahead (the import's 2099).
fn starts(lab: &LabOut, now: time::OffsetDateTime) -> String {
    if import::not_scheduled(lab, now) {
        "not scheduled".to_owned()
    } else {
        time(&lab.start_time)
    }
}

/// When a lab ends, in words: "no end" for none or one parked far ahead (the import's 2199).
fn ends(lab: &LabOut, now: time::OffsetDateTime) -> String {
    if import::never_ends(lab, now) {
        "no end".to_owned()
    } else {
        lab.end_time
            .as_ref()
            .map_or_else(|| "no end".to_owned(), time)
    }
}

/// Finds a lab by id, by name, or by the start of its id.
pub(crate) async fn find_lab(rest: &RestClient, text: &str) -> Result<LabOut, Failure> {
    if is_well_formed_uuid(text) {
        return rest.lab(text).await.map_err(|e| match &e {
            antimony_client::Error::Api { status: 404, .. } => {
                Failure::refused(Some(ErrorCode::IdNotFound.code()), format!("no lab {text}"))
            }
            _ => e.into(),
        });
    }
    let labs = rest.labs(&LabsQuery::default()).await?.labs;
    let by_name: Vec<&LabOut> = labs.iter().filter(|l| l.name == text).collect();
    let matches = if by_name.is_empty() {
        let lower = text.to_lowercase();
        let folded: Vec<&LabOut> = labs
            .iter()
            .filter(|l| l.name.to_lowercase() == lower)
            .collect();
        if folded.is_empty() && text.len() >= 4 {
            labs.iter().filter(|l| l.id.starts_with(text)).collect()
        } else {
            folded
        }
    } else {
        by_name
    };
    match matches.as_slice() {
        [lab] => Ok((*lab).clone()),
        [] => Err(Failure::refused(
            Some(ErrorCode::IdNotFound.code()),
            format!("no lab named {text:?} (see `antimony labs`)"),
        )),
        several => {
            let ids: Vec<&str> = several.iter().map(|l| l.id.as_str()).collect();
            Err(Failure::usage(format!(
                "{} labs are named {text:?}; give the id: {}",
                several.len(),
                ids.join(", ")
            )))
        }
    }
}

pub(crate) async fn show(global: &Global, arg: LabArg) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let lab = find_lab(&rest, &arg.lab).await?;
    if global.json {
        return print_json(&lab);
    }
    println!("Lab        {}", lab.name);
    println!("Id         {}", lab.id);
    println!("State      {}", state(lab.state()));
    println!("Creator    {}", lab.creator.name);
    let now = time::OffsetDateTime::now_utc();
    println!("Starts     {}", starts(&lab, now));
    println!("Ends       {}", ends(&lab, now));
    let nodes = lab
        .instance
        .as_ref()
        .and_then(|i| i.nodes.clone())
        .unwrap_or_default();
    if nodes.is_empty() {
        return Ok(());
    }
    println!();
    let rows: Vec<Vec<String>> = nodes
        .iter()
        .map(|n| {
            vec![
                n.name.clone(),
                n.kind.clone(),
                n.state.to_string(),
                n.ipv4.clone(),
                n.ipv6.clone(),
                n.container_id.clone(),
            ]
        })
        .collect();
    print_table(
        &["NODE", "KIND", "STATE", "IPV4", "IPV6", "CONTAINER"],
        &rows,
    );
    Ok(())
}

/// Prints a lab log's lines as they come.
fn print_lines(event: &ClientEvent) -> bool {
    match event {
        ClientEvent::LogLines { lines, missed, .. } => {
            if *missed > 0 {
                eprintln!("[{missed} earlier lines were trimmed on the server]");
            }
            for line in lines {
                println!("{line}");
            }
            !lines.is_empty()
        }
        _ => false,
    }
}

/// Sends a lab command and waits for its ack; with `log`, prints the lab log meanwhile.
async fn run_command(
    session: &Session,
    events: &mut mpsc::UnboundedReceiver<ClientEvent>,
    command: &LabCommandData,
    log: bool,
    has_log: bool,
) -> Result<serde_json::Value, antimony_client::session::CommandError> {
    let namespace = Namespace::lab_logs(&command.lab_id);
    if log {
        session.subscribe_logs(&namespace);
        if has_log {
            // The lab's log so far is not this command's: take the backlog first, unshown.
            let path = namespace.path();
            let _ = tokio::time::timeout(Duration::from_secs(5), async {
                while let Some(event) = events.recv().await {
                    if matches!(&event, ClientEvent::LogLines { namespace, .. } if *namespace == path)
                    {
                        return;
                    }
                }
            })
            .await;
        }
    }
    let sent = session.command(command);
    tokio::pin!(sent);
    let mut printed_any = false;
    let result = loop {
        tokio::select! {
            result = &mut sent => break result,
            Some(event) = events.recv() => {
                if log {
                    printed_any |= print_lines(&event);
                }
            }
        }
    };
    if log {
        // The last lines may trail the ack, and a lab log that did not exist yet is retried
        // every 2 s: wait for the first lines a while, then until the log is quiet.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let quiet = if printed_any {
                Duration::from_millis(300)
            } else {
                Duration::from_secs(5)
            };
            let wait = quiet.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
            match tokio::time::timeout(wait, events.recv()).await {
                Ok(Some(event)) => printed_any |= print_lines(&event),
                _ => break,
            }
        }
        session.unsubscribe_logs(&namespace);
    }
    result
}

pub(crate) async fn deploy(global: &Global, args: DeployArgs, deploy: bool) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let lab = find_lab(&rest, &args.lab).await?;
    let (command, doing) = if deploy {
        (LabCommand::Deploy, "deploying")
    } else {
        (LabCommand::Destroy, "destroying")
    };
    deploy_lab(global, rest, &lab, command, !args.quiet)
        .await
        .map_err(|f| f.context(&format!("{doing} {}", lab.name)))
}

async fn deploy_lab(
    global: &Global,
    rest: Arc<RestClient>,
    lab: &LabOut,
    command: LabCommand,
    log: bool,
) -> Result<(), Failure> {
    let (session, mut events) = context::session(Arc::clone(&rest)).await?;
    let log = log && !global.json;
    if log {
        let what = if command == LabCommand::Deploy {
            "Deploying"
        } else {
            "Destroying"
        };
        eprintln!("{what} {} …", lab.name);
    }
    let data = LabCommandData::new(&lab.id, command);
    run_command(&session, &mut events, &data, log, lab.instance.is_some())
        .await
        .map_err(|e| Failure::command("the server refused", &e))?;
    let after = rest.lab(&lab.id).await?;
    if global.json {
        return print_json(&json!({
            "lab": lab.id,
            "command": if command == LabCommand::Deploy { "deploy" } else { "destroy" },
            "ok": true,
            "state": state(after.state()),
        }));
    }
    let nodes = after
        .instance
        .as_ref()
        .and_then(|i| i.nodes.as_ref())
        .map_or(0, Vec::len);
    if command == LabCommand::Deploy {
        println!(
            "Deployed {}: {} with {nodes} node{}.",
            lab.name,
            state(after.state()),
            if nodes == 1 { "" } else { "s" }
        );
    } else {
        println!("Destroyed {}.", lab.name);
    }
    Ok(())
}

pub(crate) async fn node(global: &Global, command: NodeCommand) -> Result<(), Failure> {
    let (args, kind, done) = match command {
        NodeCommand::Start(args) => (args, LabCommand::StartNode, "Started"),
        NodeCommand::Stop(args) => (args, LabCommand::StopNode, "Stopped"),
        NodeCommand::Restart(args) => (args, LabCommand::RestartNode, "Restarted"),
    };
    let rest = context::rest(global).await?;
    let lab = find_lab(&rest, &args.lab).await?;
    let (session, _events) = context::session(Arc::clone(&rest)).await?;
    let data = LabCommandData::for_node(&lab.id, kind, &args.node);
    if let Err(error) = session.command(&data).await {
        let mut failure = Failure::command(
            &format!("{} node {} of {}", done.to_lowercase(), args.node, lab.name),
            &error,
        );
        if error.code() == ErrorCode::NodeNotFound.code() {
            let names: Vec<String> = lab
                .instance
                .as_ref()
                .and_then(|i| i.nodes.as_ref())
                .map(|nodes| nodes.iter().map(|n| n.name.clone()).collect())
                .unwrap_or_default();
            if !names.is_empty() {
                failure = failure.context(&format!("its nodes are {}", names.join(", ")));
            }
        }
        return Err(failure);
    }
    let after = rest.lab(&lab.id).await?;
    let node_state = after
        .instance
        .as_ref()
        .and_then(|i| i.nodes.as_ref())
        .and_then(|nodes| nodes.iter().find(|n| n.name == args.node))
        .map(|n| n.state.to_string());
    if global.json {
        return print_json(&json!({
            "lab": lab.id,
            "node": args.node,
            "command": done.to_lowercase(),
            "ok": true,
            "state": node_state,
        }));
    }
    match node_state {
        Some(state) => println!("{done} {} of {} (now {state}).", args.node, lab.name),
        None => println!("{done} {} of {}.", args.node, lab.name),
    }
    Ok(())
}

pub(crate) async fn import(global: &Global, args: ImportArgs) -> Result<(), Failure> {
    let name = args.file.display().to_string();
    let file = TopologyFile::read(&args.file)?;
    let rest = context::rest(global).await?;
    let start = match args.start {
        Some(start) => ImportStart::At(start),
        None if args.deploy => ImportStart::DeployNow,
        None => ImportStart::Unscheduled,
    };
    let end = ImportEnd::After { hours: args.hours };
    let imported = import::import(&rest, &file, args.collection.as_deref(), start, end)
        .await
        .map_err(|e| Failure::from(e).context(&format!("importing {name}")))?;
    let collection = imported.collection;
    let imported = imported.imported;
    let lab = rest.lab(&imported.lab_id).await?;
    if global.json && !args.deploy {
        return print_json(&json!({
            "lab": imported.lab_id,
            "topology": imported.topology_id,
            "collection": collection,
            "name": lab.name,
        }));
    }
    if !global.json {
        println!(
            "Imported {name} as lab {} ({}) in collection {}.",
            lab.name, lab.id, collection
        );
        if let Some(start) = &args.start {
            println!("The server deploys it at {}.", time(start));
        } else if !args.deploy {
            println!(
                "It is not scheduled; deploy it with `antimony deploy {}`.",
                lab.name
            );
        }
    }
    if args.deploy {
        deploy_lab(global, rest, &lab, LabCommand::Deploy, true)
            .await
            .map_err(|f| f.context(&format!("deploying {}", lab.name)))?;
    }
    Ok(())
}
