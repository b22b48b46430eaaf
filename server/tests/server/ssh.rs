//! Shells over SSH against a real OpenSSH server (Debian's `sshd`), started here on a
//! loopback port with a throw-away host key: password and key logins, a refused login, the
//! window size, and a shell opened through the server that reaches its node over SSH.
//!
//! Needs `sshd` and the user `antimony-ssh` whose password is in `ANTIMONY_SSH_PASSWORD`
//! (scripts/test installs openssh-server and makes the user), and root (sshd switches to the
//! user). So these tests are ignored by default; scripts/test runs them with `--ignored`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use antimony_protocol::{LabCommand, LabCommandData, Namespace, TerminalSize};
use antimony_server::driver::Terminal;
use antimony_server::driver::ssh::{self, SshTarget};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::json;

use crate::stack::{command, connect, create_lab_from, next_event, start_with};

const USER: &str = "antimony-ssh";

fn password() -> String {
    std::env::var("ANTIMONY_SSH_PASSWORD")
        .expect("ANTIMONY_SSH_PASSWORD (scripts/test sets it with the user antimony-ssh)")
}

/// An sshd on a free loopback port; killed when dropped.
struct Sshd {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen (openssh-client)");
    assert!(status.success());
}

impl Sshd {
    fn start() -> Sshd {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        keygen(&dir.path().join("hostkey"));
        std::fs::create_dir_all("/run/sshd").unwrap();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {host}\nPidFile {pid}\n\
             PasswordAuthentication yes\nKbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             UsePAM yes\nStrictModes no\nAuthorizedKeysFile {keys}\nAllowUsers {USER}\n\
             PrintMotd no\nLogLevel VERBOSE\n",
            host = dir.path().join("hostkey").display(),
            pid = dir.path().join("sshd.pid").display(),
            keys = dir.path().join("authorized_keys").display(),
        );
        std::fs::write(dir.path().join("sshd_config"), config).unwrap();
        std::fs::write(dir.path().join("authorized_keys"), "").unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f"])
            .arg(dir.path().join("sshd_config"))
            .stderr(std::fs::File::create(dir.path().join("sshd.log")).unwrap())
            .spawn()
            .expect("/usr/sbin/sshd (openssh-server)");
        let sshd = Sshd { child, port, dir };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return sshd;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("sshd did not listen: {}", sshd.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }

    fn target(&self, password: Option<String>, keys: Vec<PathBuf>) -> SshTarget {
        SshTarget {
            host: "127.0.0.1".into(),
            port: self.port,
            user: USER.into(),
            password,
            keys,
        }
    }
}

/// Output until it contains `wanted` (within 10 s).
async fn read_until(terminal: &mut Terminal, wanted: &str) -> String {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(bytes)) = terminal.output.next().await {
            seen.extend_from_slice(&bytes);
            if String::from_utf8_lossy(&seen).contains(wanted) {
                return true;
            }
        }
        false
    })
    .await;
    let text = String::from_utf8_lossy(&seen).into_owned();
    assert!(matches!(found, Ok(true)), "no {wanted:?} in {text:?}");
    text
}

async fn type_line(terminal: &mut Terminal, line: &str) {
    terminal
        .input
        .write(Bytes::from(format!("{line}\r")))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs sshd, the user antimony-ssh and root: scripts/test runs it"]
async fn ssh_logs_in_with_a_password_and_follows_the_window_size() {
    let sshd = Sshd::start();
    let size = TerminalSize::new(30, 110).unwrap();
    let mut terminal = ssh::open(
        &sshd.target(Some(password()), vec![]),
        size,
        Duration::from_secs(10),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}: {}", sshd.log()));
    assert!(
        terminal.via.contains("ssh antimony-ssh@127.0.0.1"),
        "{}",
        terminal.via
    );
    type_line(&mut terminal, "echo answer $((6*7))").await;
    read_until(&mut terminal, "answer 42").await;
    type_line(&mut terminal, "stty size").await;
    read_until(&mut terminal, "30 110").await;
    terminal
        .input
        .resize(TerminalSize::new(44, 150).unwrap())
        .await
        .unwrap();
    type_line(&mut terminal, "stty size").await;
    read_until(&mut terminal, "44 150").await;
    type_line(&mut terminal, "exit").await;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while terminal.output.next().await.is_some() {}
    })
    .await;
    assert!(ended.is_ok(), "the output ends when the remote shell exits");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs sshd, the user antimony-ssh and root: scripts/test runs it"]
async fn ssh_logs_in_with_a_key_and_refuses_a_wrong_password() {
    let sshd = Sshd::start();
    let key = sshd.dir.path().join("id_ed25519");
    keygen(&key);
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    std::fs::write(sshd.dir.path().join("authorized_keys"), public).unwrap();
    let missing = sshd.dir.path().join("no-such-key");
    let mut terminal = ssh::open(
        &sshd.target(None, vec![missing, key]),
        TerminalSize::DEFAULT,
        Duration::from_secs(10),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}: {}", sshd.log()));
    type_line(&mut terminal, "echo key login $((1+1))").await;
    read_until(&mut terminal, "key login 2").await;
    let refused = ssh::open(
        &sshd.target(Some("wrong".into()), vec![]),
        TerminalSize::DEFAULT,
        Duration::from_secs(10),
    )
    .await;
    let error = refused
        .expect_err("a wrong password is refused")
        .to_string();
    assert!(error.contains("refused"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs sshd, the user antimony-ssh and root: scripts/test runs it"]
async fn a_node_whose_kind_has_an_ssh_user_gets_its_shell_over_ssh() {
    let sshd = Sshd::start();
    let port = sshd.port;
    let stack = start_with(move |config| {
        // The fake containerlab gives srl1 its topology's mgmt-ipv4, 127.0.0.1: sshd's.
        let kinds = format!(
            "nokia_srlinux:\n  canRestart: true\n  sshUsername: {USER}\n  sshPassword: {}\n  sshPort: {port}\nlinux:\n  canRestart: true\n",
            password()
        );
        std::fs::write(&config.kinds_config, kinds).unwrap();
    })
    .await;
    let topology = "name: over-ssh\ntopology:\n  nodes:\n    srl1:\n      kind: nokia_srlinux\n      image: ghcr.io/nokia/srlinux\n      mgmt-ipv4: 127.0.0.1\n";
    let lab = create_lab_from(&stack, topology).await;
    let (commands, _) = connect(&stack.base, "/lab-commands", Some(&stack.admin), None)
        .await
        .unwrap();
    assert_eq!(
        command(&commands, LabCommandData::new(&lab, LabCommand::Deploy)).await,
        json!({"payload": null})
    );
    let reply = command(
        &commands,
        LabCommandData::for_node(&lab, LabCommand::OpenShell, "srl1"),
    )
    .await;
    let id = reply["payload"]
        .as_str()
        .unwrap_or_else(|| panic!("{reply}"))
        .to_owned();
    let (shell, mut output) = connect(
        &stack.base,
        &Namespace::shell(&id).path(),
        Some(&stack.admin),
        None,
    )
    .await
    .unwrap();
    next_event(&mut output, "backlog").await;
    shell.emit("data", json!("whoami\r")).await.unwrap();
    let mut seen = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some((name, values)) = output.recv().await {
            if name == "data" {
                seen.push_str(values[0].as_str().unwrap_or_default());
                if seen.contains(&format!("{USER}\r\n")) {
                    return true;
                }
            }
        }
        false
    })
    .await;
    assert!(
        matches!(found, Ok(true)),
        "whoami over SSH said {seen:?}; sshd: {}",
        sshd.log()
    );
    let _ = shell.disconnect().await;
    let _ = commands.disconnect().await;
}
