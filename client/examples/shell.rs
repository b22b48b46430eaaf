//! Shell benchmark peer (bench/shell): through the client engine's `ShellHandle`, the time
//! from a keystroke to its echo, and the rate of a shell's output.
//!
//! Usage: `shell <origin> <lab id> <node> <keystrokes> [<output command> <marker>]`. Logs
//! in natively as `ANTIMONY_USER` with `ANTIMONY_PASSWORD` (empty credentials when they are
//! unset), with REST at `<origin>`, opens a shell on the node, waits for its prompt, then
//! types `<keystrokes>` single characters one at a time (each after the previous echo came
//! back) and, with an output command, runs it and counts output bytes until `<marker>`
//! appears. Prints one JSON line: `{"latencyMs": [...], "outputBytes": …, "missedBytes": …,
//! "outputMs": …}` (missed: output the server dropped because this client fell behind).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_client::session::{Session, ShellEvent, ShellHandle};

/// Output until it contains `wanted`: the bytes received, and the bytes the server said it
/// dropped meanwhile.
async fn until(shell: &mut ShellHandle, wanted: &str) -> Result<(usize, u64), String> {
    let mut seen = String::new();
    let mut bytes = 0;
    let mut missed = 0;
    let found = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(event) = shell.next().await {
            match event {
                ShellEvent::Output(text) => {
                    bytes += text.len();
                    seen.push_str(&text);
                    if seen.contains(wanted) {
                        return true;
                    }
                    // Keep only a tail long enough to find the marker across chunks.
                    if seen.len() > 4096 {
                        let cut = seen.floor_char_boundary(seen.len() - 1024);
                        seen.drain(..cut);
                    }
                }
                ShellEvent::Missed(lost) => missed += lost,
                ShellEvent::Closed(reason) => {
                    eprintln!("the shell closed: {reason}");
                    return false;
                }
                _ => {}
            }
        }
        false
    })
    .await;
    match found {
        Ok(true) => Ok((bytes, missed)),
        _ => Err(format!("no {wanted:?}; last output {seen:?}")),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (origin, lab, node, keys, output) = match args.as_slice() {
        [_, origin, lab, node, keys] => (origin, lab, node, keys.parse::<usize>()?, None),
        [_, origin, lab, node, keys, command, marker] => (
            origin,
            lab,
            node,
            keys.parse::<usize>()?,
            Some((command.clone(), marker.clone())),
        ),
        _ => {
            eprintln!("usage: shell <origin> <lab> <node> <keystrokes> [<command> <marker>]");
            std::process::exit(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let rest = Arc::new(RestClient::new(
            ServerProfile::new("bench", origin)?.with_rest_base(origin)?,
        )?);
        let user = std::env::var("ANTIMONY_USER").unwrap_or_default();
        let password = std::env::var("ANTIMONY_PASSWORD").unwrap_or_default();
        rest.login_native(&user, &password).await?;
        let (session, _events) = Session::open(rest);
        if !session.ready(Duration::from_secs(15)).await {
            return Err("the session did not connect".into());
        }
        let id = session.open_shell(lab, node).await?;
        let mut shell = session.attach_shell(&id);
        until(&mut shell, "# ").await?;
        let mut latency = Vec::with_capacity(keys);
        for i in 0..keys {
            // Letters a..z, one at a time: each echo is that letter.
            let key = char::from(b'a' + (i % 26) as u8).to_string();
            let sent = Instant::now();
            shell.input(key.clone()).await?;
            until(&mut shell, &key).await?;
            latency.push(sent.elapsed().as_secs_f64() * 1000.0);
        }
        // Drop the typed line (Ctrl-C), back at the prompt.
        shell.input("\u{3}").await?;
        until(&mut shell, "# ").await?;
        let (mut output_bytes, mut missed_bytes, mut output_ms) = (0, 0, 0.0);
        if let Some((command, marker)) = output {
            shell.input(format!("{command}\r")).await?;
            let started = Instant::now();
            (output_bytes, missed_bytes) = until(&mut shell, &marker).await?;
            output_ms = started.elapsed().as_secs_f64() * 1000.0;
        }
        let _ = session.close_shell(lab, &id).await;
        let latencies: Vec<String> = latency.iter().map(|l| format!("{l:.3}")).collect();
        println!(
            "{{\"latencyMs\":[{}],\"outputBytes\":{output_bytes},\"missedBytes\":{missed_bytes},\"outputMs\":{output_ms:.1}}}",
            latencies.join(",")
        );
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
