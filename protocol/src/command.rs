//! `/lab-commands` requests and `/shell-commands` notifications (PROTOCOL.md §5.3, §5.5).

use serde::{Deserialize, Deserializer, Serialize};

use crate::int_enum::int_enum;
use crate::{Error, Result};

int_enum! {
    /// A lab command number. This numbering is what running servers and the official web UI
    /// use; the original API page swaps 2 and 3.
    pub enum LabCommand: u8 {
        /// Deploy the lab, or redeploy it when it has an instance.
        Deploy = 0,
        /// Destroy the lab's instance.
        Destroy = 1,
        /// Start a stopped node (`node` required).
        StartNode = 2,
        /// Stop a node (`node` required).
        StopNode = 3,
        /// Restart a node (`node` required).
        RestartNode = 4,
        /// List the caller's open shells in the lab.
        FetchShells = 5,
        /// Open a shell on a node (`node` required).
        OpenShell = 6,
        /// Close a shell (`shellId` required).
        CloseShell = 7,
    }
}

impl LabCommand {
    /// Whether the command needs the `node` field.
    pub const fn needs_node(self) -> bool {
        matches!(
            self,
            LabCommand::StartNode
                | LabCommand::StopNode
                | LabCommand::RestartNode
                | LabCommand::OpenShell
        )
    }

    /// Whether the command needs the `shellId` field.
    pub const fn needs_shell_id(self) -> bool {
        matches!(self, LabCommand::CloseShell)
    }

    /// Whether the server acknowledges the command only after containerlab finishes, which
    /// can take many minutes: clients give these a long ack timeout.
    pub const fn is_long_running(self) -> bool {
        matches!(self, LabCommand::Deploy | LabCommand::Destroy)
    }
}

/// A lab command as sent on `/lab-commands`.
///
/// Real servers only accept it as a JSON-encoded *string*; use
/// [`LabCommandData::to_wire_string`]. [`LabCommandData::from_wire`] (and `Deserialize`)
/// take either that string or a plain object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabCommandData {
    /// The lab to act on.
    pub lab_id: String,
    /// What to do.
    pub command: LabCommand,
    /// The node *name* (as in `instance.nodes[].name`), for node and shell commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub node: Option<String>,
    /// The shell, for `CloseShell`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub shell_id: Option<String>,
}

/// The strict shape both wire forms must have once unwrapped.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLabCommand {
    lab_id: String,
    command: i64,
    #[serde(default)]
    node: Option<String>,
    #[serde(default)]
    shell_id: Option<String>,
}

impl LabCommandData {
    /// A command without node or shell.
    pub fn new(lab_id: impl Into<String>, command: LabCommand) -> Self {
        LabCommandData {
            lab_id: lab_id.into(),
            command,
            node: None,
            shell_id: None,
        }
    }

    /// A node command (start, stop, restart, open shell).
    pub fn for_node(
        lab_id: impl Into<String>,
        command: LabCommand,
        node: impl Into<String>,
    ) -> Self {
        LabCommandData {
            node: Some(node.into()),
            ..LabCommandData::new(lab_id, command)
        }
    }

    /// The JSON string real servers require as the `data` argument.
    pub fn to_wire_string(&self) -> String {
        // Serialising a struct of strings and an integer cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Decodes the `data` argument of a `/lab-commands` event: a JSON string (what real
    /// clients send) or an object (the original page's form).
    ///
    /// Use [`Error::lab_command_code`] to pick the ack code for a rejection.
    pub fn from_wire(value: &serde_json::Value) -> Result<Self> {
        match value {
            serde_json::Value::String(text) => LabCommandData::from_json(text),
            serde_json::Value::Object(_) => RawLabCommand::deserialize(value)?.try_into(),
            other => Err(Error::wrong_type("a JSON string or an object", other)),
        }
    }

    /// Decodes a JSON text (the content of the wire string), which must be an object.
    pub fn from_json(text: &str) -> Result<Self> {
        // Through a `Value`: serde would read the struct from an array too (`["id", 0]`),
        // which is not the wire shape (the Go server refuses it). A repeated key keeps its
        // last value, as in Go.
        match serde_json::from_str::<serde_json::Value>(text)? {
            object @ serde_json::Value::Object(_) => {
                RawLabCommand::deserialize(&object)?.try_into()
            }
            other => Err(Error::wrong_type("a JSON object", &other)),
        }
    }
}

impl TryFrom<RawLabCommand> for LabCommandData {
    type Error = Error;

    fn try_from(raw: RawLabCommand) -> Result<Self> {
        Ok(LabCommandData {
            lab_id: raw.lab_id,
            command: LabCommand::try_from(raw.command)?,
            node: raw.node,
            shell_id: raw.shell_id,
        })
    }
}

impl<'de> Deserialize<'de> for LabCommandData {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        LabCommandData::from_wire(&value).map_err(serde::de::Error::custom)
    }
}

int_enum! {
    /// What a `/shell-commands` notification says about a shell.
    pub enum ShellCommand: u8 {
        /// Reading the shell failed; `message` has the error.
        Error = 0,
        /// The shell was closed; `message` has the reason.
        Close = 1,
    }
}

/// The payload of a `/shell-commands` `data` event. Broadcast to everybody; clients filter
/// by `shell_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ShellCommandData {
    /// The shell's lab.
    pub lab_id: String,
    /// The shell's node name.
    pub node: String,
    /// The shell.
    pub shell_id: String,
    /// What happened.
    pub command: ShellCommand,
    /// The error text or the close reason.
    pub message: String,
}

/// One open shell, as listed by `FetchShells`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ShellData {
    /// The shell id (its namespace is `/shells/<id>`).
    pub id: String,
    /// The node name.
    pub node: String,
}
