// Just enough of containerlab's topology files for the fake: writing the seed labs' definitions
// and reading back a definition's name and nodes (imported ones included).

import type { LabOut } from "../../../bindings";

/** A topology definition with these nodes (name, kind). */
export function topology(name: string, nodes: [string, string][]): string {
  return `name: ${name}\ntopology:\n  nodes:\n${nodes.map(([n, k]) => `    ${n}:\n      kind: ${k}\n`).join("")}`;
}

/** The top-level `name:` of a containerlab topology. */
export function topologyName(definition: string): string | undefined {
  return /^name:[ \t]*["']?([^\s"'#]+)/m.exec(definition)?.[1];
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
