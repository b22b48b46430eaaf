//! `GET /devices`: per-kind interface naming, used by topology editors (§4.2).

use serde::{Deserialize, Serialize};

/// How a containerlab kind names its interfaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct DeviceConfig {
    /// The containerlab kind, e.g. `nokia_srlinux`.
    pub kind: String,
    /// A display name.
    pub name: String,
    /// The interface name pattern, with `$` for the number, e.g. `e1-$`.
    pub interface_pattern: String,
    /// The first interface number.
    pub interface_start: u32,
}
