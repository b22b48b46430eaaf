//! Notification rules: what pops up (`notify_rules.rs` keeps and applies them).

use tauri::State;

use crate::contract::{NotificationRules, Result};
use crate::notify_rules::Rules;

/// The notification rules in force.
#[tauri::command]
pub(crate) fn notification_rules(rules: State<'_, Rules>) -> NotificationRules {
    rules.rules()
}

/// Keeps new notification rules; the rules in force.
#[tauri::command]
#[tracing::instrument(skip_all, fields(dnd = rules.do_not_disturb, servers = rules.servers.len(), labs = rules.labs.len()), err)]
pub(crate) fn set_notification_rules(
    store: State<'_, Rules>,
    rules: NotificationRules,
) -> Result<NotificationRules> {
    store.set(rules)?;
    Ok(store.rules())
}
