// The contract between the webview and the Rust shell (src-tauri): command arguments and
// results, event payloads, and the one error shape every command rejects with. Protocol
// types (labs, status messages, …) come from the generated bindings and are not redefined.

import type { CollectionOut, LabOut, LoginConfig, PrerequisiteCheck, PrerequisiteReport, StatusMessage } from "../../bindings";

/** What a failed command says went wrong; the UI branches on `kind` and `code`, never on text. */
export type BridgeErrorKind =
  | "api"
  | "notLoggedIn"
  | "unreachable"
  | "certificate"
  | "keychain"
  | "profile"
  | "protocol"
  | "io"
  | "command";

/** Who is logged in to a server. */
export interface Identity {
  id: string;
  isAdmin: boolean;
}

/** A server profile as `list_servers` shows it (no secrets). */
export interface ServerView {
  name: string;
  origin: string;
  restBase: string;
  tls: "none" | "system" | "caFile" | "pinned";
  fingerprint: string | null;
  user: string | null;
  current: boolean;
  loggedIn: boolean;
  identity: Identity | null;
  /** The bundled "This computer" server. */
  local: boolean;
}

/** Commands `lab_command` sends over `/lab-commands`. */
export type LabCommandName = "deploy" | "destroy" | "startNode" | "stopNode" | "restartNode";

/** Per-namespace connection state of a server session. */
export type ConnectionState = "connected" | "refused" | "trouble" | "loginNeeded";

/** `antimony://connection` */
export interface ConnectionEvent {
  server: string;
  namespace: string;
  state: ConnectionState;
  message: string | null;
}

/** `antimony://status` */
export interface StatusEvent {
  server: string;
  message: StatusMessage;
}

/** `antimony://lab-update`; `labId: null` means "refetch every lab". */
export interface LabUpdateEvent {
  server: string;
  labId: string | null;
}

/** `antimony://logs`: a batch of lines of one stream, in order, each delivered exactly once. */
export interface LogsEvent {
  server: string;
  stream: string;
  lines: string[];
  /** Lines the server trimmed before they could be delivered. */
  missed: number;
  /** The stream started over (redeploy, server restart); these lines are the new start. */
  restarted: boolean;
}

/** `antimony://command-result`: the outcome of every lab command, wherever it was started. */
export interface CommandResultEvent {
  server: string;
  labId: string;
  /** One of `LabCommandName`, or a shell command (`fetchShells`, …) the UI does not run. */
  command: LabCommandName | (string & {});
  node: string | null;
  ok: boolean;
  error: { code: number; message: string } | null;
}

export type Unlisten = () => void;

/** `local_prerequisites`: whether this computer can deploy labs, check by check (generated from antimony-protocol). */
export type { PrerequisiteCheck, PrerequisiteReport };

/** `import_topology`: the lab made from an imported topology file. */
export interface ImportedLab {
  labId: string;
  labName: string;
  /** The collection it went into ("local"). */
  collection: string;
}

/** Everything the UI may ask of the Rust side. The Tauri and the fake bridge implement it. */
export interface Bridge {
  /** `"tauri"` inside the app, `"fake"` in a plain browser and in tests. */
  readonly kind: "tauri" | "fake";

  listServers(): Promise<ServerView[]>;
  addServer(args: { name: string; url: string; trustFingerprint?: string }): Promise<ServerView>;
  removeServer(args: { name: string }): Promise<null>;
  useServer(args: { name: string }): Promise<null>;

  loginConfig(args: { server: string }): Promise<LoginConfig>;
  login(args: { server: string; username: string; password: string; savePassword: boolean }): Promise<Identity>;
  logout(args: { server: string }): Promise<null>;

  labs(args: { server: string }): Promise<LabOut[]>;
  lab(args: { server: string; labId: string }): Promise<LabOut>;
  collections(args: { server: string }): Promise<CollectionOut[]>;
  labCommand(args: { server: string; labId: string; command: LabCommandName; node?: string }): Promise<null>;

  subscribeLogs(args: { server: string; labId: string; containerId?: string }): Promise<{ stream: string }>;
  unsubscribeLogs(args: { server: string; stream: string }): Promise<null>;

  /**
   * Checks the local server's prerequisites (containerlab, Docker, permissions) anew on every
   * call. Rejects with `unreachable` when the local server is not running.
   */
  localPrerequisites(): Promise<PrerequisiteReport>;
  /**
   * Creates a topology from a containerlab YAML file and an unscheduled lab of it in the
   * collection "local" (created if missing); with `deploy` then sends the lab's Deploy command
   * once the lab exists, without waiting for it: its progress and outcome come as the usual
   * events (command-result, status, logs). Rejects `api` for an invalid topology.
   */
  importTopology(args: { server: string; fileName: string; definition: string; deploy: boolean }): Promise<ImportedLab>;

  /**
   * Saves a log: the Rust side asks the user where with the native save dialog and writes
   * the file (the webview never names a path). The path written, or `null` when cancelled.
   */
  exportLog(args: { suggestedName: string; contents: string }): Promise<string | null>;

  onConnection(handler: (event: ConnectionEvent) => void): Promise<Unlisten>;
  onStatus(handler: (event: StatusEvent) => void): Promise<Unlisten>;
  onLabUpdate(handler: (event: LabUpdateEvent) => void): Promise<Unlisten>;
  onLogs(handler: (event: LogsEvent) => void): Promise<Unlisten>;
  onCommandResult(handler: (event: CommandResultEvent) => void): Promise<Unlisten>;
}

const labCommands: readonly string[] = ["deploy", "destroy", "startNode", "stopNode", "restartNode"];

export function isLabCommandName(command: string): command is LabCommandName {
  return labCommands.includes(command);
}

/** The log stream id of a lab log or a node log, as `subscribe_logs` returns it. */
export function logStreamId(labId: string, containerId?: string): string {
  return containerId === undefined ? `/logs/${labId}` : `/logs/${labId}/${containerId}`;
}
