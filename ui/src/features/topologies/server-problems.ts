// A server's refusal of a topology, as problems at their lines. The servers word it so:
//
// - antimony-server (server/src/http/topologies.rs `definition_error`, server/src/topology/mod.rs
//   `TopologyValidator::check`), 400 code 3003: "the topology provided were invalid: not valid
//   YAML: <serde's message> at line N column M", or "…: does not match the containerlab schema:
//   /json/pointer: message; /other: message" (at most five; the root's without a pointer), or
//   "…: over a limit: node \"../x\" must be …"; 400 code 3401 (`host_access`): "…: topology.nodes.r1.binds[0],
//   mgmt.network (an admin can allow it for the collection)".
// - the Go server, 500 code -1: "jsonschema: '/topology/nodes/r1' does not validate with
//   https://containerlab.dev/clab.schema.json#/…: detail" (newer validators: "- at '/path': detail"
//   lines); 400 code 3003 "the topology provided were invalid" with no place (the editor's own
//   YAML reader then finds it).
// - both, 400 code 3001: the name is taken in the collection (at `name:`).

import type { Document } from "yaml";
import { BridgeError } from "../../lib/bridge";
import { pointerPath, type JsonPath } from "../../lib/json-schema";
import { lineOf, lineOfPath } from "./yaml-source";

export interface Problem {
  /** 1-based; `null` when the problem has no place. */
  line: number | null;
  message: string;
  /** Who found it: the editor's own check, or the server on save. */
  source: "editor" | "server";
}

export const TOPOLOGY_EXISTS = 3001;
export const TOPOLOGY_INVALID = 3003;
export const TOPOLOGY_HOST_ACCESS = 3401;

/** A problem's place in the document: a path, and a key of the mapping there (wrong or missing). */
interface Place {
  path: JsonPath;
  key?: string;
}

/** The key a schema message is about: `'foo' was unexpected`, `"name" is a required property`, Go's `additionalProperties 'foo' not allowed`, `missing properties: 'name'`. */
function keyOf(message: string): string | undefined {
  return (
    /\('([^']+)' was unexpected\)/.exec(message)?.[1] ??
    /'([^']+)',? (?:were|was) unexpected/.exec(message)?.[1] ??
    /^"([^"]+)" is a required property/.exec(message)?.[1] ??
    /additional ?properties '([^']+)'/i.exec(message)?.[1] ??
    /missing propert(?:y|ies):? '([^']+)'/i.exec(message)?.[1]
  );
}

/** A dotted path as antimony-server writes host-access fields: `topology.nodes.r1.binds[0]`. */
function dottedPath(field: string): JsonPath {
  const path: (string | number)[] = [];
  for (const part of field.split(".")) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) {
      path.push(part);
      continue;
    }
    if (m[1] !== undefined && m[1] !== "") path.push(m[1]);
    for (const index of (m[2] ?? "").matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return path;
}

/** Schema problems of antimony-server's message: "/pointer: message" parts joined by "; ". */
function ourSchemaProblems(detail: string): { place: Place; message: string }[] {
  return detail.split("; ").map((part) => {
    const m = /^(\/[^\s]*(?:\s[^:]*)?): (.*)$/s.exec(part);
    const pointer = m?.[1];
    const message = m?.[2] ?? part;
    const key = keyOf(message);
    return { place: { path: pointer === undefined ? [] : pointerPath(pointer), ...(key === undefined ? {} : { key }) }, message: part };
  });
}

/** Schema problems of the Go server's validator. */
function goSchemaProblems(message: string): { place: Place; message: string }[] {
  const found: { place: Place; message: string }[] = [];
  for (const m of message.matchAll(/(?:jsonschema: |at )'([^']*)'(?: does not validate with \S+?)?: ([^\n]*)/g)) {
    const detail = m[2] ?? "";
    const key = keyOf(detail);
    found.push({ place: { path: pointerPath(m[1] ?? ""), ...(key === undefined ? {} : { key }) }, message: detail });
  }
  return found;
}

/** A line for a place, else for a name a message quotes (`node "../x"`). */
function placeLine(doc: Document.Parsed | null, text: string, place: Place): number | null {
  if (doc === null) return null;
  return lineOfPath(doc, text, place.path, place.key);
}

/** The problems a server's refusal of `text` names, each at its line where it says or can be found. */
export function serverProblems(error: unknown, text: string, doc: Document.Parsed | null): Problem[] {
  const e = BridgeError.from(error);
  const problem = (line: number | null, message: string): Problem => ({ line, message, source: "server" });
  const message = e.message;

  if (e.code === TOPOLOGY_EXISTS) return [problem(doc === null ? null : lineOfPath(doc, text, ["name"]), message)];

  // antimony-server: "…invalid: not valid YAML: … at line N column M".
  const yaml = /not valid YAML: (.*)$/s.exec(message);
  if (yaml !== null) {
    const at = /at line (\d+)(?: column (\d+))?/.exec(yaml[1] ?? "");
    return [problem(at === null ? null : Number(at[1]), `Not valid YAML: ${yaml[1] ?? ""}`)];
  }
  const schema = /does not match the containerlab schema: (.*)$/s.exec(message);
  if (schema !== null) {
    return ourSchemaProblems(schema[1] ?? "").map((p) => problem(placeLine(doc, text, p.place), p.message));
  }
  const limit = /over a limit: (.*)$/s.exec(message);
  if (limit !== null) {
    const detail = limit[1] ?? "";
    const named = /^(node|kind|group) "((?:[^"\\]|\\.)*)"/.exec(detail);
    const section = named === null ? null : `${named[1] ?? ""}s`;
    const place: Place | null = named !== null && section !== null ? { path: ["topology", section, JSON.parse(`"${named[2] ?? ""}"`) as string] } : detail.startsWith("`name`") ? { path: ["name"] } : null;
    return [problem(place === null ? null : placeLine(doc, text, place), `Over a limit: ${detail}`)];
  }
  if (e.code === TOPOLOGY_HOST_ACCESS) {
    const fields = /: ([^:]*?) \(an admin can allow it/.exec(message)?.[1];
    if (fields !== undefined) return fields.split(", ").map((field) => problem(placeLine(doc, text, { path: dottedPath(field) }), `${field} acts on the host, which requires an admin (an admin can allow it for the collection)`));
  }
  if (message.includes("jsonschema") || /^- at '/m.test(message)) {
    const go = goSchemaProblems(message);
    if (go.length > 0) return go.map((p) => problem(placeLine(doc, text, p.place), p.message));
  }
  return [problem(null, message)];
}

/** The line of the YAML parser's own error, for a server that names none (the Go server's 3003). */
export function yamlErrorLine(text: string, at: number | null): number | null {
  return at === null ? null : lineOf(text, at);
}
