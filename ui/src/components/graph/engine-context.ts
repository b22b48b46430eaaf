// Where the graph view gets its engine: cytoscape.js, loaded on first use (a script of its
// own), unless a provider gives another (the tests' recording engines).

import { createContext } from "react";
import type { GraphEngineLoader } from "./engine";

/** cytoscape.js, loaded on first use. */
export const loadCytoscape: GraphEngineLoader = () => import("./cytoscape-engine").then((m) => m.createCytoscapeEngine);

export const GraphEngineContext = createContext<GraphEngineLoader>(loadCytoscape);
