import { describe, expect, it } from "vitest";
import type { ConnectionEvent, ConnectionState, ServerView } from "../../lib/bridge";
import { deriveHealth } from "./health";
import { currentServer, defaultServerName, healthOf, initialServers, normalizeUrl, serversReducer, type ServersState } from "./servers-store";

function view(name: string, extra: Partial<ServerView> = {}): ServerView {
  return {
    name,
    origin: `https://${name}`,
    restBase: `https://${name}/api`,
    tls: "system",
    fingerprint: null,
    user: "alice",
    current: false,
    loggedIn: true,
    identity: { id: "alice", isAdmin: false },
    local: false,
    ...extra,
  };
}

const ev = (server: string, namespace: string, state: ConnectionState, message: string | null = null): ConnectionEvent => ({ server, namespace, state, message });

function apply(state: ServersState, ...events: ConnectionEvent[]): ServersState {
  return events.reduce((s, event) => serversReducer(s, { type: "connection", event }), state);
}

describe("deriveHealth", () => {
  it("is connected only when the three session namespaces are", () => {
    expect(deriveHealth({ "/status-messages": "connected", "/lab-updates": "connected" }, true)).toBe("offline");
    expect(deriveHealth({ "/status-messages": "connected", "/lab-updates": "connected", "/lab-commands": "connected" }, true)).toBe("connected");
  });

  it("is reconnecting while any session namespace is in trouble or refused", () => {
    const up = { "/status-messages": "connected", "/lab-updates": "connected", "/lab-commands": "connected" } as const;
    expect(deriveHealth({ ...up, "/lab-updates": "trouble" }, true)).toBe("reconnecting");
    expect(deriveHealth({ ...up, "/lab-commands": "refused" }, true)).toBe("reconnecting");
    // a log namespace in trouble does not make the server unhealthy
    expect(deriveHealth({ ...up, "/logs/abc": "trouble" }, true)).toBe("connected");
  });

  it("needs a login when any namespace says so, or when not logged in", () => {
    expect(deriveHealth({ "/logs/x": "loginNeeded", "/status-messages": "connected" }, true)).toBe("loginNeeded");
    expect(deriveHealth(undefined, false)).toBe("loginNeeded");
    expect(deriveHealth(undefined, true)).toBe("offline");
  });
});

describe("servers reducer", () => {
  const loaded = serversReducer(initialServers, { type: "loaded", servers: [view("a", { current: true }), view("b", { loggedIn: false, identity: null })] });

  it("follows the connection events of each server", () => {
    let s = apply(loaded, ev("a", "/status-messages", "connected"), ev("a", "/lab-updates", "connected"), ev("a", "/lab-commands", "connected"));
    const a = () => s.servers.find((x) => x.name === "a") ?? view("missing");
    expect(healthOf(s, a())).toBe("connected");
    s = apply(s, ev("a", "/lab-updates", "trouble", "connection reset"));
    expect(healthOf(s, a())).toBe("reconnecting");
    expect(s.connectionMessages.a).toBe("connection reset");
    s = apply(s, ev("a", "/lab-updates", "connected"));
    expect(healthOf(s, a())).toBe("connected");
    // another server's events do not touch this one
    s = apply(s, ev("b", "/lab-updates", "trouble"));
    expect(healthOf(s, a())).toBe("connected");
  });

  it("logs the server out when a login is needed, and a login clears that", () => {
    let s = apply(loaded, ev("a", "/status-messages", "connected"), ev("a", "/lab-updates", "loginNeeded"));
    const a = () => s.servers.find((x) => x.name === "a") ?? view("missing");
    expect(a().loggedIn).toBe(false);
    expect(healthOf(s, a())).toBe("loginNeeded");
    s = serversReducer(s, { type: "loggedIn", server: "a", identity: { id: "admin", isAdmin: true }, user: "admin" });
    expect(a().identity).toEqual({ id: "admin", isAdmin: true });
    expect(healthOf(s, a())).toBe("offline"); // waiting for the session to report again
    s = apply(s, ev("a", "/status-messages", "connected"), ev("a", "/lab-updates", "connected"), ev("a", "/lab-commands", "connected"));
    expect(healthOf(s, a())).toBe("connected");
  });

  it("switches, adds and removes servers, keeping one current", () => {
    expect(currentServer(loaded)?.name).toBe("a");
    let s = serversReducer(loaded, { type: "current", server: "b" });
    expect(currentServer(s)?.name).toBe("b");
    expect(s.servers.filter((x) => x.current)).toHaveLength(1);
    s = serversReducer(s, { type: "added", server: view("c") });
    expect(s.servers.map((x) => x.name)).toEqual(["a", "b", "c"]);
    s = serversReducer(s, { type: "removed", server: "b" });
    expect(currentServer(s)?.name).toBe("a");
  });

  it("makes the first server current when none is", () => {
    const s = serversReducer(initialServers, { type: "loaded", servers: [view("x"), view("y")] });
    expect(currentServer(s)?.name).toBe("x");
  });

  it("forgets the identity on logout", () => {
    const s = serversReducer(loaded, { type: "loggedOut", server: "a" });
    const a = s.servers.find((x) => x.name === "a");
    expect(a?.loggedIn).toBe(false);
    expect(a?.identity).toBeNull();
  });
});

describe("server names and URLs", () => {
  it("defaults the name to the host and the scheme to https", () => {
    expect(defaultServerName("https://lab.example.net:8443/antimony")).toBe("lab.example.net:8443");
    expect(defaultServerName("lab.example.net")).toBe("lab.example.net");
    expect(normalizeUrl(" lab.example.net ")).toBe("https://lab.example.net");
    expect(normalizeUrl("http://127.0.0.1:3000")).toBe("http://127.0.0.1:3000");
  });
});
