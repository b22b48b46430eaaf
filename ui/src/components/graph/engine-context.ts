// Where the graph view gets its engine: cytoscape.js, loaded on first use (a script of its
// own), unless a provider gives another (the tests' recording engines).

import { createContext, useContext, useEffect } from "react";
import type { GraphEngineFactory, GraphEngineLoader } from "./engine";
import { prefetchTopologyReader } from "./use-topology";

let loading: Promise<GraphEngineFactory> | null = null;

/** cytoscape.js, loaded on first use. */
export const loadCytoscape: GraphEngineLoader = () => {
  loading ??= import("./cytoscape-engine").then((m) => m.createCytoscapeEngine);
  return loading;
};

export const GraphEngineContext = createContext<GraphEngineLoader>(loadCytoscape);

/**
 * Loads the graph's scripts (the engine and the topology reader) after `delayMs`, so a lab's
 * graph opens without waiting for them (the dashboard asks once it is idle, a lab at once).
 */
export function usePrefetchGraph(delayMs = 0): void {
  const load = useContext(GraphEngineContext);
  useEffect(() => {
    const timer = setTimeout(() => {
      load().catch(() => undefined);
      prefetchTopologyReader();
    }, delayMs);
    return () => {
      clearTimeout(timer);
    };
  }, [load, delayMs]);
}
