// A graph on screen: nodes coloured by state, links with interface names, groups as boxes. The
// engine (cytoscape.js, loaded on first use) draws it on a canvas; beside the canvas a list of
// buttons, one per node, visually hidden, is the graph for the keyboard and screen readers:
// one tab stop, arrow keys move to the nearest node that way (selecting it), Enter activates
// it (as a double click does), Esc unselects.
//
// Positions are kept per `storageKey` (positions.ts): the first time a graph is shown it is
// laid out, after that it comes back as it was left (dragged nodes included).

import { memo, useCallback, useContext, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import type { GraphEngine } from "./engine";
import { GraphEngineContext } from "./engine-context";
import type { GraphModel } from "./model";
import { arrowDirections, nearestInDirection } from "./navigation";
import { loadPositions, savePositions } from "./positions";
import { cssVariables, graphTheme } from "./theme";
import "./graph.css";

export interface GraphViewProps {
  model: GraphModel;
  /** Why the graph cannot be drawn (shown instead of it), or `null`. */
  problem?: string | null;
  /** Where its positions are kept (e.g. `<server>/<lab id>`). */
  storageKey: string;
  selected: string | null;
  onSelect: (id: string | null) => void;
  /** A node double-clicked, or Enter on it. */
  onActivate: (id: string) => void;
  /** What the graph is, for screen readers ("Graph of the lab spine-leaf"). */
  label: string;
  /** A line under the graph (what was left out of it). */
  note?: string | null;
  /** Drawn over the graph (a node's panel). */
  children?: ReactNode;
}

/** One node's button in the keyboard list; memoised, so a state change re-renders only its own. */
const NodeButton = memo(function NodeButton({
  id,
  name,
  stateLabel,
  tone,
  pressed,
  current,
  onFocusNode,
  onClickNode,
}: {
  id: string;
  name: string;
  stateLabel: string;
  tone: string;
  pressed: boolean;
  current: boolean;
  onFocusNode: (id: string) => void;
  onClickNode: (id: string) => void;
}) {
  return (
    <button
      type="button"
      tabIndex={current ? 0 : -1}
      aria-pressed={pressed}
      aria-label={name}
      data-testid="graph-node"
      data-node-id={id}
      data-node-name={id}
      data-state={stateLabel}
      data-tone={tone}
      onFocus={() => {
        onFocusNode(id);
      }}
      onClick={() => {
        onClickNode(id);
      }}
    />
  );
});

export function GraphView({ model, problem = null, storageKey, selected, onSelect, onActivate, label, note = null, children }: GraphViewProps) {
  const load = useContext(GraphEngineContext);
  const rootRef = useRef<HTMLDivElement>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const tipRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLDivElement>(null);
  const engineRef = useRef<GraphEngine | null>(null);
  const mountedAt = useRef<number | null>(null);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const [hover, setHover] = useState<string | null>(null);
  const [focused, setFocused] = useState<string | null>(null);
  const latest = useRef({ model, onSelect, onActivate, storageKey });
  useEffect(() => {
    latest.current = { model, onSelect, onActivate, storageKey };
  });

  const drawable = problem === null;
  // When the view came: its first paint is timed from here (data-paint-ms, for the benchmark).
  useEffect(() => {
    mountedAt.current ??= performance.now();
  }, []);

  /** On-screen positions on the node buttons (`data-x`, `data-y`: pixels in the canvas). */
  const markPositions = () => {
    const engine = engineRef.current;
    const list = listRef.current;
    if (engine === null || list === null) return;
    for (const button of list.querySelectorAll<HTMLButtonElement>("button[data-node-id]")) {
      const p = engine.renderedPosition(button.dataset.nodeId ?? "");
      if (p === null) continue;
      const x = String(Math.round(p.x));
      const y = String(Math.round(p.y));
      if (button.dataset.x !== x) button.dataset.x = x;
      if (button.dataset.y !== y) button.dataset.y = y;
    }
  };
  const markRef = useRef(markPositions);
  useEffect(() => {
    markRef.current = markPositions;
  });

  // ---- the engine -----------------------------------------------------------------------
  useEffect(() => {
    const host = hostRef.current;
    if (!drawable || host === null) return;
    let disposed = false;
    let engine: GraphEngine | null = null;
    load().then(
      (create) => {
        if (disposed) return;
        engine = create({
          host,
          model: latest.current.model,
          positions: loadPositions(latest.current.storageKey),
          theme: graphTheme(cssVariables(host)),
          onSelect: (id) => {
            latest.current.onSelect(id);
          },
          onActivate: (id) => {
            latest.current.onActivate(id);
          },
          onHover: (id, at) => {
            setHover(id);
            const tip = tipRef.current;
            if (tip !== null && at !== null) {
              tip.style.left = `${String(Math.round(at.x))}px`;
              tip.style.top = `${String(Math.round(at.y + 22))}px`;
            }
          },
          onPositions: (positions) => {
            savePositions(latest.current.storageKey, positions);
          },
          onViewChange: () => {
            markRef.current();
          },
          onFirstPaint: ({ layoutMs }) => {
            const root = rootRef.current;
            if (root === null) return;
            root.dataset.layoutMs = layoutMs.toFixed(1);
            root.dataset.paintMs = (performance.now() - (mountedAt.current ?? performance.now())).toFixed(1);
            root.dataset.ready = "true";
            markRef.current();
          },
        });
        engineRef.current = engine;
        setReady(true);
      },
      (error: unknown) => {
        if (!disposed) setFailed(error instanceof Error ? error.message : String(error));
      },
    );
    return () => {
      disposed = true;
      engine?.dispose();
      engineRef.current = null;
    };
  }, [load, drawable]);

  // Positions move only when nodes come or go: only then are they marked again.
  const nodeIds = model.nodes.map((n) => n.id).join("\n");
  useEffect(() => {
    if (!ready) return;
    engineRef.current?.update(model);
  }, [ready, model]);
  useEffect(() => {
    if (ready) markRef.current();
  }, [ready, nodeIds]);

  useEffect(() => {
    if (ready) engineRef.current?.select(selected);
  }, [ready, selected]);

  // The OS switched between light and dark: the CSS variables changed.
  useEffect(() => {
    const host = hostRef.current;
    if (!ready || host === null || typeof window.matchMedia !== "function") return;
    const scheme = window.matchMedia("(prefers-color-scheme: dark)");
    const onChange = () => {
      engineRef.current?.setTheme(graphTheme(cssVariables(host)));
    };
    scheme.addEventListener("change", onChange);
    return () => {
      scheme.removeEventListener("change", onChange);
    };
  }, [ready]);

  // ---- the keyboard ---------------------------------------------------------------------
  const ids = model.nodes.map((n) => n.id);
  const current = [selected, focused, ids[0]].find((id) => id !== null && id !== undefined && ids.includes(id)) ?? null;

  const focusNode = (id: string) => {
    const button = [...(listRef.current?.querySelectorAll<HTMLButtonElement>("button[data-node-id]") ?? [])].find((b) => b.dataset.nodeId === id);
    button?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const from = e.target instanceof HTMLElement ? e.target.dataset.nodeId : undefined;
    if (from === undefined) return;
    const direction = arrowDirections[e.key];
    let next: string | null | undefined;
    if (direction !== undefined) next = nearestInDirection(engineRef.current?.positions() ?? {}, from, direction) ?? from;
    else if (e.key === "Home") next = ids[0];
    else if (e.key === "End") next = ids[ids.length - 1];
    if (next !== undefined && next !== null) {
      e.preventDefault();
      focusNode(next);
      onSelect(next);
      return;
    }
    if (e.key === "Enter") {
      e.preventDefault();
      onActivate(from);
    } else if (e.key === "Escape" && selected !== null) {
      e.preventDefault();
      onSelect(null);
    }
  };

  const hovered = hover === null ? undefined : model.nodes.find((n) => n.id === hover);
  const onFocusNode = useCallback((id: string) => {
    setFocused(id);
  }, []);
  const onClickNode = useCallback((id: string) => {
    latest.current.onSelect(id);
  }, []);

  return (
    <div className="graph" ref={rootRef} data-testid="graph" data-node-count={model.nodes.length} data-edge-count={model.edges.length}>
      {drawable ? (
        <>
          <div className="graph-canvas" ref={hostRef} aria-hidden="true" />
          <div className="graph-tooltip" ref={tipRef} role="tooltip" hidden={hovered === undefined} data-testid="graph-tooltip">
            {hovered === undefined ? null : (
              <>
                <strong>{hovered.label}</strong>
                <span className="graph-tooltip-details">{hovered.details}</span>
              </>
            )}
          </div>
          <div className="graph-nodes visually-hidden" role="group" aria-label={label} ref={listRef} onKeyDown={onKey}>
            {model.nodes.map((n) => (
              <NodeButton
                key={n.id}
                id={n.id}
                name={[n.label, n.kind, n.stateLabel].filter((t) => t !== "").join(", ")}
                stateLabel={n.stateLabel}
                tone={n.dimmed || n.missing ? "none" : n.tone}
                pressed={n.id === selected}
                current={n.id === current}
                onFocusNode={onFocusNode}
                onClickNode={onClickNode}
              />
            ))}
          </div>
          <div className="graph-tools">
            <button type="button" className="button button--small button--quiet" title="Show the whole graph" disabled={!ready} onClick={() => engineRef.current?.fit()}>
              Fit
            </button>
            <button
              type="button"
              className="button button--small button--quiet"
              title="Lay the graph out again (forgets where nodes were moved)"
              disabled={!ready}
              onClick={() => engineRef.current?.relayout()}
            >
              Rearrange
            </button>
          </div>
          {!ready && failed === null && model.nodes.length > 0 && <div className="graph-message">Drawing the graph…</div>}
          {failed !== null && <div className="graph-message graph-message--error">{`The graph could not be shown: ${failed}`}</div>}
          {model.nodes.length === 0 && <div className="graph-message">This topology has no nodes.</div>}
          {note !== null && <div className="graph-note">{note}</div>}
          {children}
        </>
      ) : (
        <div className="graph-message graph-message--error" data-testid="graph-problem">{`The topology cannot be drawn: ${problem}`}</div>
      )}
    </div>
  );
}

