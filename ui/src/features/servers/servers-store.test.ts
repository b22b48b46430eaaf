import { afterEach, describe, expect, it } from "vitest";
import { BridgeError } from "../../lib/bridge";
import { createFakeBridge, type FakeBridge } from "../../lib/bridge/fake";
import { createServers, currentServer, healthOf } from "./servers-store";

let fake: FakeBridge | null = null;
afterEach(() => {
  fake?.dispose();
  fake = null;
});

function setup() {
  fake = createFakeBridge({ latencyMs: 0, stepMs: 0, chatterMs: 0 });
  return { fake, servers: createServers(fake) };
}

describe("servers controller (fake bridge)", () => {
  it("loads the servers and logs in automatically where empty credentials are allowed", async () => {
    const { fake, servers } = setup();
    await servers.load();
    expect(currentServer(servers.store.getState())?.name).toBe("lab.example.net");
    await servers.use("This computer");
    expect(await servers.autoLogin("This computer")).toBe(true);
    const local = currentServer(servers.store.getState());
    expect(local?.loggedIn).toBe(true);
    expect(local?.identity?.isAdmin).toBe(true);
    expect(fake.calls.filter((c) => c.command === "login")).toEqual([
      { command: "login", args: { server: "This computer", username: "", password: "", savePassword: false } },
    ]);
    // only once per need
    expect(await servers.autoLogin("This computer")).toBe(false);
  });

  it("does not log in by itself where empty credentials are refused", async () => {
    const { fake, servers } = setup();
    await servers.load();
    expect(await servers.autoLogin("lab.example.net")).toBe(false);
    expect(fake.calls.some((c) => c.command === "login")).toBe(false);
  });

  it("surfaces the certificate fingerprint, and adds the server once it is trusted", async () => {
    const { fake, servers } = setup();
    await servers.load();
    const err = await servers.add({ name: "self-signed.lab", url: "https://self-signed.lab" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    const be = err as BridgeError;
    expect(be.kind).toBe("certificate");
    expect(be.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const view = await servers.add({ name: "self-signed.lab", url: "https://self-signed.lab", trustFingerprint: be.fingerprint ?? "" });
    expect(view.tls).toBe("pinned");
    const state = servers.store.getState();
    expect(currentServer(state)?.name).toBe("self-signed.lab");
    expect(healthOf(state, view)).toBe("loginNeeded");
    expect(fake.calls.map((c) => c.command)).toContain("use_server");
  });

  it("reports a wrong password and logs in with the right one", async () => {
    const { servers } = setup();
    await servers.load();
    await servers.logout("lab.example.net");
    const err = await servers
      .login({ server: "lab.example.net", username: "admin", password: "nope", savePassword: false })
      .catch((e: unknown) => BridgeError.from(e));
    expect(err?.code).toBe(1001);
    await servers.login({ server: "lab.example.net", username: "admin", password: "admin", savePassword: true });
    expect(currentServer(servers.store.getState())?.identity).toEqual({ id: "00000000-0000-0000-0000-00000000000", isAdmin: true });
  });
});
