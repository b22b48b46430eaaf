// Where things are in a topology's YAML text: a path in the document (`topology`, `nodes`,
// `r1`, …) as a range of the text (for a schema problem's place), an offset as a line, and
// what the cursor is in (the keys above it) for completion. The document comes from the graph's
// reader (`parseDefinition` in components/graph/parse-topology.ts, bounded against hostile
// input); the cursor's context is read from the lines themselves, as the text being typed is
// often not valid YAML yet.

import { isMap, isScalar, isSeq, type Document, type Node } from "yaml";
import type { JsonPath } from "../../lib/json-schema";

export interface TextRange {
  from: number;
  to: number;
}

/** The 1-based line of an offset. */
export function lineOf(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line += 1;
  return line;
}

/** The offset where a 1-based line starts (the end of the text past its last line). */
export function lineStart(text: string, line: number): number {
  let at = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf("\n", at);
    if (next < 0) return text.length;
    at = next + 1;
  }
  return at;
}

/** A line's text without its line break. */
function lineRange(text: string, line: number): TextRange {
  const from = lineStart(text, line);
  const end = text.indexOf("\n", from);
  return { from, to: end < 0 ? text.length : end };
}

function keyText(node: unknown): string | null {
  if (!isScalar(node)) return null;
  const value: unknown = node.value;
  if (typeof value === "string") return value;
  return typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" ? String(value) : "";
}

function rangeOf(node: Node | null | undefined): TextRange | null {
  const r = node?.range;
  return r === undefined || r === null ? null : { from: r[0], to: Math.max(r[0], r[1]) };
}

/**
 * The text of `path` in the document: a key's range when the path ends at a mapping's entry
 * (the key is where a reader looks), an item's for a list item; with `key` (a key of the
 * mapping at `path` that is wrong or missing), that key's range, else the mapping's own key.
 * As far as the path goes when the document ends before it. `null` for the root with no key.
 */
export function rangeOfPath(doc: Document.Parsed, path: JsonPath, key?: string): TextRange | null {
  let node: unknown = doc.contents;
  let best: TextRange | null = null;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(step));
      if (pair === undefined) return best;
      best = rangeOf(pair.key as Node) ?? best;
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(String(step))) {
      // A JSON pointer's indexes are text.
      const item = node.items[Number(step)] as Node | undefined;
      if (item === undefined) return best;
      best = rangeOf(item) ?? best;
      node = item;
    } else {
      return best;
    }
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => keyText(p.key) === key);
    if (pair !== undefined) return rangeOf(pair.key as Node) ?? best;
  }
  return best ?? (path.length === 0 && key === undefined ? null : rangeOf(doc.contents));
}

/** The 1-based line of a path (see `rangeOfPath`); line 1 when the path cannot be found. */
export function lineOfPath(doc: Document.Parsed, text: string, path: JsonPath, key?: string): number {
  const range = rangeOfPath(doc, path, key);
  return range === null ? 1 : lineOf(text, range.from);
}

/** A line's range, for a problem known only by its line. */
export function rangeOfLine(text: string, line: number): TextRange {
  return lineRange(text, Math.max(1, line));
}

// ---- The cursor's context -----------------------------------------------------------------

export interface CursorContext {
  /** The keys (and list items, as 0) of the mapping the cursor is in, from the root. */
  path: (string | number)[];
  /** Typing a key, or a key's value (`path` then ends with that key). */
  at: "key" | "value";
  /** Where the word being completed starts, and the word so far. */
  from: number;
  word: string;
  /** The keys the mapping has already (not offered again). */
  siblings: string[];
}

const KEY_LINE = /^(\s*)(- +)?(["']?)([^"'#:\s][^"'#:]*?|[^"'#:]*)\3\s*:(\s|$)/;

interface LineShape {
  /** The indentation of the line's content (past a `- `). */
  indent: number;
  /** The indentation of the `-` of a list item, or -1. */
  dash: number;
  key: string | null;
}

function shape(line: string): LineShape | null {
  if (line.trim() === "" || line.trim().startsWith("#")) return null;
  const m = KEY_LINE.exec(line);
  const lead = /^(\s*)(- +)?/.exec(line);
  const spaces = lead?.[1]?.length ?? 0;
  const dash = lead?.[2] === undefined ? -1 : spaces;
  const indent = spaces + (lead?.[2]?.length ?? 0);
  return { indent, dash, key: m === null ? null : (m[4] ?? "").trim() };
}

/** What the cursor at `offset` is in: the path of keys above it, and whether a key or a value is typed. */
export function cursorContext(text: string, offset: number): CursorContext {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  const before = text.slice(start, offset);
  const word = /[\w.-]*$/.exec(before)?.[0] ?? "";
  const from = offset - word.length;
  const valueAt = /^\s*(?:- +)?(["']?)([^"'#:]+)\1\s*:\s+/.exec(before);
  const lead = /^(\s*)(- +)?/.exec(before);
  const spaces = lead?.[1]?.length ?? 0;
  const ownIndent = spaces + (lead?.[2]?.length ?? 0);

  const path: (string | number)[] = [];
  const siblings: string[] = [];
  // The parent is the nearest line above that holds this one: a key less indented, or a list
  // item whose `-` is less indented (a list may sit at its key's indentation).
  let need = ownIndent;
  let equalOwns = false;
  let inParent = false;
  if (lead?.[2] !== undefined) {
    path.unshift(0);
    need = spaces;
    equalOwns = true;
    inParent = true;
  }
  const lines = text.slice(0, start).split("\n");
  lines.pop();
  for (let i = lines.length - 1; i >= 0; i--) {
    // Up to the root's key holding this line (at the root itself: every line, for siblings).
    if (inParent && need === 0 && !equalOwns) break;
    const s = shape(lines[i] ?? "");
    if (s === null) continue;
    if (s.dash >= 0) {
      if (s.dash < need) {
        if (!inParent && s.indent === ownIndent && s.key !== null) siblings.push(s.key);
        path.unshift(0);
        need = s.dash;
        equalOwns = true;
        inParent = true;
      }
      continue;
    }
    if (s.key === null) continue;
    if (s.indent < need || (equalOwns && s.indent === need)) {
      path.unshift(s.key);
      need = s.indent;
      equalOwns = false;
      inParent = true;
    } else if (!inParent && s.indent === ownIndent) {
      siblings.push(s.key);
    }
  }
  // Keys after the cursor at the same indentation are siblings too.
  for (const line of text.slice(offset).split("\n").slice(1)) {
    const s = shape(line);
    if (s === null) continue;
    if (s.indent < ownIndent || (s.dash >= 0 && s.dash < ownIndent)) break;
    if (s.indent === ownIndent && s.key !== null && s.dash < 0) siblings.push(s.key);
  }
  if (valueAt !== null) return { path: [...path, (valueAt[2] ?? "").trim()], at: "value", from, word, siblings: [] };
  return { path, at: "key", from, word, siblings };
}
