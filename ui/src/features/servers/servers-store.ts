// Servers: the profiles `list_servers` returns, which one is current, who is logged in, and
// the connection state of each server's namespaces (from `antimony://connection`).

import type { LoginConfig } from "../../bindings";
import { BridgeError, type Bridge, type ConnectionEvent, type ConnectionState, type Identity, type ServerView } from "../../lib/bridge";
import { createStore, type Store } from "../../lib/store";
import { deriveHealth, type ServerHealth } from "./health";

export interface ServersState {
  servers: ServerView[];
  loaded: boolean;
  loadError: string | null;
  /** server → namespace → latest state */
  connections: Record<string, Record<string, ConnectionState>>;
  /** server → the latest message that came with a trouble or refusal */
  connectionMessages: Record<string, string | null>;
}

export type ServersAction =
  | { type: "loaded"; servers: ServerView[] }
  | { type: "loadFailed"; message: string }
  | { type: "connection"; event: ConnectionEvent }
  | { type: "loggedIn"; server: string; identity: Identity; user: string | null }
  | { type: "loggedOut"; server: string }
  | { type: "current"; server: string }
  | { type: "added"; server: ServerView }
  | { type: "removed"; server: string };

export const initialServers: ServersState = { servers: [], loaded: false, loadError: null, connections: {}, connectionMessages: {} };

function update(state: ServersState, name: string, change: (s: ServerView) => ServerView): ServerView[] {
  return state.servers.map((s) => (s.name === name ? change(s) : s));
}

export function serversReducer(state: ServersState, action: ServersAction): ServersState {
  switch (action.type) {
    case "loaded": {
      const servers = action.servers.some((s) => s.current)
        ? action.servers
        : action.servers.map((s, i) => (i === 0 ? { ...s, current: true } : s));
      return { ...state, servers, loaded: true, loadError: null };
    }
    case "loadFailed":
      return { ...state, loaded: true, loadError: action.message };
    case "connection": {
      const { server, namespace, state: ns, message } = action.event;
      const connections = { ...state.connections, [server]: { ...state.connections[server], [namespace]: ns } };
      const connectionMessages =
        ns === "trouble" || ns === "refused" ? { ...state.connectionMessages, [server]: message } : state.connectionMessages;
      // A session that needs a login is logged out as far as the UI is concerned.
      const servers = ns === "loginNeeded" ? update(state, server, (s) => ({ ...s, loggedIn: false })) : state.servers;
      return { ...state, servers, connections, connectionMessages };
    }
    case "loggedIn": {
      const servers = update(state, action.server, (s) => ({ ...s, loggedIn: true, identity: action.identity, user: action.user }));
      // Forget the states that said a login was needed; the session reports anew.
      const connections = { ...state.connections, [action.server]: {} };
      return { ...state, servers, connections };
    }
    case "loggedOut": {
      const servers = update(state, action.server, (s) => ({ ...s, loggedIn: false, identity: null }));
      return { ...state, servers, connections: { ...state.connections, [action.server]: {} } };
    }
    case "current":
      return { ...state, servers: state.servers.map((s) => (s.current === (s.name === action.server) ? s : { ...s, current: s.name === action.server })) };
    case "added": {
      const others = state.servers.filter((s) => s.name !== action.server.name);
      return { ...state, servers: [...others, action.server] };
    }
    case "removed": {
      const removed = state.servers.find((s) => s.name === action.server);
      let servers = state.servers.filter((s) => s.name !== action.server);
      const first = servers[0];
      if (removed?.current === true && first !== undefined) servers = servers.map((s) => (s === first ? { ...s, current: true } : s));
      const connections = Object.fromEntries(Object.entries(state.connections).filter(([name]) => name !== action.server));
      return { ...state, servers, connections };
    }
  }
}

export function currentServer(state: ServersState): ServerView | null {
  return state.servers.find((s) => s.current) ?? null;
}

export function healthOf(state: ServersState, server: ServerView): ServerHealth {
  return deriveHealth(state.connections[server.name], server.loggedIn);
}

/** The name a server gets when the user gives none: the URL's host. */
export function defaultServerName(url: string): string {
  try {
    return new URL(normalizeUrl(url)).host;
  } catch {
    return url.trim();
  }
}

/** Adds `https://` when no scheme was typed. */
export function normalizeUrl(url: string): string {
  const trimmed = url.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

export interface Servers {
  store: Store<ServersState, ServersAction>;
  load(): Promise<void>;
  use(name: string): Promise<void>;
  /** Adds and switches to a server; rejects with the bridge's error (`certificate` included). */
  add(args: { name: string; url: string; trustFingerprint?: string; api?: string }): Promise<ServerView>;
  remove(name: string): Promise<void>;
  loginConfig(server: string): Promise<LoginConfig>;
  login(args: { server: string; username: string; password: string; savePassword: boolean }): Promise<void>;
  /** OpenID Connect login in the app's own window; rejects `cancelled` when the user closes it. */
  loginOpenid(server: string): Promise<void>;
  /**
   * Logs in with empty credentials when the server allows it, once per need. Resolves `true`
   * when logged in that way, `false` when the user must fill the form.
   */
  autoLogin(server: string): Promise<boolean>;
  logout(server: string): Promise<void>;
  onConnection(event: ConnectionEvent): void;
  /** A call said the login is gone. */
  markLoggedOut(server: string): void;
}

export function createServers(bridge: Bridge): Servers {
  const store = createStore(serversReducer, initialServers);
  const autoTried = new Set<string>();
  const configs = new Map<string, LoginConfig>();

  const loginConfig = async (server: string) => {
    const known = configs.get(server);
    if (known !== undefined) return known;
    const config = await bridge.loginConfig({ server });
    configs.set(server, config);
    return config;
  };

  const login: Servers["login"] = async (args) => {
    const identity = await bridge.login(args);
    store.dispatch({ type: "loggedIn", server: args.server, identity, user: args.username === "" ? null : args.username });
  };

  const load = async () => {
    try {
      store.dispatch({ type: "loaded", servers: await bridge.listServers() });
    } catch (e: unknown) {
      store.dispatch({ type: "loadFailed", message: BridgeError.from(e).message });
    }
  };

  return {
    store,
    load,
    async use(name) {
      await bridge.useServer({ name });
      store.dispatch({ type: "current", server: name });
    },
    async add(args) {
      const view = await bridge.addServer(args);
      store.dispatch({ type: "added", server: view });
      await bridge.useServer({ name: view.name });
      store.dispatch({ type: "current", server: view.name });
      return view;
    },
    async remove(name) {
      await bridge.removeServer({ name });
      configs.delete(name);
      store.dispatch({ type: "removed", server: name });
      const current = currentServer(store.getState());
      if (current !== null) await bridge.useServer({ name: current.name }).catch(() => undefined);
    },
    loginConfig,
    login,
    async loginOpenid(server) {
      const identity = await bridge.loginOpenid({ server });
      store.dispatch({ type: "loggedIn", server, identity, user: null });
    },
    async autoLogin(server) {
      if (autoTried.has(server)) return false;
      autoTried.add(server);
      const config = await loginConfig(server);
      if (!config.native.enabled || !config.native.allowEmpty) return false;
      try {
        await login({ server, username: "", password: "", savePassword: false });
        return true;
      } catch {
        return false;
      }
    },
    async logout(server) {
      await bridge.logout({ server });
      autoTried.add(server); // no automatic login right after the user logged out
      store.dispatch({ type: "loggedOut", server });
    },
    onConnection(event) {
      // A server the list does not know yet (the local one starts after the window): reread.
      if (store.getState().loaded && !store.getState().servers.some((s) => s.name === event.server)) void load();
      store.dispatch({ type: "connection", event });
      if (event.state === "loginNeeded") autoTried.delete(event.server);
    },
    markLoggedOut(server) {
      store.dispatch({ type: "loggedOut", server });
    },
  };
}
