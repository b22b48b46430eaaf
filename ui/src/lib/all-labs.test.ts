import { describe, expect, it, vi } from "vitest";
import { createAllLabs } from "./all-labs";
import { BridgeError, type Bridge } from "./bridge";
import { testBridge } from "./bridge/fake.test-util";

const REMOTE = "lab.example.net";
const LOCAL = "This computer";

/** The fake bridge, with servers that fail or never answer as told. */
function bridgeWith(failures: Record<string, BridgeError | "hang">): Bridge & { labCalls: string[] } {
  const fake = testBridge();
  const labCalls: string[] = [];
  return Object.assign(Object.create(fake) as Bridge, {
    labCalls,
    labs: (args: { server: string }) => {
      labCalls.push(args.server);
      const failure = failures[args.server];
      if (failure === "hang") return new Promise<never>(() => undefined);
      if (failure !== undefined) return Promise.reject(failure);
      return fake.labs(args);
    },
  });
}

describe("the labs of every server", () => {
  it("loads each server apart: one that never answers or fails holds nothing back", async () => {
    const bridge = bridgeWith({ [LOCAL]: "hang", broken: new BridgeError("unreachable", -1, "the server cannot be reached") });
    await bridge.login({ server: LOCAL, username: "", password: "", savePassword: false });
    const onNotLoggedIn = vi.fn();
    const all = createAllLabs(bridge, { onNotLoggedIn });
    all.setServers([LOCAL, REMOTE, "broken"]);
    await vi.waitFor(() => {
      expect(all.store.getState().servers[REMOTE]?.status).toBe("ready");
    });
    const state = all.store.getState().servers;
    expect(state[REMOTE]?.labs.map((l) => l.name)).toContain("Spine Leaf");
    expect(state[REMOTE]?.collections.map((c) => c.name)).toContain("netops");
    await vi.waitFor(() => {
      expect(all.store.getState().servers.broken).toMatchObject({ status: "error", errorKind: "unreachable", error: "the server cannot be reached" });
    });
    expect(all.store.getState().servers[LOCAL]?.status).toBe("loading");
    expect(onNotLoggedIn).not.toHaveBeenCalled();
  });

  it("tells the app of a server whose login is gone", async () => {
    const bridge = bridgeWith({ gone: new BridgeError("notLoggedIn", 401, "not logged in to gone") });
    const onNotLoggedIn = vi.fn();
    const all = createAllLabs(bridge, { onNotLoggedIn });
    all.setServers(["gone"]);
    await vi.waitFor(() => {
      expect(onNotLoggedIn).toHaveBeenCalledWith("gone");
    });
    expect(all.store.getState().servers.gone?.errorKind).toBe("notLoggedIn");
  });

  it("fetches a server again on its lab updates only, once more at most while one runs", async () => {
    const bridge = bridgeWith({});
    const all = createAllLabs(bridge, { liveGapMs: 0 });
    all.setServers([REMOTE]);
    all.onLabUpdate({ server: REMOTE, labId: null });
    all.onLabUpdate({ server: REMOTE, labId: null });
    all.onLabUpdate({ server: REMOTE, labId: null });
    all.onLabUpdate({ server: "elsewhere", labId: null });
    await vi.waitFor(() => {
      expect(all.store.getState().servers[REMOTE]?.status).toBe("ready");
    });
    await all.refresh(REMOTE);
    // The first fetch, one for the burst of updates, and the one asked for.
    expect(bridge.labCalls).toEqual([REMOTE, REMOTE, REMOTE]);
  });

  it("reads a server's updates within the gap once, after it", async () => {
    const bridge = bridgeWith({});
    const all = createAllLabs(bridge, { liveGapMs: 40 });
    all.setServers([REMOTE]);
    await vi.waitFor(() => {
      expect(all.store.getState().servers[REMOTE]?.status).toBe("ready");
    });
    all.onLabUpdate({ server: REMOTE, labId: null });
    for (let i = 0; i < 10; i++) all.onLabUpdate({ server: REMOTE, labId: null });
    // The set-up's fetch and the first update's, at once; the ten after it wait for the gap.
    expect(bridge.labCalls).toEqual([REMOTE, REMOTE]);
    await vi.waitFor(() => {
      expect(bridge.labCalls).toEqual([REMOTE, REMOTE, REMOTE]);
    });
  });

  it("forgets servers no longer followed, and keeps what it had of the others", async () => {
    const bridge = bridgeWith({});
    const all = createAllLabs(bridge);
    all.setServers([REMOTE]);
    await vi.waitFor(() => {
      expect(all.store.getState().servers[REMOTE]?.status).toBe("ready");
    });
    all.setServers([REMOTE, "other"]);
    expect(all.store.getState().servers[REMOTE]?.status).toBe("ready");
    all.setServers([]);
    expect(all.store.getState().servers).toEqual({});
  });
});
