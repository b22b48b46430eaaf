// Server profiles and logins: list, add (a host name starting with "self-signed" has an
// untrusted certificate until its fingerprint is trusted; one starting with "sso" offers only
// OpenID Connect), remove, switch, and log in and out, natively or through OpenID Connect (as
// alice, unless told otherwise; a login brings the server's session namespaces up).

import { commands } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type { Bridge, Identity, ServerView } from "../types";
import type { FakeRuntime, FakeServer } from "./runtime";
import { ADMIN, ALICE, localServer } from "./seed";
import { detachServerViews } from "./shells";

/** The fingerprint of every "self-signed…" server's certificate. */
const SELF_SIGNED_FINGERPRINT = "5E:1F:1D:0A:9C:44:B2:73:0E:8D:21:6A:FF:03:C7:19:AA:42:6B:90:D1:3E:57:C4:08:2F:99:B6:E0:71:4C:DA";

/** Adds a remote server without labs, not logged in, whose admin logs in as admin/admin. */
export function addFakeServer(rt: FakeRuntime, profile: Pick<ServerView, "name" | "origin" | "restBase" | "tls" | "fingerprint">): FakeServer {
  const s = localServer();
  s.labs = [];
  s.view = { ...profile, user: null, current: false, loggedIn: false, identity: null, local: false };
  s.loginConfig = { native: { enabled: true, allowEmpty: false }, openId: { enabled: false } };
  s.users = new Map([["admin", ["admin", { id: ADMIN.id, isAdmin: true }]]]);
  rt.servers.push(s);
  return s;
}

/** What a server's next OpenID Connect login does: log in as this user, or the user closes the window. */
export type FakeOpenIdOutcome = Identity | "cancelled";

export function serverCommands(
  rt: FakeRuntime,
  openIdOutcomes: Map<string, FakeOpenIdOutcome>,
): Pick<Bridge, "listServers" | "addServer" | "removeServer" | "useServer" | "loginConfig" | "login" | "loginOpenid" | "logout"> {
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
        const sso = url.hostname.startsWith("sso");
        const s = addFakeServer(rt, {
          name: args.name,
          origin: url.origin,
          restBase: args.api ?? `${url.origin}/api`,
          tls: untrusted ? "pinned" : url.protocol === "https:" ? "system" : "none",
          fingerprint: untrusted ? SELF_SIGNED_FINGERPRINT : null,
        });
        s.loginConfig = { native: { enabled: !sso, allowEmpty: false }, openId: { enabled: sso } };
        return { ...s.view };
      }),

    removeServer: (args) =>
      rt.answer(commands.removeServer, args, () => {
        const i = servers.findIndex((s) => s.view.name === args.name);
        if (i < 0) throw new BridgeError("profile", -1, `No server named "${args.name}"`);
        const [removed] = servers.splice(i, 1);
        const rules = rt.notificationRules;
        rt.notificationRules = {
          ...rules,
          servers: rules.servers.filter((r) => r.server !== args.name),
          labs: rules.labs.filter((r) => r.server !== args.name),
        };
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

    loginOpenid: (args) =>
      rt.answer(commands.loginOpenid, args, () => {
        const s = rt.server(args.server);
        if (!s.loginConfig.openId.enabled) {
          throw new BridgeError("unsupported", -1, `${args.server} does not offer OpenID Connect login`);
        }
        const outcome = openIdOutcomes.get(args.server) ?? { id: ALICE.id, isAdmin: false };
        if (outcome === "cancelled") throw new BridgeError("cancelled", -1, "the login window was closed before the login was done");
        s.view.loggedIn = true;
        s.view.identity = { ...outcome };
        s.view.user = null;
        rt.later(rt.latencyMs, () => { rt.connectSession(s.view.name, "connected"); });
        return { ...outcome };
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
