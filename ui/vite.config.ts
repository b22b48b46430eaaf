// Vite builds the webview bundle into dist/ (Tauri's frontendDist) and serves it on 5173 in
// development (Tauri's devUrl). Vitest shares this file: unit and component tests run in jsdom.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";
import { frozenPrototype } from "./build/frozen-prototype.ts";

export default defineConfig({
  base: "./",
  // xterm has to load under the frozen Object.prototype of the webview (build/frozen-prototype.ts).
  plugins: [react(), frozenPrototype()],
  clearScreen: false,
  // The fake bridge (dev only) answers `/clab-schema` with the server's own schema file; tests
  // also read the reference server's schema from its source.
  server: { port: 5173, strictPort: true, fs: { allow: [".", "../server/assets", "../tests/fixtures/reference-server"] } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The polyfill would be injected as an inline script, which the CSP forbids.
    modulePreload: { polyfill: false },
    // The graph's chunk (cytoscape.js and fCoSE, loaded when a lab is first opened) is about
    // 570 kB; the app's first script stays far below this.
    chunkSizeWarningLimit: 640,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}", "build/**/*.test.ts"],
    setupFiles: ["src/test-setup.ts"],
    restoreMocks: true,
  },
});
