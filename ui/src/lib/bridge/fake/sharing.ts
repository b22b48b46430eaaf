// Server profiles as a file (`exportServers`, `importServers`) and the notification rules, as
// the Rust side answers (src-tauri/src/commands/sharing.rs over antimony-client's `sharing`,
// and src-tauri/src/notify_rules.rs). The native dialogs are stood in for: the save dialog
// writes to `files` (unless `setSaveCancelled`), the open dialog picks what `setOpenFile` gave.

import { commands } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type { Bridge, NotificationRules, ServersImported } from "../types";
import type { FakeRuntime } from "./runtime";
import { addFakeServer } from "./servers";

/** A file the open dialog picks: its name and text; `null` cancels the dialog. */
export type FakeOpenFile = { name: string; text: string } | null;

const MAX_NAME = 64;
const MAX_SERVERS = 256;
/** The local server's name, which no imported server may take. */
const LOCAL = "This computer";

/** A string's characters as Rust counts them (code points). */
function codePoints(text: string): string[] {
  return Array.from(text);
}

function checkRules(rules: NotificationRules): void {
  const servers = rules.servers.map((r) => r.server);
  const labs = rules.labs.map((r) => `${r.server}\n${r.labId}`);
  if (new Set(servers).size !== servers.length || new Set(labs).size !== labs.length) {
    throw new BridgeError("io", -1, "two rules for the same server or lab");
  }
  if ([...rules.servers.map((r) => r.server), ...rules.labs.flatMap((r) => [r.server, r.labId])].some((n) => n === "" || codePoints(n).length > 256)) {
    throw new BridgeError("io", -1, "a rule names a server or lab with no name or more than 256 characters");
  }
}

export function sharingCommands(
  rt: FakeRuntime,
  dialogs: { openFile: () => FakeOpenFile },
): Pick<Bridge, "exportServers" | "importServers" | "notificationRules" | "setNotificationRules"> {
  return {
    exportServers: () =>
      rt.answer(commands.exportServers, undefined, () => {
        if (rt.saveCancelled) return null;
        const servers = rt.servers
          .filter((s) => !s.view.local)
          .map((s) => {
            const api = s.view.restBase === `${s.view.origin}/api` ? {} : { api: s.view.restBase };
            return { name: s.view.name, url: s.view.origin, ...api };
          });
        const path = "/home/user/antimony-servers.json";
        rt.files.set(path, JSON.stringify({ antimonyServers: 1, servers }, null, 2));
        return path;
      }),

    importServers: () =>
      rt.answer(commands.importServers, undefined, (): ServersImported | null => {
        const file = dialogs.openFile();
        if (file === null) return null;
        let parsed: unknown;
        try {
          parsed = JSON.parse(file.text);
        } catch (e: unknown) {
          throw new BridgeError("profile", -1, `not a file of Antimony servers: ${String(e)}`);
        }
        const shared = parsed as { antimonyServers?: unknown; servers?: unknown } | null;
        if (typeof shared !== "object" || shared === null || typeof shared.antimonyServers !== "number") {
          throw new BridgeError("profile", -1, "not a file of Antimony servers: missing field `antimonyServers`");
        }
        if (shared.antimonyServers !== 1) {
          throw new BridgeError("profile", -1, `a file of Antimony servers in format ${String(shared.antimonyServers)}, this version reads format 1`);
        }
        const list = Array.isArray(shared.servers) ? (shared.servers as { name?: unknown; url?: unknown; api?: unknown }[]) : [];
        if (list.length > MAX_SERVERS) throw new BridgeError("profile", -1, `the file lists ${list.length} servers, at most ${MAX_SERVERS} are read`);
        const report: ServersImported = { file: file.name, added: [], skipped: [] };
        for (const entry of list) {
          const raw = typeof entry.name === "string" ? entry.name.trim() : "";
          const name = codePoints(raw).slice(0, MAX_NAME).join("");
          const skip = (reason: string) => report.skipped.push({ name, reason });
          if (name === "" || codePoints(raw).length > MAX_NAME) {
            skip(`a name must be 1 to ${MAX_NAME} characters`);
            continue;
          }
          // eslint-disable-next-line no-control-regex
          if (/[\u0000-\u001f\u007f]/.test(name)) {
            skip("a name must not hold control characters");
            continue;
          }
          if (name === LOCAL || rt.servers.some((s) => s.view.name === name)) {
            skip("a server of this name exists already");
            continue;
          }
          let url: URL;
          try {
            url = new URL(typeof entry.url === "string" ? entry.url : "");
            if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(url.protocol);
          } catch {
            skip(`invalid server URL ${JSON.stringify(entry.url)}`);
            continue;
          }
          const api = typeof entry.api === "string" ? entry.api : `${url.origin}/api`;
          addFakeServer(rt, { name, origin: url.origin, restBase: api, tls: url.protocol === "https:" ? "system" : "none", fingerprint: null });
          report.added.push(name);
        }
        return report;
      }),

    notificationRules: () => rt.answer(commands.notificationRules, undefined, () => structuredClone(rt.notificationRules)),

    setNotificationRules: (args) =>
      rt.answer(commands.setNotificationRules, args, () => {
        checkRules(args.rules);
        rt.notificationRules = structuredClone(args.rules);
        return structuredClone(rt.notificationRules);
      }),
  };
}
