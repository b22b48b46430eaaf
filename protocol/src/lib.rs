//! The Antimony wire contract, shared by the client, the server and (through generated
//! TypeScript bindings) the desktop UI.
//!
//! This crate is the only home of namespace names, event names, command numbers, error codes
//! and the JSON shapes of every REST and Socket.IO message (see `PROTOCOL.md` in the shared
//! docs). It does no I/O: it encodes, decodes and validates. Decoding is tolerant where real
//! servers disagree (wrapped and bare payloads, `containnerName`, `nodes: null`, …) and never
//! panics on hostile input; every rejection is an [`Error`].

mod ack;
mod claims;
mod command;
mod envelope;
mod error;
mod error_code;
mod host;
mod id;
mod int_enum;
mod lab_update;
mod names;
pub mod rest;
mod shell;
mod status;
mod timestamp;
mod typescript;

pub use ack::{Ack, ErrorBody};
pub use claims::{AccessClaims, AuthClaims, decode_claims_unverified};
pub use command::{LabCommand, LabCommandData, ShellCommand, ShellCommandData, ShellData};
pub use envelope::{Envelope, decode_event};
pub use error::{Error, Result};
pub use error_code::ErrorCode;
pub use host::{PrerequisiteCheck, PrerequisiteReport};
pub use id::{NATIVE_ADMIN_ID, is_well_formed_uuid};
pub use lab_update::LabUpdate;
pub use names::{ConnectError, LOG_BATCH_AUTH, Namespace, event, namespace};
pub use shell::{BacklogPosition, TerminalSize, close_reason};
pub use status::{Severity, StatusMessage};
pub use timestamp::Timestamp;
pub use typescript::export_typescript;
