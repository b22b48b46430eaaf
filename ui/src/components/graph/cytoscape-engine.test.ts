// The engine's layouts on cytoscape itself (headless: jsdom has no canvas): fCoSE for a small
// graph, rows for a levelled or big one; every node placed, none on another.
import { describe, expect, it } from "vitest";
import { layoutHeadless, LAYERED_OVER } from "./cytoscape-engine";
import type { GraphModel, GraphNode, Position } from "./model";

function node(id: string, extra: Partial<GraphNode> = {}): GraphNode {
  return { id, label: id, kind: "linux", tone: "green", stateLabel: "running", dimmed: false, missing: false, group: null, level: null, position: null, details: "", ...extra };
}

function model(ids: string[], links: [string, string][], extra: (id: string) => Partial<GraphNode> = () => ({})): GraphModel {
  return { nodes: ids.map((id) => node(id, extra(id))), edges: links.map(([source, target], i) => ({ id: `l${String(i)}`, source, target, sourceLabel: "e1", targetLabel: "e2" })) };
}

function apart(p: Record<string, Position>, min: number): boolean {
  const all = Object.values(p);
  return all.every((a, i) => all.every((b, j) => i === j || Math.hypot(a.x - b.x, a.y - b.y) >= min));
}

describe("layoutHeadless", () => {
  it("lays a small mesh out with fCoSE, every node placed and apart", () => {
    const ids = ["r1", "r2", "r3", "r4", "r5", "h1"];
    const { positions } = layoutHeadless(model(ids, [["r1", "r2"], ["r2", "r3"], ["r3", "r4"], ["r4", "r5"], ["r5", "r1"], ["r1", "h1"]]));
    expect(Object.keys(positions).sort()).toEqual([...ids].sort());
    expect(Object.values(positions).every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true);
    expect(apart(positions, 20)).toBe(true);
  });

  it("puts graph-level rows in order", () => {
    const levels: Record<string, number> = { s: 1, l1: 2, l2: 2, h: 3 };
    const { positions } = layoutHeadless(model(["s", "l1", "l2", "h"], [["s", "l1"], ["s", "l2"], ["l1", "h"], ["l2", "h"]], (id) => ({ level: levels[id] ?? null })));
    expect(positions.s?.y).toBeLessThan(positions.l1?.y ?? 0);
    expect(positions.l1?.y).toBe(positions.l2?.y);
    expect(positions.l2?.y).toBeLessThan(positions.h?.y ?? 0);
  });

  it("keeps nodes, links and groups apart whatever their names (a node named like a link's id)", () => {
    // The links' ids are l0, l1, l2; with two levels given, the other rows come from the links.
    const m = model(["l0", "l1", "e:x", "g:fabric", "z"], [["l0", "l1"], ["l1", "e:x"], ["e:x", "g:fabric"], ["z", "l0"]], (id) => ({ level: id === "z" ? 0 : id === "l0" ? 1 : null }));
    const { positions } = layoutHeadless(m);
    const ys = ["l0", "l1", "e:x", "g:fabric"].map((id) => positions[id]?.y ?? Number.NaN);
    expect(ys.every((y, i) => i === 0 || y > (ys[i - 1] ?? 0))).toBe(true);
  });

  it("lays a big graph out in rows, in well under the time fCoSE takes", () => {
    const ids = Array.from({ length: LAYERED_OVER + 100 }, (_, i) => `n${String(i)}`);
    const links: [string, string][] = ids.slice(1).map((id, i) => [ids[Math.floor(i / 4)] ?? "n0", id]);
    const { positions, ms } = layoutHeadless(model(ids, links));
    expect(Object.keys(positions)).toHaveLength(ids.length);
    expect(apart(positions, 30)).toBe(true);
    expect(ms).toBeLessThan(300);
  });
});
