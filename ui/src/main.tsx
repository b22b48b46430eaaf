// Entry point: the real bridge inside Tauri, the fake one in a plain browser.

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
  createRoot(root).render(
    <StrictMode>
      <App bridge={createBridge()} storage={localStorageOrNull()} />
    </StrictMode>,
  );
}
