// Fails when the fake bridge (src/lib/bridge/fake/) reached the production bundle in dist/.
// src/lib/bridge/index.ts loads the fake only in Vite's dev mode, with a dynamic import the
// production build drops; a static import of it anywhere in the app would quietly bring it
// back. Runs after `vite build` (see "build" in package.json).
//
// The marker is "lab.example.net", the name of the fake's demo server
// (src/lib/bridge/fake/seed.ts): a string literal survives minification, and no other code
// of the app names it (only tests do, and they are not bundled).

import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";

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
process.stdout.write(`check-bundle: ${String(scripts.length)} script(s) in dist/assets, no fake bridge\n`);
