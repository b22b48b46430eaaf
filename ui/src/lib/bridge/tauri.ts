// The real bridge: Tauri commands through `invoke` (camelCase argument keys) and events through
// `listen`. The only module of the UI that imports @tauri-apps/*.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { BridgeError } from "./error";
import type { Bridge, Unlisten } from "./types";

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (raw: unknown) {
    throw BridgeError.from(raw);
  }
}

// The caller names the payload's shape (the Bridge interface types each event).
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
function on<T>(event: string, handler: (payload: T) => void): Promise<Unlisten> {
  return listen<T>(event, (e) => {
    handler(e.payload);
  });
}

/** Drops keys whose value is `undefined`, so optional arguments are absent rather than null. */
function defined(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
}

export function createTauriBridge(): Bridge {
  return {
    kind: "tauri",
    listServers: () => call("list_servers"),
    addServer: (args) => call("add_server", defined({ ...args })),
    removeServer: (args) => call("remove_server", { ...args }),
    useServer: (args) => call("use_server", { ...args }),
    loginConfig: (args) => call("login_config", { ...args }),
    login: (args) => call("login", { ...args }),
    logout: (args) => call("logout", { ...args }),
    labs: (args) => call("labs", { ...args }),
    lab: (args) => call("lab", { ...args }),
    collections: (args) => call("collections", { ...args }),
    labCommand: (args) => call("lab_command", defined({ ...args })),
    subscribeLogs: (args) => call("subscribe_logs", defined({ ...args })),
    unsubscribeLogs: (args) => call("unsubscribe_logs", { ...args }),
    exportLog: (args) => call("export_log", { ...args }),
    localPrerequisites: () => call("local_prerequisites"),
    importTopology: (args) => call("import_topology", { ...args }),
    onConnection: (handler) => on("antimony://connection", handler),
    onStatus: (handler) => on("antimony://status", handler),
    onLabUpdate: (handler) => on("antimony://lab-update", handler),
    onLogs: (handler) => on("antimony://logs", handler),
    onCommandResult: (handler) => on("antimony://command-result", handler),
  };
}
