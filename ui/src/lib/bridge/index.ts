// The UI's only way to the Rust side. `createBridge()` picks the Tauri bridge inside the app
// and the in-memory fake in a plain browser (`npm run dev`) and in tests.

import { createFakeBridge } from "./fake";
import { createTauriBridge } from "./tauri";
import type { Bridge } from "./types";

export { BridgeError, describeError } from "./error";
export { createFakeBridge, missingContainerlab, readyPrerequisites, type FakeBridge, type FakeBridgeOptions } from "./fake";
export * from "./types";

/** Whether the page runs inside the Tauri webview. */
export function insideTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

export function createBridge(): Bridge {
  if (insideTauri()) return createTauriBridge();
  // `?flood=50000` makes the fake write that many lines per second into a node log.
  const flood = Number(new URLSearchParams(window.location.search).get("flood") ?? "0");
  return createFakeBridge({ flood: Number.isFinite(flood) ? flood : 0 });
}
export { BridgeContext, useBridge } from "./context";
