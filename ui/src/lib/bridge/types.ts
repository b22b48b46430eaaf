// The contract between the webview and the Rust shell (src-tauri). Its types are generated from
// Rust (`src-tauri/src/contract/` → `bindings/desktop/`, protocol types → `bindings/`) and only
// re-exported here; this file adds the `Bridge` interface that puts them together.

import type {
  BindFileIn,
  BindFileInPartial,
  CollectionIn,
  CollectionInPartial,
  CollectionOut,
  DeviceConfig,
  LabIn,
  LabOut,
  LoginConfig,
  PrerequisiteCheck,
  PrerequisiteReport,
  TopologyIn,
  TopologyInPartial,
  TopologyOut,
} from "../../bindings";
import type {
  About,
  CommandName,
  CommandResultEvent,
  ConnectionEvent,
  Identity,
  ImportedLab,
  LabCommandName,
  LabUpdateEvent,
  LogsEvent,
  ServerView,
  ShellInfo,
  ShellOpened,
  ShellViewEvent,
  ShellWindowClosed,
  StatusEvent,
  Subscription,
  TopologyCheck,
} from "../../bindings/desktop";
import type { LabInPartial } from "../../bindings";
import type { NotificationRules, ReminderSettings, ServersImported } from "../../bindings/desktop";

// `BridgeError` (the generated shape) is not re-exported: the class of that name in `error.ts`
// is what callers use.
export type {
  About,
  AboutServer,
  BridgeErrorKind,
  CommandName,
  CommandResultEvent,
  ConnectionEvent,
  ConnectionState,
  Identity,
  ImportedLab,
  LabCommandName,
  LabRule,
  LabUpdateEvent,
  LogsEvent,
  NotificationRules,
  ReminderSettings,
  ServerRule,
  ServersImported,
  ServerView,
  ShellInfo,
  ShellOpened,
  ShellUpdate,
  ShellViewEvent,
  ShellWindowClosed,
  SkippedServer,
  StatusEvent,
  Subscription,
  TlsMode,
  TopologyCheck,
} from "../../bindings/desktop";

/** `local_prerequisites`: whether this computer can deploy labs, check by check (generated from antimony-protocol). */
export type { PrerequisiteCheck, PrerequisiteReport };

export type Unlisten = () => void;

/** Everything the UI may ask of the Rust side. The Tauri and the fake bridge implement it. */
export interface Bridge {
  /** `"tauri"` inside the app, `"fake"` in a plain browser and in tests. */
  readonly kind: "tauri" | "fake";

  listServers(): Promise<ServerView[]>;
  /**
   * Adds a server. Without `api`, its REST API is looked for at `<url>/api`, then at `<url>`
   * itself, and the one that answers Antimony's login configuration is kept (`restBase`);
   * rejects `protocol` when neither does (the address is not an Antimony server).
   */
  addServer(args: { name: string; url: string; trustFingerprint?: string; api?: string }): Promise<ServerView>;
  removeServer(args: { name: string }): Promise<null>;
  useServer(args: { name: string }): Promise<null>;

  /**
   * Saves every server profile (names, addresses, REST bases, pinned certificates; never a
   * login or password) to a file the user picks in the native save dialog. The path written,
   * or `null` when cancelled.
   */
  exportServers(): Promise<string | null>;
  /**
   * Adds the servers of a file the user picks in the native open dialog, each checked as
   * adding it by hand would be; a server whose name is taken ("This computer" included) is
   * skipped with the reason. `null` when cancelled; rejects `profile` for a file that is not
   * one of Antimony servers, `io` when it cannot be read.
   */
  importServers(): Promise<ServersImported | null>;

  loginConfig(args: { server: string }): Promise<LoginConfig>;
  login(args: { server: string; username: string; password: string; savePassword: boolean }): Promise<Identity>;
  /**
   * OpenID Connect login: the app opens a window of its own on the server's login page and
   * the provider's, and keeps the tokens the server gives that window (they never reach the
   * page). Rejects `cancelled` when the user closes that window (or after 10 minutes),
   * `unsupported` when the server does not offer OpenID Connect.
   */
  loginOpenid(args: { server: string }): Promise<Identity>;
  logout(args: { server: string }): Promise<null>;

  labs(args: { server: string }): Promise<LabOut[]>;
  lab(args: { server: string; labId: string }): Promise<LabOut>;
  collections(args: { server: string }): Promise<CollectionOut[]>;
  labCommand(args: { server: string; labId: string; command: LabCommandName; node?: string }): Promise<null>;
  /**
   * Creates a lab of a topology (all four of name, start, end and topology are required by
   * real servers; a start in the past deploys now); its id. For a lab without an end, create
   * it with one and then clear it (`updateLab` with `indefinite`).
   */
  createLab(args: { server: string; lab: LabIn }): Promise<string>;

  /** The topologies the user may see, with their bind files. */
  topologies(args: { server: string }): Promise<TopologyOut[]>;
  /** Creates a topology; its id. The server checks the YAML and its schema (`api` 3003), the name (3001). */
  createTopology(args: { server: string; topology: TopologyIn }): Promise<string>;
  /** Changes a topology's definition, sync URL or collection. */
  updateTopology(args: { server: string; topologyId: string; topology: TopologyInPartial }): Promise<null>;
  deleteTopology(args: { server: string; topologyId: string }): Promise<null>;
  /** Adds a bind file; its id (`api` 4001 for a path the topology has already). */
  createBindFile(args: { server: string; topologyId: string; file: BindFileIn }): Promise<string>;
  /** Changes a bind file's path (a rename) or content. */
  updateBindFile(args: { server: string; topologyId: string; fileId: string; file: BindFileInPartial }): Promise<null>;
  deleteBindFile(args: { server: string; topologyId: string; fileId: string }): Promise<null>;
  /** Creates a collection (admins only); its id. */
  createCollection(args: { server: string; collection: CollectionIn }): Promise<string>;
  updateCollection(args: { server: string; collectionId: string; collection: CollectionInPartial }): Promise<null>;
  deleteCollection(args: { server: string; collectionId: string }): Promise<null>;
  /** The containerlab JSON schema the server checks topologies against (any JSON). */
  clabSchema(args: { server: string }): Promise<unknown>;
  /** The device kinds the server knows. */
  devices(args: { server: string }): Promise<DeviceConfig[]>;

  /** Subscribes to a lab's log or a node's; the stream is `logsNamespace(labId, containerId)`. */
  subscribeLogs(args: { server: string; labId: string; containerId?: string }): Promise<Subscription>;
  unsubscribeLogs(args: { server: string; stream: string }): Promise<null>;

  /**
   * Checks the local server's prerequisites (containerlab, Docker, permissions) anew on every
   * call. Rejects with `unreachable` when the local server is not running.
   */
  localPrerequisites(): Promise<PrerequisiteReport>;
  /**
   * Whether a file can be imported as a topology (`.clab.yml` / `.clab.yaml`, at most 1 MiB)
   * and the name its lab gets (the topology's top-level `name:`, else the file name without
   * its extension), by antimony-client's rules. Rejects `io` for a file that cannot be imported.
   */
  checkTopology(args: { fileName: string; definition: string }): Promise<TopologyCheck>;
  /**
   * Creates a topology from a containerlab YAML file and an unscheduled lab of it in the
   * collection "local" (created if missing); with `deploy` then sends the lab's Deploy command
   * once the lab exists, without waiting for it: its progress and outcome come as the usual
   * events (command-result, status, logs). Rejects `api` for an invalid topology, `io` for a
   * file `checkTopology` refuses.
   */
  importTopology(args: { server: string; fileName: string; definition: string; deploy: boolean }): Promise<ImportedLab>;

  /**
   * Saves a log: the Rust side asks the user where with the native save dialog and writes
   * the file (the webview never names a path). The path written, or `null` when cancelled.
   */
  exportLog(args: { suggestedName: string; contents: string }): Promise<string | null>;

  /**
   * The app's version, the git commit it was built from, the Tauri and webview versions, the
   * OS, and every server (the bundled one first) without versions: `serverVersion` asks each.
   */
  about(): Promise<About>;
  /**
   * A server's version as it says (antimony-server's `X-Antimony-Server` header), `null` for a
   * server that does not say (the Go server). No login needed. Rejects `unreachable` (after at
   * most 5 s) or `certificate` when the server cannot be asked.
   */
  serverVersion(args: { server: string }): Promise<string | null>;
  /**
   * Writes a diagnostics report (app and OS versions, the local prerequisites, the servers
   * without secrets, the last 2000 lines of the app's log, all scrubbed of tokens and
   * passwords) where the user chooses in the native save dialog. The path written, or `null`
   * when cancelled.
   */
  exportDiagnostics(): Promise<string | null>;

  /**
   * Reschedules a lab: a new name, start (re-queues its deployment) or end time, or no end
   * (`indefinite`). Of a deployed lab antimony-server takes only a new end (`api` 500, code -1
   * otherwise); a server that does not say its version (the Go server, which would hang for
   * good) takes no change of a deployed lab at all: `unsupported`. An end before the start is
   * `api` 422; a user who is neither the lab's creator nor an admin gets `api` 403.
   */
  updateLab(args: { server: string; labId: string; lab: LabInPartial }): Promise<null>;
  /** Deletes a lab that is not deployed (or whose deployment failed). */
  deleteLab(args: { server: string; labId: string }): Promise<null>;
  /** The reminder before a deployed lab's end (an OS notification; 15 minutes unless set). */
  reminderSettings(): Promise<ReminderSettings>;
  /** Keeps new reminder settings (1 to 1440 minutes before the end); the settings in force. */
  setReminderSettings(args: { settings: ReminderSettings }): Promise<ReminderSettings>;
  /** What pops up (toasts and OS notifications), per severity, server and lab, and do-not-disturb. */
  notificationRules(): Promise<NotificationRules>;
  /** Keeps new rules (one per server and per lab; rejects `io` otherwise); the rules in force. */
  setNotificationRules(args: { rules: NotificationRules }): Promise<NotificationRules>;

  /**
   * Opens a shell on a node and attaches the terminal view `viewId` (the webview makes view
   * ids, one per terminal on screen): its output then comes as `antimony://shell` events for
   * that view, possibly before this answers.
   */
  openShell(args: { server: string; labId: string; node: string; viewId: string }): Promise<ShellOpened>;
  /** The user's open shells in a lab (to offer attaching them again). */
  listShells(args: { server: string; labId: string }): Promise<ShellInfo[]>;
  /** Closes a shell on the server; its views get a `closed` update. */
  closeShell(args: { server: string; labId: string; shellId: string }): Promise<null>;
  /**
   * Attaches a view to an open shell: the server's backlog (its last 256 KiB of output) comes
   * first as output, so a fresh terminal repaints the screen; then live output.
   */
  attachShell(args: { server: string; shellId: string; viewId: string }): Promise<null>;
  /** Stops a view; the shell keeps running on the server. */
  detachShell(args: { viewId: string }): Promise<null>;
  /** Keystrokes or a paste. Rejects `command` when the view is not attached. */
  shellInput(args: { viewId: string; data: string }): Promise<null>;
  /** A view's size; `false` when the server keeps its own size (no resize extension). */
  resizeShell(args: { viewId: string; rows: number; cols: number }): Promise<boolean>;
  /**
   * Opens a window of its own for a shell (the route `index.html#shell?server=…&lab=…&shell=…
   * &node=…`); the window's label. When it closes, the main window gets
   * `antimony://shell-window`.
   */
  popOutShell(args: { server: string; labId: string; shellId: string; node: string }): Promise<string>;
  /**
   * Closes the window this page runs in (a popped-out shell's). Inside the app: the window
   * API if the capability allows it, else `window.close()`.
   */
  closeWindow(): Promise<void>;

  onConnection(handler: (event: ConnectionEvent) => void): Promise<Unlisten>;
  onStatus(handler: (event: StatusEvent) => void): Promise<Unlisten>;
  onLabUpdate(handler: (event: LabUpdateEvent) => void): Promise<Unlisten>;
  onLogs(handler: (event: LogsEvent) => void): Promise<Unlisten>;
  onCommandResult(handler: (event: CommandResultEvent) => void): Promise<Unlisten>;
  /** News of the shell a terminal view shows (output, missed bytes, connection, closed). */
  onShell(handler: (event: ShellViewEvent) => void): Promise<Unlisten>;
  /** A popped-out shell's window closed (sent to the main window). */
  onShellWindow(handler: (event: ShellWindowClosed) => void): Promise<Unlisten>;
}

// Every `LabCommandName` once: a command added to (or removed from) the Rust enum breaks this
// object until it is listed here.
const labCommandNames: Record<LabCommandName, true> = {
  deploy: true,
  destroy: true,
  startNode: true,
  stopNode: true,
  restartNode: true,
};

/** Whether a command result is of a command the webview sends (not a shell command). */
export function isLabCommandName(command: CommandName): command is LabCommandName {
  return Object.hasOwn(labCommandNames, command);
}
