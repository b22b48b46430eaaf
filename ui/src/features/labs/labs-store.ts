// The current server's labs and collections, kept fresh from `antimony://lab-update`, the
// dashboard's query, and the lab commands this window is running.
//
// Lab updates come in bursts while a lab deploys, and a running lab's nodes can change state
// many times a second. An update is fetched at once, but the same lab (or the list) is fetched
// again only `liveGapMs` (100 ms) after it, once for every update in between: a 200-node lab
// at 100 state changes a second is read ten times a second, not a hundred, and each read
// shows every change made before it. Refetches are also coalesced: one in flight, at most one
// more after it.

import type { CollectionOut, LabInPartial, LabOut } from "../../bindings";
import { BridgeError, type Bridge, type LabCommandName, type LabUpdateEvent } from "../../lib/bridge";
import { createLiveGap } from "../../lib/live-gap";
import { createStore, type Store } from "../../lib/store";
import { pendingKey, type Pending } from "./lab-actions";
import { defaultQuery, type LabQuery } from "./lab-table";

export interface LabsState {
  server: string | null;
  labs: LabOut[];
  collections: CollectionOut[];
  status: "idle" | "loading" | "ready" | "error";
  error: string | null;
  pending: Pending;
  query: LabQuery;
}

export type LabsAction =
  | { type: "server"; server: string | null }
  | { type: "loading" }
  | { type: "loaded"; labs: LabOut[]; collections: CollectionOut[] | null }
  | { type: "failed"; message: string }
  | { type: "labLoaded"; lab: LabOut }
  | { type: "pending"; key: string; command: LabCommandName | null }
  | { type: "query"; query: LabQuery };

export const initialLabs: LabsState = { server: null, labs: [], collections: [], status: "idle", error: null, pending: {}, query: defaultQuery };

export function labsReducer(state: LabsState, action: LabsAction): LabsState {
  switch (action.type) {
    case "server":
      return action.server === state.server ? state : { ...initialLabs, server: action.server, query: state.query };
    case "loading":
      return { ...state, status: state.status === "ready" ? "ready" : "loading" };
    case "loaded":
      return { ...state, labs: action.labs, collections: action.collections ?? state.collections, status: "ready", error: null };
    case "failed":
      return { ...state, status: "error", error: action.message };
    case "labLoaded": {
      const known = state.labs.some((l) => l.id === action.lab.id);
      const labs = known ? state.labs.map((l) => (l.id === action.lab.id ? action.lab : l)) : [...state.labs, action.lab];
      return { ...state, labs };
    }
    case "pending": {
      const pending = Object.fromEntries(Object.entries(state.pending).filter(([key]) => key !== action.key));
      if (action.command !== null) pending[action.key] = action.command;
      return { ...state, pending };
    }
    case "query":
      return { ...state, query: action.query };
  }
}

export interface Labs {
  store: Store<LabsState, LabsAction>;
  /** Shows another server's labs (or none). */
  setServer(server: string | null): void;
  /** Refetches the list and the collections. */
  refresh(): Promise<void>;
  refreshLab(labId: string): Promise<void>;
  onLabUpdate(event: LabUpdateEvent): void;
  setQuery(query: LabQuery): void;
  labName(labId: string): string | undefined;
  /** Runs a lab command; rejects with the bridge's error. */
  run(labId: string, command: LabCommandName, node?: string): Promise<void>;
  /** Reschedules or extends a lab, then refetches it (the Go server announces no change); rejects with the bridge's error. */
  update(labId: string, change: LabInPartial): Promise<void>;
}

export function createLabs(bridge: Bridge, options: { onNotLoggedIn?: (server: string) => void; liveGapMs?: number } = {}): Labs {
  const store = createStore(labsReducer, initialLabs);
  const inflight = new Map<string, Promise<void>>();
  const queued = new Map<string, Promise<void>>();
  const live = createLiveGap(options.liveGapMs);

  /**
   * Runs `fetch` for `key`; while one runs, later calls share a single run after it (their
   * promise resolves once that run has the fresh data).
   */
  const coalesce = (key: string, fetch: () => Promise<void>): Promise<void> => {
    const running = inflight.get(key);
    if (running !== undefined) {
      let next = queued.get(key);
      if (next === undefined) {
        next = running.then(() => {
          queued.delete(key);
          return coalesce(key, fetch);
        });
        queued.set(key, next);
      }
      return next;
    }
    const p = (async () => {
      try {
        await fetch();
      } finally {
        inflight.delete(key);
      }
    })();
    inflight.set(key, p);
    return p;
  };

  const failed = (server: string, e: unknown) => {
    const err = BridgeError.from(e);
    if (store.getState().server !== server) return;
    if (err.kind === "notLoggedIn") options.onNotLoggedIn?.(server);
    store.dispatch({ type: "failed", message: err.message });
  };

  const refresh = (): Promise<void> => {
    const server = store.getState().server;
    if (server === null) return Promise.resolve();
    return coalesce(`${server}\n*`, async () => {
      store.dispatch({ type: "loading" });
      try {
        const [labs, collections] = await Promise.all([
          bridge.labs({ server }),
          // Collections only name the collection column: a failure there must not hide the labs.
          bridge.collections({ server }).catch(() => null),
        ]);
        if (store.getState().server === server) store.dispatch({ type: "loaded", labs, collections });
      } catch (e: unknown) {
        failed(server, e);
      }
    });
  };

  const refreshLab = (labId: string): Promise<void> => {
    const server = store.getState().server;
    if (server === null) return Promise.resolve();
    return coalesce(`${server}\n${labId}`, async () => {
      try {
        const lab = await bridge.lab({ server, labId });
        if (store.getState().server === server) store.dispatch({ type: "labLoaded", lab });
      } catch (e: unknown) {
        // Gone, or no longer visible: the list says which.
        if (BridgeError.from(e).kind === "notLoggedIn") failed(server, e);
        else await refresh();
      }
    });
  };

  return {
    store,
    setServer(server) {
      store.dispatch({ type: "server", server });
      if (server !== null) void refresh();
    },
    refresh,
    refreshLab,
    onLabUpdate(event) {
      const state = store.getState();
      if (event.server !== state.server) return;
      const labId = event.labId;
      // A fetch that waited its gap reads the server shown then: another one's are dropped.
      const server = event.server;
      const known = labId !== null && state.labs.some((l) => l.id === labId);
      live.run(`${server}\n${known ? labId : "*"}`, () => {
        if (store.getState().server !== server) return;
        void (known ? refreshLab(labId) : refresh());
      });
    },
    setQuery(query) {
      store.dispatch({ type: "query", query });
    },
    labName(labId) {
      return store.getState().labs.find((l) => l.id === labId)?.name;
    },
    async update(labId, change) {
      const server = store.getState().server;
      if (server === null) throw new BridgeError("notLoggedIn", -1, "No server is selected");
      try {
        await bridge.updateLab({ server, labId, lab: change });
      } finally {
        // Also after a failure: the Go server saves `indefinite` and then fails.
        await refreshLab(labId);
      }
    },
    async run(labId, command, node) {
      const server = store.getState().server;
      if (server === null) throw new BridgeError("notLoggedIn", -1, "No server is selected");
      const key = pendingKey(labId, node);
      store.dispatch({ type: "pending", key, command });
      try {
        await bridge.labCommand(node === undefined ? { server, labId, command } : { server, labId, command, node });
      } finally {
        if (store.getState().server === server) store.dispatch({ type: "pending", key, command: null });
      }
    },
  };
}
