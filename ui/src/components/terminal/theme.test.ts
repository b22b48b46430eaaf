// The terminal's colours are the app's CSS variables (the log viewer's palette).

import { describe, expect, it } from "vitest";
import { terminalTheme } from "./theme";

describe("terminalTheme", () => {
  it("reads the log colours, the selection, the search marks and the 16 ANSI colours", () => {
    const vars: Record<string, string> = {
      "--log-bg": " #121417",
      "--log-fg": "#d7dbe0 ",
      "--selected": "#233553",
      "--match": "#6b5a12",
      "--match-current": "#a8701a",
      "--ansi-1": "#ef6b62",
      "--ansi-15": "#ffffff",
    };
    const theme = terminalTheme((name) => vars[name] ?? "");
    expect(theme.background).toBe("#121417");
    expect(theme.foreground).toBe("#d7dbe0");
    expect(theme.cursor).toBe("#d7dbe0");
    expect(theme.cursorAccent).toBe("#121417");
    expect(theme.selectionBackground).toBe("#233553");
    expect([theme.match, theme.matchCurrent]).toEqual(["#6b5a12", "#a8701a"]);
    expect(theme.ansi).toHaveLength(16);
    expect(theme.ansi[1]).toBe("#ef6b62");
    expect(theme.ansi[15]).toBe("#ffffff");
    // Missing ones keep the light theme's.
    expect(theme.ansi[0]).toBe("#3b3f45");
  });
});
