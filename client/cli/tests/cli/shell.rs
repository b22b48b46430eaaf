//! `antimony shell` in a real pseudo-terminal (portable-pty), against antimony-server with
//! the fake Docker engine's exec: keys pass through, the window size follows the terminal
//! (SIGWINCH), Enter ~ . detaches, `shells` lists, `--attach` rejoins with the screen
//! repainted, and the shell's end is said plainly.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use crate::harness::{Stack, run, stack};

/// `antimony` in a pseudo-terminal of `rows`×`cols`, its output collected on a thread.
struct Terminal {
    pair: portable_pty::PtyPair,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    seen: String,
}

impl Terminal {
    fn start(stack: &Stack, args: &[&str], rows: u16, cols: u16) -> Terminal {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_antimony"));
        command.args(args);
        command.env("ANTIMONY_CONFIG", stack.dir.path().join("servers.toml"));
        command.env("HOME", stack.dir.path());
        command.env("XDG_CONFIG_HOME", stack.dir.path());
        command.env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/antimony-test-bus",
        );
        command.env("ANTIMONY_SERVER", &stack.origin);
        command.env("ANTIMONY_USER", "admin");
        command.env("ANTIMONY_PASSWORD", "s3cret");
        let child = pair.slave.spawn_command(command).unwrap();
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buffer = [0_u8; 4096];
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 || tx.send(buffer[..n].to_vec()).is_err() {
                    return;
                }
            }
        });
        Terminal {
            pair,
            child,
            writer,
            output,
            seen: String::new(),
        }
    }

    /// Waits (at most 15 s) until the output since the last wait contains `wanted`.
    fn expect(&mut self, wanted: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(at) = self.seen.find(wanted) {
                self.seen.drain(..at + wanted.len());
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                Err(_) => panic!(
                    "no {wanted:?} within 15 s; the terminal shows {:?}",
                    self.seen
                ),
            }
        }
    }

    fn type_keys(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn resize(&self, rows: u16, cols: u16) {
        self.pair
            .master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    /// Waits (at most 15 s) for the process to end; its exit code.
    fn exit_code(&mut self) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.exit_code();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("antimony did not end; the terminal shows {:?}", self.seen);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_in_a_terminal_follows_the_window_detaches_and_rejoins() {
    let stack = stack().await;
    let lab = stack.lab("pair").await;
    run(stack.cli(), &["deploy", "pair", "-q"]).await.ok();
    let mut term = Terminal::start(&stack, &["shell", "pair", "a"], 24, 80);
    term.expect("clab-");
    term.expect(":~# ");
    term.type_keys("stty size\r");
    term.expect("24 80");
    // The window grows: SIGWINCH, and the shell follows.
    term.resize(40, 100);
    std::thread::sleep(Duration::from_millis(300));
    term.type_keys("stty size\r");
    term.expect("40 100");
    // Keys pass through as they are: Ctrl-C reaches the shell.
    term.type_keys("sleep 30\r");
    std::thread::sleep(Duration::from_millis(200));
    term.type_keys("\u{3}");
    term.expect("^C");
    term.type_keys("echo after interrupt\r");
    term.expect("after interrupt\r\n");
    // Enter ~ . detaches; the shell keeps running.
    term.type_keys("\r~.");
    term.expect("Detached");
    assert_eq!(term.exit_code(), 0);

    let listed = run(stack.cli(), &["shells", "pair", "--json"]).await;
    let shells: serde_json::Value = serde_json::from_str(listed.ok().trim()).unwrap();
    assert_eq!(shells["lab"], serde_json::json!(lab));
    let id = shells["shells"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(shells["shells"][0]["node"], serde_json::json!("a"));

    // Rejoining repaints the screen from the server's backlog, then the remote exit ends it.
    let mut term = Terminal::start(&stack, &["shell", "pair", "--attach", &id], 30, 120);
    term.expect("after interrupt");
    term.type_keys("exit\r");
    term.expect("The shell closed: User closed the shell.");
    assert_eq!(term.exit_code(), 0);
    let listed = run(stack.cli(), &["shells", "pair"]).await;
    assert!(listed.ok().contains("No open shells"), "{listed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shells_can_be_closed_from_another_command_and_errors_are_plain() {
    let stack = stack().await;
    stack.lab("pair").await;
    run(stack.cli(), &["deploy", "pair", "-q"]).await.ok();
    let mut term = Terminal::start(&stack, &["shell", "pair", "b"], 24, 80);
    term.expect(":~# ");
    let listed = run(stack.cli(), &["shells", "pair", "--json"]).await;
    let shells: serde_json::Value = serde_json::from_str(listed.ok().trim()).unwrap();
    let id = shells["shells"][0]["id"].as_str().unwrap().to_owned();
    let closed = run(stack.cli(), &["shell", "pair", "--close", &id]).await;
    assert!(
        closed.ok().contains(&format!("Closed shell {id}.")),
        "{closed:?}"
    );
    term.expect("The shell closed: shell was closed by the user.");
    assert_eq!(term.exit_code(), 0);
    // Closing it again: the server's 5007.
    let again = run(stack.cli(), &["shell", "pair", "--close", &id]).await;
    assert!(again.fails(4).contains("5007"), "{again:?}");
    // A node that does not exist: 5006.
    let missing = run(stack.cli(), &["shell", "pair", "nope"]).await;
    assert!(missing.fails(4).contains("5006"), "{missing:?}");
}
