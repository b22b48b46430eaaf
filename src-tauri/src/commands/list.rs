// The one list of the app's commands, as `module::function` under `commands/`. `lib.rs`
// registers exactly these with Tauri, `build.rs` declares them (so the capability file can
// allow them one by one; a test checks that it allows exactly these), and `contract` writes
// their names for the webview (`ui/src/bindings/desktop/names.ts`).
//
// Included by build.rs as well as by the crate: a macro only, no `use`.
macro_rules! for_each_command {
    ($m:ident) => {
        $m! {
            servers::list_servers,
            servers::add_server,
            servers::remove_server,
            servers::use_server,
            servers::login_config,
            servers::login,
            servers::login_openid,
            servers::logout,
            sharing::export_servers,
            sharing::import_servers,
            labs::labs,
            labs::lab,
            labs::collections,
            labs::lab_command,
            labs::create_lab,
            labs::update_lab,
            labs::delete_lab,
            topologies::topologies,
            topologies::create_topology,
            topologies::update_topology,
            topologies::delete_topology,
            topologies::create_bind_file,
            topologies::update_bind_file,
            topologies::delete_bind_file,
            topologies::create_collection,
            topologies::update_collection,
            topologies::delete_collection,
            topologies::clab_schema,
            topologies::devices,
            logs::subscribe_logs,
            logs::unsubscribe_logs,
            logs::logs_handled,
            logs::export_log,
            local::local_prerequisites,
            local::check_topology,
            local::import_topology,
            shells::open_shell,
            shells::list_shells,
            shells::close_shell,
            shells::attach_shell,
            shells::detach_shell,
            shells::shell_input,
            shells::resize_shell,
            shells::pop_out_shell,
            about::about,
            about::server_version,
            about::export_diagnostics,
            reminders::reminder_settings,
            reminders::set_reminder_settings,
            notifications::notification_rules,
            notifications::set_notification_rules,
        }
    };
}
