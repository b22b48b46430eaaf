// Just enough of containerlab's topology files for the fake: writing the seed labs' definitions,
// reading back a definition's name and nodes (imported ones included), and which files can be
// imported and what their lab is called.

import type { LabOut } from "../../../bindings";

/** A link's two endpoints, "node:interface" each. */
export type FakeLink = [string, string];

/**
 * A topology definition with these nodes (name, kind), links, and per node its labels (e.g.
 * containerlab's graph-level and graph-group, which the graph draws).
 */
export function topology(name: string, nodes: [string, string][], links: FakeLink[] = [], labels: Record<string, Record<string, string>> = {}): string {
  const nodeText = nodes
    .map(([n, k]) => {
      const own = Object.entries(labels[n] ?? {});
      const labelText = own.length === 0 ? "" : `      labels:\n${own.map(([key, value]) => `        ${key}: "${value}"\n`).join("")}`;
      return `    ${n}:\n      kind: ${k}\n${labelText}`;
    })
    .join("");
  const linkText = links.length === 0 ? "" : `  links:\n${links.map(([a, b]) => `    - endpoints: ["${a}", "${b}"]\n`).join("")}`;
  return `name: ${name}\ntopology:\n  nodes:\n${nodeText}${linkText}`;
}

// What follows mirrors antimony-client's `import` module (client/src/import.rs), which is the
// source of truth: the app's `check_topology` and `import_topology` run that Rust code. This
// copy only lets the fake (dev and tests) answer the same; keep it in step with the Rust.

/** The largest topology file that is imported: 1 MiB (of UTF-8). */
export const MAX_TOPOLOGY_BYTES = 1024 * 1024;

const EXTENSIONS = [".clab.yml", ".clab.yaml"] as const;

/** Lower-cases A–Z only, as Rust's `to_ascii_lowercase` (so lengths stay the same). */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** `is_topology_file`: `.clab.yml` or `.clab.yaml`, in any case. */
export function isTopologyFile(fileName: string): boolean {
  const lower = asciiLower(fileName);
  return EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** `base_name`: the file's name without its directory and its `.clab.yml` / `.clab.yaml`. */
export function baseName(fileName: string): string {
  const name = fileName.split(/[/\\]/).pop() ?? fileName;
  const lower = asciiLower(name);
  const ext = EXTENSIONS.find((e) => lower.endsWith(e));
  return ext === undefined ? name : name.slice(0, name.length - ext.length);
}

/**
 * `topology_name`: the first top-level `name:` with a value, read line by line without a YAML
 * parser. A quoted value is what is inside the quotes; a plain one ends at a ` #` (else a
 * tab-`#`) comment.
 */
export function topologyName(definition: string): string | undefined {
  for (const raw of definition.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (!line.startsWith("name:")) continue;
    let value = line.slice("name:".length).trim();
    const quote = value[0];
    if (quote === '"' || quote === "'") {
      value = value.slice(1).split(quote)[0] ?? "";
    } else {
      let at = value.indexOf(" #");
      if (at < 0) at = value.indexOf("\t#");
      if (at >= 0) value = value.slice(0, at);
      value = value.trim();
    }
    if (value !== "") return value;
  }
  return undefined;
}

/** The lab's topology name, else the lab's own name. */
export function topoName(lab: LabOut): string {
  return topologyName(lab.topologyDefinition) ?? lab.name;
}

/** The nodes (name, kind) of a topology's `nodes:` map, at whatever indentation it uses. */
export function nodesOf(lab: LabOut): [string, string][] {
  const nodes: [string, string][] = [];
  let nodesIndent = -1;
  let nodeIndent = -1;
  for (const line of lab.topologyDefinition.split("\n")) {
    const text = line.trim();
    if (text === "" || text.startsWith("#")) continue;
    const indent = line.length - line.trimStart().length;
    if (nodesIndent < 0) {
      if (text === "nodes:") nodesIndent = indent;
      continue;
    }
    if (indent <= nodesIndent) break;
    if (nodeIndent < 0) nodeIndent = indent;
    const name = indent === nodeIndent ? /^([^\s:]+):/.exec(text)?.[1] : undefined;
    const kind = indent > nodeIndent ? /^kind:\s*["']?([^\s"']+)/.exec(text)?.[1] : undefined;
    const last = nodes[nodes.length - 1];
    if (name !== undefined) nodes.push([name, "linux"]);
    else if (kind !== undefined && last !== undefined) last[1] = kind;
  }
  return nodes;
}
