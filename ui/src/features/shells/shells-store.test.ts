// The shells store against the fake bridge: opening (output held until a terminal shows it,
// input in order, sizes), detaching and attaching again (the backlog repaints), shells closing,
// shells that survive switching labs, shells found running, popping out and coming back.

import { describe, expect, it } from "vitest";
import { testBridge } from "../../lib/bridge/fake.test-util";
import type { FakeBridge } from "../../lib/bridge/fake";
import { createShells, type Shells } from "./shells";
import { initialShells, labShells, sameShell, shellsReducer, shellState } from "./shells-store";

const SERVER = "lab.example.net";

/** Lets the fake's answers (microtasks) and what follows them run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

class Screen {
  text = "";
  write(data: string) {
    this.text += data;
  }
}

async function setup(options: { shellResize?: boolean } = {}) {
  const f = testBridge(options);
  const labs = await f.labs({ server: SERVER });
  const lab = (name: string) => {
    const found = labs.find((l) => l.name === name);
    if (found === undefined) throw new Error(`no lab ${name}`);
    return found.id;
  };
  let n = 0;
  const errors: string[] = [];
  const shells = createShells(f, {
    viewId: () => `view-${String(++n)}`,
    onError: (title, message) => errors.push(`${title}: ${message}`),
  });
  await f.onShell((e) => {
    shells.onShellEvent(e);
  });
  await f.onShellWindow((e) => {
    void shells.onShellWindowClosed(e);
  });
  return { f, shells, spine: lab("Spine Leaf"), evpn: lab("EVPN Fabric"), errors };
}

const entry = (shells: Shells, key: string) => {
  const e = shells.store.getState().entries.find((x) => x.key === key);
  if (e === undefined) throw new Error(`no entry ${key}`);
  return e;
};

const callsOf = (f: FakeBridge, command: string) => f.calls.filter((c) => c.command === command).map((c) => c.args);

describe("shells store", () => {
  it("opens a shell in a tab: opening, then connected with its id; output waits for a terminal", async () => {
    const { f, shells, spine } = await setup();
    const key = shells.open(SERVER, spine, "spine1");
    expect(shellState(entry(shells, key))).toBe("opening");
    expect(entry(shells, key).status).toBe("tab");
    await settle();
    const e = entry(shells, key);
    expect(shellState(e)).toBe("connected");
    expect(e.shellId).not.toBeNull();
    expect(callsOf(f, "open_shell")).toEqual([{ server: SERVER, labId: spine, node: "spine1", viewId: "view-1" }]);

    const screen = new Screen();
    shells.bind(key, screen);
    expect(screen.text).toContain("spine1# ");
    // The view open_shell attached is the one bound: no second attach.
    expect(callsOf(f, "attach_shell")).toEqual([]);
  });

  it("sends input in order, one call at a time, joining what is typed meanwhile", async () => {
    const { f, shells, spine } = await setup();
    const key = shells.open(SERVER, spine, "spine1");
    const screen = new Screen();
    shells.bind(key, screen);
    // Typed before open_shell answered: held, then sent.
    shells.input(key, "e");
    await settle();
    shells.input(key, "c");
    shells.input(key, "ho ");
    shells.input(key, "hi\r");
    await settle();
    expect(callsOf(f, "shell_input")).toEqual([
      { viewId: "view-1", data: "e" },
      { viewId: "view-1", data: "c" },
      { viewId: "view-1", data: "ho hi\r" },
    ]);
    expect(screen.text).toContain("spine1# echo hi\r\nhi\r\n");
  });

  it("sends the latest size once the view is attached, and only changes", async () => {
    const { f, shells, spine } = await setup();
    const key = shells.open(SERVER, spine, "spine1");
    shells.bind(key, new Screen());
    shells.resize(key, { rows: 30, cols: 100 });
    shells.resize(key, { rows: 31, cols: 101 });
    await settle();
    shells.resize(key, { rows: 31, cols: 101 });
    await settle();
    expect(callsOf(f, "resize_shell")).toEqual([{ viewId: "view-1", rows: 31, cols: 101 }]);
    expect(entry(shells, key).fixedSize).toBe(false);
  });

  it("says once that a server keeps its own size, and asks no more", async () => {
    const { f, shells, spine } = await setup({ shellResize: false });
    const key = shells.open(SERVER, spine, "spine1");
    shells.bind(key, new Screen());
    shells.resize(key, { rows: 30, cols: 100 });
    await settle();
    expect(entry(shells, key).fixedSize).toBe(true);
    shells.resize(key, { rows: 40, cols: 120 });
    await settle();
    expect(callsOf(f, "resize_shell")).toHaveLength(1);
  });

  it("detaches (the shell keeps running) and attaches again with a new view that the backlog repaints", async () => {
    const { f, shells, spine } = await setup();
    const key = shells.open(SERVER, spine, "spine1");
    const first = new Screen();
    const unbind = shells.bind(key, first);
    await settle();
    shells.input(key, "echo one\r");
    await settle();

    await shells.detach(key);
    unbind();
    expect(entry(shells, key).status).toBe("detached");
    expect(callsOf(f, "detach_shell")).toEqual([{ viewId: "view-1" }]);
    const shellId = entry(shells, key).shellId;
    expect(await f.listShells({ server: SERVER, labId: spine })).toEqual([{ shellId, node: "spine1" }]);

    shells.reattach(key);
    expect(entry(shells, key).status).toBe("tab");
    const second = new Screen();
    shells.bind(key, second);
    await settle();
    expect(callsOf(f, "attach_shell")).toEqual([{ server: SERVER, shellId, viewId: "view-2" }]);
    expect(second.text).toContain("echo one\r\none\r\nspine1# ");
    shells.input(key, "echo two\r");
    await settle();
    expect(callsOf(f, "shell_input").at(-1)).toEqual({ viewId: "view-2", data: "echo two\r" });
    expect(second.text).toContain("two");
  });

  it("marks a shell closed with the server's reason and says so in its terminal", async () => {
    const { shells, spine } = await setup();
    const key = shells.open(SERVER, spine, "spine1");
    const screen = new Screen();
    shells.bind(key, screen);
    await settle();
    shells.input(key, "exit\r");
    await settle();
    const e = entry(shells, key);
    expect(shellState(e)).toBe("closed");
    expect(e.closedReason).toBe("User closed the shell");
    expect(screen.text).toContain("[shell closed: User closed the shell]");
    // A terminal shown again later says it too.
    const later = new Screen();
    shells.bind(key, later);
    expect(later.text).toContain("[shell closed: User closed the shell]");
  });

  it("keeps a lab's shells while another lab is shown, and repaints them on return", async () => {
    const { f, shells, spine, evpn } = await setup();
    const key = shells.open(SERVER, spine, "leaf1");
    const unbind = shells.bind(key, new Screen());
    await settle();
    shells.input(key, "echo kept\r");
    await settle();
    // Leaving the lab unmounts its terminals (detached), the next lab lists its own shells.
    unbind();
    await settle();
    await shells.discover(SERVER, evpn);
    expect(labShells(shells.store.getState(), SERVER, evpn)).toEqual([]);
    expect(labShells(shells.store.getState(), SERVER, spine).map((e) => [e.node, e.status])).toEqual([["leaf1", "tab"]]);
    expect(callsOf(f, "detach_shell")).toEqual([{ viewId: "view-1" }]);

    // Back: the same tab, a new view, the screen as it was.
    await shells.discover(SERVER, spine);
    expect(labShells(shells.store.getState(), SERVER, spine)).toHaveLength(1);
    const again = new Screen();
    shells.bind(key, again);
    await settle();
    expect(again.text).toContain("echo kept\r\nkept");
  });

  it("finds shells left running in a lab and lists them as detached, dropping those gone", async () => {
    const { f, shells, spine } = await setup();
    const other = await f.openShell({ server: SERVER, labId: spine, node: "client1", viewId: "elsewhere" });
    await f.detachShell({ viewId: "elsewhere" });
    await shells.discover(SERVER, spine);
    const found = labShells(shells.store.getState(), SERVER, spine);
    expect(found.map((e) => [e.node, e.status, e.shellId])).toEqual([["client1", "detached", other.shellId]]);

    await f.closeShell({ server: SERVER, labId: spine, shellId: other.shellId });
    await shells.discover(SERVER, spine);
    expect(labShells(shells.store.getState(), SERVER, spine)).toEqual([]);
  });

  it("opens shells to all nodes: skips nodes with a tab, shows detached ones, opens the rest", async () => {
    const { f, shells, spine } = await setup();
    shells.open(SERVER, spine, "spine1");
    const left = await f.openShell({ server: SERVER, labId: spine, node: "leaf1", viewId: "elsewhere" });
    await f.detachShell({ viewId: "elsewhere" });
    await shells.discover(SERVER, spine);
    await settle();
    shells.openAll(SERVER, spine, ["spine1", "leaf1", "leaf2", "client1"]);
    await settle();
    const entries = labShells(shells.store.getState(), SERVER, spine);
    expect(entries.map((e) => [e.node, e.status])).toEqual([
      ["spine1", "tab"],
      ["leaf1", "tab"],
      ["leaf2", "tab"],
      ["client1", "tab"],
    ]);
    expect(entries.find((e) => e.node === "leaf1")?.shellId).toBe(left.shellId);
    const opened = callsOf(f, "open_shell") as { node: string; viewId: string }[];
    expect(opened.filter((a) => a.viewId !== "elsewhere").map((a) => a.node)).toEqual(["spine1", "leaf2", "client1"]);
  });

  it("closes a shell on the server and drops its tab; a failure says so and keeps it", async () => {
    const { f, shells, spine, errors } = await setup();
    const key = shells.open(SERVER, spine, "spine1");
    shells.bind(key, new Screen());
    await settle();
    const shellId = entry(shells, key).shellId;
    await shells.close(key);
    expect(callsOf(f, "close_shell")).toEqual([{ server: SERVER, labId: spine, shellId }]);
    expect(shells.store.getState().entries).toEqual([]);

    // Logged out meanwhile: close_shell is refused, the tab stays.
    const again = shells.open(SERVER, spine, "leaf1");
    await settle();
    await f.logout({ server: SERVER });
    await shells.close(again);
    expect(errors).toEqual(["Could not close the shell on leaf1: Not logged in to lab.example.net (code 401)"]);
    expect(entry(shells, again).status).toBe("tab");
  });

  it("pops a shell out (its view detached) and shows it here again when its window closes", async () => {
    const { f, shells, spine } = await setup();
    const key = shells.open(SERVER, spine, "spine1");
    shells.bind(key, new Screen());
    await settle();
    const shellId = entry(shells, key).shellId ?? "";
    await shells.popOut(key);
    expect(callsOf(f, "pop_out_shell")).toEqual([{ server: SERVER, labId: spine, shellId, node: "spine1" }]);
    expect(entry(shells, key).status).toBe("window");
    expect(callsOf(f, "detach_shell")).toEqual([{ viewId: "view-1" }]);

    // The app names the closed window's shell without dashes.
    f.simulateShellWindowClosed(shellId);
    await settle();
    expect(entry(shells, key).status).toBe("tab");
  });

  it("forgets a popped-out shell whose window closed after the shell did", async () => {
    const { f, shells, spine } = await setup();
    const key = shells.open(SERVER, spine, "spine1");
    await settle();
    const shellId = entry(shells, key).shellId ?? "";
    await shells.popOut(key);
    await f.closeShell({ server: SERVER, labId: spine, shellId });
    f.simulateShellWindowClosed(shellId);
    await settle();
    expect(shells.store.getState().entries).toEqual([]);
  });

  it("follows a shell's connection: reconnecting, then connected again (when)", async () => {
    const { f, spine } = await setup();
    const shells = createShells(f, { viewId: () => "v", now: () => 1234 });
    await f.onShell((e) => {
      shells.onShellEvent(e);
    });
    const key = shells.open(SERVER, spine, "spine1");
    await settle();
    const shellId = entry(shells, key).shellId ?? "";
    f.simulateShellConnection(shellId, "trouble", "connection reset");
    expect(shellState(entry(shells, key))).toBe("reconnecting");
    expect(entry(shells, key).connectionMessage).toBe("connection reset");
    f.simulateShellConnection(shellId, "connected");
    expect(shellState(entry(shells, key))).toBe("connected");
    expect(entry(shells, key).reconnectedAt).toBe(1234);
  });

  it("writes a dim note for output the server dropped", async () => {
    const { f, shells, spine } = await setup();
    const key = shells.open(SERVER, spine, "spine1");
    const screen = new Screen();
    shells.bind(key, screen);
    await settle();
    f.simulateShellMissed(entry(shells, key).shellId ?? "", 2048);
    expect(screen.text).toContain("\u001b[2m[2,048 bytes of output were dropped]\u001b[22m");
    f.simulateShellMissed(entry(shells, key).shellId ?? "", 1);
    expect(screen.text).toContain("[1 byte of output was dropped]");
  });

  it("says when a shell could not open, and Close then drops the tab", async () => {
    const { f, shells } = await setup();
    const failed = (await f.labs({ server: SERVER })).find((l) => l.name === "Forever");
    if (failed === undefined) throw new Error("fixture");
    const key = shells.open(SERVER, failed.id, "spine1");
    await settle();
    expect(shellState(entry(shells, key))).toBe("closed");
    expect(entry(shells, key).closedReason).toBe("could not open a shell: The lab 'Forever' is not running (code 5003)");
    await shells.close(key);
    expect(shells.store.getState().entries).toEqual([]);
    expect(callsOf(f, "close_shell")).toEqual([]);
  });

  it("forgets a server's shells when it logs out", async () => {
    const { shells, spine } = await setup();
    shells.open(SERVER, spine, "spine1");
    await settle();
    shells.forgetServer(SERVER);
    expect(shells.store.getState().entries).toEqual([]);
  });
});

describe("shells reducer", () => {
  it("keeps one entry per shell when a listing ran while it opened", () => {
    let state = shellsReducer(initialShells, {
      type: "add",
      entry: { key: "open:1", server: "s", labId: "l", node: "n", shellId: null, status: "tab", opening: true, connection: "connected", connectionMessage: null, reconnectedAt: null, closedReason: null, fixedSize: false },
    });
    state = shellsReducer(state, { type: "listed", server: "s", labId: "l", shells: [{ shellId: "abc", node: "n" }] });
    expect(state.entries.map((e) => e.key)).toEqual(["open:1", "shell:abc"]);
    state = shellsReducer(state, { type: "opened", key: "open:1", shellId: "abc" });
    expect(state.entries.map((e) => [e.key, e.shellId, e.status])).toEqual([["open:1", "abc", "tab"]]);
  });

  it("matches a window's shell id without its dashes", () => {
    expect(sameShell("7d1e2f3a-2b7d-11f0-9a3e-0242ac120002", "7d1e2f3a2b7d11f09a3e0242ac120002")).toBe(true);
    expect(sameShell("7d1e2f3a-2b7d-11f0-9a3e-0242ac120002", "7d1e2f3a-2b7d-11f0-9a3e-0242ac120002")).toBe(true);
    expect(sameShell("7d1e2f3a-2b7d-11f0-9a3e-0242ac120002", "8e2f3a4b2b7d11f09a3e0242ac120002")).toBe(false);
    expect(sameShell(null, "x")).toBe(false);
  });
});
