// Entry point: the real bridge inside Tauri, the fake one in a plain browser (dev mode only; a
// production build outside Tauri shows why it cannot run instead of the app).

import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app/app";
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
          <App bridge={bridge} storage={localStorageOrNull()} />
        </StrictMode>,
      );
    },
    (error: unknown) => {
      root.textContent = error instanceof Error ? error.message : String(error);
      console.error(error);
    },
  );
}
