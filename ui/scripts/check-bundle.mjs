// Checks the production bundle in dist/ after `vite build` (see "build" in package.json):
//
// 1. It fails when the fake bridge (src/lib/bridge/fake/) reached the bundle.
// src/lib/bridge/index.ts loads the fake only in Vite's dev mode, with a dynamic import the
// production build drops; a static import of it anywhere in the app would quietly bring it
// back.
//
// The marker is "lab.example.net", the name of the fake's demo server
// (src/lib/bridge/fake/seed.ts): a string literal survives minification, and no other code
// of the app names it (only tests do, and they are not bundled).
//
// 2. It fails when the terminal's chunk (xterm) cannot be evaluated under a frozen
// Object.prototype, as the webview runs it (Tauri's freezePrototype): the chunk is imported in
// a child Node process that freezes the prototype first, as Tauri's init script does. xterm 6
// broke there (build/frozen-prototype.ts), and the app then showed no terminal at all.
//
// 3. The same for the graph's chunk (cytoscape.js and fCoSE, which break there the same way
// without the build's rewrite), and the topology reader's (the yaml package), which also reads
// a topology there. They import the app's first script (the bundler's CommonJS helpers live
// there), which needs a document: jsdom's, set up before the prototype is frozen. The same for
// the topology editor's chunks (CodeMirror, and the page with its schema checker).

import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

const MARKER = "lab.example.net";
const root = join(import.meta.dirname, "..");
const assets = join(root, "dist", "assets");

function fail(message) {
  process.stderr.write(`check-bundle: ${message}\n`);
  process.exit(1);
}

let scripts = [];
try {
  scripts = readdirSync(assets).filter((name) => name.endsWith(".js"));
} catch (error) {
  fail(`cannot read ${relative(root, assets)}: ${error instanceof Error ? error.message : String(error)}`);
}
if (scripts.length === 0) fail(`no JavaScript in ${relative(root, assets)}; did vite build run?`);

const leaks = scripts.filter((name) => readFileSync(join(assets, name), "utf8").includes(MARKER));
if (leaks.length > 0) {
  fail(
    `the fake bridge is in the production bundle ("${MARKER}" found in ${leaks.join(", ")}). ` +
      "Import src/lib/bridge/fake only from tests and from createBridge's dev-only dynamic import.",
  );
}

const terminal = scripts.filter((name) => name.startsWith("xterm-engine-"));
if (terminal.length === 0) fail("no xterm-engine-*.js chunk in dist/assets: the terminal's chunk was renamed or merged; update this check");
for (const name of terminal) {
  const url = pathToFileURL(join(assets, name)).href;
  const probe = `Object.freeze(Object.prototype);\nconst m = await import(${JSON.stringify(url)});\nif (typeof m.createXtermEngine !== "function") throw new Error("no createXtermEngine export");\n`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8", timeout: 60_000 });
  if (run.status !== 0) {
    // Node prints the (minified, very long) source line first: keep the error and its place.
    const lines = `${run.stderr}${run.stdout}`.split("\n").filter((line) => /^\w*Error\b|^\s+at /.test(line));
    fail(`${name} does not load under a frozen Object.prototype (Tauri's freezePrototype): ${lines.slice(0, 3).join("\n") || String(run.error)}`);
  }
}

const jsdom = pathToFileURL(join(root, "node_modules", "jsdom", "lib", "api.js")).href;
/** What each chunk must do once imported (`m`, its exports) under the frozen prototype. */
const graphChunks = {
  "cytoscape-engine-": `if (typeof m.createCytoscapeEngine !== "function") throw new Error("no createCytoscapeEngine export");`,
  // Shared with the topology editor's chunk, the reader's chunk may export its module as one
  // namespace object (what the dynamic import then picks) instead of the function itself.
  "parse-topology-": `const parseTopology = m.parseTopology ?? Object.values(m).find((v) => typeof v?.parseTopology === "function")?.parseTopology;
    const t = parseTopology("name: x\\ntopology:\\n  nodes:\\n    leaf-1: {kind: linux}\\n  links:\\n    - endpoints: [leaf-1:e1, leaf-2:e1]\\n");
    if (!t.ok || t.topology.nodes[0]?.name !== "leaf-1" || t.topology.links[0]?.b.node !== "leaf-2") throw new Error("parseTopology answered " + JSON.stringify(t));`,
  // The topology editor: CodeMirror's chunk, and the page with its checker.
  "codemirror-engine-": `if (typeof m.createCodeMirrorEditor !== "function") throw new Error("no createCodeMirrorEditor export");`,
  "topologies-page-": `if (typeof m.default !== "function") throw new Error("no TopologiesPage export");`,
};
for (const [prefix, check] of Object.entries(graphChunks)) {
  const found = scripts.filter((name) => name.startsWith(prefix));
  if (found.length === 0) fail(`no ${prefix}*.js chunk in dist/assets: the chunk was renamed or merged; update this check`);
  for (const name of found) checkGraphChunk(name, check);
}

function checkGraphChunk(name, check) {
  const url = pathToFileURL(join(assets, name)).href;
  const probe =
    `const { JSDOM } = await import(${JSON.stringify(jsdom)});\n` +
    `const dom = new JSDOM("<!doctype html><html><head></head><body></body></html>", { url: "http://localhost/" });\n` +
    `for (const k of ["window", "document", "navigator", "HTMLElement", "Element", "Node", "getComputedStyle"]) Object.defineProperty(globalThis, k, { value: k === "window" ? dom.window : dom.window[k], configurable: true, writable: true });\n` +
    `Object.freeze(Object.prototype);\n` +
    `const m = await import(${JSON.stringify(url)});\n` +
    `${check}\n` +
    `process.exit(0);\n`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { encoding: "utf8", timeout: 60_000 });
  if (run.status !== 0) {
    const lines = `${run.stderr}${run.stdout}`.split("\n").filter((line) => /^\w*Error\b|^\s+at /.test(line));
    fail(`${name} does not load under a frozen Object.prototype (Tauri's freezePrototype): ${lines.slice(0, 3).join("\n") || String(run.error)}`);
  }
}

process.stdout.write(
  `check-bundle: ${String(scripts.length)} script(s) in dist/assets, no fake bridge; the terminal, the graph, the topology reader and the editor load under a frozen Object.prototype\n`,
);
