//! The contract's types for notification rules (`notification_rules`,
//! `set_notification_rules`) and for sharing server profiles (`import_servers`).

use antimony_protocol::Severity;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What pops up (toasts in the window, OS notifications): a default, rules per server and per
/// lab (the most specific one decides), and do-not-disturb over all of them. The inbox keeps
/// every message whatever the rules say. Kept in the app's config directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct NotificationRules {
    /// Nothing pops up.
    #[serde(default)]
    pub(crate) do_not_disturb: bool,
    /// The least severity that pops up where no rule of a server or lab applies; `null`:
    /// nothing does.
    #[serde(default = "default_min")]
    pub(crate) min_severity: Option<Severity>,
    /// Rules of whole servers.
    #[serde(default)]
    pub(crate) servers: Vec<ServerRule>,
    /// Rules of single labs (before their server's).
    #[serde(default)]
    pub(crate) labs: Vec<LabRule>,
}

fn default_min() -> Option<Severity> {
    Some(Severity::Success)
}

impl Default for NotificationRules {
    fn default() -> Self {
        NotificationRules {
            do_not_disturb: false,
            min_severity: default_min(),
            servers: Vec::new(),
            labs: Vec::new(),
        }
    }
}

/// What pops up for one server's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ServerRule {
    /// The server's name.
    pub(crate) server: String,
    /// The least severity that pops up; `null`: nothing does.
    pub(crate) min_severity: Option<Severity>,
}

/// What pops up for one lab's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct LabRule {
    /// Its server's name.
    pub(crate) server: String,
    /// The lab's id (antimony-server's messages name it).
    pub(crate) lab_id: String,
    /// The lab's name (the Go server's messages name only that).
    pub(crate) lab_name: String,
    /// The least severity that pops up; `null`: nothing does.
    pub(crate) min_severity: Option<Severity>,
}

/// `import_servers`: what a file of server profiles added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct ServersImported {
    /// The file's name (not its path).
    pub(crate) file: String,
    /// The servers added, by name.
    pub(crate) added: Vec<String>,
    /// The servers left out, with why.
    pub(crate) skipped: Vec<SkippedServer>,
}

/// A server a file named that was not added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export_to = "desktop/")]
pub(crate) struct SkippedServer {
    /// Its name as the file gives it.
    pub(crate) name: String,
    /// Why it was left out.
    pub(crate) reason: String,
}
