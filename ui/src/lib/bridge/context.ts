// The bridge in use, for components deep in the tree (the log viewer subscribes itself).

import { createContext, useContext } from "react";
import type { Bridge } from "./types";

export const BridgeContext = createContext<Bridge | null>(null);

export function useBridge(): Bridge {
  const bridge = useContext(BridgeContext);
  if (bridge === null) throw new Error("useBridge needs a BridgeContext provider");
  return bridge;
}
