//! Tauri commands: thin adapters from the webview to `antimony-client`.

pub(crate) mod about;
pub(crate) mod labs;
pub(crate) mod local;
pub(crate) mod logs;
pub(crate) mod notifications;
pub(crate) mod reminders;
pub(crate) mod servers;
pub(crate) mod sharing;
pub(crate) mod shells;
pub(crate) mod topologies;
