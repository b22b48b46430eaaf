// The labs of every logged-in server, in one store: the combined lab list (features/labs) and
// the schedule's timeline (features/schedule) read it, the app decides which servers it follows
// and feeds it lab updates. Fetched when a server is first followed, and again for a server
// whose labs changed (`antimony://lab-update`, a reconnect). One fetch per server at a time, at
// most one more queued after it; servers are fetched apart, so one that is slow, unreachable or
// logged out never holds the others back: its entry says what went wrong.

import type { CollectionOut, LabOut } from "../bindings";
import { BridgeError, type Bridge, type BridgeErrorKind, type LabUpdateEvent } from "./bridge";
import { createLiveGap } from "./live-gap";
import { createStore, type Store } from "./store";

export interface ServerLabs {
  status: "loading" | "ready" | "error";
  labs: LabOut[];
  /** The server's collections (to name the collection column); empty when they failed. */
  collections: CollectionOut[];
  error: string | null;
  /** What kind of failure the last one was (`notLoggedIn`, `unreachable`, …). */
  errorKind: BridgeErrorKind | null;
}

export interface AllLabsState {
  /** By server name, only the servers followed. */
  servers: Record<string, ServerLabs>;
}

export type AllLabsAction =
  | { type: "servers"; servers: readonly string[] }
  | { type: "loaded"; server: string; labs: LabOut[]; collections: CollectionOut[] | null }
  | { type: "failed"; server: string; message: string; kind: BridgeErrorKind };

const fresh: ServerLabs = { status: "loading", labs: [], collections: [], error: null, errorKind: null };

export function allLabsReducer(state: AllLabsState, action: AllLabsAction): AllLabsState {
  switch (action.type) {
    case "servers": {
      const servers: Record<string, ServerLabs> = {};
      for (const name of action.servers) servers[name] = state.servers[name] ?? fresh;
      return { servers };
    }
    case "loaded": {
      const was = state.servers[action.server];
      if (was === undefined) return state;
      const collections = action.collections ?? was.collections;
      return { servers: { ...state.servers, [action.server]: { status: "ready", labs: action.labs, collections, error: null, errorKind: null } } };
    }
    case "failed": {
      const was = state.servers[action.server];
      if (was === undefined) return state;
      return { servers: { ...state.servers, [action.server]: { ...was, status: "error", error: action.message, errorKind: action.kind } } };
    }
  }
}

export interface AllLabs {
  store: Store<AllLabsState, AllLabsAction>;
  /** Follows these servers (the logged-in ones, or none), fetching the labs of each new one. */
  setServers(servers: readonly string[]): void;
  /** Fetches one server's labs again. */
  refresh(server: string): Promise<void>;
  /** Fetches every followed server's labs again. */
  refreshAll(): Promise<void>;
  onLabUpdate(event: LabUpdateEvent): void;
}

export function createAllLabs(bridge: Bridge, options: { onNotLoggedIn?: (server: string) => void; liveGapMs?: number } = {}): AllLabs {
  const store = createStore(allLabsReducer, { servers: {} });
  // A server's updates are read once per gap (see live-gap.ts).
  const live = createLiveGap(options.liveGapMs);
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();

  const refresh = (server: string): Promise<void> => {
    const now = running.get(server);
    if (now !== undefined) {
      again.add(server);
      return now;
    }
    const p = (async () => {
      try {
        const [labs, collections] = await Promise.all([
          bridge.labs({ server }),
          // Collections only name a column: a failure there must not hide the labs.
          bridge.collections({ server }).catch(() => null),
        ]);
        store.dispatch({ type: "loaded", server, labs, collections });
      } catch (e: unknown) {
        const err = BridgeError.from(e);
        store.dispatch({ type: "failed", server, message: err.message, kind: err.kind });
        if (err.kind === "notLoggedIn") options.onNotLoggedIn?.(server);
      } finally {
        running.delete(server);
      }
      if (again.delete(server) && server in store.getState().servers) await refresh(server);
    })();
    running.set(server, p);
    return p;
  };

  return {
    store,
    setServers(servers) {
      const before = store.getState().servers;
      store.dispatch({ type: "servers", servers });
      for (const s of servers) if (!(s in before)) void refresh(s);
    },
    refresh,
    async refreshAll() {
      await Promise.all(Object.keys(store.getState().servers).map(refresh));
    },
    onLabUpdate(event) {
      const server = event.server;
      if (!(server in store.getState().servers)) return;
      live.run(server, () => {
        if (server in store.getState().servers) void refresh(server);
      });
    },
  };
}

/** A server as the combined list shows it (the app derives it from the servers feature). */
export interface ServerSummary {
  name: string;
  health: "connected" | "reconnecting" | "loginNeeded" | "offline";
  local: boolean;
}
