// Entry point: the real bridge inside Tauri, the fake one in a plain browser (dev mode only; a
// production build outside Tauri shows why it cannot run instead of the app). A popped-out
// shell's window (`#shell?server=…&lab=…&shell=…&node=…`) shows only that shell's terminal.

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Root } from "./app/root";
import { createBridge } from "./lib/bridge";
import "./app/app.css";

function localStorageOrNull(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const root = document.getElementById("root");
if (root !== null) {
  createBridge().then(
    (bridge) => {
      createRoot(root).render(
        <StrictMode>
          <Root bridge={bridge} hash={window.location.hash} storage={localStorageOrNull()} />
        </StrictMode>,
      );
    },
    (error: unknown) => {
      root.textContent = error instanceof Error ? error.message : String(error);
      console.error(error);
    },
  );
}
