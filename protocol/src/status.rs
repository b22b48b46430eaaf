//! `/status-messages`: human-readable notifications about lab actions (PROTOCOL.md §5.4, §6.9).

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::int_enum::int_enum;

int_enum! {
    /// How serious a status message is.
    pub enum Severity: u8 {
        /// An action finished successfully.
        Success = 0,
        /// An action started or progressed.
        Info = 1,
        /// Something went wrong but the action went on.
        Warning = 2,
        /// An action failed.
        Error = 3,
        /// Defined by the protocol, never sent by the Go server.
        Fatal = 4,
    }
}

/// One status message, as the `payload` of a `/status-messages` `data` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct StatusMessage {
    /// A UUID for this message.
    pub id: String,
    /// Where it comes from; `Lab Manager` for every lab message of the Go server.
    pub source: String,
    /// The short, display text.
    pub content: String,
    /// The log form: `"HH:MM:SS ANTIMONY <summary> key=value … "`, or `content` when there
    /// are no details.
    pub log_content: String,
    /// When it was sent.
    pub timestamp: Timestamp,
    /// How serious it is.
    pub severity: Severity,
}

impl StatusMessage {
    /// The `source` of every lab lifecycle message.
    pub const LAB_MANAGER: &'static str = "Lab Manager";
}
