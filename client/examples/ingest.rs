//! Client ingest benchmark peer (bench/client-ingest): subscribes to one log stream through
//! the client's session and counts lines as they come out of its event stream.
//!
//! Usage: `ingest <origin> <namespace> <lines>`. Logs in with empty native credentials (the
//! benchmark server allows them), prints `ready` once the subscription's backlog arrived,
//! then, after `<lines>` lines, one JSON line: `{"ms": …, "cpuMs": …, "lines": …}` (time
//! from the first line to the last, and this process's CPU time meanwhile).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;
use std::time::Instant;

use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_client::session::{ClientEvent, Session};
use antimony_protocol::Namespace;

/// This process's user + system CPU time in milliseconds (from /proc, 100 ticks/s).
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(") ")
        .map(|(_, rest)| rest.split(' ').collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) * 10.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, origin, namespace, lines] = args.as_slice() else {
        eprintln!("usage: ingest <origin> <namespace> <lines>");
        std::process::exit(2);
    };
    let wanted: usize = lines.parse()?;
    let namespace = Namespace::parse(namespace)?;
    // By default tokio's current-thread runtime, as the `antimony` CLI runs the session;
    // `INGEST_WORKERS=N`: a multi-thread runtime with N workers (the desktop app runs the
    // session on Tauri's multi-thread runtime: `INGEST_WORKERS=2` measures that).
    let workers: usize = std::env::var("INGEST_WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or(0);
    let runtime = if workers == 0 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()?
    };
    runtime.block_on(async move {
        let rest = Arc::new(RestClient::new(
            ServerProfile::new("bench", origin)?.with_rest_base(origin)?,
        )?);
        rest.login_native("", "").await?;
        let (session, mut events) = Session::open(rest);
        session.subscribe_logs(&namespace);
        let path = namespace.path();
        let mut received = 0_usize;
        let mut ready = false;
        let mut started: Option<(Instant, f64)> = None;
        while let Some(event) = events.recv().await {
            let ClientEvent::LogLines {
                namespace, lines, ..
            } = event
            else {
                // Shown by the benchmark when the count never completes.
                if let ClientEvent::Connection { state, .. } = &event {
                    eprintln!("after {received} lines: {state:?}");
                }
                continue;
            };
            if namespace != path {
                continue;
            }
            if !ready {
                // The first delivery is the backlog.
                ready = true;
                println!("ready");
                continue;
            }
            if started.is_none() {
                started = Some((Instant::now(), cpu_ms()));
            }
            received += lines.len();
            if received >= wanted {
                break;
            }
        }
        let (start, cpu_start) = started.ok_or("no lines arrived")?;
        println!(
            "{{\"ms\":{:.1},\"cpuMs\":{:.1},\"lines\":{received}}}",
            start.elapsed().as_secs_f64() * 1000.0,
            cpu_ms() - cpu_start
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
