//! Domain events from REST handlers and the lab domain to whoever listens (the Socket.IO
//! layer forwards them to clients), over a broadcast channel so that producers never wait
//! for consumers.

use tokio::sync::broadcast;

/// Something listeners should hear about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabEvent {
    /// A lab changed (`Some(id)`), or every lab may have (`None`): clients refetch.
    LabUpdated(Option<String>),
    /// A status message for `/status-messages`: about a lab (only users who may see it get
    /// it) or about nothing lab-specific (`lab_id: None`, everybody gets it).
    Status {
        /// The lab it is about.
        lab_id: Option<String>,
        /// The message.
        message: antimony_protocol::StatusMessage,
    },
    /// A lab another instance runs changed (with several instances): this server's own
    /// sockets are told (the owner's broadcast may come before this server knows the change).
    RemoteLabUpdated(String),
    /// A shell closed or failed: for `/shell-commands`, to its owner.
    Shell {
        /// The shell's owner (the user id).
        owner: String,
        /// What happened.
        notice: antimony_protocol::ShellCommandData,
    },
}

/// How many events a slow listener may fall behind before it misses some.
const CAPACITY: usize = 1024;

/// The sending side; cheap to clone.
#[derive(Debug, Clone)]
pub struct EventBus {
    sender: broadcast::Sender<LabEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        EventBus {
            sender: broadcast::channel(CAPACITY).0,
        }
    }
}

impl EventBus {
    /// Sends an event to every current listener (none is fine).
    pub fn send(&self, event: LabEvent) {
        let _ = self.sender.send(event);
    }

    /// A new listener.
    pub fn subscribe(&self) -> broadcast::Receiver<LabEvent> {
        self.sender.subscribe()
    }
}
