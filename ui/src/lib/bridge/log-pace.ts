// The webview's half of the log pace (src-tauri/src/forwarder.rs). The Rust side sends log lines
// only while it holds credit, and the page gives credit back once per animation frame: the lines
// it handled, plus or minus what its frames say. While frames stay short and the credit was what
// held the lines back, the budget (the lines a frame may take) grows by a quarter; when a frame
// takes too long, it halves. A flood then never queues more work in the web process than a frame
// takes, while a steady stream goes through within a frame.

/** Lines per frame at first; the Rust side starts with the same credit (`INITIAL_CREDIT`). */
export const INITIAL_CREDIT = 2_000;
/** The budget's bounds (lines per frame). */
export const MIN_BUDGET = 250;
export const MAX_BUDGET = 30_000;
/** A gap between frames longer than this halves the budget (ms). */
export const SLOW_FRAME = 50;
/** Below this the budget may grow (ms). */
export const FAST_FRAME = 25;

/** What the pace needs from the page: the real page's, or a test's. */
export interface FrameClock {
  /** Runs `callback` with the frame's time (ms) before the next frame is drawn. */
  nextFrame: (callback: (time: number) => void) => void;
  /** Whether frames are drawn at all (a hidden page draws none). */
  drawing: () => boolean;
  /** Runs `callback` soon, frames or not. */
  soon: (callback: () => void) => void;
}

export const pageClock: FrameClock = {
  nextFrame: (callback) => requestAnimationFrame(callback),
  drawing: () => document.visibilityState === "visible",
  soon: (callback) => setTimeout(callback, 0),
};

/**
 * Counts the lines of log events as listeners see them, and gives credit back once per frame
 * through `grant`. Every listener of one event gets the same payload object: it counts once.
 */
export function createLogPace(grant: (lines: number) => void, clock: FrameClock = pageClock) {
  let budget = INITIAL_CREDIT;
  /** Lines handled and not given back yet, plus budget changes not given back yet. */
  let owed = 0;
  /** Lines handled since the last frame. */
  let handled = 0;
  let last: unknown = undefined;
  let scheduled = false;
  /** The previous frame's time, while frames follow each other with lines in them. */
  let previous: number | undefined;

  const settle = () => {
    if (owed > 0) {
      grant(owed);
      owed = 0;
    }
  };
  const onFrame = (time: number) => {
    scheduled = false;
    if (previous !== undefined) {
      const gap = time - previous;
      let next = budget;
      if (gap > SLOW_FRAME) next = Math.max(MIN_BUDGET, Math.floor(budget / 2));
      else if (gap < FAST_FRAME && handled >= budget * 0.75) next = Math.min(MAX_BUDGET, Math.ceil(budget * 1.25));
      owed += next - budget;
      budget = next;
    }
    previous = handled > 0 ? time : undefined;
    handled = 0;
    settle();
    // One more frame: it measures this one's gap, even if no lines come in between.
    if (previous !== undefined) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    if (clock.drawing()) {
      clock.nextFrame(onFrame);
    } else {
      previous = undefined;
      clock.soon(() => {
        scheduled = false;
        handled = 0;
        settle();
      });
    }
  };
  return {
    /** A listener saw `payload`, a batch of `lines` lines. */
    saw(payload: unknown, lines: number): void {
      if (payload === last) return;
      last = payload;
      owed += lines;
      handled += lines;
      schedule();
    },
    /** The lines a frame may take now. */
    budget: () => budget,
  };
}
