// Server profiles and logins: list, add (a host name starting with "self-signed" has an
// untrusted certificate until its fingerprint is trusted), remove, switch, and log in and out
// (a login brings the server's session namespaces up).

import { commands } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type { Bridge } from "../types";
import type { FakeRuntime } from "./runtime";
import { ADMIN, localServer } from "./seed";
import { detachServerViews } from "./shells";

/** The fingerprint of every "self-signed…" server's certificate. */
const SELF_SIGNED_FINGERPRINT = "5E:1F:1D:0A:9C:44:B2:73:0E:8D:21:6A:FF:03:C7:19:AA:42:6B:90:D1:3E:57:C4:08:2F:99:B6:E0:71:4C:DA";

export function serverCommands(
  rt: FakeRuntime,
): Pick<Bridge, "listServers" | "addServer" | "removeServer" | "useServer" | "loginConfig" | "login" | "logout"> {
  const { servers } = rt;
  return {
    listServers: () => rt.answer(commands.listServers, undefined, () => servers.map((s) => ({ ...s.view }))),

    addServer: (args) =>
      rt.answer(commands.addServer, args, () => {
        let url: URL;
        try {
          url = new URL(args.url);
        } catch {
          throw new BridgeError("profile", -1, `"${args.url}" is not a URL`);
        }
        if (servers.some((s) => s.view.name === args.name)) {
          throw new BridgeError("profile", -1, `A server named "${args.name}" already exists`);
        }
        const untrusted = url.protocol === "https:" && url.hostname.startsWith("self-signed");
        if (untrusted && args.trustFingerprint !== SELF_SIGNED_FINGERPRINT) {
          throw new BridgeError("certificate", -1, `The certificate of ${args.url} is not trusted`, SELF_SIGNED_FINGERPRINT);
        }
        const s = localServer();
        s.labs = [];
        s.view = {
          name: args.name,
          origin: url.origin,
          restBase: args.api ?? `${url.origin}/api`,
          tls: untrusted ? "pinned" : url.protocol === "https:" ? "system" : "none",
          fingerprint: untrusted ? SELF_SIGNED_FINGERPRINT : null,
          user: null,
          current: false,
          loggedIn: false,
          identity: null,
          local: false,
        };
        s.loginConfig = { native: { enabled: true, allowEmpty: false }, openId: { enabled: false } };
        s.users = new Map([["admin", ["admin", { id: ADMIN.id, isAdmin: true }]]]);
        servers.push(s);
        return { ...s.view };
      }),

    removeServer: (args) =>
      rt.answer(commands.removeServer, args, () => {
        const i = servers.findIndex((s) => s.view.name === args.name);
        if (i < 0) throw new BridgeError("profile", -1, `No server named "${args.name}"`);
        const [removed] = servers.splice(i, 1);
        const first = servers[0];
        if (removed?.view.current === true && first !== undefined) first.view.current = true;
        return null;
      }),

    useServer: (args) =>
      rt.answer(commands.useServer, args, () => {
        const target = rt.server(args.name);
        for (const s of servers) s.view.current = s === target;
        return null;
      }),

    loginConfig: (args) => rt.answer(commands.loginConfig, args, () => structuredClone(rt.server(args.server).loginConfig)),

    login: (args) =>
      rt.answer(commands.login, args, () => {
        const s = rt.server(args.server);
        const user = s.users.get(args.username);
        if (user?.[0] !== args.password) throw new BridgeError("api", 1001, "Invalid username or password");
        s.view.loggedIn = true;
        s.view.identity = user[1];
        s.view.user = args.username === "" ? null : args.username;
        rt.later(rt.latencyMs, () => { rt.connectSession(s.view.name, "connected"); });
        return { ...user[1] };
      }),

    logout: (args) =>
      rt.answer(commands.logout, args, () => {
        const s = rt.server(args.server);
        s.view.loggedIn = false;
        s.view.identity = null;
        detachServerViews(s);
        return null;
      }),
  };
}
