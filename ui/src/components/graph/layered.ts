// A layered layout for network topologies: nodes in rows by level (containerlab's graph-level
// labels, else the distance from the most connected nodes: spines, then leaves, then hosts),
// ordered within a row to keep links short (barycentre sweeps), wide rows wrapped. Linear in
// the graph's size, deterministic, and a few milliseconds for hundreds of nodes, where a
// force-directed layout takes most of a second in the webview; it is also how fabrics are
// usually drawn.

import type { Position } from "./model";

/**
 * Space between nodes in a row, between the sub-rows of a wrapped row, and between levels (for
 * a big graph; a small one gets more, `roomFor`, so its interface names have space).
 */
const X_GAP = 80;
const SUB_ROW_GAP = 64;
const LEVEL_GAP = 110;
/** Space between the drawings of unconnected parts. */
const COMPONENT_GAP = 140;

/** How much wider a graph of `nodeCount` nodes is spread: 1.8 for a handful, 1 from 60 on (levels: 1.24 to 1). */
export function roomFor(nodeCount: number): number {
  return nodeCount >= 60 ? 1 : 1 + (0.8 * (60 - Math.max(nodeCount, 10))) / 50;
}

/** Nodes per row before a level wraps: about the square root of the graph's size. */
export function rowWidth(nodeCount: number): number {
  return Math.max(8, Math.ceil(Math.sqrt(nodeCount * 1.3)));
}

/**
 * Positions for `ids` (in their order), linked by `edges`; `levels` gives some nodes their row
 * (smaller on top); the others get one from their distance to those, or to the best connected
 * nodes of their part of the graph.
 */
export function layeredLayout(ids: readonly string[], edges: readonly (readonly [string, string])[], levels: ReadonlyMap<string, number> = new Map()): Record<string, Position> {
  const index = new Map(ids.map((id, i) => [id, i]));
  const neighbours: number[][] = ids.map(() => []);
  for (const [a, b] of edges) {
    const i = index.get(a);
    const j = index.get(b);
    if (i === undefined || j === undefined || i === j) continue;
    neighbours[i]?.push(j);
    neighbours[j]?.push(i);
  }
  const adjacent = (i: number): number[] => neighbours[i] ?? [];

  // Connected parts, in the order of their first node.
  const part = new Array<number>(ids.length).fill(-1);
  const parts: number[][] = [];
  for (let start = 0; start < ids.length; start++) {
    if (part[start] !== -1) continue;
    const members = [start];
    part[start] = parts.length;
    for (let k = 0; k < members.length; k++) {
      for (const n of adjacent(members[k] ?? 0)) {
        if (part[n] === -1) {
          part[n] = parts.length;
          members.push(n);
        }
      }
    }
    parts.push(members);
  }

  const out: Record<string, Position> = {};
  const width = rowWidth(ids.length);
  let left = 0;
  const loners: number[] = [];
  let bottom = 0;
  for (const members of parts) {
    if (members.length === 1 && !levels.has(ids[members[0] ?? 0] ?? "")) {
      loners.push(members[0] ?? 0);
      continue;
    }
    const placed = layOutPart(members, adjacent, (i) => levels.get(ids[i] ?? ""), width);
    const xs = [...placed.values()].map((p) => p.x);
    const shift = left - Math.min(...xs);
    for (const [i, p] of placed) {
      out[ids[i] ?? ""] = { x: p.x + shift, y: p.y };
      bottom = Math.max(bottom, p.y);
    }
    left = Math.max(...xs) + shift + COMPONENT_GAP;
  }
  // Unlinked nodes: a grid under the rest.
  loners.forEach((i, k) => {
    out[ids[i] ?? ""] = { x: (k % width) * X_GAP, y: (parts.length > loners.length ? bottom + LEVEL_GAP : 0) + Math.floor(k / width) * SUB_ROW_GAP };
  });
  // Rows further apart, and levels a little (a small graph fits its pane by its height).
  const room = roomFor(ids.length);
  const yRoom = 1 + (room - 1) * 0.3;
  if (room !== 1) for (const p of Object.values(out)) Object.assign(p, { x: p.x * room, y: p.y * yRoom });
  return out;
}

function layOutPart(members: readonly number[], adjacent: (i: number) => number[], given: (i: number) => number | undefined, width: number): Map<number, Position> {
  // Levels: the given ones, spread to the others by breadth-first search (one more per link);
  // without any, from the best connected nodes.
  const level = new Map<number, number>();
  let frontier = members.filter((i) => given(i) !== undefined);
  for (const i of frontier) level.set(i, given(i) ?? 0);
  if (frontier.length === 0) {
    const top = Math.max(...members.map((i) => adjacent(i).length));
    frontier = members.filter((i) => adjacent(i).length === top);
    for (const i of frontier) level.set(i, 0);
  }
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const i of frontier) {
      for (const n of adjacent(i)) {
        if (level.has(n)) continue;
        level.set(n, (level.get(i) ?? 0) + 1);
        next.push(n);
      }
    }
    frontier = next;
  }
  const distinct = [...new Set(level.values())].sort((a, b) => a - b);
  const rows: number[][] = distinct.map(() => []);
  // Discovery order first (members are in breadth-first order from the part's first node).
  for (const i of members) rows[distinct.indexOf(level.get(i) ?? 0)]?.push(i);

  // Barycentre sweeps: each node goes where its neighbours in the row above (then below) are.
  const order = new Map<number, number>();
  const number = () => {
    for (const row of rows) row.forEach((i, k) => order.set(i, k / Math.max(1, row.length - 1)));
  };
  number();
  const rowOf = new Map<number, number>();
  rows.forEach((row, r) => {
    for (const i of row) rowOf.set(i, r);
  });
  const sweep = (r: number, towards: number) => {
    const row = rows[r];
    if (row === undefined) return;
    const centre = new Map<number, number>();
    for (const i of row) {
      const near = adjacent(i).filter((n) => rowOf.get(n) === towards);
      centre.set(i, near.length === 0 ? (order.get(i) ?? 0) : near.reduce((s, n) => s + (order.get(n) ?? 0), 0) / near.length);
    }
    row.sort((a, b) => (centre.get(a) ?? 0) - (centre.get(b) ?? 0) || (order.get(a) ?? 0) - (order.get(b) ?? 0));
    row.forEach((i, k) => order.set(i, k / Math.max(1, row.length - 1)));
  };
  for (let pass = 0; pass < 3; pass++) {
    for (let r = 1; r < rows.length; r++) sweep(r, r - 1);
    for (let r = rows.length - 2; r >= 0; r--) sweep(r, r + 1);
  }

  // Rows wider than `width` wrap into sub-rows (every other one shifted by half a gap, so
  // links from the row above pass between nodes).
  const placed = new Map<number, Position>();
  let y = 0;
  for (const row of rows) {
    const subRows = Math.max(1, Math.ceil(row.length / width));
    const perRow = Math.ceil(row.length / subRows);
    for (let s = 0; s < subRows; s++) {
      const chunk = row.slice(s * perRow, (s + 1) * perRow);
      const offset = s % 2 === 1 ? X_GAP / 2 : 0;
      chunk.forEach((i, k) => placed.set(i, { x: (k - (chunk.length - 1) / 2) * X_GAP + offset, y: y + s * SUB_ROW_GAP }));
    }
    y += (subRows - 1) * SUB_ROW_GAP + LEVEL_GAP;
  }
  return placed;
}
