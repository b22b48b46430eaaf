// The graph engine on cytoscape.js (canvas renderer) with the fCoSE layout. Loaded on first use
// (`engine-context.ts`): a script of its own, out of the app's first one.
//
// Under the app's CSP: cytoscape puts one `<style>` element in the document's head (making its
// container `position: relative`), which the CSP would refuse; an element with that stylesheet's
// id is put there first, so cytoscape finds it and adds none (graph.css does the positioning).
// Everything else it styles through the CSSOM (`element.style`), which the CSP allows. Under the
// frozen Object.prototype, cytoscape and fCoSE load through the build's rewrite
// (build/frozen-prototype.ts).
//
// The layout runs once per lab: fCoSE for small graphs, rows (`layered.ts`) for big ones and
// for topologies with graph-level labels. Nodes with a saved position keep it, and nodes that
// have none while others have are put beside their neighbours, so updates never move what is
// placed.

import cytoscape from "cytoscape";
import type { Core, ElementDefinition, NodeSingular, StylesheetJson } from "cytoscape";
import fcose from "cytoscape-fcose";
import type { DotTone } from "../status-dot";
import type { GraphEngine, GraphEngineFactory, GraphEngineOptions, GraphTheme } from "./engine";
import { KIND_ICONS, kindIcon, kindIconUrl, rasterIcons, type KindIcon } from "./kinds";
import { layeredLayout } from "./layered";
import type { GraphModel, GraphNode, Position, Positions } from "./model";

let registered = false;
function register(): void {
  if (registered) return;
  cytoscape.use(fcose);
  registered = true;
}

/** cytoscape's stylesheet id (it checks for it before adding its `<style>`). */
const CYTOSCAPE_STYLESHEET = "__________cytoscape_stylesheet";

function preemptStylesheet(doc: Document): void {
  if (doc.getElementById(CYTOSCAPE_STYLESHEET) !== null) return;
  const marker = doc.createElement("meta");
  marker.id = CYTOSCAPE_STYLESHEET;
  marker.name = "antimony-graph";
  doc.head.appendChild(marker);
}

// Element ids by what they are, so no name can take another's: a node named `link-0` (or
// anything else) is never mistaken for a link or a group box.
const nodeKey = (id: string) => `n:${id}`;
const groupId = (name: string) => `g:${name}`;
const edgeKey = (id: string) => `e:${id}`;
const isGroup = (key: string) => key.startsWith("g:");
/** The model's id of a node element. */
const nodeIdOf = (key: string) => key.slice(2);
const byId = (cy: Core, id: string) => cy.getElementById(nodeKey(id));

const TONES: readonly DotTone[] = ["green", "amber", "red", "blue", "grey"];

/**
 * What is drawn depends on the zoom, so a big graph, fitted small, stays cheap to draw (it is
 * drawn again on every state change): kind icons and curved links (parallel links apart) from
 * `DETAIL_ZOOM` on, interface names from `IFACE_ZOOM` on (smaller, neither could be read).
 */
export const DETAIL_ZOOM = 0.5;
export const IFACE_ZOOM = 0.75;

/** How much is drawn: 0 plain shapes and straight lines, 1 icons and curves, 2 also interface names. */
type Detail = 0 | 1 | 2;
const detailAt = (zoom: number): Detail => (zoom >= IFACE_ZOOM ? 2 : zoom >= DETAIL_ZOOM ? 1 : 0);
const DETAIL_NODE_CLASS = "icons";
const detailEdgeClasses = (detail: Detail): string => (detail === 2 ? "curved iface" : detail === 1 ? "curved" : "");

/** An icon in a colour: a bitmap where the document has a canvas, else an SVG. */
function iconUrl(icon: KindIcon, colour: string): string {
  return (typeof document === "undefined" ? null : rasterIcons(colour))?.[icon] ?? kindIconUrl(icon, colour);
}

function nodeClasses(node: GraphNode): string {
  const icon = node.missing ? "external" : kindIcon(node.kind);
  return [`tone-${node.tone}`, `icon-${icon}`, node.dimmed ? "dimmed" : "", node.missing ? "missing" : ""].filter((c) => c !== "").join(" ");
}

function nodeData(node: GraphNode): { id: string; label: string; parent?: string } {
  return node.group === null ? { id: nodeKey(node.id), label: node.label } : { id: nodeKey(node.id), label: node.label, parent: groupId(node.group) };
}

/** The stylesheet for a theme. */
export function graphStyle(theme: GraphTheme): StylesheetJson {
  const style: StylesheetJson = [
    {
      selector: "node",
      style: {
        shape: "round-rectangle",
        width: 34,
        height: 34,
        "background-color": theme.tones.grey,
        "background-width": "72%",
        "background-height": "72%",
        "background-clip": "none",
        "border-width": 0,
        "border-color": theme.background,
        label: "data(label)",
        "font-family": theme.font,
        "font-size": 11,
        color: theme.text,
        "text-valign": "bottom",
        "text-halign": "center",
        "text-margin-y": 4,
        "text-background-color": theme.background,
        "text-background-opacity": 0.75,
        "text-background-padding": "1px",
        "text-background-shape": "roundrectangle",
        "min-zoomed-font-size": 6,
      },
    },
    { selector: "node.icons", style: { "border-width": 1 } },
    { selector: "node.icon-router", style: { shape: "ellipse" } },
    ...TONES.map((tone) => ({ selector: `node.tone-${tone}`, style: { "background-color": theme.tones[tone] } })),
    ...KIND_ICONS.map((icon) => ({ selector: `node.icons.icon-${icon}`, style: { "background-image": iconUrl(icon, theme.onTone) } })),
    {
      selector: "node.dimmed, node.missing",
      style: { "background-color": theme.groupFill, "border-width": 1.5, "border-color": theme.muted, "border-style": "dashed", color: theme.muted },
    },
    ...KIND_ICONS.map((icon) => ({ selector: `node.icons.dimmed.icon-${icon}, node.icons.missing.icon-${icon}`, style: { "background-image": iconUrl(icon, theme.muted) } })),
    { selector: "node.missing", style: { "background-opacity": 0, "font-style": "italic" } },
    {
      selector: "node.group",
      style: {
        shape: "round-rectangle",
        "background-color": theme.groupFill,
        "background-opacity": 0.55,
        "background-image": "none",
        "border-width": 1,
        "border-style": "dashed",
        "border-color": theme.border,
        padding: "16px",
        label: "data(label)",
        color: theme.muted,
        "font-size": 10,
        "text-valign": "top",
        "text-halign": "center",
        "text-margin-y": -4,
        "text-background-opacity": 0,
      },
    },
    {
      selector: "node:selected",
      style: { "border-width": 3, "border-color": theme.selected, "border-style": "solid", "underlay-color": theme.selected, "underlay-opacity": 0.18, "underlay-padding": 5 },
    },
    { selector: "edge", style: { width: 1.5, "line-color": theme.edge, "curve-style": "haystack", "haystack-radius": 0 } },
    { selector: "edge.curved", style: { "curve-style": "bezier" } },
    {
      selector: "edge.iface",
      style: {
        "source-label": "data(sourceLabel)",
        "target-label": "data(targetLabel)",
        "source-text-offset": 30,
        "target-text-offset": 30,
        "font-family": theme.font,
        "font-size": 9,
        color: theme.muted,
        "text-background-color": theme.background,
        "text-background-opacity": 0.85,
        "text-background-padding": "1px",
        "min-zoomed-font-size": 7,
      },
    },
    { selector: "edge.dimmed", style: { "line-style": "dashed", opacity: 0.7 } },
    { selector: "edge.missing", style: { "line-style": "dotted" } },
  ];
  return style;
}

function elements(model: GraphModel, detail: Detail = 0): ElementDefinition[] {
  const groups = [...new Set(model.nodes.flatMap((n) => (n.group === null ? [] : [n.group])))];
  const dimmed = new Set(model.nodes.filter((n) => n.dimmed).map((n) => n.id));
  const missing = new Set(model.nodes.filter((n) => n.missing).map((n) => n.id));
  return [
    ...groups.map((g) => ({ group: "nodes" as const, data: { id: groupId(g), label: g }, classes: "group", selectable: false })),
    ...model.nodes.map((n) => ({ group: "nodes" as const, data: nodeData(n), classes: `${nodeClasses(n)}${detail > 0 ? ` ${DETAIL_NODE_CLASS}` : ""}` })),
    ...model.edges.map((e) => ({
      group: "edges" as const,
      data: { id: edgeKey(e.id), source: nodeKey(e.source), target: nodeKey(e.target), sourceLabel: e.sourceLabel, targetLabel: e.targetLabel },
      classes: `${edgeClasses(e.source, e.target, dimmed, missing)} ${detailEdgeClasses(detail)}`.trim(),
      selectable: false,
    })),
  ];
}

function edgeClasses(source: string, target: string, dimmed: ReadonlySet<string>, missing: ReadonlySet<string>): string {
  if (missing.has(source) || missing.has(target)) return "missing";
  return dimmed.has(source) || dimmed.has(target) ? "dimmed" : "";
}

/** Whether an element's classes are these (in any order). */
function sameClasses(current: readonly string[] | string, wanted: string): boolean {
  const have = typeof current === "string" ? current.split(" ").filter((c) => c !== "") : current;
  const want = wanted.split(" ").filter((c) => c !== "");
  return have.length === want.length && want.every((c) => have.includes(c));
}

/** Whether two nodes are drawn the same (label, state, kind). */
function looksSame(a: GraphNode, b: GraphNode): boolean {
  return a.label === b.label && a.kind === b.kind && a.tone === b.tone && a.dimmed === b.dimmed && a.missing === b.missing;
}

/**
 * Whether `next` differs from `previous` only in how nodes look: the same nodes in the same
 * groups, none greyed or ungreyed (their links' look follows that), and the same links.
 */
function onlyNodeLooks(previous: GraphModel, next: GraphModel): boolean {
  if (previous.nodes.length !== next.nodes.length || previous.edges.length !== next.edges.length) return false;
  const before = new Map(previous.nodes.map((n) => [n.id, n]));
  for (const n of next.nodes) {
    const was = before.get(n.id);
    if (was === undefined || was.group !== n.group || was.dimmed !== n.dimmed || was.missing !== n.missing) return false;
  }
  return next.edges.every((e, i) => {
    const was = previous.edges[i];
    return was !== undefined && was.id === e.id && was.source === e.source && was.target === e.target && was.sourceLabel === e.sourceLabel && was.targetLabel === e.targetLabel;
  });
}

/** Leaf nodes' positions (groups follow their members). */
function leafPositions(cy: Core): Record<string, Position> {
  const out: Record<string, Position> = {};
  cy.nodes().forEach((n) => {
    if (isGroup(n.id())) return;
    const p = n.position();
    out[nodeIdOf(n.id())] = { x: p.x, y: p.y };
  });
  return out;
}

/** Graphs with more nodes than this get the layered layout (fCoSE takes too long for them). */
export const LAYERED_OVER = 100;

/** fCoSE's options. */
function fcoseOptions(): Record<string, unknown> {
  return {
    name: "fcose",
    quality: "default",
    randomize: true,
    animate: false,
    fit: false,
    nodeDimensionsIncludeLabels: true,
    packComponents: true,
    idealEdgeLength: 90,
    nodeRepulsion: 9000,
    nodeSeparation: 60,
  };
}

/**
 * Lays every node out: in rows (`layered.ts`) when the topology gives levels (containerlab's
 * graph-level) or the graph is big, else with fCoSE (force-directed, groups as boxes).
 */
function layOutAll(cy: Core, leaves: readonly NodeSingular[]): void {
  const levels = new Map<string, number>();
  for (const n of leaves) {
    const level = n.scratch("_antimonyLevel") as number | null | undefined;
    if (typeof level === "number") levels.set(n.id(), level);
  }
  if (new Set(levels.values()).size < 2 && leaves.length <= LAYERED_OVER) {
    cy.layout(fcoseOptions() as unknown as cytoscape.LayoutOptions).run();
    return;
  }
  const edges = cy.edges().map((e) => [e.source().id(), e.target().id()] as const);
  const positions = layeredLayout(leaves.map((n) => n.id()), edges, levels);
  cy.batch(() => {
    for (const n of leaves) {
      const p = positions[n.id()];
      if (p !== undefined) n.position({ x: p.x, y: p.y });
    }
  });
}

/**
 * Places nodes that have no position: all of them with fCoSE when none has one, else each
 * beside its placed neighbours (or under the graph), so placed nodes never move.
 */
function place(cy: Core, unplaced: NodeSingular[]): void {
  if (unplaced.length === 0) return;
  const leaves = leafNodes(cy);
  if (leaves.length === unplaced.length) {
    layOutAll(cy, leaves);
    return;
  }
  const todo = new Set(unplaced.map((n) => n.id()));
  const placed = leaves.filter((n) => !todo.has(n.id()));
  const box = { x1: Math.min(...placed.map((n) => n.position().x)), y2: Math.max(...placed.map((n) => n.position().y)) };
  let free = 0;
  const taken = (p: Position) => placed.some((n) => Math.abs(n.position().x - p.x) < 50 && Math.abs(n.position().y - p.y) < 50);
  for (const node of unplaced) {
    const neighbours = (node.neighborhood("node").toArray() as NodeSingular[]).filter((n) => !todo.has(n.id()));
    let at: Position;
    if (neighbours.length > 0) {
      const c = neighbours.reduce((sum, n) => ({ x: sum.x + n.position().x, y: sum.y + n.position().y }), { x: 0, y: 0 });
      const centre = { x: c.x / neighbours.length, y: c.y / neighbours.length };
      at = { x: centre.x + 70, y: centre.y + 70 };
      for (let i = 1; taken(at) && i < 24; i++) at = { x: centre.x + 70 * Math.cos(i * 0.8) * (1 + i / 8), y: centre.y + 70 * Math.sin(i * 0.8) * (1 + i / 8) };
    } else {
      at = { x: box.x1 + 90 * (free % 8), y: box.y2 + 90 + 90 * Math.floor(free / 8) };
      free += 1;
    }
    node.position(at);
    todo.delete(node.id());
    placed.push(node);
  }
}

/** The nodes that are not group boxes. */
function leafNodes(cy: Core): NodeSingular[] {
  return cy.nodes().toArray().filter((n) => !isGroup(n.id()));
}

export const createCytoscapeEngine: GraphEngineFactory = (options: GraphEngineOptions): GraphEngine => {
  register();
  preemptStylesheet(options.host.ownerDocument);
  let theme = options.theme;
  let model = options.model;
  const cy = cytoscape({
    container: options.host,
    elements: elements(model),
    style: graphStyle(theme),
    layout: { name: "preset" },
    minZoom: 0.1,
    maxZoom: 4,
    boxSelectionEnabled: false,
    selectionType: "single",
    textureOnViewport: model.nodes.length > 150,
  });
  cy.edges().unselectify();

  const setLevels = () => {
    for (const n of model.nodes) byId(cy, n.id).scratch("_antimonyLevel", n.level);
  };

  /** Saved or topology positions, then layout for the rest. Returns the time it took. */
  const arrange = (saved: Positions): number => {
    const t = performance.now();
    setLevels();
    const unplaced: NodeSingular[] = [];
    cy.batch(() => {
      for (const n of model.nodes) {
        const node = byId(cy, n.id);
        const at = saved[n.id] ?? n.position;
        if (at === null) unplaced.push(node);
        else node.position({ x: at.x, y: at.y });
      }
    });
    place(cy, unplaced);
    return performance.now() - t;
  };

  let detail: Detail = 0;
  /** Icons, curves and interface names as the zoom lets them be seen, else none (and no cost). */
  const showDetail = () => {
    const want = detailAt(cy.zoom());
    if (want === detail) return;
    detail = want;
    const nodes = cy.nodes().filter((n) => !isGroup(n.id()));
    cy.batch(() => {
      if (want > 0) nodes.addClass(DETAIL_NODE_CLASS);
      else nodes.removeClass(DETAIL_NODE_CLASS);
      cy.edges().removeClass("curved iface").addClass(detailEdgeClasses(want));
    });
  };

  const fit = () => {
    cy.fit(undefined, 28);
    if (cy.zoom() > 1.3) {
      cy.zoom(1.3);
      cy.center();
    }
    showDetail();
  };

  const layoutMs = arrange(options.positions);
  fit();
  options.onPositions(leafPositions(cy));
  let firstPaint = true;
  cy.on("render", () => {
    if (!firstPaint) return;
    firstPaint = false;
    requestAnimationFrame(() => options.onFirstPaint?.({ layoutMs }));
  });

  cy.on("tap", (e) => {
    const target = e.target as Core | NodeSingular;
    if (target === cy) options.onSelect(null);
    else if ("isNode" in target && target.isNode() && !isGroup(target.id())) options.onSelect(nodeIdOf(target.id()));
  });
  cy.on("dbltap", "node", (e) => {
    const id = (e.target as NodeSingular).id();
    if (!isGroup(id)) options.onActivate(nodeIdOf(id));
  });
  cy.on("mouseover", "node", (e) => {
    const node = e.target as NodeSingular;
    if (isGroup(node.id())) return;
    options.host.style.cursor = "pointer";
    const p = node.renderedPosition();
    options.onHover(nodeIdOf(node.id()), { x: p.x, y: p.y + node.renderedOuterHeight() / 2 });
  });
  cy.on("mouseout", "node", () => {
    options.host.style.cursor = "";
    options.onHover(null, null);
  });
  cy.on("dragfree", "node", () => {
    options.onPositions(leafPositions(cy));
  });
  let viewQueued = false;
  cy.on("viewport resize position", () => {
    if (viewQueued) return;
    viewQueued = true;
    requestAnimationFrame(() => {
      viewQueued = false;
      showDetail();
      options.onViewChange();
    });
  });

  return {
    update(next) {
      const previous = model;
      model = next;
      if (previous === next) return;
      // A state change (the usual update, many a second): only the nodes that changed.
      if (onlyNodeLooks(previous, next)) {
        const before = new Map(previous.nodes.map((n) => [n.id, n]));
        cy.batch(() => {
          for (const n of next.nodes) {
            const was = before.get(n.id);
            if (was !== undefined && looksSame(was, n)) continue;
            const node = byId(cy, n.id);
            if (was?.label !== n.label) node.data("label", n.label);
            node.classes(`${nodeClasses(n)}${detail > 0 ? ` ${DETAIL_NODE_CLASS}` : ""}`);
          }
        });
        return;
      }
      const wanted = elements(next, detail);
      const wantedIds = new Set(wanted.map((e) => e.data.id));
      const added: NodeSingular[] = [];
      cy.batch(() => {
        cy.elements().forEach((e) => {
          if (!wantedIds.has(e.id())) e.remove();
        });
        for (const def of wanted) {
          const id = def.data.id ?? "";
          const existing = cy.getElementById(id);
          if (existing.empty()) {
            const made = cy.add(def);
            if (def.group === "nodes" && !isGroup(id)) added.push(made);
            continue;
          }
          if (def.group === "edges") {
            const data = existing.data() as { source?: string; target?: string; sourceLabel?: string; targetLabel?: string };
            const same = data.source === def.data.source && data.target === def.data.target;
            if (!same) {
              existing.remove();
              cy.add(def);
              continue;
            }
            const want = def.data as { sourceLabel: string; targetLabel: string };
            if (data.sourceLabel !== want.sourceLabel || data.targetLabel !== want.targetLabel) {
              existing.data({ sourceLabel: want.sourceLabel, targetLabel: want.targetLabel });
            }
          } else {
            if ((existing.data() as { label?: string }).label !== def.data.label) existing.data("label", def.data.label);
            const parent = (def.data as { parent?: string }).parent;
            const current = existing.isNode() ? existing.parent().first().id() || undefined : undefined;
            if (existing.isNode() && current !== parent) existing.move({ parent: parent ?? null });
          }
          const classes = typeof def.classes === "string" ? def.classes : (def.classes ?? []).join(" ");
          if (!sameClasses(existing.classes(), classes)) existing.classes(classes);
        }
      });
      if (added.length > 0) {
        setLevels();
        place(cy, added);
        options.onPositions(leafPositions(cy));
      }
    },
    select(id) {
      cy.batch(() => {
        cy.nodes(":selected").forEach((n) => {
          if (id === null || n.id() !== nodeKey(id)) n.unselect();
        });
        if (id !== null) {
          const node = byId(cy, id);
          if (node.nonempty() && !node.selected()) node.select();
        }
      });
      if (id === null) return;
      // Brought into view when off screen (moved to with the keyboard).
      const node = byId(cy, id);
      if (node.empty()) return;
      const p = node.renderedPosition();
      if (p.x < 0 || p.y < 0 || p.x > cy.width() || p.y > cy.height()) cy.center(node);
    },
    renderedPosition(id) {
      const node = byId(cy, id);
      if (node.empty()) return null;
      const p = node.renderedPosition();
      return { x: p.x, y: p.y };
    },
    positions() {
      return leafPositions(cy);
    },
    fit,
    relayout() {
      cy.batch(() => {
        cy.nodes().forEach((n) => {
          n.position({ x: 0, y: 0 });
        });
      });
      setLevels();
      place(cy, leafNodes(cy));
      fit();
      options.onPositions(leafPositions(cy));
    },
    setTheme(next) {
      theme = next;
      cy.style(graphStyle(theme));
    },
    dispose() {
      cy.destroy();
    },
  };
};

/**
 * Lays a model out without a screen (cytoscape headless, the same layout), for the bundle check
 * and the benchmark's reference: the positions and the time it took.
 */
export function layoutHeadless(model: GraphModel): { positions: Positions; ms: number } {
  register();
  const cy = cytoscape({ headless: true, styleEnabled: true, elements: elements(model), style: graphStyle(graphThemeForHeadless) });
  for (const n of model.nodes) byId(cy, n.id).scratch("_antimonyLevel", n.level);
  const t = performance.now();
  place(cy, leafNodes(cy));
  const ms = performance.now() - t;
  const positions = leafPositions(cy);
  cy.destroy();
  return { positions, ms };
}

const graphThemeForHeadless: GraphTheme = {
  background: "#fff",
  text: "#000",
  muted: "#666",
  edge: "#999",
  border: "#ccc",
  surface: "#fff",
  groupFill: "#eee",
  selected: "#00f",
  tones: { green: "#0a0", amber: "#a80", red: "#a00", blue: "#00a", grey: "#888" },
  onTone: "#fff",
  font: "sans-serif",
};
