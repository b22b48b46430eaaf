//! The reminder before a lab's end: its settings (`reminders.rs` does the reminding).

use tauri::State;

use crate::contract::{ReminderSettings, Result};
use crate::reminders::Reminders;

/// The reminder settings in force.
#[tauri::command]
pub(crate) fn reminder_settings(reminders: State<'_, Reminders>) -> ReminderSettings {
    reminders.settings()
}

/// Keeps new reminder settings (a lead time of 1 minute to a day); the settings in force.
#[tauri::command]
#[tracing::instrument(skip_all, fields(enabled = settings.enabled, lead = settings.lead_minutes), err)]
pub(crate) fn set_reminder_settings(
    reminders: State<'_, Reminders>,
    settings: ReminderSettings,
) -> Result<ReminderSettings> {
    reminders.set(settings)?;
    Ok(reminders.settings())
}
