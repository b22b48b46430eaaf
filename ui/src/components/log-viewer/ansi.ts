// A small ANSI SGR parser for log lines: foreground colours 30–37 and 90–97, 39 (default), bold
// (1), normal intensity (22) and reset (0). Every other escape sequence (other SGR attributes,
// cursor movement, OSC titles, stray ESC bytes the Go server leaves behind) and control
// characters are dropped. Each line starts unstyled.

export interface AnsiSpan {
  text: string;
  /** 0–7 normal, 8–15 bright; `null` is the default colour. */
  fg: number | null;
  bold: boolean;
}

const ESC = 0x1b;

function applySgr(params: string, style: { fg: number | null; bold: boolean }): void {
  const codes = params === "" ? ["0"] : params.split(";");
  for (let i = 0; i < codes.length; i++) {
    const raw = codes[i] ?? "";
    // Colon sub-parameters ("38:5:196") are one extended-colour parameter: ignore it.
    if (raw.includes(":")) continue;
    const n = raw === "" ? 0 : Number(raw);
    if (n === 0) {
      style.fg = null;
      style.bold = false;
    } else if (n === 1) style.bold = true;
    else if (n === 22) style.bold = false;
    else if (n >= 30 && n <= 37) style.fg = n - 30;
    else if (n >= 90 && n <= 97) style.fg = n - 90 + 8;
    else if (n === 39) style.fg = null;
    else if (n === 38 || n === 48 || n === 58) {
      // Extended colours: skip their arguments so "38;5;31" does not read as red.
      const mode = codes[i + 1];
      if (mode === "5") i += 2;
      else if (mode === "2") i += 4;
    }
  }
}

/** Splits a line into styled spans, dropping escapes and control characters. */
export function parseAnsi(line: string): AnsiSpan[] {
  const spans: AnsiSpan[] = [];
  const style = { fg: null as number | null, bold: false };
  let text = "";

  const flush = () => {
    if (text === "") return;
    const last = spans[spans.length - 1];
    if (last !== undefined && last.fg === style.fg && last.bold === style.bold) last.text += text;
    else spans.push({ text, fg: style.fg, bold: style.bold });
    text = "";
  };

  const len = line.length;
  let i = 0;
  while (i < len) {
    const c = line.charCodeAt(i);
    if (c === ESC) {
      const next = line[i + 1];
      if (next === "[") {
        // CSI: parameters 0x30–0x3F, intermediates 0x20–0x2F, final byte 0x40–0x7E.
        let j = i + 2;
        while (j < len && line.charCodeAt(j) >= 0x30 && line.charCodeAt(j) <= 0x3f) j++;
        const params = line.slice(i + 2, j);
        while (j < len && line.charCodeAt(j) >= 0x20 && line.charCodeAt(j) <= 0x2f) j++;
        if (j < len && line.charCodeAt(j) >= 0x40 && line.charCodeAt(j) <= 0x7e) {
          if (line[j] === "m" && /^[0-9;:]*$/.test(params)) {
            flush();
            applySgr(params, style);
          }
          i = j + 1;
        } else {
          i = j; // unterminated: drop what was read
        }
      } else if (next === "]") {
        // OSC: up to BEL or ESC \.
        let j = i + 2;
        while (j < len && line.charCodeAt(j) !== 0x07 && !(line.charCodeAt(j) === ESC && line[j + 1] === "\\")) j++;
        i = j >= len ? len : line.charCodeAt(j) === 0x07 ? j + 1 : j + 2;
      } else if (next === "(" || next === ")") {
        i += 3; // character set designation, e.g. ESC ( B
      } else {
        i += 1; // a stray ESC (the Go server strips "[0m" and leaves the ESC)
      }
      continue;
    }
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
      i++;
      continue;
    }
    // Copy a run of plain characters at once.
    let j = i + 1;
    while (j < len) {
      const d = line.charCodeAt(j);
      if (d === ESC || (d < 0x20 && d !== 0x09) || d === 0x7f) break;
      j++;
    }
    text += line.slice(i, j);
    i = j;
  }
  flush();
  return spans;
}

// The same grammar as parseAnsi, as one regular expression: CSI sequences, OSC strings,
// charset designations, then any stray ESC or control character (tab excepted). Search and
// export strip every held line, so this path must be fast.
const ESCAPES = new RegExp(
  [
    "\\u001b\\[[\\u0030-\\u003f]*[\\u0020-\\u002f]*[\\u0040-\\u007e]?",
    "\\u001b\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\)?",
    "\\u001b[()][\\s\\S]?",
    "[\\u0000-\\u0008\\u000a-\\u001f\\u007f]",
  ].join("|"),
  "g",
);

/** The visible text of a line. */
export function stripAnsi(line: string): string {
  return line.replace(ESCAPES, "");
}
