// Work started by live updates, spaced out: the first update of a key runs at once, and the
// updates after it within `gapMs` of that start run once, `gapMs` after it. Every update is
// covered (the run that follows it reads the state after it), but a key changing a hundred
// times a second is read ten times a second with the default gap.

/** The shortest time between two runs of one key for its updates. */
export const LIVE_GAP_MS = 100;

export interface LiveGap {
  /** Runs `run` for `key` now, or once the gap since its last run has passed (unless one waits already). */
  run(key: string, run: () => void): void;
}

export function createLiveGap(gapMs: number = LIVE_GAP_MS): LiveGap {
  const last = new Map<string, number>();
  const waiting = new Set<string>();
  return {
    run(key, run) {
      if (waiting.has(key)) return;
      const start = () => {
        waiting.delete(key);
        last.set(key, Date.now());
        run();
      };
      const wait = (last.get(key) ?? -Infinity) + gapMs - Date.now();
      if (wait <= 0) start();
      else {
        waiting.add(key);
        setTimeout(start, wait);
      }
    },
  };
}
