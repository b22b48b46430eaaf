import { describe, expect, it, vi } from "vitest";
import { InstanceState, type LabOut } from "../../bindings";
import { BridgeError, type Bridge } from "../../lib/bridge";
import { createLabs } from "./labs-store";
import { testBridge } from "../../lib/bridge/fake.test-util";
import { lab } from "./fixtures.test-util";

const newFake = () => testBridge();

/** A bridge whose `labs` and `lab` calls wait until released. */
function gatedBridge(labs: LabOut[]) {
  const releases: (() => void)[] = [];
  const gate = () => new Promise<void>((resolve) => releases.push(resolve));
  const bridge = {
    labs: vi.fn(async () => {
      await gate();
      return structuredClone(labs);
    }),
    lab: vi.fn(async ({ labId }: { labId: string }) => {
      await gate();
      const l = labs.find((x) => x.id === labId);
      if (l === undefined) throw new BridgeError("api", 404, "not found");
      return structuredClone(l);
    }),
    collections: vi.fn(() => Promise.resolve([])),
  };
  const releaseAll = async () => {
    while (releases.length > 0) {
      releases.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
  };
  return { bridge: bridge as unknown as Bridge, calls: bridge, releaseAll };
}

describe("labs store", () => {
  it("loads the labs of the current server with their collections", async () => {
    const labs = createLabs(newFake());
    labs.setServer("lab.example.net");
    await labs.refresh();
    const s = labs.store.getState();
    expect(s.status).toBe("ready");
    expect(s.labs.map((l) => l.name)).toContain("Spine Leaf");
    expect(s.collections.map((c) => c.name)).toEqual(["netops", "training", "ci"]);
  });

  it("refetches a known lab on its update, and the list for an unknown or null id", async () => {
    const known = lab("known", InstanceState.Running);
    const g = gatedBridge([known]);
    const labs = createLabs(g.bridge, { liveGapMs: 0 });
    labs.setServer("s");
    await g.releaseAll();
    expect(g.calls.labs).toHaveBeenCalledTimes(1);
    labs.onLabUpdate({ server: "s", labId: known.id });
    await g.releaseAll();
    expect(g.calls.lab).toHaveBeenCalledTimes(1);
    labs.onLabUpdate({ server: "s", labId: "new-one" });
    await g.releaseAll();
    labs.onLabUpdate({ server: "s", labId: null });
    await g.releaseAll();
    expect(g.calls.labs).toHaveBeenCalledTimes(3);
    labs.onLabUpdate({ server: "other", labId: null });
    await g.releaseAll();
    expect(g.calls.labs).toHaveBeenCalledTimes(3);
  });

  it("coalesces a burst of updates of one lab into one more fetch", async () => {
    const known = lab("known", InstanceState.Deploying);
    const g = gatedBridge([known]);
    const labs = createLabs(g.bridge, { liveGapMs: 0 });
    labs.setServer("s");
    await g.releaseAll();
    for (let i = 0; i < 10; i++) labs.onLabUpdate({ server: "s", labId: known.id });
    await g.releaseAll();
    expect(g.calls.lab).toHaveBeenCalledTimes(2);
  });

  it("fetches a lab's first update at once and the updates after it once per gap, showing the last state", async () => {
    const known = lab("known", InstanceState.Running);
    const shown: LabOut[] = [known];
    const g = gatedBridge(shown);
    const labs = createLabs(g.bridge, { liveGapMs: 40 });
    labs.setServer("s");
    await g.releaseAll();
    labs.onLabUpdate({ server: "s", labId: known.id });
    expect(g.calls.lab).toHaveBeenCalledTimes(1);
    await g.releaseAll();
    // Twenty more within the gap: none is fetched yet, the last one's state is what comes.
    for (let i = 0; i < 20; i++) labs.onLabUpdate({ server: "s", labId: known.id });
    shown[0] = { ...known, name: "after the burst" };
    expect(g.calls.lab).toHaveBeenCalledTimes(1);
    await vi.waitFor(() => {
      expect(g.calls.lab).toHaveBeenCalledTimes(2);
    });
    await g.releaseAll();
    expect(labs.store.getState().labs.map((l) => l.name)).toEqual(["after the burst"]);
    // Quiet for longer than the gap: the next update is fetched at once again.
    await new Promise((r) => setTimeout(r, 60));
    labs.onLabUpdate({ server: "s", labId: known.id });
    expect(g.calls.lab).toHaveBeenCalledTimes(3);
    await g.releaseAll();
  });

  it("drops a waiting update fetch once another server is shown", async () => {
    const known = lab("known", InstanceState.Running);
    const g = gatedBridge([known]);
    const labs = createLabs(g.bridge, { liveGapMs: 20 });
    labs.setServer("s");
    await g.releaseAll();
    labs.onLabUpdate({ server: "s", labId: known.id });
    labs.onLabUpdate({ server: "s", labId: known.id });
    labs.setServer("t");
    await g.releaseAll();
    await new Promise((r) => setTimeout(r, 50));
    await g.releaseAll();
    expect(g.calls.lab).toHaveBeenCalledTimes(1);
  });

  it("drops answers that arrive after the server changed", async () => {
    const g = gatedBridge([lab("old server lab", InstanceState.Running)]);
    const labs = createLabs(g.bridge);
    labs.setServer("a");
    labs.setServer("b");
    expect(labs.store.getState().server).toBe("b");
    await g.releaseAll();
    // b's own fetch answered with the same fixture, a's answer was dropped: one load only
    expect(labs.store.getState().labs).toHaveLength(1);
    labs.setServer(null);
    expect(labs.store.getState().labs).toEqual([]);
  });

  it("tells when the login is gone", async () => {
    const f = newFake();
    const onNotLoggedIn = vi.fn();
    const labs = createLabs(f, { onNotLoggedIn });
    labs.setServer("This computer"); // not logged in
    await labs.refresh();
    expect(onNotLoggedIn).toHaveBeenCalledWith("This computer");
    expect(labs.store.getState().status).toBe("error");
  });

  it("marks a command as running until the server answers, and rejects with its code", async () => {
    const f = newFake();
    const labs = createLabs(f);
    labs.setServer("lab.example.net");
    await labs.refresh();
    const spine = labs.store.getState().labs.find((l) => l.name === "Spine Leaf");
    if (spine === undefined) throw new Error("fixture");
    const done = labs.run(spine.id, "destroy");
    expect(labs.store.getState().pending).toEqual({ [spine.id]: "destroy" });
    await done;
    expect(labs.store.getState().pending).toEqual({});
    expect(f.calls.find((c) => c.command === "lab_command")?.args).toEqual({ server: "lab.example.net", labId: spine.id, command: "destroy" });

    const broken = labs.store.getState().labs.find((l) => l.name === "Broken OSPF");
    if (broken === undefined) throw new Error("fixture");
    const err = await labs.run(broken.id, "deploy").catch((e: unknown) => BridgeError.from(e));
    expect(err).toMatchObject({ kind: "command", code: 5403 }); // alice did not create it
    expect(labs.store.getState().pending).toEqual({});
  });
});
