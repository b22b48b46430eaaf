import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLiveGap } from "./live-gap";

describe("live gap", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs a key's first update at once and the burst after it once, a gap after the first", () => {
    const gap = createLiveGap(100);
    const runs: number[] = [];
    const t0 = Date.now();
    gap.run("a", () => runs.push(Date.now() - t0));
    for (let i = 0; i < 20; i++) {
      vi.advanceTimersByTime(3);
      gap.run("a", () => runs.push(Date.now() - t0));
    }
    expect(runs).toEqual([0]);
    vi.advanceTimersByTime(100);
    expect(runs).toEqual([0, 100]);
    // Quiet for longer than the gap: at once again.
    vi.advanceTimersByTime(500);
    gap.run("a", () => runs.push(Date.now() - t0));
    expect(runs).toEqual([0, 100, 660]);
  });

  it("spaces keys apart from each other", () => {
    const gap = createLiveGap(100);
    const runs: string[] = [];
    gap.run("a", () => runs.push("a"));
    gap.run("b", () => runs.push("b"));
    gap.run("a", () => runs.push("a again"));
    expect(runs).toEqual(["a", "b"]);
    vi.advanceTimersByTime(100);
    expect(runs).toEqual(["a", "b", "a again"]);
  });

  it("runs every update at once with no gap", () => {
    const gap = createLiveGap(0);
    let runs = 0;
    for (let i = 0; i < 5; i++) gap.run("a", () => (runs += 1));
    expect(runs).toBe(5);
  });
});
