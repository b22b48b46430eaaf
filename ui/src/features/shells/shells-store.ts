// The shells this window shows, per server and lab, for as long as the app runs: switching labs
// or servers keeps them. A shell is in a tab ("tab"), running on the server without one here
// ("detached": left running earlier, or detached), in a window of its own ("window"), or
// closed (its tab says why). A reducer the tests drive; `shells.ts` is its controller.

import type { ConnectionState, ShellInfo } from "../../lib/bridge";

export type ShellStatus = "tab" | "detached" | "window" | "closed";

export interface ShellEntry {
  /** Stable while the entry lives (a tab's key): "open:<n>" for shells opened here, else "shell:<id>". */
  key: string;
  server: string;
  labId: string;
  node: string;
  /** `null` while `open_shell` runs (and when it failed). */
  shellId: string | null;
  status: ShellStatus;
  opening: boolean;
  /** The shell's connection as its views last heard. */
  connection: "connected" | "reconnecting";
  connectionMessage: string | null;
  /** When it last came back after reconnecting (ms since the epoch), for "reconnected". */
  reconnectedAt: number | null;
  /** Why it closed (the server's reason), or why it could not open. */
  closedReason: string | null;
  /** The server keeps its own terminal size (resize not followed): said once, not asked again. */
  fixedSize: boolean;
}

export interface ShellsState {
  entries: readonly ShellEntry[];
}

export type ShellsAction =
  | { type: "add"; entry: ShellEntry }
  | { type: "opened"; key: string; shellId: string }
  | { type: "status"; key: string; status: ShellStatus }
  | { type: "connection"; key: string; state: ConnectionState; message: string | null; at: number }
  | { type: "closed"; key: string; reason: string }
  | { type: "fixedSize"; key: string }
  | { type: "remove"; key: string }
  | { type: "listed"; server: string; labId: string; shells: readonly ShellInfo[] }
  | { type: "serverGone"; server: string };

export const initialShells: ShellsState = { entries: [] };

/** The data-state of a shell's tab and terminal: `opening`, `connected`, `reconnecting`, `closed`. */
export function shellState(entry: ShellEntry): "opening" | "connected" | "reconnecting" | "closed" {
  if (entry.status === "closed") return "closed";
  if (entry.opening) return "opening";
  return entry.connection;
}

/**
 * Whether two shell ids name the same shell. The app labels a shell's window "shell-" and the
 * id's letters and digits (no dashes), and `antimony://shell-window` carries that part.
 */
export function sameShell(a: string | null, b: string): boolean {
  const bare = (id: string) => id.replace(/[^A-Za-z0-9]/g, "").slice(0, 36);
  return a !== null && bare(a) === bare(b);
}

function update(state: ShellsState, key: string, change: (entry: ShellEntry) => ShellEntry): ShellsState {
  const i = state.entries.findIndex((e) => e.key === key);
  const before = state.entries[i];
  if (before === undefined) return state;
  const after = change(before);
  return after === before ? state : { entries: state.entries.map((e, j) => (j === i ? after : e)) };
}

export function shellsReducer(state: ShellsState, action: ShellsAction): ShellsState {
  switch (action.type) {
    case "add":
      return state.entries.some((e) => e.key === action.entry.key) ? state : { entries: [...state.entries, action.entry] };
    case "opened": {
      // A listing that ran meanwhile may have found the shell already: one entry, this one.
      const entries = state.entries.filter((e) => e.key === action.key || e.shellId !== action.shellId);
      return update({ entries }, action.key, (e) => ({ ...e, shellId: action.shellId, opening: false }));
    }
    case "status":
      return update(state, action.key, (e) => (e.status === action.status || e.status === "closed" ? e : { ...e, status: action.status }));
    case "connection":
      return update(state, action.key, (e) => {
        const connection = action.state === "connected" ? "connected" : "reconnecting";
        const reconnectedAt = connection === "connected" && e.connection === "reconnecting" ? action.at : e.reconnectedAt;
        if (connection === e.connection && action.message === e.connectionMessage && reconnectedAt === e.reconnectedAt) return e;
        return { ...e, connection, connectionMessage: action.message, reconnectedAt };
      });
    case "closed":
      return update(state, action.key, (e) => (e.status === "closed" ? e : { ...e, status: "closed", opening: false, closedReason: action.reason }));
    case "fixedSize":
      return update(state, action.key, (e) => (e.fixedSize ? e : { ...e, fixedSize: true }));
    case "remove":
      return state.entries.some((e) => e.key === action.key) ? { entries: state.entries.filter((e) => e.key !== action.key) } : state;
    case "listed": {
      const inLab = (e: ShellEntry) => e.server === action.server && e.labId === action.labId;
      const listed = new Set(action.shells.map((s) => s.shellId));
      // Shells no longer running, and not on screen here, go.
      const kept = state.entries.filter((e) => !(inLab(e) && (e.status === "detached" || e.status === "window") && e.shellId !== null && !listed.has(e.shellId)));
      const known = new Set(kept.filter(inLab).map((e) => e.shellId));
      const found = action.shells
        .filter((s) => !known.has(s.shellId))
        .map((s) => listedEntry(action.server, action.labId, s));
      return found.length === 0 && kept.length === state.entries.length ? state : { entries: [...kept, ...found] };
    }
    case "serverGone":
      return state.entries.some((e) => e.server === action.server) ? { entries: state.entries.filter((e) => e.server !== action.server) } : state;
  }
}

export function listedEntry(server: string, labId: string, s: ShellInfo, status: ShellStatus = "detached"): ShellEntry {
  return {
    key: `shell:${s.shellId}`,
    server,
    labId,
    node: s.node,
    shellId: s.shellId,
    status,
    opening: false,
    connection: "connected",
    connectionMessage: null,
    reconnectedAt: null,
    closedReason: null,
    fixedSize: false,
  };
}

/** A shell's entries in a lab, in the order they came. */
export function labShells(state: ShellsState, server: string, labId: string): ShellEntry[] {
  return state.entries.filter((e) => e.server === server && e.labId === labId);
}
