//! What the app is and where it runs, for the About dialog and for "Export diagnostics": the
//! build (version and the git commit `build.rs` recorded), the webview, the OS, the tail of
//! the app's log, and the plain-text report a user attaches to a bug report.
//!
//! The report never carries a secret: no tokens or passwords are put into it, and the whole
//! text, logs included, goes through [`scrub`] before it is written. It knows nothing of
//! Tauri's state; `commands/about.rs` gathers what it needs.

use std::fmt::Write as _;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use antimony_protocol::PrerequisiteReport;
use regex::Regex;

/// The app's version.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit the app was built from (`-dirty` with uncommitted changes), or `unknown`.
pub(crate) const COMMIT: &str = env!("ANTIMONY_BUILD_COMMIT");
/// How many lines of the app's log a report keeps.
pub(crate) const LOG_LINES: usize = 2000;
/// How much of each log file is read, from its end (a day of a busy log can be large).
const LOG_READ_LIMIT: u64 = 8 * 1024 * 1024;
/// Longer log lines are cut to this many characters.
const LINE_LIMIT: usize = 4000;
/// The log files' name: `antimony-desktop.<date>.log` (see `init_logging` in `lib.rs`).
pub(crate) const LOG_PREFIX: &str = "antimony-desktop";

/// The webview engine and its version, e.g. `WebKitGTK 2.50.1`.
pub(crate) fn webview() -> Option<String> {
    let engine = if cfg!(target_os = "linux") {
        "WebKitGTK"
    } else if cfg!(target_os = "windows") {
        "WebView2"
    } else {
        "WebKit"
    };
    tauri::webview_version()
        .ok()
        .map(|version| format!("{engine} {version}"))
}

/// The OS as its files describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct OsInfo {
    /// `/etc/os-release`, as it is.
    pub(crate) os_release: Option<String>,
    /// The kernel (`/proc/version`).
    pub(crate) kernel: Option<String>,
}

impl OsInfo {
    /// Reads this machine's.
    pub(crate) fn read() -> Self {
        let read = |path: &str| {
            std::fs::read_to_string(path)
                .ok()
                .map(|text| text.trim().to_owned())
        };
        OsInfo {
            os_release: read("/etc/os-release").or_else(|| read("/usr/lib/os-release")),
            kernel: read("/proc/version"),
        }
    }

    /// One line: `Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64, x86_64`.
    pub(crate) fn summary(&self) -> String {
        let name = self
            .os_release
            .as_deref()
            .and_then(|text| os_release_field(text, "PRETTY_NAME"))
            .unwrap_or_else(|| std::env::consts::OS.to_owned());
        let kernel = self
            .kernel
            .as_deref()
            .and_then(|k| k.split_whitespace().nth(2))
            .map(|release| format!(", Linux {release}"))
            .unwrap_or_default();
        format!("{name}{kernel}, {}", std::env::consts::ARCH)
    }
}

/// A field of an os-release file, unquoted.
fn os_release_field(text: &str, key: &str) -> Option<String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
}

/// The newest lines of the app's log files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LogTail {
    /// The files read, oldest first.
    pub(crate) files: Vec<PathBuf>,
    /// The lines, oldest first.
    pub(crate) lines: Vec<String>,
    /// Why there are none, or fewer than there should be.
    pub(crate) problem: Option<String>,
}

/// The last `max` lines of the log files (`<prefix>.*.log`) in `dir`, across files.
pub(crate) fn tail_log(dir: &Path, prefix: &str, max: usize) -> LogTail {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            return LogTail {
                problem: Some(format!("cannot list {}: {error}", dir.display())),
                ..LogTail::default()
            };
        }
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".log"))
        })
        .collect();
    // The date is in the name: by name is oldest first.
    files.sort();
    let mut tail = LogTail::default();
    let mut newest_first: Vec<String> = Vec::new();
    for path in files.iter().rev() {
        if newest_first.len() >= max {
            break;
        }
        match read_end(path, LOG_READ_LIMIT) {
            Ok(text) => {
                let wanted = max - newest_first.len();
                newest_first.extend(text.lines().rev().take(wanted).map(|line| {
                    let line = without_ansi(line);
                    if line.chars().count() > LINE_LIMIT {
                        let cut: String = line.chars().take(LINE_LIMIT).collect();
                        format!("{cut} …(cut)")
                    } else {
                        line
                    }
                }));
                tail.files.push(path.clone());
            }
            Err(error) => {
                tail.problem = Some(format!("cannot read {}: {error}", path.display()));
            }
        }
    }
    if files.is_empty() && tail.problem.is_none() {
        tail.problem = Some(format!("no log files in {}", dir.display()));
    }
    tail.files.reverse();
    newest_first.reverse();
    tail.lines = newest_first;
    tail
}

/// Terminal colour sequences (span fields in the log file can carry them).
static ANSI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]").expect("the colour pattern is valid (tested)")
});

/// A log line without terminal colour sequences.
fn without_ansi(line: &str) -> String {
    ANSI.replace_all(line, "").into_owned()
}

/// The last `limit` bytes of a file (whole lines: a cut first line is dropped).
fn read_end(path: &Path, limit: u64) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let length = file.metadata()?.len();
    let start = length.saturating_sub(limit);
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if start > 0 {
        return Ok(text
            .split_once('\n')
            .map(|(_, rest)| rest.to_owned())
            .unwrap_or_default());
    }
    Ok(text)
}

/// A server as the report lists it: no user names, tokens or passwords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerLine {
    /// The profile's name.
    pub(crate) name: String,
    /// Its origin.
    pub(crate) origin: String,
    /// Where its REST API is.
    pub(crate) rest_base: String,
    /// How its certificate is trusted (`none`, `system`, `caFile`, `pinned`).
    pub(crate) tls: String,
    /// A pinned certificate's fingerprint (public: the server shows it to anyone).
    pub(crate) fingerprint: Option<String>,
    /// Whether the app is logged in to it.
    pub(crate) logged_in: bool,
    /// The bundled server.
    pub(crate) local: bool,
    /// Its version, `unknown`, or why it could not be asked.
    pub(crate) version: String,
}

/// Everything a report says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReportInput {
    /// When it was made (UTC, RFC 3339).
    pub(crate) generated: String,
    /// The webview engine and version.
    pub(crate) webview: Option<String>,
    /// The OS.
    pub(crate) os: OsInfo,
    /// Environment variables that change how the app behaves, as `NAME=value`.
    pub(crate) environment: Vec<String>,
    /// Where the app keeps things, as `(what, path)`.
    pub(crate) paths: Vec<(String, String)>,
    /// The local lab host's prerequisites, or why there are none.
    pub(crate) prerequisites: Result<PrerequisiteReport, String>,
    /// The local server's origin while it runs.
    pub(crate) local_origin: Option<String>,
    /// Every server.
    pub(crate) servers: Vec<ServerLine>,
    /// The tail of the app's log.
    pub(crate) log: LogTail,
}

/// Section titles, in order (the report's tests look for each).
pub(crate) const SECTIONS: &[&str] = &[
    "Antimony Desktop",
    "Operating system",
    "Environment",
    "Paths",
    "Local lab host (This computer): prerequisites",
    "Servers",
    "App log",
    "Local server log",
];

fn section(out: &mut String, index: usize) {
    let title = SECTIONS.get(index).copied().unwrap_or("More");
    let _ = write!(out, "\n== {title} ==\n\n");
}

/// The report, scrubbed.
pub(crate) fn report(input: &ReportInput) -> String {
    let mut out = String::from(
        "Antimony Desktop diagnostics. Tokens, passwords, cookies and Authorization headers \
         are removed (shown as [redacted]); read it before you share it.\n",
    );
    section(&mut out, 0);
    let _ = writeln!(out, "Generated: {}", input.generated);
    let _ = writeln!(out, "Version:   {VERSION}");
    let _ = writeln!(out, "Commit:    {COMMIT}");
    let _ = writeln!(out, "Tauri:     {}", tauri::VERSION);
    let _ = writeln!(
        out,
        "Webview:   {}",
        input.webview.as_deref().unwrap_or("unknown")
    );
    let _ = writeln!(
        out,
        "Built for: {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    );

    section(&mut out, 1);
    let _ = writeln!(out, "Summary: {}", input.os.summary());
    let _ = writeln!(
        out,
        "Kernel:  {}",
        input.os.kernel.as_deref().unwrap_or("unknown")
    );
    match &input.os.os_release {
        Some(text) => {
            let _ = writeln!(out, "/etc/os-release:");
            for line in text.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
        None => out.push_str("/etc/os-release: not readable\n"),
    }

    section(&mut out, 2);
    if input.environment.is_empty() {
        out.push_str("(none of the variables the app looks at are set)\n");
    }
    for variable in &input.environment {
        let _ = writeln!(out, "{variable}");
    }

    section(&mut out, 3);
    for (what, path) in &input.paths {
        let _ = writeln!(out, "{what}: {path}");
    }

    section(&mut out, 4);
    match &input.local_origin {
        Some(origin) => {
            let _ = writeln!(out, "The local server runs at {origin}.");
        }
        None => out.push_str("The local server is not running.\n"),
    }
    match &input.prerequisites {
        Ok(report) => {
            let _ = writeln!(
                out,
                "Ready to deploy labs: {}",
                if report.ready { "yes" } else { "no" }
            );
            for check in &report.checks {
                let _ = writeln!(
                    out,
                    "[{}] {} ({}): {}",
                    if check.ok { "ok" } else { "MISSING" },
                    check.title,
                    check.id,
                    check.detail
                );
                if let Some(guidance) = &check.guidance {
                    let _ = writeln!(out, "     what to do: {guidance}");
                }
            }
        }
        Err(why) => {
            let _ = writeln!(out, "No report: {why}");
        }
    }

    section(&mut out, 5);
    if input.servers.is_empty() {
        out.push_str("(no servers)\n");
    }
    for server in &input.servers {
        let _ = writeln!(
            out,
            "- {}{}\n    URL: {}\n    REST: {}\n    TLS trust: {}{}\n    Logged in: {}\n    Server version: {}",
            server.name,
            if server.local {
                " (bundled, in-process)"
            } else {
                ""
            },
            server.origin,
            server.rest_base,
            server.tls,
            server
                .fingerprint
                .as_deref()
                .map(|f| format!(" ({f})"))
                .unwrap_or_default(),
            if server.logged_in { "yes" } else { "no" },
            server.version,
        );
    }

    section(&mut out, 6);
    let _ = writeln!(
        out,
        "The last {} lines (at most {LOG_LINES}) of {}.",
        input.log.lines.len(),
        if input.log.files.is_empty() {
            "no file".to_owned()
        } else {
            input
                .log
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    if let Some(problem) = &input.log.problem {
        let _ = writeln!(out, "Note: {problem}");
    }
    out.push('\n');
    for line in &input.log.lines {
        out.push_str(line);
        out.push('\n');
    }

    section(&mut out, 7);
    out.push_str(
        "The local server (\"This computer\") runs inside the app, in the same process: its \
         log is the app log above (its lines name targets starting with antimony_server). \
         Lab and node logs are kept by the server per lab; save them from a lab's log view.\n",
    );
    scrub(&out)
}

/// One scrubbing rule: what to find, and what to put instead.
struct Rule {
    pattern: Regex,
    replacement: &'static str,
}

/// A rule's pattern, which is a constant of this file: a test compiles every one.
fn rule(pattern: &str, replacement: &'static str) -> Rule {
    Rule {
        pattern: Regex::new(pattern).expect("the scrubbing patterns are valid (tested)"),
        replacement,
    }
}

/// What separates a key from its value: `=`, `: `, `":"`, `\":\"` (JSON in a log line),
/// `=Some(` (Rust's Debug). Never a line break: a line's end ends its key.
const SEPARATOR: &str = r#"\\?["']?[ \t]*[:=][ \t]*(?:Some\()?"#;
/// A value: quoted (spaces and escaped characters included, not a line break), or up to a
/// delimiter.
const VALUE: &str = r#"\\?"(?:[^"\\\n]|\\[^"\n])*\\?"|'[^'\n]*'|[^\s"',;)}&\\]+"#;

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        // Headers whose whole value is secret: Authorization, cookies.
        rule(
            r#"(?i)\b((?:proxy-)?authorization|set-cookie|cookie)(\\?["']?[ \t]*[:=][ \t]*\\?["']?)[^"\\\r\n]+"#,
            "$1$2[redacted]",
        ),
        // Bearer tokens wherever they are.
        rule(
            r"(?i)\bbearer[ \t]+[A-Za-z0-9._~+/=-]+",
            "Bearer [redacted]",
        ),
        // Keys naming a secret: password, SB_NATIVE_PASSWORD, sshPassword, client_secret,
        // accessToken, authToken, refresh_token, api_key, … (Not the end of a module path:
        // `antimony_server::auth::secret: created …` is a log line's target.)
        rule(
            &format!(
                r"(?i)(?P<path>::)?\b(?P<key>[A-Za-z0-9_.-]*(?:password|passwd|passphrase|secret|token|api[_-]?key)[A-Za-z0-9_.-]*)(?P<sep>{SEPARATOR})(?:{VALUE})"
            ),
            "${key}${sep}[redacted]",
        ),
        // JWTs wherever they are (a signed token's header always starts `eyJ`).
        rule(
            r"eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){0,2}",
            "[redacted token]",
        ),
        // Credentials in URLs.
        rule(
            r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@",
            "$1[redacted]@",
        ),
    ]
});

/// `text` without anything that looks like a secret: tokens (JWTs, bearer tokens), the
/// values of keys that name a password, secret or token (`password=…`,
/// `SB_NATIVE_PASSWORD=…`, `"password":"…"`, cookies `accessToken=…`/`authToken=…`),
/// `Authorization:` and cookie header values, and passwords in URLs.
pub(crate) fn scrub(text: &str) -> String {
    RULES.iter().fold(text.to_owned(), |text, rule| {
        rule.pattern
            .replace_all(&text, |found: &regex::Captures<'_>| {
                if found.name("path").is_some() {
                    return found[0].to_owned();
                }
                let mut replaced = String::new();
                found.expand(rule.replacement, &mut replaced);
                replaced
            })
            .into_owned()
    })
}

#[cfg(test)]
mod tests;
