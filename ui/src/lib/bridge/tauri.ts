// The real bridge: Tauri commands through `invoke` (camelCase argument keys) and events through
// `listen`, by the names generated from the Rust side (`commands`, `events`), so a renamed
// command or event breaks the build rather than the app. The only module of the UI that
// imports @tauri-apps/*.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { commands, events, type CommandId, type LogsEvent } from "../../bindings/desktop";
import { BridgeError } from "./error";
import { createLogPace } from "./log-pace";
import type { Bridge, Unlisten } from "./types";

type EventName = (typeof events)[keyof typeof events];

async function call<T>(command: CommandId, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw: unknown) {
    throw BridgeError.from(raw);
  }
}

// The caller names the payload's shape (the Bridge interface types each event).
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
function on<T>(event: EventName, handler: (payload: T) => void): Promise<Unlisten> {
  return listen<T>(event, (e) => {
    handler(e.payload);
  });
}

/** Drops keys whose value is `undefined`, so optional arguments are absent rather than null. */
function defined(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}

/**
 * Closes this page's window. The window API closes it as the title bar's button would (Tauri
 * destroys it, and the main window hears of a shell window closing); it needs the
 * `core:window:allow-close` permission. Without it, `window.close()`: WebKitGTK lets a page
 * close a window it has not navigated in, but wry (0.57) answers WebKit's request by
 * destroying only the webview, so the window may stay, empty, and Tauri never hears of it.
 * The window API (all of Tauri's window commands) loads only then: it is big.
 */
async function closeWindow(): Promise<void> {
  try {
    const { getCurrentWindow } = await import("@tauri-apps/api/window");
    await getCurrentWindow().close();
  } catch {
    window.close();
  }
}

export function createTauriBridge(): Bridge {
  // The Rust side sends log lines while it holds credit, which the page gives back once per
  // frame (log-pace.ts).
  const logPace = createLogPace((lines) => {
    call(commands.logsHandled, { lines }).catch(() => {
      // Not given, the Rust side starts over with a fresh credit after a second.
    });
  });
  return {
    kind: "tauri",
    listServers: () => call(commands.listServers),
    addServer: (args) => call(commands.addServer, defined({ ...args })),
    removeServer: (args) => call(commands.removeServer, { ...args }),
    useServer: (args) => call(commands.useServer, { ...args }),
    exportServers: () => call(commands.exportServers),
    importServers: () => call(commands.importServers),
    loginConfig: (args) => call(commands.loginConfig, { ...args }),
    login: (args) => call(commands.login, { ...args }),
    loginOpenid: (args) => call(commands.loginOpenid, { ...args }),
    logout: (args) => call(commands.logout, { ...args }),
    labs: (args) => call(commands.labs, { ...args }),
    lab: (args) => call(commands.lab, { ...args }),
    collections: (args) => call(commands.collections, { ...args }),
    labCommand: (args) => call(commands.labCommand, defined({ ...args })),
    createLab: (args) => call(commands.createLab, { ...args }),
    topologies: (args) => call(commands.topologies, { ...args }),
    createTopology: (args) => call(commands.createTopology, { ...args }),
    updateTopology: (args) => call(commands.updateTopology, { ...args }),
    deleteTopology: (args) => call(commands.deleteTopology, { ...args }),
    createBindFile: (args) => call(commands.createBindFile, { ...args }),
    updateBindFile: (args) => call(commands.updateBindFile, { ...args }),
    deleteBindFile: (args) => call(commands.deleteBindFile, { ...args }),
    createCollection: (args) => call(commands.createCollection, { ...args }),
    updateCollection: (args) => call(commands.updateCollection, { ...args }),
    deleteCollection: (args) => call(commands.deleteCollection, { ...args }),
    clabSchema: (args) => call(commands.clabSchema, { ...args }),
    devices: (args) => call(commands.devices, { ...args }),
    subscribeLogs: (args) => call(commands.subscribeLogs, defined({ ...args })),
    unsubscribeLogs: (args) => call(commands.unsubscribeLogs, { ...args }),
    exportLog: (args) => call(commands.exportLog, { ...args }),
    about: () => call(commands.about),
    serverVersion: (args) => call(commands.serverVersion, { ...args }),
    exportDiagnostics: () => call(commands.exportDiagnostics),
    updateLab: (args) => call(commands.updateLab, { ...args }),
    deleteLab: (args) => call(commands.deleteLab, { ...args }),
    reminderSettings: () => call(commands.reminderSettings),
    setReminderSettings: (args) => call(commands.setReminderSettings, { ...args }),
    notificationRules: () => call(commands.notificationRules),
    setNotificationRules: (args) => call(commands.setNotificationRules, { ...args }),
    localPrerequisites: () => call(commands.localPrerequisites),
    checkTopology: (args) => call(commands.checkTopology, { ...args }),
    importTopology: (args) => call(commands.importTopology, { ...args }),
    openShell: (args) => call(commands.openShell, { ...args }),
    listShells: (args) => call(commands.listShells, { ...args }),
    closeShell: (args) => call(commands.closeShell, { ...args }),
    attachShell: (args) => call(commands.attachShell, { ...args }),
    detachShell: (args) => call(commands.detachShell, { ...args }),
    shellInput: (args) => call(commands.shellInput, { ...args }),
    resizeShell: (args) => call(commands.resizeShell, { ...args }),
    popOutShell: (args) => call(commands.popOutShell, { ...args }),
    closeWindow,
    onConnection: (handler) => on(events.connection, handler),
    onStatus: (handler) => on(events.status, handler),
    onLabUpdate: (handler) => on(events.labUpdate, handler),
    onLogs: (handler) =>
      on<LogsEvent>(events.logs, (payload) => {
        logPace.saw(payload, payload.lines.length);
        handler(payload);
      }),
    onCommandResult: (handler) => on(events.commandResult, handler),
    onShell: (handler) => on(events.shell, handler),
    onShellWindow: (handler) => on(events.shellWindow, handler),
  };
}
