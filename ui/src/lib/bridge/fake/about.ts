// The About dialog's answers and "Export diagnostics": fixed app versions, each server's
// version as set (the local server says the app's, the others are like the Go server and say
// none, unless `setServerVersion` says otherwise), and a plain-text report written to `files`
// with the sections the Rust side writes (nothing when the save dialog is cancelled).

import { commands } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type { About, Bridge } from "../types";
import type { FakeRuntime } from "./runtime";

/** What the fake's `about` says of the app. */
export const FAKE_APP: Omit<About, "servers"> = {
  version: "0.1.0",
  commit: "4804018a1b-dirty",
  tauri: "2.12.5",
  webview: "WebKitGTK 2.50.1",
  os: "Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64, x86_64",
};

/** A server's version: a string, `null` (it does not say), or the error asking it gives. */
export type FakeServerVersion = string | null | BridgeError;

/** What a server says its version is: as set, else the app's for the local server, else none (Go-like). */
export function fakeVersionOf(rt: FakeRuntime, versions: ReadonlyMap<string, FakeServerVersion>, name: string): FakeServerVersion {
  const server = rt.server(name);
  const set = versions.get(name);
  if (set !== undefined) return set;
  return server.view.local ? FAKE_APP.version : null;
}

export function aboutCommands(rt: FakeRuntime, versions: Map<string, FakeServerVersion>): Pick<Bridge, "about" | "serverVersion" | "exportDiagnostics"> {
  const versionOf = (name: string): FakeServerVersion => fakeVersionOf(rt, versions, name);
  return {
    about: () =>
      rt.answer(commands.about, undefined, () => ({
        ...FAKE_APP,
        servers: rt.servers.map((s) => ({ name: s.view.name, origin: s.view.origin, local: s.view.local })),
      })),

    serverVersion: (args) =>
      rt.answer(commands.serverVersion, args, () => {
        const version = versionOf(args.server);
        if (version instanceof BridgeError) throw version;
        return version;
      }),

    exportDiagnostics: () =>
      rt.answer(commands.exportDiagnostics, undefined, () => {
        if (rt.saveCancelled) return null;
        const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
        const path = `/home/user/antimony-diagnostics-${stamp}.txt`;
        const servers = rt.servers.map((s) => {
          const version = versionOf(s.view.name);
          const said = version instanceof BridgeError ? `unknown (${version.message})` : (version ?? "unknown (the server does not say)");
          return `- ${s.view.name}\n    URL: ${s.view.origin}\n    TLS trust: ${s.view.tls}\n    Logged in: ${s.view.loggedIn ? "yes" : "no"}\n    Server version: ${said}`;
        });
        const checks = rt.prerequisites.checks.map((c) => `[${c.ok ? "ok" : "MISSING"}] ${c.title} (${c.id}): ${c.detail}`);
        const text = [
          "== Antimony Desktop ==",
          `Version:   ${FAKE_APP.version}`,
          `Commit:    ${FAKE_APP.commit}`,
          "== Operating system ==",
          FAKE_APP.os,
          "== Local lab host (This computer): prerequisites ==",
          ...checks,
          "== Servers ==",
          ...servers,
          "== App log ==",
          "(the fake keeps no log)",
          "== Local server log ==",
          "The local server runs inside the app, in the same process: its log is the app log above.",
          "",
        ].join("\n");
        rt.files.set(path, text);
        return path;
      }),
  };
}
