//! One shell's tasks: output into the shell's backlog (as text, never splitting a
//! character; no faster than its attached terminals read it), input and size to the terminal
//! in the order they came, the idle timeout, and the close with its reason.
//!
//! Input is written by a task of its own, so the output is read while a large paste is
//! being written (a terminal echoes what it reads; if nobody read the echo, the node would
//! stop reading input and both sides would wait for ever).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use antimony_protocol::{ShellCommand, close_reason};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::utf8::Utf8Chunker;
use super::{Input, Labs, Shell, lock};
use crate::driver::{DriverError, Terminal, TerminalInput};

/// Runs the shell until it closes, then announces why and forgets it.
#[tracing::instrument(name = "shell", skip_all, fields(shell = %shell.id, lab = %shell.lab_id, node = %shell.node))]
pub(super) async fn run(
    labs: Labs,
    shell: Arc<Shell>,
    terminal: Terminal,
    inputs: mpsc::UnboundedReceiver<Input>,
) {
    let Terminal {
        mut output, input, ..
    } = terminal;
    let timeout = labs.settings.shell_timeout;
    let (last_input, mut input_seen) = watch::channel(Instant::now());
    let stop_writer = CancellationToken::new();
    let mut writer = tokio::spawn(write_inputs(
        input,
        inputs,
        Arc::clone(&shell),
        last_input,
        stop_writer.clone(),
    ));
    let mut chunker = Utf8Chunker::default();
    let mut writer_result = None;
    let reason = loop {
        let idle_until = *input_seen.borrow_and_update() + timeout;
        tokio::select! {
            biased;
            () = shell.close.cancelled() => {
                break lock(&shell.reason).unwrap_or(close_reason::SERVER_STOPPING);
            }
            chunk = output.next() => match chunk {
                Some(Ok(bytes)) => {
                    let chunks = chunker.push(&bytes);
                    // An attached terminal that is behind holds the node's output back (the
                    // node waits, as for a slow terminal) rather than lose what it has not
                    // shown; input still goes through meanwhile (Ctrl-C).
                    let size = chunks.iter().map(String::len).sum();
                    tokio::select! {
                        () = shell.output.room_for(size) => {}
                        () = shell.close.cancelled() => {}
                    }
                    shell.output.push_lines(chunks);
                }
                Some(Err(error)) => {
                    tracing::info!(%error, "reading the shell failed");
                    labs.events.send(shell.notice(ShellCommand::Error, error.to_string()));
                    break close_reason::REMOTE_CLOSED;
                }
                None => break close_reason::REMOTE_CLOSED,
            },
            written = &mut writer => {
                let (input, error) = written.unwrap_or_else(|_| (None, None));
                if let Some(error) = error {
                    labs.events.send(shell.notice(ShellCommand::Error, error.to_string()));
                }
                writer_result = Some(input);
                break close_reason::REMOTE_CLOSED;
            }
            _ = input_seen.changed() => {}
            () = tokio::time::sleep_until(idle_until) => break close_reason::INACTIVE,
        }
    };
    if let Some(rest) = chunker.finish() {
        shell.output.push(rest);
    }
    // Whatever the reason, no more input is taken.
    lock(&shell.reason).get_or_insert(reason);
    shell.close.cancel();
    let input = match writer_result {
        Some(input) => input,
        None => {
            stop_writer.cancel();
            writer.await.ok().and_then(|(input, _)| input)
        }
    };
    if let Some(mut input) = input {
        input.close().await;
    }
    shell.output.close();
    labs.shells.closed(&shell);
    tracing::info!(reason, "shell closed");
    labs.events.send(shell.notice(ShellCommand::Close, reason));
}

/// Writes input and sizes in order until stopped, the inputs end, or a write fails. Gives
/// the terminal's input back (to close it), with the error that ended it.
async fn write_inputs(
    mut input: Box<dyn TerminalInput>,
    mut inputs: mpsc::UnboundedReceiver<Input>,
    shell: Arc<Shell>,
    last_input: watch::Sender<Instant>,
    stop: CancellationToken,
) -> (Option<Box<dyn TerminalInput>>, Option<DriverError>) {
    loop {
        let next = tokio::select! {
            () = stop.cancelled() => return (Some(input), None),
            next = inputs.recv() => next,
        };
        match next {
            Some(Input::Data(text)) => {
                last_input.send_replace(Instant::now());
                let size = text.len();
                let written = tokio::select! {
                    () = stop.cancelled() => return (Some(input), None),
                    written = input.write(Bytes::from(text)) => written,
                };
                shell.pending.fetch_sub(size, Ordering::AcqRel);
                if let Err(error) = written {
                    return (Some(input), Some(error));
                }
            }
            Some(Input::Resize(size)) => {
                if let Err(error) = input.resize(size).await {
                    tracing::debug!(%error, "cannot resize the terminal");
                }
            }
            None => return (Some(input), None),
        }
    }
}
