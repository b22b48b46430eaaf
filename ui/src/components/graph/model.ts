// What the graph draws: nodes with a state colour and edges with an interface name at each end.
// Whoever uses the graph builds this model (the lab view from the topology and the instance);
// the view and its engine only draw it.

import type { DotTone } from "../status-dot";

export interface GraphNode {
  /** Unique in the graph: the node's name in the topology. */
  id: string;
  /** The name shown under the node. */
  label: string;
  /** The kind as written (`nokia_srlinux`), `""` when unknown. */
  kind: string;
  /** The state's colour. */
  tone: DotTone;
  /** The state in words ("running", "not deployed"), for the keyboard list and the tooltip. */
  stateLabel: string;
  /** Greyed: the node is not deployed (only the topology knows it). */
  dimmed: boolean;
  /** Not a node of the topology: a link's end naming a node that does not exist (yet), or the host. */
  missing: boolean;
  /** The group box it is drawn in, or `null`. */
  group: string | null;
  /** The topology's `graph-level` (1 at the top), or `null`. */
  level: number | null;
  /** A position the topology gives (`graph-posX`, `graph-posY`), used when none was saved. */
  position: Position | null;
  /** Shown on hover: the management addresses and such. */
  details: string;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** Interface names at each end (`""`: none). */
  sourceLabel: string;
  targetLabel: string;
}

export interface GraphModel {
  nodes: readonly GraphNode[];
  edges: readonly GraphEdge[];
}

export interface Position {
  x: number;
  y: number;
}

/** Node positions by node id, in the graph's own coordinates. */
export type Positions = Readonly<Record<string, Position>>;

export const emptyModel: GraphModel = { nodes: [], edges: [] };
