// The fake's state and plumbing, shared by every part of it: the servers, the recorded calls,
// the event handlers, the timers (all stopped by `dispose`) and the way a call answers
// (after `latencyMs`, recorded in `calls`).

import { Severity, namespace, type CollectionOut, type LabOut, type LoginConfig } from "../../../bindings";
import type { CommandId } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type {
  CommandResultEvent,
  ConnectionEvent,
  ConnectionState,
  Identity,
  LabUpdateEvent,
  LogsEvent,
  NotificationRules,
  PrerequisiteReport,
  ServerView,
  ShellViewEvent,
  ShellWindowClosed,
  StatusEvent,
  Unlisten,
} from "../types";

/** The notification rules of a fresh profile (the Rust side's defaults). */
export const DEFAULT_RULES: NotificationRules = { doNotDisturb: false, minSeverity: Severity.Success, servers: [], labs: [] };

/** One server as the fake keeps it. */
export interface FakeServer {
  view: ServerView;
  loginConfig: LoginConfig;
  /** Users that may log in: username → [password, identity]. */
  users: Map<string, [string, Identity]>;
  labs: LabOut[];
  collections: CollectionOut[];
  /** Log streams by id (`logsNamespace(lab, container?)`): the lines kept and how many listen. */
  streams: Map<string, LogStream>;
  /** Labs with a deploy or destroy under way. */
  busy: Set<string>;
  /** Shells by id (closed ones stay, marked). */
  shells: Map<string, FakeShell>;
}

/** A shell on a node (`./shells` runs it). */
export interface FakeShell {
  id: string;
  labId: string;
  node: string;
  /** The newest output, repainted on attach. */
  backlog: string;
  /** The line being typed. */
  line: string;
  /** The size the last resize gave (24×80 before any). */
  size: { rows: number; cols: number };
  /** Why it closed, or `null` while open. */
  closed: string | null;
  /** The views attached to it. */
  views: Set<string>;
}

export interface LogStream {
  lines: string[];
  subscribers: number;
}

export const SESSION_NAMESPACES = [namespace.STATUS_MESSAGES, namespace.LAB_UPDATES, namespace.LAB_COMMANDS] as const;

type Handlers<E> = Set<(e: E) => void>;

/** Calls every handler of an event, as the Rust side's `emit` would. */
export function emit<E>(set: Handlers<E>, event: E): void {
  for (const h of [...set]) h(event);
}

/** Adds a handler; resolves to its unlisten function, like Tauri's `listen`. */
export function listen<E>(set: Handlers<E>, handler: (e: E) => void): Promise<Unlisten> {
  set.add(handler);
  return Promise.resolve(() => {
    set.delete(handler);
  });
}

export interface FakeRuntime {
  readonly servers: FakeServer[];
  readonly calls: { command: CommandId; args: unknown }[];
  readonly files: Map<string, string>;
  readonly handlers: {
    readonly connection: Handlers<ConnectionEvent>;
    readonly status: Handlers<StatusEvent>;
    readonly labUpdate: Handlers<LabUpdateEvent>;
    readonly logs: Handlers<LogsEvent>;
    readonly commandResult: Handlers<CommandResultEvent>;
    readonly shell: Handlers<ShellViewEvent>;
    readonly shellWindow: Handlers<ShellWindowClosed>;
  };
  readonly latencyMs: number;
  readonly stepMs: number;
  /** What `localPrerequisites` answers. */
  prerequisites: PrerequisiteReport;
  /** Whether the save dialog is cancelled (`exportLog` and `exportDiagnostics` write nothing). */
  saveCancelled: boolean;
  /** The notification rules kept (removing a server drops its rules and its labs' rules). */
  notificationRules: NotificationRules;
  /** Runs `fn` once after `ms` (unless disposed first). */
  readonly later: (ms: number, fn: () => void) => void;
  /** Runs `fn` every `ms` until disposed. */
  readonly every: (ms: number, fn: () => void) => void;
  /** Records the call, waits `latencyMs` (a microtask when 0), then answers `fn()`. */
  readonly answer: <T>(command: CommandId, args: unknown, fn: () => T) => Promise<T>;
  /** The server of that name; rejects `profile` when there is none. */
  readonly server: (name: string) => FakeServer;
  /** The server of that name; rejects `notLoggedIn` unless logged in. */
  readonly loggedIn: (name: string) => FakeServer;
  /** The lab of that id; rejects `api` 404 when there is none. */
  readonly findLab: (s: FakeServer, labId: string) => LabOut;
  /** Emits a connection state for the three session namespaces of a server. */
  readonly connectSession: (name: string, state: ConnectionState) => void;
  /** Stops every timer. */
  readonly dispose: () => void;
}

export function createRuntime(
  servers: FakeServer[],
  settings: { latencyMs: number; stepMs: number; prerequisites: PrerequisiteReport },
): FakeRuntime {
  const { latencyMs } = settings;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const intervals = new Set<ReturnType<typeof setInterval>>();
  const handlers = {
    connection: new Set<(e: ConnectionEvent) => void>(),
    status: new Set<(e: StatusEvent) => void>(),
    labUpdate: new Set<(e: LabUpdateEvent) => void>(),
    logs: new Set<(e: LogsEvent) => void>(),
    commandResult: new Set<(e: CommandResultEvent) => void>(),
    shell: new Set<(e: ShellViewEvent) => void>(),
    shellWindow: new Set<(e: ShellWindowClosed) => void>(),
  };
  const calls: { command: CommandId; args: unknown }[] = [];

  function later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  function server(name: string): FakeServer {
    const s = servers.find((x) => x.view.name === name);
    if (s === undefined) throw new BridgeError("profile", -1, `No server named "${name}"`);
    return s;
  }

  return {
    servers,
    calls,
    files: new Map<string, string>(),
    handlers,
    latencyMs,
    stepMs: settings.stepMs,
    prerequisites: settings.prerequisites,
    saveCancelled: false,
    notificationRules: structuredClone(DEFAULT_RULES),
    later,
    every: (ms, fn) => {
      intervals.add(setInterval(fn, ms));
    },
    answer: async (command, args, fn) => {
      calls.push({ command, args });
      if (latencyMs > 0) await new Promise<void>((resolve) => { later(latencyMs, resolve); });
      else await Promise.resolve();
      return fn();
    },
    server,
    loggedIn: (name) => {
      const s = server(name);
      if (!s.view.loggedIn) throw new BridgeError("notLoggedIn", 401, `Not logged in to ${name}`);
      return s;
    },
    findLab: (s, labId) => {
      const lab = s.labs.find((l) => l.id === labId);
      if (lab === undefined) throw new BridgeError("api", 404, "Lab not found");
      return lab;
    },
    connectSession: (name, state) => {
      for (const ns of SESSION_NAMESPACES) {
        emit(handlers.connection, { server: name, namespace: ns, state, message: null });
      }
    },
    dispose: () => {
      for (const t of timers) clearTimeout(t);
      for (const i of intervals) clearInterval(i);
      timers.clear();
      intervals.clear();
    },
  };
}
