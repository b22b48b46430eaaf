//! The contract between this shell and the webview: what commands answer and events carry,
//! the one error every command rejects with, and the names of both. The TypeScript side is
//! generated from these types (ts-rs, into `ui/src/bindings/desktop/`) and committed; a test
//! fails when the committed files drift (`UPDATE_BINDINGS=1 cargo test -p antimony-desktop
//! bindings` rewrites them). Protocol types (labs, status messages, …) are the protocol
//! crate's, generated beside them.

mod error;
mod notify;
#[cfg(test)]
mod typescript;

use antimony_protocol::{ErrorBody, LabCommand, StatusMessage};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub(crate) use error::Result;
#[cfg(test)]
pub(crate) use notify::{LabRule, ServerRule};
pub(crate) use notify::{NotificationRules, ServersImported, SkippedServer};
#[cfg(test)]
pub(crate) use typescript::export_typescript;

/// Tauri event names (`antimony://…`); the webview listens to exactly these.
pub(crate) mod event {
    /// A namespace connection changed state: [`super::ConnectionEvent`].
    pub(crate) const CONNECTION: &str = "antimony://connection";
    /// A status message: [`super::StatusEvent`].
    pub(crate) const STATUS: &str = "antimony://status";
    /// A lab changed: [`super::LabUpdateEvent`].
    pub(crate) const LAB_UPDATE: &str = "antimony://lab-update";
    /// A batch of log lines of one stream: [`super::LogsEvent`].
    pub(crate) const LOGS: &str = "antimony://logs";
    /// A lab command finished: [`super::CommandResultEvent`].
    pub(crate) const COMMAND_RESULT: &str = "antimony://command-result";
    /// Output or news of a terminal view's shell: [`super::ShellViewEvent`].
    pub(crate) const SHELL: &str = "antimony://shell";
    /// A shell's own window closed (to the main window): [`super::ShellWindowClosed`].
    pub(crate) const SHELL_WINDOW: &str = "antimony://shell-window";

    /// Every event, as `(name in the webview, event name)`.
    #[cfg(test)]
    pub(crate) const ALL: &[(&str, &str)] = &[
        ("connection", CONNECTION),
        ("status", STATUS),
        ("labUpdate", LAB_UPDATE),
        ("logs", LOGS),
        ("commandResult", COMMAND_RESULT),
        ("shell", SHELL),
        ("shellWindow", SHELL_WINDOW),
    ];
}

#[cfg(test)]
macro_rules! command_names {
    ($($module:ident :: $name:ident),* $(,)?) => {
        &[$(stringify!($name)),*]
    };
}

/// Every command's name (`list_servers`, …), from `commands/list.rs`.
#[cfg(test)]
pub(crate) const COMMANDS: &[&str] = for_each_command!(command_names);

/// What went wrong, for the webview to branch on (never on the message text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) enum BridgeErrorKind {
    /// The server refused the request (its code is in `code`).
    Api,
    /// No login, or it expired and could not be renewed.
    NotLoggedIn,
    /// The server cannot be reached.
    Unreachable,
    /// The server's certificate is not trusted (`fingerprint` says which one it has).
    Certificate,
    /// The OS keychain is missing or refused.
    Keychain,
    /// A server profile problem (unknown name, bad URL, …).
    Profile,
    /// An answer that does not fit the protocol.
    Protocol,
    /// A file problem (reading, writing, not a topology, too big).
    Io,
    /// A lab command failed (its protocol code is in `code`).
    Command,
    /// The server cannot do this (a change the Go server would hang on).
    Unsupported,
    /// The user gave up (closed the login window), or it took too long.
    Cancelled,
}

/// A failed command, as the webview receives it. Tokens never appear in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
#[error("{message}")]
pub(crate) struct BridgeError {
    /// What went wrong.
    pub(crate) kind: BridgeErrorKind,
    /// The protocol's error code (-1 when there is none).
    pub(crate) code: i32,
    /// What to tell the user.
    pub(crate) message: String,
    /// The SHA-256 fingerprint of a certificate the user may choose to trust.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub(crate) fingerprint: Option<String>,
}

/// How a server's certificate is trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) enum TlsMode {
    /// Plain HTTP.
    None,
    /// The system's root certificates.
    System,
    /// A CA file.
    CaFile,
    /// One pinned certificate.
    Pinned,
}

/// Who is logged in to a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct Identity {
    /// The user id (the native admin's is not a UUID).
    pub(crate) id: String,
    /// Whether the user is an admin.
    pub(crate) is_admin: bool,
}

/// A server as `list_servers` shows it (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ServerView {
    /// The profile's name ("This computer" for the bundled server).
    pub(crate) name: String,
    /// Its origin, e.g. `https://lab.example.org`.
    pub(crate) origin: String,
    /// Where its REST API is.
    pub(crate) rest_base: String,
    /// How its certificate is trusted.
    pub(crate) tls: TlsMode,
    /// The pinned certificate's fingerprint.
    pub(crate) fingerprint: Option<String>,
    /// The user name last logged in with.
    pub(crate) user: Option<String>,
    /// Whether it is the current server.
    pub(crate) current: bool,
    /// Whether it is logged in.
    pub(crate) logged_in: bool,
    /// Who is logged in.
    pub(crate) identity: Option<Identity>,
    /// The bundled "This computer" server.
    pub(crate) local: bool,
}

/// `about`: what this app is, where it runs, and the servers it talks to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct About {
    /// The app's version.
    pub(crate) version: String,
    /// The git commit it was built from (`-dirty` with uncommitted changes), or `unknown`.
    pub(crate) commit: String,
    /// The Tauri version.
    pub(crate) tauri: String,
    /// The webview engine and its version (`WebKitGTK 2.50.1`), when known.
    pub(crate) webview: Option<String>,
    /// The OS, kernel and architecture, on one line.
    pub(crate) os: String,
    /// Every server, the bundled one first (ask each one's version with `server_version`).
    pub(crate) servers: Vec<AboutServer>,
}

/// A server in the About dialog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct AboutServer {
    /// The profile's name.
    pub(crate) name: String,
    /// Its origin.
    pub(crate) origin: String,
    /// The bundled "This computer" server.
    pub(crate) local: bool,
}

/// The lab commands the webview sends (`lab_command`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) enum LabCommandName {
    /// Deploy, or redeploy.
    Deploy,
    /// Destroy.
    Destroy,
    /// Start a node.
    StartNode,
    /// Stop a node.
    StopNode,
    /// Restart a node.
    RestartNode,
}

impl From<LabCommandName> for LabCommand {
    fn from(name: LabCommandName) -> Self {
        match name {
            LabCommandName::Deploy => LabCommand::Deploy,
            LabCommandName::Destroy => LabCommand::Destroy,
            LabCommandName::StartNode => LabCommand::StartNode,
            LabCommandName::StopNode => LabCommand::StopNode,
            LabCommandName::RestartNode => LabCommand::RestartNode,
        }
    }
}

/// Every lab command, as command results name them (also those the webview does not send).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) enum CommandName {
    /// Deploy, or redeploy.
    Deploy,
    /// Destroy.
    Destroy,
    /// Start a node.
    StartNode,
    /// Stop a node.
    StopNode,
    /// Restart a node.
    RestartNode,
    /// List the user's shells of a lab.
    FetchShells,
    /// Open a shell.
    OpenShell,
    /// Close a shell.
    CloseShell,
}

impl From<LabCommand> for CommandName {
    fn from(command: LabCommand) -> Self {
        match command {
            LabCommand::Deploy => CommandName::Deploy,
            LabCommand::Destroy => CommandName::Destroy,
            LabCommand::StartNode => CommandName::StartNode,
            LabCommand::StopNode => CommandName::StopNode,
            LabCommand::RestartNode => CommandName::RestartNode,
            LabCommand::FetchShells => CommandName::FetchShells,
            LabCommand::OpenShell => CommandName::OpenShell,
            LabCommand::CloseShell => CommandName::CloseShell,
        }
    }
}

/// The state of one namespace connection of a server's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/", rename = "ConnectionState")]
pub(crate) enum ConnectionStateName {
    /// Connected.
    Connected,
    /// The server refused the namespace; retrying.
    Refused,
    /// Transport trouble; retrying.
    Trouble,
    /// The login is gone: the user must log in again.
    LoginNeeded,
}

/// `antimony://connection`: a namespace connection changed state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ConnectionEvent {
    /// The server.
    pub(crate) server: String,
    /// The namespace path.
    pub(crate) namespace: String,
    /// Its state.
    pub(crate) state: ConnectionStateName,
    /// Why (for refused, trouble and login needed).
    pub(crate) message: Option<String>,
}

/// `antimony://status`: a status message of a server (or of the app itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct StatusEvent {
    /// The server.
    pub(crate) server: String,
    /// The message.
    pub(crate) message: StatusMessage,
}

/// `antimony://lab-update`: a lab changed; `labId: null` means "refetch every lab".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct LabUpdateEvent {
    /// The server.
    pub(crate) server: String,
    /// The lab, or none for all.
    pub(crate) lab_id: Option<String>,
}

/// `antimony://logs`: a batch of lines of one stream, in order, each delivered exactly once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct LogsEvent {
    /// The server.
    pub(crate) server: String,
    /// The stream (its namespace path).
    pub(crate) stream: String,
    /// New lines, in order.
    pub(crate) lines: Vec<String>,
    /// Lines trimmed on the server before they could be delivered (before `lines`).
    #[ts(type = "number")]
    pub(crate) missed: u64,
    /// The stream started over (redeploy, server restart); `lines` begin the new run.
    pub(crate) restarted: bool,
}

/// `antimony://command-result`: the outcome of every lab command, wherever it was started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct CommandResultEvent {
    /// The server.
    pub(crate) server: String,
    /// The lab.
    pub(crate) lab_id: String,
    /// The command.
    pub(crate) command: CommandName,
    /// The node, for node commands.
    pub(crate) node: Option<String>,
    /// Whether it succeeded.
    pub(crate) ok: bool,
    /// Why it failed.
    pub(crate) error: Option<ErrorBody>,
}

/// `subscribe_logs`: the stream subscribed to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct Subscription {
    /// The stream (its namespace path), as `antimony://logs` names it.
    pub(crate) stream: String,
}

/// `check_topology`: a file that can be imported, and the lab it makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct TopologyCheck {
    /// The lab's name: the topology's `name:`, else the file name without its extension.
    pub(crate) lab_name: String,
}

/// `import_topology`: the lab made from an imported topology file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ImportedLab {
    /// The new lab.
    pub(crate) lab_id: String,
    /// Its name.
    pub(crate) lab_name: String,
    /// The collection it went into ("local").
    pub(crate) collection: String,
}

/// `open_shell`: the shell opened (and attached to the view that asked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ShellOpened {
    /// The new shell.
    pub(crate) shell_id: String,
}

/// `list_shells`: one of the user's open shells in a lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ShellInfo {
    /// The shell.
    pub(crate) shell_id: String,
    /// Its node.
    pub(crate) node: String,
}

/// What happened to a terminal view's shell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) enum ShellUpdate {
    /// Output, in order, each byte once (after a reattach: the backlog first, to repaint).
    Output {
        /// The text (several chunks of one view joined).
        data: String,
    },
    /// Output written while away that the server no longer kept.
    Missed {
        /// How many bytes.
        #[ts(type = "number")]
        bytes: u64,
    },
    /// The shell's connection changed state.
    Connection {
        /// Its state.
        state: ConnectionStateName,
        /// Why (for refused, trouble and login needed).
        message: Option<String>,
    },
    /// The shell ended (the view stays to be read; it is detached).
    Closed {
        /// The server's reason, e.g. `User closed the shell`.
        reason: String,
    },
}

/// `antimony://shell`: news of the shell a terminal view shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ShellViewEvent {
    /// The server.
    pub(crate) server: String,
    /// The view (as `attach_shell` and `open_shell` named it).
    pub(crate) view_id: String,
    /// The shell.
    pub(crate) shell_id: String,
    /// What happened.
    pub(crate) update: ShellUpdate,
}

/// `antimony://shell-window`: a shell's own window closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ShellWindowClosed {
    /// The shell it showed.
    pub(crate) shell_id: String,
}

/// The reminder before a lab's end (`reminder_settings`, `set_reminder_settings`): an OS
/// notification this many minutes before a deployed lab ends, kept in the app's config
/// directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ReminderSettings {
    /// Whether to remind at all.
    pub(crate) enabled: bool,
    /// How long before the end, in minutes (1 to 1440).
    pub(crate) lead_minutes: u32,
}

#[cfg(test)]
mod tests;
