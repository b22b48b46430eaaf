// Node positions kept per graph (a lab: its server and id) in localStorage, so a lab's layout
// is the same every time it is opened. Bounded: rounded numbers, only the graph's own nodes,
// and the oldest graphs forgotten past `MAX_GRAPHS`.

import type { Positions } from "./model";

const PREFIX = "antimony.graph.positions.";
const INDEX = "antimony.graph.index";
/** Graphs whose positions are kept; older ones are forgotten. */
export const MAX_GRAPHS = 200;

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

function readIndex(store: Storage): string[] {
  try {
    const parsed: unknown = JSON.parse(store.getItem(INDEX) ?? "[]");
    return Array.isArray(parsed) ? parsed.filter((k): k is string => typeof k === "string") : [];
  } catch {
    return [];
  }
}

/** The saved positions of a graph (empty when none, or unreadable). */
export function loadPositions(key: string): Positions {
  const store = storage();
  if (store === null) return {};
  try {
    const parsed: unknown = JSON.parse(store.getItem(PREFIX + key) ?? "{}");
    if (typeof parsed !== "object" || parsed === null) return {};
    const positions: Record<string, { x: number; y: number }> = Object.create(null) as Record<string, { x: number; y: number }>;
    for (const [id, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (!Array.isArray(value) || value.length !== 2) continue;
      const [x, y] = value as unknown[];
      if (typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y)) positions[id] = { x, y };
    }
    return positions;
  } catch {
    return {};
  }
}

/** Saves a graph's positions (`{}` forgets them). */
export function savePositions(key: string, positions: Positions): void {
  const store = storage();
  if (store === null) return;
  try {
    const index = readIndex(store).filter((k) => k !== key);
    const entries = Object.entries(positions);
    if (entries.length === 0) {
      store.removeItem(PREFIX + key);
    } else {
      store.setItem(PREFIX + key, JSON.stringify(Object.fromEntries(entries.map(([id, p]) => [id, [Math.round(p.x), Math.round(p.y)]]))));
      index.push(key);
    }
    for (const old of index.splice(0, Math.max(0, index.length - MAX_GRAPHS))) store.removeItem(PREFIX + old);
    store.setItem(INDEX, JSON.stringify(index));
  } catch {
    // Storage full or refused: the layout is simply not remembered.
  }
}
