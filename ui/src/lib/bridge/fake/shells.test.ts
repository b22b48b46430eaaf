// The fake's shells answer as the app's shell commands do: a view attached by open_shell gets
// the shell's output as `antimony://shell` events, typing echoes, a few commands answer, exit
// closes the shell, attach repaints from the backlog, and the lab's lifecycle closes shells.

import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../bindings";
import { BridgeError } from "../error";
import type { FakeBridge } from ".";
import { testBridge } from "../fake.test-util";
import type { ShellUpdate, ShellViewEvent } from "../types";

const SERVER = "lab.example.net";

async function setup(options: { shellResize?: boolean } = {}) {
  const f = testBridge(options);
  const lab = (await f.labs({ server: SERVER })).find((l) => l.name === "Spine Leaf");
  if (lab === undefined) throw new Error("fixture");
  const events: ShellViewEvent[] = [];
  await f.onShell((e) => events.push(e));
  return { f, labId: lab.id, events };
}

/** The output a view got, joined. */
function outputOf(events: ShellViewEvent[], viewId: string): string {
  return events
    .filter((e) => e.viewId === viewId)
    .map((e) => (e.update.kind === "output" ? e.update.data : ""))
    .join("");
}

function updatesOf(events: ShellViewEvent[], viewId: string, kind: ShellUpdate["kind"]): ShellUpdate[] {
  return events.filter((e) => e.viewId === viewId && e.update.kind === kind).map((e) => e.update);
}

async function rejection(p: Promise<unknown>): Promise<BridgeError> {
  try {
    await p;
  } catch (e: unknown) {
    if (e instanceof BridgeError) return e;
    throw e;
  }
  throw new Error("it did not reject");
}

async function open(f: FakeBridge, labId: string, node = "spine1", viewId = "v1") {
  return (await f.openShell({ server: SERVER, labId, node, viewId })).shellId;
}

describe("the fake's shells", () => {
  it("opens a shell that prints a prompt to the view that opened it, recorded as open_shell", async () => {
    const { f, labId, events } = await setup();
    const shellId = await open(f, labId);
    expect(f.calls.at(-1)).toEqual({ command: "open_shell", args: { server: SERVER, labId, node: "spine1", viewId: "v1" } });
    expect(events.every((e) => e.server === SERVER && e.shellId === shellId && e.viewId === "v1")).toBe(true);
    expect(outputOf(events, "v1").endsWith("spine1# ")).toBe(true);
  });

  it("echoes what is typed and answers echo, stty size (the last resize) and unknown commands", async () => {
    const { f, labId, events } = await setup();
    await open(f, labId);
    await f.shellInput({ viewId: "v1", data: "echo hello world\r" });
    expect(outputOf(events, "v1")).toContain("spine1# echo hello world\r\nhello world\r\nspine1# ");
    await f.shellInput({ viewId: "v1", data: "stty size\r" });
    expect(outputOf(events, "v1")).toContain("stty size\r\n24 80\r\n");
    expect(await f.resizeShell({ viewId: "v1", rows: 40, cols: 132 })).toBe(true);
    await f.shellInput({ viewId: "v1", data: "stty size\r" });
    expect(outputOf(events, "v1")).toContain("stty size\r\n40 132\r\n");
    await f.shellInput({ viewId: "v1", data: "ls\r" });
    expect(outputOf(events, "v1")).toContain("ls: command not found");
  });

  it("edits the line: backspace, ^C, control characters in caret notation (Ctrl+V is ^V), escape sequences ignored", async () => {
    const { f, labId, events } = await setup();
    await open(f, labId);
    await f.shellInput({ viewId: "v1", data: "echo abx\u007fc\u001b[A\r" });
    expect(outputOf(events, "v1")).toContain("\r\nabc\r\n");
    await f.shellInput({ viewId: "v1", data: "\u0016" });
    expect(outputOf(events, "v1").endsWith("^V")).toBe(true);
    await f.shellInput({ viewId: "v1", data: "\u0003" });
    expect(outputOf(events, "v1").endsWith("^C\r\nspine1# ")).toBe(true);
  });

  it("answers resize with false on a server without the resize extension", async () => {
    const { f, labId, events } = await setup({ shellResize: false });
    await open(f, labId);
    expect(await f.resizeShell({ viewId: "v1", rows: 40, cols: 132 })).toBe(false);
    await f.shellInput({ viewId: "v1", data: "stty size\r" });
    expect(outputOf(events, "v1")).toContain("24 80");
  });

  it("closes on exit with the server's reason; its view is then not attached", async () => {
    const { f, labId, events } = await setup();
    const shellId = await open(f, labId);
    await f.shellInput({ viewId: "v1", data: "exit\r" });
    expect(outputOf(events, "v1")).toContain("logout");
    expect(updatesOf(events, "v1", "closed")).toEqual([{ kind: "closed", reason: "User closed the shell" }]);
    expect(await f.listShells({ server: SERVER, labId })).toEqual([]);
    const error = await rejection(f.shellInput({ viewId: "v1", data: "x" }));
    expect(error.kind).toBe("command");
    expect(shellId).not.toBe("");
  });

  it("repaints a view that attaches from the backlog, and a detached view hears nothing more", async () => {
    const { f, labId, events } = await setup();
    const shellId = await open(f, labId);
    await f.shellInput({ viewId: "v1", data: "echo before\r" });
    await f.detachShell({ viewId: "v1" });
    const heard = events.length;
    await f.attachShell({ server: SERVER, shellId, viewId: "v2" });
    expect(events.slice(heard).every((e) => e.viewId === "v2")).toBe(true);
    expect(outputOf(events, "v2")).toContain("echo before\r\nbefore\r\nspine1# ");
    await f.shellInput({ viewId: "v2", data: "echo after\r" });
    expect(outputOf(events, "v2")).toContain("after");
    expect(outputOf(events.slice(heard), "v1")).toBe("");
    expect((await rejection(f.shellInput({ viewId: "v1", data: "x" }))).kind).toBe("command");
  });

  it("lists a lab's open shells, and close_shell closes one for every view", async () => {
    const { f, labId, events } = await setup();
    const a = await open(f, labId, "spine1", "v1");
    const b = await open(f, labId, "leaf1", "v2");
    await f.attachShell({ server: SERVER, shellId: a, viewId: "v3" });
    expect(await f.listShells({ server: SERVER, labId })).toEqual([
      { shellId: a, node: "spine1" },
      { shellId: b, node: "leaf1" },
    ]);
    await f.closeShell({ server: SERVER, labId, shellId: a });
    expect(updatesOf(events, "v1", "closed")).toEqual([{ kind: "closed", reason: "shell was closed by the user" }]);
    expect(updatesOf(events, "v3", "closed")).toEqual([{ kind: "closed", reason: "shell was closed by the user" }]);
    expect(await f.listShells({ server: SERVER, labId })).toEqual([{ shellId: b, node: "leaf1" }]);
    expect((await rejection(f.closeShell({ server: SERVER, labId, shellId: a }))).code).toBe(ErrorCode.ShellNotFound);
  });

  it("opens shells only on running nodes of running labs", async () => {
    const { f } = await setup();
    const labs = await f.labs({ server: SERVER });
    const failed = labs.find((l) => l.name === "Broken OSPF");
    const inactive = labs.find((l) => l.name === "Forever");
    if (failed === undefined || inactive === undefined) throw new Error("fixture");
    expect((await rejection(f.openShell({ server: SERVER, labId: inactive.id, node: "spine1", viewId: "v" }))).code).toBe(ErrorCode.LabNotRunning);
    expect((await rejection(f.openShell({ server: SERVER, labId: failed.id, node: "area0-r1", viewId: "v" }))).code).toBe(ErrorCode.LabNotRunning);
    const spine = labs.find((l) => l.name === "Spine Leaf");
    if (spine === undefined) throw new Error("fixture");
    expect((await rejection(f.openShell({ server: SERVER, labId: spine.id, node: "nope", viewId: "v" }))).code).toBe(ErrorCode.NodeNotFound);
  });

  it("closes a node's shells when it stops and the lab's when it is destroyed", async () => {
    const { f, labId, events } = await setup();
    await open(f, labId, "spine1", "v1");
    await open(f, labId, "leaf1", "v2");
    await f.labCommand({ server: SERVER, labId, command: "stopNode", node: "spine1" });
    expect(updatesOf(events, "v1", "closed")).toEqual([{ kind: "closed", reason: "the shell's node has been stopped" }]);
    expect(updatesOf(events, "v2", "closed")).toEqual([]);
    await f.labCommand({ server: SERVER, labId, command: "destroy" });
    expect(updatesOf(events, "v2", "closed")).toEqual([{ kind: "closed", reason: "the shell's node has been stopped" }]);
  });

  it("pops a shell out under the app's window label, and says when such a window closed", async () => {
    const { f, labId } = await setup();
    const shellId = await open(f, labId);
    const label = await f.popOutShell({ server: SERVER, labId, shellId, node: "spine1" });
    expect(label).toBe(`shell-${shellId.replace(/-/g, "")}`);
    expect(f.windows.opened).toEqual([label]);
    const closed: string[] = [];
    await f.onShellWindow((e) => closed.push(e.shellId));
    f.simulateShellWindowClosed(shellId);
    expect(closed).toEqual([shellId.replace(/-/g, "")]);
  });

  it("sends connection and missed updates to a shell's views", async () => {
    const { f, labId, events } = await setup();
    const shellId = await open(f, labId);
    f.simulateShellConnection(shellId, "trouble", "connection reset");
    f.simulateShellMissed(shellId, 4096);
    expect(updatesOf(events, "v1", "connection")).toEqual([{ kind: "connection", state: "trouble", message: "connection reset" }]);
    expect(updatesOf(events, "v1", "missed")).toEqual([{ kind: "missed", bytes: 4096 }]);
  });
});
