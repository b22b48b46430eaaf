//! What a lab host needs before it can deploy labs: antimony-server's prerequisite report.
//! An extension of ours (Go servers have none); the desktop app shows it for the server it
//! runs itself ("This computer").

use serde::{Deserialize, Serialize};

/// One prerequisite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PrerequisiteCheck {
    /// A stable id: `containerlab`, `permissions`, `docker` (other providers add their own).
    pub id: String,
    /// What it is, for people.
    pub title: String,
    /// Whether it is there and usable.
    pub ok: bool,
    /// What was found (a version), or what is wrong.
    pub detail: String,
    /// What to do about it (shell commands in backticks); `None` when it is ok.
    pub guidance: Option<String>,
}

/// Every prerequisite, in the order to fix them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct PrerequisiteReport {
    /// Every check passed: labs can be deployed.
    pub ready: bool,
    /// The checks.
    pub checks: Vec<PrerequisiteCheck>,
}

impl PrerequisiteReport {
    /// A report of these checks; ready when all passed.
    pub fn new(checks: Vec<PrerequisiteCheck>) -> Self {
        PrerequisiteReport {
            ready: checks.iter().all(|c| c.ok),
            checks,
        }
    }

    /// The check with this id.
    pub fn get(&self, id: &str) -> Option<&PrerequisiteCheck> {
        self.checks.iter().find(|c| c.id == id)
    }
}
