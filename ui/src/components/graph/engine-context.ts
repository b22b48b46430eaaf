// Where the graph view gets its engine: cytoscape.js, loaded on first use (a script of its
// own), unless a provider gives another (the tests' recording engines).

import { createContext, useCallback, useContext, useEffect } from "react";
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
 * graph opens without waiting for them (a lab view asks at once).
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

/**
 * A function that loads the graph's scripts, for a sign that a lab is about to be opened (a
 * pointer over a lab's row, or focus on it). A dashboard that is only looked at never loads
 * them: they cost the web process about 6 MB (`bench/desktop-footprint`), and a graph opened
 * before they arrived still paints well within its 500 ms (`bench/desktop-graph`).
 */
export function useGraphPrefetch(): () => void {
  const load = useContext(GraphEngineContext);
  return useCallback(() => {
    load().catch(() => undefined);
    prefetchTopologyReader();
  }, [load]);
}
