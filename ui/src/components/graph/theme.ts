// The graph's colours and font come from the app's CSS variables, so it follows the light and
// dark themes (a canvas cannot use the variables itself: they are read and handed over).

import type { GraphTheme } from "./engine";

const FALLBACK: GraphTheme = {
  background: "#ffffff",
  text: "#1d2025",
  muted: "#5f6773",
  edge: "#c2c8d0",
  border: "#d9dde3",
  surface: "#ffffff",
  groupFill: "#eef0f3",
  selected: "#2f6fde",
  tones: { green: "#1f9d55", amber: "#c98a06", red: "#d0342c", blue: "#2f6fde", grey: "#8a929c" },
  onTone: "#ffffff",
  font: "system-ui, sans-serif",
};

/** The theme from CSS variables (`read("--green")` → `#1f9d55`); a missing one keeps its default. */
export function graphTheme(read: (name: string) => string): GraphTheme {
  const pick = (name: string, fallback: string) => {
    const value = read(name).trim();
    return value === "" ? fallback : value;
  };
  return {
    background: pick("--surface", FALLBACK.background),
    text: pick("--text", FALLBACK.text),
    muted: pick("--text-muted", FALLBACK.muted),
    edge: pick("--border-strong", FALLBACK.edge),
    border: pick("--border", FALLBACK.border),
    surface: pick("--surface", FALLBACK.surface),
    groupFill: pick("--surface-sunken", FALLBACK.groupFill),
    selected: pick("--focus", FALLBACK.selected),
    tones: {
      green: pick("--green", FALLBACK.tones.green),
      amber: pick("--amber", FALLBACK.tones.amber),
      red: pick("--red", FALLBACK.tones.red),
      blue: pick("--blue", FALLBACK.tones.blue),
      grey: pick("--grey", FALLBACK.tones.grey),
    },
    onTone: FALLBACK.onTone,
    font: pick("--font-ui", FALLBACK.font),
  };
}

/** Reads CSS variables as they apply to `element`. */
export function cssVariables(element: Element): (name: string) => string {
  const style = getComputedStyle(element);
  return (name) => style.getPropertyValue(name);
}
