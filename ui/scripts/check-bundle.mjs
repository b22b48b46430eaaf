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

process.stdout.write(`check-bundle: ${String(scripts.length)} script(s) in dist/assets, no fake bridge; the terminal loads under a frozen Object.prototype\n`);
