// The labs of every logged-in server, for the timeline: fetched when the timeline opens (or its
// servers change) and again for a server whose labs changed (`antimony://lab-update`, and after
// a reconnect). One fetch per server at a time, at most one more queued after it.

import type { LabOut } from "../../bindings";
import { BridgeError, type Bridge, type LabUpdateEvent } from "../../lib/bridge";
import { createStore, type Store } from "../../lib/store";

export interface ServerLabs {
  status: "loading" | "ready" | "error";
  labs: LabOut[];
  error: string | null;
}

export interface ScheduleState {
  /** By server name, only the servers asked for. */
  servers: Record<string, ServerLabs>;
}

export type ScheduleAction =
  | { type: "servers"; servers: readonly string[] }
  | { type: "loaded"; server: string; labs: LabOut[] }
  | { type: "failed"; server: string; message: string };

export function scheduleReducer(state: ScheduleState, action: ScheduleAction): ScheduleState {
  switch (action.type) {
    case "servers": {
      const servers: Record<string, ServerLabs> = {};
      for (const name of action.servers) servers[name] = state.servers[name] ?? { status: "loading", labs: [], error: null };
      return { servers };
    }
    case "loaded":
      if (!(action.server in state.servers)) return state;
      return { servers: { ...state.servers, [action.server]: { status: "ready", labs: action.labs, error: null } } };
    case "failed": {
      const was = state.servers[action.server];
      if (was === undefined) return state;
      return { servers: { ...state.servers, [action.server]: { ...was, status: "error", error: action.message } } };
    }
  }
}

export interface Schedule {
  store: Store<ScheduleState, ScheduleAction>;
  /** Follows these servers (the logged-in ones), fetching the labs of each. */
  setServers(servers: readonly string[]): void;
  /** Fetches one server's labs again. */
  refresh(server: string): Promise<void>;
  /** Fetches every followed server's labs again. */
  refreshAll(): Promise<void>;
  onLabUpdate(event: LabUpdateEvent): void;
}

export function createSchedule(bridge: Bridge): Schedule {
  const store = createStore(scheduleReducer, { servers: {} });
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
        const labs = await bridge.labs({ server });
        store.dispatch({ type: "loaded", server, labs });
      } catch (e: unknown) {
        store.dispatch({ type: "failed", server, message: BridgeError.from(e).message });
      } finally {
        running.delete(server);
      }
      if (again.delete(server)) await refresh(server);
    })();
    running.set(server, p);
    return p;
  };

  return {
    store,
    setServers(servers) {
      const before = Object.keys(store.getState().servers);
      store.dispatch({ type: "servers", servers });
      for (const s of servers) if (!before.includes(s)) void refresh(s);
    },
    refresh,
    async refreshAll() {
      await Promise.all(Object.keys(store.getState().servers).map(refresh));
    },
    onLabUpdate(event) {
      if (event.server in store.getState().servers) void refresh(event.server);
    },
  };
}
