// A lab's nodes as the lab view shows them, in the table and the graph: the topology's nodes
// joined with the instance's (state, addresses, container), so a lab that is not deployed
// still shows its nodes, greyed; and the graph's model (nodes, links with interface names,
// groups) built from them.
//
// Instance nodes are named as containerlab names them (antimony-server strips
// `clab-<instance>-` from the container name); other servers may name them otherwise (the Go
// server keeps what follows the last `-`, so `leaf-1` becomes `1`): a node is matched by its
// name, else by its container name ending in `-<topology name>`.

import type { InstanceNode, LabOut } from "../../bindings";
import type { GraphEdge, GraphModel, GraphNode } from "../../components/graph/model";
import { shownName, type ParsedTopology, type Topology, type TopologyNode } from "../../components/graph/topology";
import { nodeTone } from "./lab-state";

export interface LabNode {
  /** The node's name in the topology (else the instance's). */
  name: string;
  /** The kind (the instance's, else the topology's), `""` when unknown. */
  kind: string;
  /** The node as deployed, or `null`: the lab is not deployed, or the node is not created yet. */
  instance: InstanceNode | null;
  /** The node as the topology defines it, or `null` (a node only the instance has). */
  defined: TopologyNode | null;
}

/** Pseudo-nodes of single-ended links (the other end is outside the lab). */
const OUTSIDE = new Set(["host", "mgmt-net", "macvlan", "vxlan"]);

function containerName(node: InstanceNode): string {
  return node.containerName === "" ? node.containnerName : node.containerName;
}

/** The topology's nodes in its order, each with its instance node; then instance nodes the topology lacks. */
export function joinNodes(topology: Topology | null, instance: readonly InstanceNode[] | null): LabNode[] {
  const defined = topology?.nodes ?? [];
  const remaining = [...(instance ?? [])];
  const claim = (match: (n: InstanceNode) => boolean): InstanceNode | null => {
    const i = remaining.findIndex(match);
    if (i < 0) return null;
    return remaining.splice(i, 1)[0] ?? null;
  };
  const matched = new Map<string, InstanceNode>();
  // Exact names first, so a short name of one node never takes another's exact match.
  for (const d of defined) {
    const found = claim((n) => n.name === d.name);
    if (found !== null) matched.set(d.name, found);
  }
  // Then container names, longest topology names first (`leaf-1` before `1`).
  for (const d of [...defined].sort((a, b) => b.name.length - a.name.length)) {
    if (matched.has(d.name)) continue;
    const found = claim((n) => containerName(n) === d.name || containerName(n).endsWith(`-${d.name}`));
    if (found !== null) matched.set(d.name, found);
  }
  const joined: LabNode[] = defined.map((d) => {
    const node = matched.get(d.name) ?? null;
    return { name: d.name, kind: node?.kind ?? d.kind ?? "", instance: node, defined: d };
  });
  for (const n of remaining) joined.push({ name: n.name, kind: n.kind, instance: n, defined: null });
  return joined;
}

/** The lab's nodes: from its topology (when it can be read, and once it is) and its instance. */
export function labNodes(lab: LabOut, parsed: ParsedTopology | null): LabNode[] {
  return joinNodes(parsed?.ok === true ? parsed.topology : null, lab.instance?.nodes ?? null);
}

/** A node's state in words: its container's state, else why it has none. */
export function nodeStateLabel(lab: LabOut, node: LabNode): string {
  if (node.instance !== null) return node.instance.state;
  return lab.instance === undefined ? "not deployed" : "not created";
}

/** A management address without its prefix length ("172.20.20.3/24" → "172.20.20.3"), or `null`. */
export function bareAddress(address: string | null | undefined): string | null {
  if (address === null || address === undefined || address.trim() === "N/A") return null;
  const bare = address.split("/")[0]?.trim() ?? "";
  return bare === "" ? null : bare;
}

/** The user containerlab's images log in as over SSH, by kind (else `admin`). */
const SSH_USERS: Readonly<Record<string, string>> = {
  linux: "root",
  juniper_crpd: "root",
  crpd: "root",
  cisco_xrd: "clab",
  xrd: "clab",
  cisco_xrv9k: "clab",
  sonic_vs: "admin",
};

/** `ssh admin@172.20.20.3` for a deployed node with an address, else `null`. */
export function sshCommand(node: LabNode): string | null {
  const address = bareAddress(node.instance?.ipv4) ?? bareAddress(node.instance?.ipv6);
  if (address === null) return null;
  return `ssh ${SSH_USERS[node.kind] ?? "admin"}@${address}`;
}

function details(lab: LabOut, node: LabNode): string {
  const lines = [node.kind === "" ? "kind unknown" : node.kind];
  const image = node.defined?.image;
  if (image !== null && image !== undefined) lines.push(image);
  lines.push(nodeStateLabel(lab, node));
  const v4 = node.instance === null ? node.defined?.mgmtIpv4 : node.instance.ipv4;
  const v6 = node.instance === null ? node.defined?.mgmtIpv6 : node.instance.ipv6;
  if (v4 !== null && v4 !== undefined && v4 !== "" && v4 !== "N/A") lines.push(`IPv4 ${v4}`);
  if (v6 !== null && v6 !== undefined && v6 !== "" && v6 !== "N/A") lines.push(`IPv6 ${v6}`);
  return lines.join("\n");
}

function graphNode(lab: LabOut, node: LabNode): GraphNode {
  const deployed = node.instance !== null;
  return {
    id: node.name,
    label: shownName(node.name),
    kind: node.kind,
    tone: deployed ? nodeTone(node.instance?.state ?? "") : "grey",
    stateLabel: nodeStateLabel(lab, node),
    dimmed: !deployed,
    missing: false,
    group: node.defined?.group ?? null,
    level: node.defined?.level ?? null,
    position: node.defined?.position ?? null,
    details: details(lab, node),
  };
}

function placeholder(name: string): GraphNode {
  const outside = OUTSIDE.has(name);
  return {
    id: name,
    label: shownName(name),
    kind: outside ? "external" : "",
    tone: "grey",
    stateLabel: outside ? "outside the lab" : "not in the topology",
    dimmed: false,
    missing: true,
    group: null,
    level: null,
    position: null,
    details: outside ? "outside the lab" : "a link names this node, but the topology does not define it",
  };
}

export interface LabGraph {
  model: GraphModel;
  /** What was left out of the graph, in a sentence, or `null`. */
  note: string | null;
  /** Why the topology cannot be drawn, or `null`. */
  problem: string | null;
}

/** The graph of a lab's topology joined with its instance. */
export function labGraph(lab: LabOut, parsed: ParsedTopology, nodes: readonly LabNode[] = labNodes(lab, parsed)): LabGraph {
  const graphNodes: GraphNode[] = nodes.map((n) => graphNode(lab, n));
  const known = new Set(graphNodes.map((n) => n.id));
  const edges: GraphEdge[] = [];
  if (parsed.ok) {
    parsed.topology.links.forEach((link, i) => {
      for (const end of [link.a, link.b]) {
        if (!known.has(end.node)) {
          known.add(end.node);
          graphNodes.push(placeholder(end.node));
        }
      }
      edges.push({ id: `link-${String(i)}`, source: link.a.node, target: link.b.node, sourceLabel: shownName(link.a.iface), targetLabel: shownName(link.b.iface) });
    });
  }
  const skipped = parsed.ok ? parsed.topology.skipped : [];
  return {
    model: { nodes: graphNodes, edges },
    note: skipped.length === 0 ? null : `Not drawn: ${skipped.join("; ")}.`,
    problem: parsed.ok ? null : parsed.reason,
  };
}
