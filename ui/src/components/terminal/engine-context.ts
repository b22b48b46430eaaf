// Where the terminal component gets its engine: xterm.js, loaded on first use (a script of its
// own), unless a provider gives another (the tests' recording engines).

import { createContext } from "react";
import type { TerminalEngineLoader } from "./engine";

/** xterm.js, loaded on first use. */
export const loadXterm: TerminalEngineLoader = () => import("./xterm-engine").then((m) => m.createXtermEngine);

export const TerminalEngineContext = createContext<TerminalEngineLoader>(loadXterm);
