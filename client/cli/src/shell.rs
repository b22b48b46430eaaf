//! `antimony shell` and `antimony shells`: an interactive terminal on a lab node.
//!
//! The terminal is put in raw mode, so every key (Ctrl-C, arrows, Tab) goes to the node;
//! its size follows the window (SIGWINCH). Like ssh's `~.`, the sequence Enter `~` `.`
//! detaches: the shell keeps running on the server and `antimony shell LAB --attach ID`
//! rejoins it, its screen repainted from the server's backlog. `~~` sends one `~`.

use std::io::{IsTerminal, Read, Write};
use std::time::Duration;

use antimony_client::session::{Resized, ShellEvent, ShellHandle};
use antimony_protocol::TerminalSize;
use clap::Args;
use serde_json::json;
use tokio::sync::mpsc;

use crate::Global;
use crate::context;
use crate::labs::find_lab;
use crate::output::{Failure, print_json, print_table};

#[derive(Debug, Args)]
pub(crate) struct ShellArgs {
    /// The lab: its id, or its name.
    lab: String,
    /// The node to open a shell on.
    #[arg(required_unless_present_any = ["attach", "close"])]
    node: Option<String>,
    /// Attach to an open shell instead (see `antimony shells LAB`).
    #[arg(long, value_name = "ID", conflicts_with_all = ["node", "close"])]
    attach: Option<String>,
    /// Close an open shell.
    #[arg(long, value_name = "ID", conflicts_with = "node")]
    close: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ShellsArgs {
    /// The lab: its id, or its name.
    lab: String,
}

/// `antimony shells LAB`: the user's open shells in a lab.
pub(crate) async fn list(global: &Global, args: ShellsArgs) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let lab = find_lab(&rest, &args.lab).await?;
    let (session, _events) = context::session(rest).await?;
    let shells = session
        .shells(&lab.id)
        .await
        .map_err(|e| Failure::command("listing shells", &e))?;
    if global.json {
        return print_json(&json!({ "lab": lab.id, "shells": shells }));
    }
    if shells.is_empty() {
        println!("No open shells in {}.", lab.name);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = shells
        .iter()
        .map(|s| vec![s.node.clone(), s.id.clone()])
        .collect();
    print_table(&["NODE", "SHELL"], &rows);
    Ok(())
}

/// `antimony shell LAB NODE`, `--attach ID`, `--close ID`.
pub(crate) async fn run(global: &Global, args: ShellArgs) -> Result<(), Failure> {
    let rest = context::rest(global).await?;
    let lab = find_lab(&rest, &args.lab).await?;
    let (session, _events) = context::session(rest).await?;
    if let Some(id) = &args.close {
        session
            .close_shell(&lab.id, id)
            .await
            .map_err(|e| Failure::command("closing the shell", &e))?;
        if global.json {
            return print_json(&json!({ "closed": id }));
        }
        println!("Closed shell {id}.");
        return Ok(());
    }
    let id = match (&args.attach, &args.node) {
        (Some(id), _) => id.clone(),
        (None, Some(node)) => session
            .open_shell(&lab.id, node)
            .await
            .map_err(|e| Failure::command(&format!("opening a shell on {node}"), &e))?,
        (None, None) => return Err(Failure::usage("name a node, or --attach ID")),
    };
    let mut shell = session.attach_shell(&id);
    if !shell.connected(Duration::from_secs(15)).await {
        return Err(Failure::unreachable(format!(
            "shell {id} did not connect within 15 s (closed, or not yours?)"
        )));
    }
    let ended = interact(&mut shell).await?;
    match ended {
        Ended::Detached => eprintln!(
            "\r\nDetached. The shell keeps running: `antimony shell {} --attach {id}` rejoins it.",
            args.lab
        ),
        Ended::Closed(reason) => eprintln!("\r\nThe shell closed: {reason}."),
        Ended::InputClosed => {}
    }
    Ok(())
}

/// How a session at the terminal ended.
enum Ended {
    /// The user typed Enter ~ .
    Detached,
    /// The shell ended, with the server's reason.
    Closed(String),
    /// Standard input ended (not a terminal).
    InputClosed,
}

/// Raw mode for as long as it lives.
struct RawMode(bool);

impl RawMode {
    fn enter() -> Self {
        let on = std::io::stdin().is_terminal() && crossterm::terminal::enable_raw_mode().is_ok();
        RawMode(on)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.0 {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}

/// The window's size, if standard output is a terminal.
fn window_size() -> Option<TerminalSize> {
    let (cols, rows) = crossterm::terminal::size().ok()?;
    TerminalSize::new(rows.min(TerminalSize::MAX), cols.min(TerminalSize::MAX)).ok()
}

/// Reads standard input on a thread of its own (reads block) and hands the bytes over.
fn read_stdin() -> mpsc::UnboundedReceiver<Vec<u8>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buffer = [0_u8; 4096];
        loop {
            match stdin.read(&mut buffer) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    if tx
                        .send(buffer.get(..n).unwrap_or_default().to_vec())
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    });
    rx
}

/// Finds Enter `~` `.` in the keys typed, as ssh does.
#[derive(Debug)]
struct EscapeReader {
    /// At the start of a line (after Enter, or at first).
    line_start: bool,
    /// A `~` at the start of a line, held until the next key says what it means.
    tilde: bool,
}

impl Default for EscapeReader {
    fn default() -> Self {
        EscapeReader {
            line_start: true,
            tilde: false,
        }
    }
}

impl EscapeReader {
    /// The bytes to send, and whether the user asked to detach.
    fn feed(&mut self, keys: &[u8]) -> (Vec<u8>, bool) {
        let mut out = Vec::with_capacity(keys.len());
        for &key in keys {
            if self.tilde {
                self.tilde = false;
                match key {
                    b'.' => return (out, true),
                    b'~' => {
                        out.push(b'~');
                        self.line_start = false;
                        continue;
                    }
                    _ => out.push(b'~'),
                }
            } else if self.line_start && key == b'~' {
                self.tilde = true;
                continue;
            }
            out.push(key);
            self.line_start = key == b'\r' || key == b'\n';
        }
        (out, false)
    }
}

async fn interact(shell: &mut ShellHandle) -> Result<Ended, Failure> {
    let _raw = RawMode::enter();
    let mut keys = read_stdin();
    let mut escape = EscapeReader::default();
    let mut stdout = std::io::stdout();
    let mut resizes = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::window_change())
        .map_err(|e| Failure::local(format!("cannot follow the window size: {e}")))?;
    let mut told_fixed = false;
    let mut away = false;
    if let Some(size) = window_size() {
        told_fixed |= resize(shell, size, told_fixed).await;
    }
    loop {
        tokio::select! {
            event = shell.next() => match event {
                Some(ShellEvent::Output(text)) => {
                    let _ = stdout.write_all(text.as_bytes());
                    let _ = stdout.flush();
                }
                Some(ShellEvent::Missed(bytes)) => {
                    let _ = write!(stdout, "\r\n[antimony: {bytes} bytes of output written while away were not kept]\r\n");
                }
                Some(ShellEvent::Connection(state)) => {
                    use antimony_client::session::ConnectionState as S;
                    match state {
                        S::Connected if away => {
                            away = false;
                            let _ = write!(stdout, "\r\n[antimony: reconnected]\r\n");
                        }
                        S::Trouble(_) | S::Refused(_) if !away => {
                            away = true;
                            let _ = write!(stdout, "\r\n[antimony: connection lost, reconnecting…]\r\n");
                        }
                        S::LoginNeeded(reason) => return Err(Failure::login(reason)),
                        _ => {}
                    }
                    let _ = stdout.flush();
                }
                Some(ShellEvent::Closed(reason)) => return Ok(Ended::Closed(reason)),
                None => return Ok(Ended::Closed("the connection ended".into())),
            },
            typed = keys.recv() => {
                let Some(typed) = typed else { return Ok(Ended::InputClosed) };
                let (send, detach) = escape.feed(&typed);
                if !send.is_empty() {
                    let text = String::from_utf8_lossy(&send).into_owned();
                    if shell.input(text).await.is_err() && !away {
                        away = true;
                        let _ = write!(stdout, "\r\n[antimony: not connected; input dropped]\r\n");
                        let _ = stdout.flush();
                    }
                }
                if detach {
                    return Ok(Ended::Detached);
                }
            }
            _ = resizes.recv() => {
                if let Some(size) = window_size() {
                    told_fixed |= resize(shell, size, told_fixed).await;
                }
            }
        }
    }
}

/// Sends the size; says once that a server without `resize` keeps its own size. True when
/// it said so.
async fn resize(shell: &ShellHandle, size: TerminalSize, told: bool) -> bool {
    match shell.resize(size).await {
        Ok(Resized::Unsupported) if !told => {
            eprint!(
                "\r\n[antimony: this server cannot resize shells; the shell keeps its own size]\r\n"
            );
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enter_tilde_dot_detaches_and_tilde_tilde_sends_one_tilde() {
        let mut reader = EscapeReader::default();
        assert_eq!(reader.feed(b"ls\r"), (b"ls\r".to_vec(), false));
        assert_eq!(reader.feed(b"~"), (Vec::new(), false), "held");
        assert_eq!(reader.feed(b"~x"), (b"~x".to_vec(), false));
        assert_eq!(
            reader.feed(b"a~."),
            (b"a~.".to_vec(), false),
            "not at a line start"
        );
        assert_eq!(reader.feed(b"\r~y"), (b"\r~y".to_vec(), false));
        let (sent, detach) = reader.feed(b"\r~.ignored");
        assert_eq!((sent, detach), (b"\r".to_vec(), true));
        let mut first = EscapeReader::default();
        assert_eq!(
            first.feed(b"~."),
            (Vec::new(), true),
            "at the very start too"
        );
    }
}
