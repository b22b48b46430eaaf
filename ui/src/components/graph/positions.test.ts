import { afterEach, describe, expect, it } from "vitest";
import { loadPositions, MAX_GRAPHS, savePositions } from "./positions";

afterEach(() => {
  localStorage.clear();
});

describe("positions", () => {
  it("keeps a graph's positions (rounded) and gives them back", () => {
    savePositions("lab.example.net/l1", { a: { x: 10.4, y: -3.6 }, "leaf-1": { x: 200, y: 0 } });
    expect(loadPositions("lab.example.net/l1")).toEqual({ a: { x: 10, y: -4 }, "leaf-1": { x: 200, y: 0 } });
    expect(loadPositions("lab.example.net/l2")).toEqual({});
  });

  it("forgets a graph saved with no positions", () => {
    savePositions("k", { a: { x: 1, y: 1 } });
    savePositions("k", {});
    expect(loadPositions("k")).toEqual({});
  });

  it("ignores what it cannot read (hand-edited or from another version)", () => {
    localStorage.setItem("antimony.graph.positions.k", JSON.stringify({ a: [1, 2], b: "x", c: [1], d: [null, 2], e: { x: 1, y: 2 } }));
    expect(loadPositions("k")).toEqual({ a: { x: 1, y: 2 } });
    localStorage.setItem("antimony.graph.positions.k", "{not json");
    expect(loadPositions("k")).toEqual({});
  });

  it("keeps at most MAX_GRAPHS graphs, forgetting the oldest", () => {
    for (let i = 0; i <= MAX_GRAPHS; i++) savePositions(`g${String(i)}`, { a: { x: i, y: i } });
    expect(loadPositions("g0")).toEqual({});
    expect(loadPositions("g1")).toEqual({ a: { x: 1, y: 1 } });
    expect(loadPositions(`g${String(MAX_GRAPHS)}`)).toEqual({ a: { x: MAX_GRAPHS, y: MAX_GRAPHS } });
    // Saving an old graph again makes it the newest.
    savePositions("g1", { a: { x: 9, y: 9 } });
    savePositions("extra", { a: { x: 0, y: 0 } });
    expect(loadPositions("g1")).toEqual({ a: { x: 9, y: 9 } });
    expect(loadPositions("g2")).toEqual({});
  });
});
