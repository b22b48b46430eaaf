// A minimal external store: a reducer, a state and listeners. Feature stores are built on it
// so their logic is plain functions that vitest drives directly; components read them with
// `useStore`.

import { useSyncExternalStore } from "react";

export interface Store<S, A> {
  getState: () => S;
  dispatch: (action: A) => void;
  subscribe: (listener: () => void) => () => void;
}

export function createStore<S, A>(reducer: (state: S, action: A) => S, initial: S): Store<S, A> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    getState: () => state,
    dispatch(action) {
      const next = reducer(state, action);
      if (next === state) return;
      state = next;
      for (const listener of [...listeners]) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/** Reads a slice of a store; `select` must return something stable (a part of the state). */
export function useStore<S, T>(store: Pick<Store<S, never>, "getState" | "subscribe">, select: (state: S) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.getState()));
}
