// The UI's only way to the Rust side. `createBridge()` picks the Tauri bridge inside the app
// and, in Vite's dev mode in a plain browser (`npm run dev`), the in-memory fake. The fake is
// loaded with a dynamic import behind `import.meta.env.DEV`, so a production build never
// contains it (`scripts/check-bundle.mjs` checks); tests import it from `./fake` directly.

import { createTauriBridge } from "./tauri";
import type { Bridge } from "./types";

export { BridgeError, describeError } from "./error";
export * from "./types";

/** Whether the page runs inside the Tauri webview. */
export function insideTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

/**
 * The bridge for this page. Rejects outside Tauri in a production build: that bundle only
 * ever runs inside the app.
 */
export async function createBridge(): Promise<Bridge> {
  if (insideTauri()) return createTauriBridge();
  if (import.meta.env.DEV) {
    const { createFakeBridge } = await import("./fake");
    // `?flood=50000` makes the fake write that many lines per second into a node log.
    const flood = Number(new URLSearchParams(window.location.search).get("flood") ?? "0");
    return createFakeBridge({ flood: Number.isFinite(flood) ? flood : 0 });
  }
  throw new Error(
    "Antimony's interface runs inside the Antimony Desktop app. This build has no stand-in for the app outside it: use `npm run dev` to try the interface in a browser.",
  );
}
export { BridgeContext, useBridge } from "./context";
