// The terminal's colours and font come from the app's CSS variables, so a terminal follows the
// light and dark themes like the log viewer does (same background, text and ANSI palette).

import type { TerminalTheme } from "./engine";

const FALLBACK: TerminalTheme = {
  background: "#fbfbfc",
  foreground: "#1d2025",
  cursor: "#1d2025",
  cursorAccent: "#fbfbfc",
  selectionBackground: "#e3ecfb",
  match: "#ffe58a",
  matchCurrent: "#ffb347",
  ansi: [
    "#3b3f45", "#c0312b", "#1a7f37", "#946300", "#2257c7", "#9a2fa8", "#0f7b8a", "#6b7280",
    "#6b7280", "#e0463d", "#22a045", "#b07d00", "#3b76f0", "#b845c7", "#1697a8", "#1d2025",
  ],
};

export const FALLBACK_MONO = "ui-monospace, monospace";

/** The theme from CSS variables (`read("--log-bg")` → `#fbfbfc`); a missing one keeps its default. */
export function terminalTheme(read: (name: string) => string): TerminalTheme {
  const pick = (name: string, fallback: string) => {
    const value = read(name).trim();
    return value === "" ? fallback : value;
  };
  const background = pick("--log-bg", FALLBACK.background);
  const foreground = pick("--log-fg", FALLBACK.foreground);
  return {
    background,
    foreground,
    cursor: foreground,
    cursorAccent: background,
    selectionBackground: pick("--selected", FALLBACK.selectionBackground),
    match: pick("--match", FALLBACK.match),
    matchCurrent: pick("--match-current", FALLBACK.matchCurrent),
    ansi: FALLBACK.ansi.map((colour, i) => pick(`--ansi-${String(i)}`, colour)),
  };
}

/** Reads CSS variables as they apply to `element`. */
export function cssVariables(element: Element): (name: string) => string {
  const style = getComputedStyle(element);
  return (name) => style.getPropertyValue(name);
}
