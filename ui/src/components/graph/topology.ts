// A containerlab topology as the graph draws it: its nodes (kind, group, graph labels) and
// links. `parse-topology.ts` reads it from a definition (with a YAML parser, loaded on first
// use: `use-topology.ts`).

/** The largest definition read, in bytes of UTF-8 (the server's limit). */
export const MAX_DEFINITION_BYTES = 1024 * 1024;
/** The deepest nesting of flow collections (`[`, `{`), as the server bounds it. */
export const MAX_NESTING = 64;
/** Aliases resolved at most (the `yaml` package's check against alias bombs). */
export const MAX_ALIASES = 100;
/** The most nodes and links drawn. */
export const MAX_NODES = 2000;
export const MAX_LINKS = 10_000;
/** Names longer than this are cut (with "…") where they are shown. */
export const MAX_SHOWN_NAME = 64;
/** The longest reason given. */
export const MAX_REASON = 240;

/** One end of a link. */
export interface Endpoint {
  node: string;
  /** `""` when the endpoint names no interface. */
  iface: string;
}

export interface TopologyNode {
  name: string;
  /** The node's kind, else its group's, else the defaults', else `null`. */
  kind: string | null;
  image: string | null;
  /** The `graph-group` label, else the node's `group`, else `null`. */
  group: string | null;
  /** The `graph-level` label (1 is the top), or `null`. */
  level: number | null;
  /** The `graph-posX` / `graph-posY` labels, when both are numbers. */
  position: { x: number; y: number } | null;
  /** `mgmt-ipv4` / `mgmt-ipv6`, as written. */
  mgmtIpv4: string | null;
  mgmtIpv6: string | null;
  /** The node's labels (scalars only). */
  labels: Readonly<Record<string, string>>;
}

export interface TopologyLink {
  a: Endpoint;
  /** A link with one end only (`type: host`, `macvlan`, `mgmt-net`, …) has `b` on the host. */
  b: Endpoint;
}

export interface Topology {
  name: string | null;
  nodes: TopologyNode[];
  links: TopologyLink[];
  /** What was skipped (a link without two ends, too many nodes, …), for a note under the graph. */
  skipped: string[];
}

export type ParsedTopology = { ok: true; topology: Topology } | { ok: false; reason: string };

/** A name as shown: at most `MAX_SHOWN_NAME` characters. */
export function shownName(name: string): string {
  return name.length > MAX_SHOWN_NAME ? `${name.slice(0, MAX_SHOWN_NAME - 1)}…` : name;
}
