// The layered layout: rows by level, short links, wrapped wide rows, fast on big graphs.
import { describe, expect, it } from "vitest";
import { layeredLayout, rowWidth } from "./layered";
import type { Position } from "./model";

function clos(): { ids: string[]; edges: [string, string][] } {
  const spines = Array.from({ length: 4 }, (_, i) => `spine-${String(i + 1)}`);
  const leaves = Array.from({ length: 48 }, (_, i) => `leaf-${String(i + 1)}`);
  const hosts = Array.from({ length: 148 }, (_, i) => `host-${String(i + 1)}`);
  const edges: [string, string][] = [];
  for (const leaf of leaves) for (const spine of spines) edges.push([spine, leaf]);
  hosts.forEach((host, i) => {
    edges.push([leaves[i % 48] ?? "", host]);
    if (i < 60) edges.push([leaves[(i + 1) % 48] ?? "", host]);
  });
  return { ids: [...hosts, ...leaves, ...spines], edges };
}

const ys = (p: Record<string, Position>, prefix: string) => Object.entries(p).filter(([id]) => id.startsWith(prefix)).map(([, q]) => q.y);

function distinct(p: Record<string, Position>): boolean {
  const seen = new Set(Object.values(p).map((q) => `${String(Math.round(q.x))},${String(Math.round(q.y))}`));
  return seen.size === Object.keys(p).length;
}

describe("layeredLayout", () => {
  it("draws a Clos fabric as spines over leaves over hosts, every node apart, in milliseconds", () => {
    const { ids, edges } = clos();
    const started = performance.now();
    const p = layeredLayout(ids, edges);
    const ms = performance.now() - started;
    expect(Object.keys(p)).toHaveLength(200);
    expect(distinct(p)).toBe(true);
    expect(Math.max(...ys(p, "spine"))).toBeLessThan(Math.min(...ys(p, "leaf")));
    expect(Math.max(...ys(p, "leaf"))).toBeLessThan(Math.min(...ys(p, "host")));
    // Wide rows wrap: no row is wider than rowWidth nodes.
    const perY = new Map<number, number>();
    for (const q of Object.values(p)) perY.set(q.y, (perY.get(q.y) ?? 0) + 1);
    expect(Math.max(...perY.values())).toBeLessThanOrEqual(rowWidth(200));
    expect(ms).toBeLessThan(200);
  });

  it("takes the topology's levels (graph-level), smaller on top, and gives the others one from their links", () => {
    const p = layeredLayout(["h", "l1", "l2", "s", "x"], [["s", "l1"], ["s", "l2"], ["l1", "h"], ["l2", "h"], ["h", "x"]], new Map([["s", 1], ["l1", 2], ["l2", 2], ["h", 3]]));
    expect(p.s?.y).toBeLessThan(p.l1?.y ?? 0);
    expect(p.l1?.y).toBe(p.l2?.y);
    expect(p.l1?.y).toBeLessThan(p.h?.y ?? 0);
    expect(p.h?.y).toBeLessThan(p.x?.y ?? 0);
    expect(p.l1?.x).not.toBe(p.l2?.x);
  });

  it("orders a row by its links: a host sits under its own leaf", () => {
    const p = layeredLayout(["s", "a", "b", "ha", "hb"], [["s", "a"], ["s", "b"], ["b", "hb"], ["a", "ha"]]);
    expect(Math.sign((p.ha?.x ?? 0) - (p.hb?.x ?? 0))).toBe(Math.sign((p.a?.x ?? 0) - (p.b?.x ?? 0)));
  });

  it("lays unconnected parts side by side and unlinked nodes under them, and is the same every time", () => {
    const ids = ["a", "b", "c", "d", "lone"];
    const edges: [string, string][] = [["a", "b"], ["c", "d"]];
    const p = layeredLayout(ids, edges);
    expect(distinct(p)).toBe(true);
    expect(Math.max(p.a?.x ?? 0, p.b?.x ?? 0)).toBeLessThan(Math.min(p.c?.x ?? 0, p.d?.x ?? 0));
    expect(p.lone?.y).toBeGreaterThan(Math.max(p.a?.y ?? 0, p.b?.y ?? 0, p.c?.y ?? 0, p.d?.y ?? 0));
    expect(layeredLayout(ids, edges)).toEqual(p);
  });

  it("ignores links to unknown nodes and loops, and copes with no nodes", () => {
    expect(layeredLayout([], [])).toEqual({});
    const p = layeredLayout(["a"], [["a", "a"], ["a", "ghost"]]);
    expect(Object.keys(p)).toEqual(["a"]);
  });
});
