// A graph engine for tests: jsdom has no canvas, so this one records what the graph view does
// with it (the models it was given, selections, fits) and lets a test click, double-click and
// hover nodes as the engine would report them.

import type { ReactNode } from "react";
import type { GraphEngine, GraphEngineLoader, GraphEngineOptions } from "./engine";
import { GraphEngineContext } from "./engine-context";
import type { GraphModel, Positions } from "./model";

export interface FakeGraphEngine extends GraphEngine {
  readonly options: GraphEngineOptions;
  /** Every model it was given: the first at its creation, then each update. */
  models: GraphModel[];
  /** The model it shows now. */
  model(): GraphModel;
  selected: (string | null)[];
  fits: number;
  relayouts: number;
  disposed: boolean;
  /** A click on a node (`null`: the background). */
  click(id: string | null): void;
  doubleClick(id: string): void;
  hover(id: string | null): void;
}

export interface FakeGraphEngines {
  loader: GraphEngineLoader;
  made: FakeGraphEngine[];
  last(): FakeGraphEngine;
}

/** Lays nodes out on a row, 100 apart (or where `positions` puts them). */
export function createFakeGraphEngines(): FakeGraphEngines {
  const made: FakeGraphEngine[] = [];
  const create = (options: GraphEngineOptions): FakeGraphEngine => {
    const at = (): Positions => {
      const out: Record<string, { x: number; y: number }> = {};
      const current = engine.model();
      current.nodes.forEach((n, i) => {
        out[n.id] = options.positions[n.id] ?? n.position ?? { x: 100 * i, y: 0 };
      });
      return out;
    };
    const engine: FakeGraphEngine = {
      options,
      models: [options.model],
      model: () => engine.models[engine.models.length - 1] ?? options.model,
      selected: [],
      fits: 0,
      relayouts: 0,
      disposed: false,
      update(model) {
        engine.models.push(model);
      },
      select(id) {
        engine.selected.push(id);
      },
      renderedPosition(id) {
        return at()[id] ?? null;
      },
      positions: at,
      fit() {
        engine.fits += 1;
      },
      relayout() {
        engine.relayouts += 1;
      },
      setTheme() {
        // nothing to draw
      },
      dispose() {
        engine.disposed = true;
      },
      click(id) {
        options.onSelect(id);
      },
      doubleClick(id) {
        options.onActivate(id);
      },
      hover(id) {
        options.onHover(id, id === null ? null : (at()[id] ?? null));
      },
    };
    made.push(engine);
    queueMicrotask(() => {
      options.onPositions(at());
      options.onFirstPaint?.({ layoutMs: 0 });
    });
    return engine;
  };
  return {
    loader: () => Promise.resolve(create),
    made,
    last() {
      const engine = made[made.length - 1];
      if (engine === undefined) throw new Error("no graph engine was made");
      return engine;
    },
  };
}

export function FakeGraphs({ engines, children }: { engines: FakeGraphEngines; children: ReactNode }) {
  return <GraphEngineContext.Provider value={engines.loader}>{children}</GraphEngineContext.Provider>;
}
