// What the editor knows about the text being typed: its problems (YAML, then the server's
// schema) at their places, the server's refusal on save at its places, and what completion
// offers at the cursor (the schema's keys, a kind from the server's devices, a schema's enum).

import type { Document } from "yaml";
import type { DeviceConfig } from "../../bindings";
import { parseDefinition } from "../../components/graph/parse-topology";
import { keysAt, validate, valuesAt } from "../../lib/json-schema";
import type { EditorCompletion, EditorProblem } from "./editor/engine";
import { serverProblems, yamlErrorLine, type Problem } from "./server-problems";
import { cursorContext, lineOf, rangeOfLine, rangeOfPath } from "./yaml-source";

/** The editor's problems shown at most (the schema's; the rest are counted). */
const MAX_PROBLEMS = 50;

export interface Checked {
  /** The document, when the text is YAML. */
  doc: Document.Parsed | null;
  /** The value (mappings as `Map`s), when the text is YAML. */
  value: unknown;
  problems: Problem[];
  /** The same problems as the editor marks them. */
  marks: EditorProblem[];
}

function mark(text: string, range: { from: number; to: number } | null, line: number | null, message: string, source: Problem["source"]): EditorProblem {
  const r = range ?? rangeOfLine(text, line ?? 1);
  return { from: r.from, to: Math.max(r.to, r.from + 1), message, severity: "error", source };
}

/** The text's problems: not YAML (at the parser's place), else every schema problem (at its key). */
export function checkText(text: string, schema: unknown): Checked {
  const read = parseDefinition(text, { uniqueKeys: true });
  if (!read.ok) {
    const line = yamlErrorLine(text, read.at);
    const message = read.reason.replace(/^it is not valid YAML/, "Not valid YAML").replace(/^it /, "The topology ");
    const range = read.at === null ? null : { from: read.at, to: read.at + 1 };
    return { doc: null, value: undefined, problems: [{ line, message, source: "editor" }], marks: [mark(text, range, line, message, "editor")] };
  }
  const problems: Problem[] = [];
  const marks: EditorProblem[] = [];
  for (const p of validate(schema, read.value, MAX_PROBLEMS)) {
    const range = rangeOfPath(read.doc, p.path, p.key);
    const line = range === null ? 1 : lineOf(text, range.from);
    const where = p.path.length === 0 ? "" : `${p.path.join(".")}: `;
    problems.push({ line, message: `${where}${p.message}`, source: "editor" });
    marks.push(mark(text, range, line, p.message, "editor"));
  }
  return { doc: read.doc, value: read.value, problems, marks };
}

/** The server's refusal as problems and marks at their lines (the editor's YAML error when the server names no line). */
export function checkRefusal(error: unknown, text: string, checked: Checked): { problems: Problem[]; marks: EditorProblem[] } {
  const problems = serverProblems(error, text, checked.doc).map((p) => {
    if (p.line !== null || checked.doc !== null) return p;
    const own = checked.problems[0]?.line ?? null;
    return { ...p, line: own };
  });
  return { problems, marks: problems.map((p) => mark(text, null, p.line, p.message, "server")) };
}

/** What to offer at `offset`: keys of the schema where a key is typed, values where a value is. */
export function completeAt(text: string, offset: number, schema: unknown, devices: readonly DeviceConfig[]): EditorCompletion | null {
  const context = cursorContext(text, offset);
  if (context.at === "value") {
    const key = context.path[context.path.length - 1];
    const options: EditorCompletion["options"] = [];
    if (key === "kind") {
      for (const d of devices) options.push({ label: d.kind, detail: d.name, type: "enum" });
    }
    for (const v of valuesAt(schema, context.path)) if (!options.some((o) => o.label === v)) options.push({ label: v, type: "enum" });
    return { from: context.from, options };
  }
  const taken = new Set(context.siblings);
  const options = keysAt(schema, context.path)
    .filter((k) => !taken.has(k.name))
    .map((k) => ({ label: k.name, apply: `${k.name}: `, type: "property" as const, ...(k.description === null ? {} : { info: k.description }) }));
  return { from: context.from, options };
}
