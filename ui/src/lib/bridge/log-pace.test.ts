import { describe, expect, it } from "vitest";
import { createLogPace, INITIAL_CREDIT, MAX_BUDGET, MIN_BUDGET, type FrameClock } from "./log-pace";

/** A page whose frames come when the test says, at the times it says. */
function testClock(drawing = true) {
  let frames: ((time: number) => void)[] = [];
  let timers: (() => void)[] = [];
  const clock: FrameClock = {
    nextFrame: (callback) => frames.push(callback),
    drawing: () => drawing,
    soon: (callback) => timers.push(callback),
  };
  return {
    clock,
    frame(time: number) {
      const now = frames;
      frames = [];
      for (const callback of now) callback(time);
    },
    timers() {
      const now = timers;
      timers = [];
      for (const callback of now) callback();
    },
    waiting: () => frames.length + timers.length,
  };
}

/** Feeds a frame's worth of lines in batches of `size` and draws the frame at `time`. */
function flow(t: ReturnType<typeof testClock>, pace: ReturnType<typeof createLogPace>, lines: number, time: number, size = 500) {
  for (let left = lines; left > 0; left -= size) pace.saw({ lines: Math.min(size, left) }, Math.min(size, left));
  t.frame(time);
}

describe("log pace", () => {
  it("gives the lines of a frame back once, after the frame", () => {
    const t = testClock();
    const grants: number[] = [];
    const pace = createLogPace((n) => grants.push(n), t.clock);
    pace.saw({}, 3);
    pace.saw({}, 4);
    expect(grants).toEqual([]);
    t.frame(0);
    expect(grants).toEqual([7]);
    // A quiet frame: nothing given, and no frame asked for after it.
    t.frame(16);
    expect(grants).toEqual([7]);
    expect(t.waiting()).toBe(0);
  });

  it("counts one event once, however many listeners see it", () => {
    const t = testClock();
    const grants: number[] = [];
    const pace = createLogPace((n) => grants.push(n), t.clock);
    const first = {};
    const second = {};
    pace.saw(first, 10);
    pace.saw(first, 10);
    pace.saw(second, 5);
    pace.saw(second, 5);
    t.frame(0);
    expect(grants).toEqual([15]);
  });

  it("grows the budget while frames are short and full, and halves it on a slow frame", () => {
    const t = testClock();
    const grants: number[] = [];
    const pace = createLogPace((n) => grants.push(n), t.clock);
    // Frames of 16 ms, each taking the whole budget: a quarter more every frame.
    let time = 0;
    flow(t, pace, INITIAL_CREDIT, time);
    expect(grants.at(-1)).toBe(INITIAL_CREDIT);
    flow(t, pace, pace.budget(), (time += 16));
    expect(pace.budget()).toBe(INITIAL_CREDIT * 1.25);
    // What it gave: the lines handled plus the growth.
    expect(grants.at(-1)).toBe(INITIAL_CREDIT + INITIAL_CREDIT * 0.25);
    for (let i = 0; i < 40; i++) flow(t, pace, pace.budget(), (time += 16));
    expect(pace.budget()).toBe(MAX_BUDGET);
    // A frame 80 ms after the last: half, given back by holding lines back.
    const handled = pace.budget();
    flow(t, pace, handled, (time += 80));
    expect(pace.budget()).toBe(MAX_BUDGET / 2);
    expect(grants.at(-1)).toBe(handled - MAX_BUDGET / 2);
    // Never below the floor, and what was taken back is owed, not given.
    for (let i = 0; i < 20; i++) flow(t, pace, 100, (time += 80));
    expect(pace.budget()).toBe(MIN_BUDGET);
  });

  it("keeps the budget when the lines, not the credit, were few", () => {
    const t = testClock();
    const pace = createLogPace(() => undefined, t.clock);
    let time = 0;
    for (let i = 0; i < 10; i++) flow(t, pace, 160, (time += 16));
    expect(pace.budget()).toBe(INITIAL_CREDIT);
  });

  it("gives credit back without frames when the page is hidden", () => {
    const t = testClock(false);
    const grants: number[] = [];
    const pace = createLogPace((n) => grants.push(n), t.clock);
    pace.saw({}, 2);
    pace.saw({}, 3);
    t.frame(0);
    expect(grants).toEqual([]);
    t.timers();
    expect(grants).toEqual([5]);
  });

  it("gives back as much as it was given, give or take the budget's changes", () => {
    const t = testClock();
    let given = 0;
    const pace = createLogPace((n) => (given += n), t.clock);
    let time = 0;
    let handled = 0;
    const gaps = [16, 16, 70, 16, 16, 16, 90, 16, 20, 16, 16];
    for (const gap of gaps) {
      const lines = pace.budget();
      handled += lines;
      flow(t, pace, lines, (time += gap));
    }
    t.frame((time += 16));
    // The Rust side's credit plus the lines in flight stays at the page's budget.
    expect(INITIAL_CREDIT - handled + given).toBe(pace.budget());
  });
});
