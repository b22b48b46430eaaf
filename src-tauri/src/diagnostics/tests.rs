//! Unit tests of the diagnostics report and its scrubbing.

use super::*;
use antimony_protocol::PrerequisiteCheck;

/// A made-up token (header, claims `{"id":"admin","isAdmin":true}`, signature "signature-secret"),
/// put together from its parts so that no token-shaped string sits in the source.
const JWT: &str = concat!(
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
    ".",
    "eyJpZCI6ImFkbWluIiwiaXNBZG1pbiI6dHJ1ZX0",
    ".",
    "c2lnbmF0dXJlLXNlY3JldA",
);

/// A log with secrets in every shape they were seen in, and the secrets themselves.
fn secret_log() -> (String, Vec<&'static str>) {
    let log = format!(
        "2026-03-01T10:00:00Z  INFO antimony_client: login user=alice password=hunter2-plain\n\
         2026-03-01T10:00:01Z DEBUG reqwest: cookie accessToken={JWT}; Path=/\n\
         2026-03-01T10:00:02Z DEBUG hyper: set-cookie: authToken=refresh-SECRET-1; HttpOnly\n\
         2026-03-01T10:00:03Z DEBUG http: Authorization: Bearer opaque-BEARER-2\n\
         2026-03-01T10:00:04Z  INFO server: env SB_NATIVE_PASSWORD=native-SECRET-3 started\n\
         2026-03-01T10:00:05Z  WARN body={{\"username\":\"admin\",\"password\":\"json secret 4\"}}\n\
         2026-03-01T10:00:06Z  WARN body=\"{{\\\"password\\\":\\\"escaped-SECRET-5\\\"}}\"\n\
         2026-03-01T10:00:07Z DEBUG config: Auth {{ native_password: Some(\"debug-SECRET-6\"), x: 1 }}\n\
         2026-03-01T10:00:08Z DEBUG kinds: sshPassword: NokiaSrl1!\n\
         2026-03-01T10:00:09Z  INFO a bare token {JWT} in prose\n\
         2026-03-01T10:00:10Z  INFO headers {{\"authorization\": \"Basic YWRtaW46c2VjcmV0\"}}\n\
         2026-03-01T10:00:11Z  INFO url=https://bob:url-SECRET-7@lab.example.org/api\n\
         2026-03-01T10:00:12Z  INFO tokens: Tokens {{ access_token: Some(\"{JWT}\"), auth_token: Some(\"opaque-AUTH-8\") }}\n\
         2026-03-01T10:00:13Z  INFO refresh_token=opaque-REFRESH-9 client_secret=oidc-SECRET-10\n\
         2026-03-01T10:00:14Z  INFO antimony_server::auth::secret: created a new token signing secret\n\
         2026-03-01T10:00:15Z  INFO the line ends with password\n\
         == kept: the next line ==\n"
    );
    let secrets = vec![
        "hunter2-plain",
        "eyJ",
        "refresh-SECRET-1",
        "opaque-BEARER-2",
        "native-SECRET-3",
        "json secret 4",
        "escaped-SECRET-5",
        "debug-SECRET-6",
        "NokiaSrl1!",
        "YWRtaW46c2VjcmV0",
        "url-SECRET-7",
        "opaque-AUTH-8",
        "opaque-REFRESH-9",
        "oidc-SECRET-10",
        "c2lnbmF0dXJlLXNlY3JldA",
    ];
    (log, secrets)
}

#[test]
fn the_scrubber_removes_every_secret_and_keeps_the_rest() {
    let (log, secrets) = secret_log();
    let scrubbed = scrub(&log);
    for secret in &secrets {
        assert!(
            log.contains(secret),
            "the test log has {secret:?} to begin with"
        );
        assert!(
            !scrubbed.contains(secret),
            "{secret:?} survived scrubbing:\n{scrubbed}"
        );
    }
    // What is not secret stays, so the log is still worth reading.
    for kept in [
        "user=alice",
        "Path=/",
        "started",
        "\"username\":\"admin\"",
        "x: 1",
        "in prose",
        "lab.example.org/api",
        "2026-03-01T10:00:13Z  INFO",
        "antimony_server::auth::secret: created a new token signing secret",
        "the line ends with password\n== kept: the next line ==\n",
    ] {
        assert!(scrubbed.contains(kept), "{kept:?} was lost:\n{scrubbed}");
    }
    assert_eq!(scrubbed.lines().count(), log.lines().count());
    assert!(scrubbed.contains("password=[redacted]"));
    assert!(scrubbed.contains("SB_NATIVE_PASSWORD=[redacted]"));
    assert!(scrubbed.contains("Authorization: [redacted]"));
    // Scrubbing twice changes nothing more.
    assert_eq!(scrub(&scrubbed), scrubbed);
}

fn check(id: &str, ok: bool) -> PrerequisiteCheck {
    PrerequisiteCheck {
        id: id.into(),
        title: format!("{id} title"),
        ok,
        detail: format!("{id} detail"),
        guidance: (!ok).then(|| format!("install {id}")),
    }
}

fn input(log_dir: &Path) -> ReportInput {
    ReportInput {
        generated: "2026-03-01T10:00:00Z".into(),
        webview: Some("WebKitGTK 2.50.1".into()),
        os: OsInfo {
            os_release: Some("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian".into()),
            kernel: Some("Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)".into()),
        },
        environment: vec!["ANTIMONY_LOG=debug".into()],
        paths: vec![("Log directory".into(), log_dir.display().to_string())],
        prerequisites: Ok(PrerequisiteReport::new(vec![
            check("containerlab", false),
            check("docker", true),
        ])),
        local_origin: Some("http://127.0.0.1:40123".into()),
        servers: vec![ServerLine {
            name: "lab.example.org".into(),
            origin: "https://lab.example.org".into(),
            rest_base: "https://lab.example.org/api".into(),
            tls: "pinned".into(),
            fingerprint: Some("AB:CD".into()),
            logged_in: true,
            local: false,
            version: "unknown".into(),
        }],
        log: tail_log(log_dir, LOG_PREFIX, LOG_LINES),
    }
}

#[test]
fn the_report_has_every_section_the_log_tail_and_no_secret() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    // Two days of log: the older file's start falls outside the last 2000 lines.
    let older: String = (0..1500).map(|i| format!("older line {i}\n")).collect();
    std::fs::write(dir.path().join("antimony-desktop.2026-02-28.log"), older).expect("a log file");
    let (secrets_log, secrets) = secret_log();
    let newer: String = (0..1000).map(|i| format!("newer line {i}\n")).collect();
    std::fs::write(
        dir.path().join("antimony-desktop.2026-03-01.log"),
        format!("{newer}{secrets_log}"),
    )
    .expect("a log file");
    std::fs::write(dir.path().join("other.log"), "not ours\n").expect("another file");

    let text = report(&input(dir.path()));

    let mut from = 0;
    for title in SECTIONS {
        let heading = format!("== {title} ==");
        let at = text[from..]
            .find(&heading)
            .unwrap_or_else(|| panic!("no section {heading:?} after byte {from}:\n{text}"));
        from += at + heading.len();
    }
    for expected in [
        &format!("Version:   {VERSION}"),
        &format!("Commit:    {COMMIT}"),
        "WebKitGTK 2.50.1",
        "Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64",
        "ANTIMONY_LOG=debug",
        "http://127.0.0.1:40123",
        "Ready to deploy labs: no",
        "[MISSING] containerlab title (containerlab): containerlab detail",
        "what to do: install containerlab",
        "[ok] docker title (docker)",
        "- lab.example.org\n    URL: https://lab.example.org",
        "TLS trust: pinned (AB:CD)",
        "Server version: unknown",
        "The last 2000 lines (at most 2000)",
        "antimony-desktop.2026-02-28.log, ",
        "older line 1499\n",
        "newer line 999\n",
        "runs inside the app, in the same process",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
    // 2000 lines: the 17 secret lines, the 1000 newer ones, the newest 983 older ones.
    assert!(!text.contains("older line 516\n"));
    assert!(text.contains("older line 517\n"));
    assert!(!text.contains("not ours"));
    for secret in secrets {
        assert!(!text.contains(secret), "{secret:?} is in the report");
    }
}

#[test]
fn log_lines_lose_their_colour_sequences() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("antimony-desktop.2026-03-01.log"),
        "WARN containerlab{\u{1b}[3mcommand\u{1b}[0m\u{1b}[2m=\u{1b}[0m\"version\"}: failed\n",
    )
    .expect("a log file");
    let tail = tail_log(dir.path(), LOG_PREFIX, LOG_LINES);
    assert_eq!(
        tail.lines,
        vec!["WARN containerlab{command=\"version\"}: failed".to_owned()]
    );
}

#[test]
fn a_missing_log_directory_and_prerequisites_are_said_so() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut input = input(&dir.path().join("missing"));
    input.prerequisites = Err("the local server is not running".into());
    input.local_origin = None;
    let text = report(&input);
    assert!(text.contains("No report: the local server is not running"));
    assert!(text.contains("The local server is not running."));
    assert!(text.contains("Note: cannot list"));
    assert!(text.contains("The last 0 lines"));
}

#[test]
fn the_os_summary_reads_os_release_and_the_kernel() {
    let os = OsInfo {
        os_release: Some("NAME=Debian\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"".into()),
        kernel: Some("Linux version 6.1.0-18-amd64 (gcc)".into()),
    };
    assert_eq!(
        os.summary(),
        format!(
            "Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64, {}",
            std::env::consts::ARCH
        )
    );
    assert!(!COMMIT.is_empty());
}
