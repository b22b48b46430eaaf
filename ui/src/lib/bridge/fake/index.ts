// An in-memory stand-in for the Rust side, used when the page runs outside Tauri (`npm run dev`
// in a plain browser) and by the tests. It keeps two servers with a handful of labs, plays
// deploy/destroy/node commands through the same states, status messages, lab updates, log
// lines and command results the real app emits, checks and imports topologies into the
// collection "local" (by antimony-client's rules, mirrored in `./topology`), answers the local
// server's prerequisites as told (`setPrerequisites`; containerlab missing by default), keeps
// topologies, bind files and collections and creates labs as antimony-server does
// (`./topologies`), runs
// fake shells on running nodes (`./shells`), answers the About dialog and writes diagnostics
// reports (`./about`), and records every call for assertions.
//
// `../index.ts` loads it only in Vite's dev mode (a dynamic import), so a production build
// never contains it; `scripts/check-bundle.mjs` checks that after every build.

import type { LoginConfig, StatusMessage } from "../../../bindings";
import { commands, type CommandId } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type { Bridge, ConnectionState, LogsEvent, PrerequisiteReport } from "../types";
import { aboutCommands, type FakeServerVersion } from "./about";
import { importCommands } from "./import";
import { labCommands } from "./labs";
import { chatter, logCommands, seedDeployLogs, startFlood } from "./logs";
import { missingContainerlab } from "./prerequisites";
import { createRuntime, emit, listen } from "./runtime";
import { localServer, remoteServer } from "./seed";
import { scheduleCommands } from "./schedule";
import { serverCommands, type FakeOpenIdOutcome } from "./servers";
import { sharingCommands, type FakeOpenFile } from "./sharing";
import { shellCommands, shellConnection, shellMissed, shellWindowClosed } from "./shells";
import { topologyCommands } from "./topologies";

export { FAKE_APP, type FakeServerVersion } from "./about";
export { missingContainerlab, readyPrerequisites } from "./prerequisites";
export type { FakeOpenIdOutcome } from "./servers";
export type { FakeOpenFile } from "./sharing";

export interface FakeBridgeOptions {
  /** Delay of every call, in ms (0 in tests: answers on the next microtask). */
  latencyMs?: number;
  /** Time between two steps of a deploy or destroy, in ms. */
  stepMs?: number;
  /** A running node writes a line this often, in ms; 0 turns it off. */
  chatterMs?: number;
  /** Lines per second written to the first running node's log (to try the log viewer). */
  flood?: number;
  /** What `localPrerequisites` answers; `missingContainerlab()` unless given. */
  prerequisites?: PrerequisiteReport;
  /** Whether shells follow `resizeShell` (true unless given; false: a server without it). */
  shellResize?: boolean;
}

export interface FakeBridge extends Bridge {
  readonly kind: "fake";
  /** Every command called (by its Tauri name), in order, with its arguments. */
  readonly calls: { command: CommandId; args: unknown }[];
  /** Files written by `exportLog` and `exportDiagnostics`, by path. */
  readonly files: Map<string, string>;
  /** Emits a connection state for the three session namespaces of a server. */
  simulateConnection(server: string, state: ConnectionState): void;
  /** Emits a status message as the server would. */
  simulateStatus(server: string, message: StatusMessage): void;
  /** Emits a log batch as the Rust side would. */
  simulateLogs(event: LogsEvent): void;
  /** What the next `localPrerequisites` calls answer. */
  setPrerequisites(report: PrerequisiteReport): void;
  /**
   * What `serverVersion` answers for a server: a version, `null` (a server that does not
   * say), or an error to reject with. Unset: the local server says "0.1.0", others `null`.
   */
  setServerVersion(server: string, version: FakeServerVersion): void;
  /** How a server lets people log in (what `loginConfig` answers from now on). */
  setLoginConfig(server: string, config: LoginConfig): void;
  /** What a server's OpenID Connect logins do from now on (unset: log in as alice). */
  setOpenIdOutcome(server: string, outcome: FakeOpenIdOutcome): void;
  /** Whether the save dialog is cancelled: `exportLog`, `exportDiagnostics` and `exportServers` then answer `null`. */
  setSaveCancelled(cancelled: boolean): void;
  /** What the open dialog picks from now on (`importServers`); `null` (the default) cancels it. */
  setOpenFile(file: FakeOpenFile): void;
  /** Shell windows: the labels `popOutShell` opened, and how often a page closed its own. */
  readonly windows: { opened: string[]; closedOwn: number };
  /** Sends a connection state to every view of a shell. */
  simulateShellConnection(shellId: string, state: ConnectionState, message?: string | null): void;
  /** Tells every view of a shell that the server dropped `bytes` of its output. */
  simulateShellMissed(shellId: string, bytes: number): void;
  /** Emits `antimony://shell-window` as the app does when a shell's own window closes. */
  simulateShellWindowClosed(shellId: string): void;
  /** Stops every timer. */
  dispose(): void;
}

export function createFakeBridge(options: FakeBridgeOptions = {}): FakeBridge {
  const latencyMs = options.latencyMs ?? 120;
  const chatterMs = options.chatterMs ?? 2500;
  const rt = createRuntime([remoteServer(), localServer()], {
    latencyMs,
    stepMs: options.stepMs ?? 450,
    prerequisites: options.prerequisites ?? missingContainerlab(),
  });
  const { handlers } = rt;
  const windows = { opened: [] as string[], closedOwn: 0 };
  const versions = new Map<string, FakeServerVersion>();
  const openIdOutcomes = new Map<string, FakeOpenIdOutcome>();
  let openFile: FakeOpenFile = null;

  seedDeployLogs(rt.servers);
  if (chatterMs > 0) rt.every(chatterMs, () => { chatter(rt); });
  const flood = options.flood ?? 0;
  if (flood > 0) startFlood(rt, flood);

  // Sessions of servers that are logged in come up once the UI listens.
  rt.later(latencyMs * 2, () => {
    for (const s of rt.servers) if (s.view.loggedIn) rt.connectSession(s.view.name, "connected");
  });

  return {
    kind: "fake",
    calls: rt.calls,
    files: rt.files,

    ...serverCommands(rt, openIdOutcomes),
    ...labCommands(rt),
    ...logCommands(rt),
    ...importCommands(rt),
    ...shellCommands(rt, { resize: options.shellResize ?? true }, windows),
    ...aboutCommands(rt, versions),
    ...scheduleCommands(rt, versions),
    ...topologyCommands(rt),
    ...sharingCommands(rt, { openFile: () => openFile }),

    localPrerequisites: () =>
      rt.answer(commands.localPrerequisites, undefined, () => {
        if (!rt.servers.some((s) => s.view.local)) throw new BridgeError("unreachable", -1, "the local server is not running");
        return structuredClone(rt.prerequisites);
      }),

    onConnection: (h) => listen(handlers.connection, h),
    onStatus: (h) => listen(handlers.status, h),
    onLabUpdate: (h) => listen(handlers.labUpdate, h),
    onLogs: (h) => listen(handlers.logs, h),
    onCommandResult: (h) => listen(handlers.commandResult, h),
    onShell: (h) => listen(handlers.shell, h),
    onShellWindow: (h) => listen(handlers.shellWindow, h),

    simulateConnection: rt.connectSession,
    simulateStatus: (name, message) => { emit(handlers.status, { server: name, message }); },
    simulateLogs: (event) => { emit(handlers.logs, event); },
    setPrerequisites: (report) => { rt.prerequisites = structuredClone(report); },
    setServerVersion: (server, version) => { versions.set(server, version); },
    setLoginConfig: (server, config) => { rt.server(server).loginConfig = structuredClone(config); },
    setOpenIdOutcome: (server, outcome) => { openIdOutcomes.set(server, outcome); },
    setSaveCancelled: (cancelled) => { rt.saveCancelled = cancelled; },
    setOpenFile: (file) => { openFile = file; },
    windows,
    simulateShellConnection: (shellId, state, message = null) => { shellConnection(rt, shellId, state, message); },
    simulateShellMissed: (shellId, bytes) => { shellMissed(rt, shellId, bytes); },
    simulateShellWindowClosed: (shellId) => { shellWindowClosed(rt, shellId); },
    dispose: rt.dispose,
  };
}
