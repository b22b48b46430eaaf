//! The status-message catalogue (PROTOCOL.md §6.9): same texts, severities and source as
//! the Go server. `logContent` is `"HH:MM:SS ANTIMONY <summary> key=value … "`.

use antimony_protocol::{Severity, StatusMessage, Timestamp};

use crate::events::{EventBus, LabEvent};
use crate::logs::LogStream;

/// Builds and sends status messages about one lab.
#[derive(Debug, Clone)]
pub struct LabMessages {
    /// The lab's id.
    pub lab_id: String,
    /// The lab's name.
    pub lab: String,
    /// The topology's name.
    pub topology: String,
}

impl LabMessages {
    fn message(
        &self,
        severity: Severity,
        content: String,
        summary: &str,
        details: &[(&str, &str)],
    ) -> StatusMessage {
        let now = Timestamp::now_utc();
        let clock = now.as_offset_date_time();
        let mut log = format!(
            "{:02}:{:02}:{:02} ANTIMONY {summary} lab={} ",
            clock.hour(),
            clock.minute(),
            clock.second(),
            self.lab_id
        );
        for (key, value) in details {
            log.push_str(&format!("{key}={value} "));
        }
        StatusMessage {
            id: uuid::Uuid::new_v4().to_string(),
            source: StatusMessage::LAB_MANAGER.to_owned(),
            content,
            log_content: log,
            timestamp: now,
            severity,
        }
    }

    /// Sends a message, and writes its log form to the lab log when given.
    pub fn send(&self, events: &EventBus, log: Option<&LogStream>, message: StatusMessage) {
        if let Some(log) = log {
            log.push(message.log_content.clone());
        }
        events.send(LabEvent::Status {
            lab_id: Some(self.lab_id.clone()),
            message,
        });
    }

    /// Info `Deploying lab '<lab>' (<topo>)`.
    pub fn deploying(&self, instance: &str) -> StatusMessage {
        self.message(
            Severity::Info,
            format!("Deploying lab '{}' ({})", self.lab, self.topology),
            "Deploying lab",
            &[("instance", instance), ("topo", &self.topology)],
        )
    }

    /// Info `Redeploying lab '<lab>' (<topo>)`.
    pub fn redeploying(&self, instance: &str) -> StatusMessage {
        self.message(
            Severity::Info,
            format!("Redeploying lab '{}' ({})", self.lab, self.topology),
            "Redeploying lab",
            &[("instance", instance), ("topo", &self.topology)],
        )
    }

    /// Success `Successfully deployed '<lab>' (<topo>)` or `… redeployed …`.
    pub fn deployed(&self, redeploy: bool) -> StatusMessage {
        let verb = if redeploy { "redeployed" } else { "deployed" };
        self.message(
            Severity::Success,
            format!("Successfully {verb} '{}' ({})", self.lab, self.topology),
            &format!("Successfully {verb} lab"),
            &[("topo", &self.topology)],
        )
    }

    /// Error `Failed to deploy lab '<lab>' (<topo>)` or `Failed to redeploy …`.
    pub fn deploy_failed(&self, redeploy: bool, error: &str) -> StatusMessage {
        let verb = if redeploy { "redeploy" } else { "deploy" };
        self.message(
            Severity::Error,
            format!("Failed to {verb} lab '{}' ({})", self.lab, self.topology),
            &format!("Failed to {verb} lab"),
            &[("topo", &self.topology), ("error", error)],
        )
    }

    /// Warning `Failed to get info of lab '<lab>' (<topo>)`.
    pub fn inspect_failed(&self, error: &str) -> StatusMessage {
        self.message(
            Severity::Warning,
            format!(
                "Failed to get info of lab '{}' ({})",
                self.lab, self.topology
            ),
            "Failed to get lab info",
            &[("error", error)],
        )
    }

    /// Error `Failed to create environment for lab '<lab>' (<topo>)`.
    pub fn environment_failed(&self, error: &str) -> StatusMessage {
        self.message(
            Severity::Error,
            format!(
                "Failed to create environment for lab '{}' ({})",
                self.lab, self.topology
            ),
            "Failed to create environment",
            &[("error", error)],
        )
    }

    /// Error `Unable to deploy lab '<lab>' (<topo>). The lab is already being deployed` (or
    /// `redeploy`).
    pub fn already_deploying(&self, redeploy: bool) -> StatusMessage {
        let verb = if redeploy { "redeploy" } else { "deploy" };
        self.message(
            Severity::Error,
            format!(
                "Unable to {verb} lab '{}' ({}). The lab is already being deployed",
                self.lab, self.topology
            ),
            "Lab is already being deployed",
            &[],
        )
    }

    /// Info `Cancelling deployment of lab '<lab>' (<topo>)`.
    pub fn cancelling(&self) -> StatusMessage {
        self.message(
            Severity::Info,
            format!(
                "Cancelling deployment of lab '{}' ({})",
                self.lab, self.topology
            ),
            "Cancelling deployment",
            &[],
        )
    }

    /// Info `Destroying lab <lab> (<topo>)`.
    pub fn destroying(&self) -> StatusMessage {
        self.message(
            Severity::Info,
            format!("Destroying lab {} ({})", self.lab, self.topology),
            "Destroying lab",
            &[("topo", &self.topology)],
        )
    }

    /// Success `Successfully destroyed lab <lab>`.
    pub fn destroyed(&self) -> StatusMessage {
        self.message(
            Severity::Success,
            format!("Successfully destroyed lab {}", self.lab),
            "Successfully destroyed lab",
            &[],
        )
    }

    /// Error `Failed to destroy lab <lab>: <error>`.
    pub fn destroy_failed(&self, error: &str) -> StatusMessage {
        self.message(
            Severity::Error,
            format!("Failed to destroy lab {}: {error}", self.lab),
            "Failed to destroy lab",
            &[("error", error)],
        )
    }

    /// Success `Node <node> is starting|stopping|restarting`.
    pub fn node(&self, node: &str, verb: &str) -> StatusMessage {
        self.message(
            Severity::Success,
            format!("Node {node} is {verb}"),
            &format!("Node is {verb}"),
            &[("node", node)],
        )
    }

    /// Warning `Failed to remove run environment for <lab>: <error>`.
    pub fn cleanup_failed(&self, error: &str) -> StatusMessage {
        self.message(
            Severity::Warning,
            format!("Failed to remove run environment for {}: {error}", self.lab),
            "Failed to remove run environment",
            &[("error", error)],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> LabMessages {
        LabMessages {
            lab_id: "l1".into(),
            lab: "Spine Leaf".into(),
            topology: "spine-leaf".into(),
        }
    }

    #[test]
    fn texts_and_severities_match_the_catalogue() {
        let cases = [
            (
                lab().deploying("i"),
                Severity::Info,
                "Deploying lab 'Spine Leaf' (spine-leaf)",
            ),
            (
                lab().redeploying("i"),
                Severity::Info,
                "Redeploying lab 'Spine Leaf' (spine-leaf)",
            ),
            (
                lab().destroying(),
                Severity::Info,
                "Destroying lab Spine Leaf (spine-leaf)",
            ),
            (
                lab().cancelling(),
                Severity::Info,
                "Cancelling deployment of lab 'Spine Leaf' (spine-leaf)",
            ),
            (
                lab().deployed(false),
                Severity::Success,
                "Successfully deployed 'Spine Leaf' (spine-leaf)",
            ),
            (
                lab().deployed(true),
                Severity::Success,
                "Successfully redeployed 'Spine Leaf' (spine-leaf)",
            ),
            (
                lab().destroyed(),
                Severity::Success,
                "Successfully destroyed lab Spine Leaf",
            ),
            (
                lab().node("srl1", "starting"),
                Severity::Success,
                "Node srl1 is starting",
            ),
            (
                lab().inspect_failed("x"),
                Severity::Warning,
                "Failed to get info of lab 'Spine Leaf' (spine-leaf)",
            ),
            (
                lab().cleanup_failed("x"),
                Severity::Warning,
                "Failed to remove run environment for Spine Leaf: x",
            ),
            (
                lab().deploy_failed(false, "x"),
                Severity::Error,
                "Failed to deploy lab 'Spine Leaf' (spine-leaf)",
            ),
            (
                lab().deploy_failed(true, "x"),
                Severity::Error,
                "Failed to redeploy lab 'Spine Leaf' (spine-leaf)",
            ),
            (
                lab().destroy_failed("boom"),
                Severity::Error,
                "Failed to destroy lab Spine Leaf: boom",
            ),
            (
                lab().already_deploying(false),
                Severity::Error,
                "Unable to deploy lab 'Spine Leaf' (spine-leaf). The lab is already being deployed",
            ),
            (
                lab().already_deploying(true),
                Severity::Error,
                "Unable to redeploy lab 'Spine Leaf' (spine-leaf). The lab is already being deployed",
            ),
            (
                lab().environment_failed("x"),
                Severity::Error,
                "Failed to create environment for lab 'Spine Leaf' (spine-leaf)",
            ),
        ];
        for (message, severity, content) in cases {
            assert_eq!(message.content, content);
            assert_eq!(message.severity, severity, "{content}");
            assert_eq!(message.source, "Lab Manager");
            assert!(
                message.log_content.contains(" ANTIMONY ") && message.log_content.ends_with(' '),
                "{}",
                message.log_content
            );
        }
    }
}
