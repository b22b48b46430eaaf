import { describe, expect, it } from "vitest";
import { parseAnsi, stripAnsi } from "./ansi";

const E = "\u001b";

describe("parseAnsi", () => {
  it("keeps plain text as one unstyled span", () => {
    expect(parseAnsi("hello world")).toEqual([{ text: "hello world", fg: null, bold: false }]);
  });

  it("applies normal and bright foreground colours and resets them", () => {
    expect(parseAnsi(`a${E}[31mred${E}[39m b${E}[92mgreen${E}[0m c`)).toEqual([
      { text: "a", fg: null, bold: false },
      { text: "red", fg: 1, bold: false },
      { text: " b", fg: null, bold: false },
      { text: "green", fg: 10, bold: false },
      { text: " c", fg: null, bold: false },
    ]);
  });

  it("handles bold, normal intensity and combined parameters", () => {
    expect(parseAnsi(`${E}[1;36mINFO${E}[22m x${E}[m y`)).toEqual([
      { text: "INFO", fg: 6, bold: true },
      { text: " x", fg: 6, bold: false },
      { text: " y", fg: null, bold: false },
    ]);
  });

  it("ignores other SGR attributes and the arguments of extended colours", () => {
    // 38;5;31 is palette colour 31, not red; 4 is underline; 41 a background.
    expect(parseAnsi(`${E}[38;5;31mx${E}[4;41my${E}[38;2;1;2;3;33mz`)).toEqual([
      { text: "xy", fg: null, bold: false },
      { text: "z", fg: 3, bold: false },
    ]);
    expect(parseAnsi(`${E}[38:5:196mq`)).toEqual([{ text: "q", fg: null, bold: false }]);
  });

  it("strips cursor movement, OSC titles, charset selection and stray ESC bytes", () => {
    expect(stripAnsi(`${E}[2K${E}[1Gdone`)).toBe("done");
    expect(stripAnsi(`${E}]0;title\u0007after`)).toBe("after");
    expect(stripAnsi(`${E}]8;;http://x${E}\\link${E}]8;;${E}\\`)).toBe("link");
    expect(stripAnsi(`${E}(Bplain`)).toBe("plain");
    // The Go server removes "[0m" but leaves the ESC in place.
    expect(stripAnsi(`${E}INFO started${E}`)).toBe("INFO started");
    expect(stripAnsi(`${E}[?25lhidden cursor`)).toBe("hidden cursor");
  });

  it("drops control characters but keeps tabs", () => {
    expect(stripAnsi("a\tb\r\u0007c\u007f")).toBe("a\tbc");
  });

  it("drops an unterminated sequence at the end", () => {
    expect(stripAnsi(`text${E}[31`)).toBe("text");
  });

  it("starts every line unstyled", () => {
    parseAnsi(`${E}[31mleft open`);
    expect(parseAnsi("next")).toEqual([{ text: "next", fg: null, bold: false }]);
  });

  it("returns nothing for an empty line", () => {
    expect(parseAnsi("")).toEqual([]);
  });
});
