// Reading a containerlab topology definition for drawing: its nodes (kind, group, graph labels)
// and links (endpoints "node:iface" or {node, interface}). The definition is hostile input (it
// comes from a server, written by anyone who may import a topology): it is bounded before it is
// parsed (size, bracket nesting) and while (aliases), anything unexpected in it is skipped, and
// a definition that cannot be read gives a reason instead of an exception.
//
// The YAML parser makes this a script of its own, loaded when a lab is first opened
// (`use-topology.ts`), so the app's first script stays small.

import { parseDocument, type Document } from "yaml";
import {
  MAX_ALIASES,
  MAX_DEFINITION_BYTES,
  MAX_LINKS,
  MAX_NESTING,
  MAX_NODES,
  MAX_REASON,
  type Endpoint,
  type ParsedTopology,
  type TopologyLink,
  type TopologyNode,
} from "./topology";

type Yaml = unknown;

function isMap(value: Yaml): value is Map<unknown, unknown> {
  return value instanceof Map;
}

/** A map's entry by name (keys of any scalar type are compared as text). */
function get(map: Yaml, key: string): Yaml {
  if (!isMap(map)) return undefined;
  if (map.has(key)) return map.get(key);
  for (const [k, v] of map) if (scalarText(k) === key) return v;
  return undefined;
}

/** A scalar as text (`1` → "1", `true` → "true"); `null` for anything else. */
function scalarText(value: Yaml): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return null;
}

function text(value: Yaml): string | null {
  const t = scalarText(value);
  return t === null || t.trim() === "" ? null : t;
}

function cut(reason: string): string {
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}

/** UTF-8 length without encoding a large string twice. */
function utf8Length(definition: string): number {
  if (definition.length * 3 <= MAX_DEFINITION_BYTES) return definition.length; // whatever it holds, it fits
  return new TextEncoder().encode(definition).length;
}

/** Why the definition is over a bound before parsing, or `null`. */
function overBounds(definition: string): string | null {
  const bytes = utf8Length(definition);
  if (definition.length > MAX_DEFINITION_BYTES || bytes > MAX_DEFINITION_BYTES) {
    return `it is ${bytes.toLocaleString("en-US")} bytes; at most ${MAX_DEFINITION_BYTES.toLocaleString("en-US")} are read`;
  }
  let depth = 0;
  for (let i = 0; i < definition.length; i++) {
    const c = definition.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) {
      depth += 1;
      if (depth > MAX_NESTING) return `it nests more than ${MAX_NESTING} levels of brackets`;
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) {
      depth -= 1;
    }
  }
  return null;
}

/** "leaf-1:e1-1" → {node: "leaf-1", iface: "e1-1"}; the node is what comes before the first ":". */
export function parseEndpoint(value: Yaml): Endpoint | null {
  const t = text(value);
  if (t !== null) {
    const at = t.indexOf(":");
    const node = (at < 0 ? t : t.slice(0, at)).trim();
    return node === "" ? null : { node, iface: at < 0 ? "" : t.slice(at + 1).trim() };
  }
  // The extended format: {node: leaf-1, interface: e1-1}.
  const node = text(get(value, "node"));
  if (node === null) return null;
  return { node: node.trim(), iface: (text(get(value, "interface")) ?? "").trim() };
}

function readLabels(value: Yaml): Record<string, string> {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!isMap(value)) return labels;
  for (const [k, v] of value) {
    const key = scalarText(k);
    const val = scalarText(v);
    if (key !== null && val !== null) labels[key] = val;
  }
  return labels;
}

function finite(value: string | undefined): number | null {
  if (value === undefined || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function readNodes(topology: Yaml, skipped: string[]): TopologyNode[] {
  const section = get(topology, "nodes");
  if (section === undefined || section === null) return [];
  if (!isMap(section)) throw new Error("topology.nodes is not a map of node names");
  const defaults = get(topology, "defaults");
  const groups = get(topology, "groups");
  const nodes: TopologyNode[] = [];
  for (const [key, value] of section) {
    const name = text(key)?.trim();
    if (name === undefined) {
      skipped.push("a node whose name is not text");
      continue;
    }
    if (nodes.length >= MAX_NODES) {
      skipped.push(`nodes after the first ${MAX_NODES.toLocaleString("en-US")}`);
      break;
    }
    const group = text(get(value, "group"));
    const labels = readLabels(get(value, "labels"));
    const x = finite(labels["graph-posX"]);
    const y = finite(labels["graph-posY"]);
    const level = finite(labels["graph-level"]);
    nodes.push({
      name,
      kind: text(get(value, "kind")) ?? (group === null ? null : text(get(get(groups, group), "kind"))) ?? text(get(defaults, "kind")),
      image: text(get(value, "image")),
      group: text(labels["graph-group"]) ?? group,
      level,
      position: x === null || y === null ? null : { x, y },
      mgmtIpv4: text(get(value, "mgmt-ipv4")),
      mgmtIpv6: text(get(value, "mgmt-ipv6")),
      labels,
    });
  }
  return nodes;
}

/** Link types with a single endpoint: its other end is on the host (or the management network). */
const HOST_END: Readonly<Record<string, string>> = { host: "host", "mgmt-net": "mgmt-net", macvlan: "macvlan", vxlan: "vxlan", "vxlan-stitch": "vxlan" };

function readLinks(topology: Yaml, skipped: string[]): TopologyLink[] {
  const section = get(topology, "links");
  if (section === undefined || section === null) return [];
  if (!Array.isArray(section)) throw new Error("topology.links is not a list");
  const links: TopologyLink[] = [];
  let broken = 0;
  for (const item of section as Yaml[]) {
    if (links.length >= MAX_LINKS) {
      skipped.push(`links after the first ${MAX_LINKS.toLocaleString("en-US")}`);
      break;
    }
    const endpoints = get(item, "endpoints");
    if (Array.isArray(endpoints)) {
      const [a, b] = (endpoints as Yaml[]).map(parseEndpoint);
      if (endpoints.length === 2 && a !== null && a !== undefined && b !== null && b !== undefined) links.push({ a, b });
      else broken += 1;
      continue;
    }
    // The extended format's single-ended links: {type: host, endpoint: {node, interface}, host-interface}.
    const type = text(get(item, "type"));
    const end = parseEndpoint(get(item, "endpoint"));
    const host = type === null ? undefined : HOST_END[type];
    if (end !== null && host !== undefined) {
      links.push({ a: end, b: { node: host, iface: text(get(item, "host-interface")) ?? "" } });
    } else {
      broken += 1;
    }
  }
  if (broken > 0) skipped.push(broken === 1 ? "1 link without two endpoints" : `${broken.toLocaleString("en-US")} links without two endpoints`);
  return links;
}

/**
 * A definition read within the bounds: its YAML document (with source positions, for the
 * editor) and its value (mappings as `Map`s), or why it cannot be read and where (an offset
 * into the text, when the YAML parser says).
 */
export type ParsedDefinition =
  | { ok: true; doc: Document.Parsed; value: unknown }
  | { ok: false; reason: string; at: number | null };

/**
 * Reads a definition within the bounds; never throws. `uniqueKeys`: a key twice in a mapping
 * is an error (as for the servers; the graph draws such a topology anyway).
 */
export function parseDefinition(definition: string, { uniqueKeys = false }: { uniqueKeys?: boolean } = {}): ParsedDefinition {
  const over = overBounds(definition);
  if (over !== null) return { ok: false, reason: over, at: null };
  try {
    const doc = parseDocument(definition, { uniqueKeys, prettyErrors: false });
    const error = doc.errors[0];
    if (error !== undefined) return { ok: false, reason: cut(`it is not valid YAML: ${error.message.split("\n")[0] ?? ""}`), at: error.pos[0] };
    return { ok: true, doc, value: doc.toJS({ mapAsMap: true, maxAliasCount: MAX_ALIASES }) };
  } catch (e: unknown) {
    // yaml's alias bomb check, a stack overflow on pathological nesting.
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, reason: cut(/alias/i.test(message) ? "it uses too many aliases (an alias bomb?)" : message.split("\n")[0] ?? message), at: null };
  }
}

/** Reads a definition; never throws. */
export function parseTopology(definition: string): ParsedTopology {
  const read = parseDefinition(definition);
  if (!read.ok) return { ok: false, reason: read.reason };
  try {
    const root: Yaml = read.value;
    if (!isMap(root)) return { ok: false, reason: "it is not a map with a name and a topology" };
    const topology = get(root, "topology");
    if (topology === undefined || topology === null) return { ok: false, reason: "it has no topology section" };
    if (!isMap(topology)) return { ok: false, reason: "its topology section is not a map" };
    const skipped: string[] = [];
    return {
      ok: true,
      topology: { name: text(get(root, "name")), nodes: readNodes(topology, skipped), links: readLinks(topology, skipped), skipped },
    };
  } catch (e: unknown) {
    // Our own shape errors.
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, reason: cut(message.split("\n")[0] ?? message) };
  }
}
