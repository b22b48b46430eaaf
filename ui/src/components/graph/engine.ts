// What the graph view needs of a graph renderer. cytoscape.js implements it
// (`cytoscape-engine.ts`, loaded on first use so it stays out of the app's first script:
// `engine-context.ts`); tests provide a recording stand-in, as jsdom has no canvas.

import type { DotTone } from "../status-dot";
import type { GraphModel, Position, Positions } from "./model";

/** Colours and font of the graph, from the app's CSS variables (`theme.ts`). */
export interface GraphTheme {
  background: string;
  text: string;
  muted: string;
  edge: string;
  border: string;
  surface: string;
  groupFill: string;
  selected: string;
  tones: Readonly<Record<DotTone, string>>;
  /** What a tone's node shows its kind in. */
  onTone: string;
  font: string;
}

export interface GraphEngineOptions {
  /** The element the graph fills (and follows the size of). */
  host: HTMLElement;
  model: GraphModel;
  /** Saved positions; nodes without one are laid out (the others stay where they are). */
  positions: Positions;
  theme: GraphTheme;
  /** A node was clicked (`null`: the background). */
  onSelect(id: string | null): void;
  /** A node was double-clicked. */
  onActivate(id: string): void;
  /** The pointer is over a node (`null`: it left); `at` is where, in the host's pixels. */
  onHover(id: string | null, at: Position | null): void;
  /** Nodes were laid out or dragged: every node's position, to keep. */
  onPositions(positions: Positions): void;
  /** The view moved (pan, zoom, resize, layout, drag): on-screen positions changed. */
  onViewChange(): void;
  /** The first frame with the graph laid out is on screen. */
  onFirstPaint?(timing: { layoutMs: number }): void;
}

export interface GraphEngine {
  /** New states, labels, nodes or edges: nodes already placed keep their place. */
  update(model: GraphModel): void;
  select(id: string | null): void;
  /** A node's position in the host's pixels, or `null`. */
  renderedPosition(id: string): Position | null;
  /** Every node's position in graph coordinates (for moving between nodes by direction). */
  positions(): Positions;
  /** Shows the whole graph. */
  fit(): void;
  /** Forgets every position and lays the graph out again. */
  relayout(): void;
  setTheme(theme: GraphTheme): void;
  dispose(): void;
}

export type GraphEngineFactory = (options: GraphEngineOptions) => GraphEngine;
export type GraphEngineLoader = () => Promise<GraphEngineFactory>;
