// Shells in the app against the fake bridge (terminals on recording engines): the Shell button
// and the double click on running nodes, "Open shells to all nodes", shell tabs next to the log
// tabs with Close, Detach and Pop out, shells found running when a lab opens, tabs that survive
// switching labs and servers, and a popped-out shell's window.

import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { createFakeEngines, FakeTerminals, type FakeEngines } from "../components/terminal/fake-engine.test-util";
import type { FakeBridge } from "../lib/bridge/fake";
import { testBridge } from "../lib/bridge/fake.test-util";
import { shellRouteHash } from "../features/shells/route";
import { startApp } from "./app.test-util";
import { Root } from "./root";

const SERVER = "lab.example.net";

async function start(): Promise<{ f: FakeBridge; engines: FakeEngines }> {
  const engines = createFakeEngines();
  const f = await startApp({}, engines);
  return { f, engines };
}

async function openLab(name: string) {
  const row = screen.getAllByTestId("lab-row").find((r) => r.getAttribute("data-lab-name") === name);
  if (row === undefined) throw new Error(`no row for ${name}`);
  fireEvent.doubleClick(row);
  return screen.findByTestId("lab-open");
}

function backToLabs() {
  fireEvent.click(screen.getByText("← Labs"));
}

const nodeRow = (node: string) => {
  const row = screen.getAllByTestId("node-row").find((r) => r.getAttribute("data-node-name") === node);
  if (row === undefined) throw new Error(`no row for ${node}`);
  return row;
};
const shellButton = (node: string) => within(nodeRow(node)).getByTestId<HTMLButtonElement>("node-shell");
const tabs = () => screen.queryAllByTestId("shell-tab").map((t) => [t.getAttribute("data-node"), t.getAttribute("data-state")]);
const callsOf = (f: FakeBridge, command: string) => f.calls.filter((c) => c.command === command).map((c) => c.args);

/** Waits for a shell tab on `node` to be connected; the tab. */
async function connectedTab(node: string): Promise<HTMLElement> {
  return waitFor(() => {
    const tab = screen.getAllByTestId("shell-tab").find((t) => t.getAttribute("data-node") === node && t.getAttribute("data-state") === "connected");
    if (tab === undefined) throw new Error(`no connected tab on ${node}`);
    return tab;
  });
}

describe("shells in the lab view", () => {
  it("offers Shell on running nodes of a running lab only", async () => {
    const { f } = await start();
    const view = await openLab("Spine Leaf");
    expect(["spine1", "leaf1", "leaf2", "client1"].map((n) => shellButton(n).disabled)).toEqual([false, false, false, false]);
    expect(screen.getByTestId<HTMLButtonElement>("shell-all").disabled).toBe(false);
    await act(async () => {
      await f.labCommand({ server: SERVER, labId: view.getAttribute("data-lab-id") ?? "", command: "stopNode", node: "leaf1" });
    });
    await waitFor(() => {
      expect(shellButton("leaf1").disabled).toBe(true);
    });
    expect(shellButton("leaf1").parentElement?.getAttribute("title")).toBe("The node is not running");

    backToLabs();
    await openLab("Broken OSPF");
    expect(shellButton("area0-r1").disabled).toBe(true);
    expect(shellButton("area0-r1").parentElement?.getAttribute("title")).toBe("The lab is not running");
    expect(screen.getByTestId<HTMLButtonElement>("shell-all").disabled).toBe(true);
  });

  it("opens a shell in a tab next to the logs: its terminal shows the shell and types into it", async () => {
    const { f, engines } = await start();
    await openLab("Spine Leaf");
    fireEvent.click(shellButton("spine1"));
    const tab = await connectedTab("spine1");
    const shellId = tab.getAttribute("data-shell-id") ?? "";
    expect(shellId).not.toBe("");
    // The new tab is shown; the log viewers are not.
    expect(within(tab).getByRole("tab").getAttribute("aria-selected")).toBe("true");
    expect(screen.queryByTestId("log-view")).toBeNull();
    const terminal = screen.getByTestId("terminal");
    // The size comes once the terminal's engine has loaded and fitted the pane.
    await waitFor(() => {
      expect([terminal.getAttribute("data-shell-id"), terminal.getAttribute("data-rows"), terminal.getAttribute("data-cols")]).toEqual([shellId, "24", "80"]);
    });

    const engine = engines.last();
    await waitFor(() => {
      expect(engine.written).toContain("spine1# ");
    });
    act(() => {
      engine.type("echo hello\r");
    });
    await waitFor(() => {
      expect(engine.written).toContain("echo hello\r\nhello\r\n");
    });
    expect(callsOf(f, "resize_shell")).toEqual([{ viewId: (callsOf(f, "open_shell")[0] as { viewId: string }).viewId, rows: 24, cols: 80 }]);

    // The log tabs are still there.
    fireEvent.click(screen.getAllByTestId("log-tab").find((t) => t.getAttribute("data-tab") === "lab") ?? document.body);
    expect(screen.getByTestId("log-view")).toBeTruthy();
    expect(screen.queryByTestId("terminal")).toBeNull();
    expect(screen.getByTestId("terminal-background").getAttribute("data-shell-id")).toBe(shellId);
  });

  it("opens a shell on a double click of a running node's row, not of its buttons", async () => {
    await start();
    await openLab("Spine Leaf");
    fireEvent.doubleClick(within(nodeRow("leaf2")).getByText("running"));
    await connectedTab("leaf2");
    fireEvent.doubleClick(within(nodeRow("client1")).getByTestId("node-stop"));
    expect(tabs()).toEqual([["leaf2", "connected"]]);
  });

  it("opens shells to all running nodes at once", async () => {
    const { f } = await start();
    await openLab("Spine Leaf");
    fireEvent.click(screen.getByTestId("shell-all"));
    await waitFor(() => {
      expect(tabs()).toEqual([
        ["spine1", "connected"],
        ["leaf1", "connected"],
        ["leaf2", "connected"],
        ["client1", "connected"],
      ]);
    });
    fireEvent.click(screen.getByTestId("shell-all"));
    expect(callsOf(f, "open_shell")).toHaveLength(4);
  });

  it("closes a shell from its tab", async () => {
    const { f } = await start();
    const view = await openLab("Spine Leaf");
    fireEvent.click(shellButton("spine1"));
    const tab = await connectedTab("spine1");
    fireEvent.click(within(tab).getByTestId("shell-close"));
    await waitFor(() => {
      expect(tabs()).toEqual([]);
    });
    expect(callsOf(f, "close_shell")).toEqual([{ server: SERVER, labId: view.getAttribute("data-lab-id"), shellId: tab.getAttribute("data-shell-id") }]);
    expect(await f.listShells({ server: SERVER, labId: view.getAttribute("data-lab-id") ?? "" })).toEqual([]);
  });

  it("detaches a shell (running, not attached) and attaches it again, repainted from the backlog", async () => {
    const { f, engines } = await start();
    await openLab("Spine Leaf");
    fireEvent.click(shellButton("leaf1"));
    const tab = await connectedTab("leaf1");
    const shellId = tab.getAttribute("data-shell-id") ?? "";
    act(() => {
      engines.last().type("echo before\r");
    });
    fireEvent.click(within(tab).getByTestId("shell-detach"));
    const entry = await screen.findByTestId("shell-detached");
    expect(tabs()).toEqual([]);
    expect(entry.textContent).toContain("leaf1 — running, not attached");
    expect(entry.getAttribute("data-shell-id")).toBe(shellId);
    expect(callsOf(f, "detach_shell")).toHaveLength(1);

    fireEvent.click(within(entry).getByTestId("shell-reattach"));
    await connectedTab("leaf1");
    expect(screen.queryByTestId("shell-detached")).toBeNull();
    await waitFor(() => {
      expect(engines.last().written).toContain("echo before\r\nbefore\r\n");
    });
    expect(callsOf(f, "attach_shell")).toEqual([{ server: SERVER, shellId, viewId: expect.any(String) as string }]);
  });

  it("shows a closed shell's tab as closed, with the reason in its terminal", async () => {
    const { engines } = await start();
    await openLab("Spine Leaf");
    fireEvent.click(shellButton("spine1"));
    await connectedTab("spine1");
    act(() => {
      engines.last().type("exit\r");
    });
    await waitFor(() => {
      expect(tabs()).toEqual([["spine1", "closed"]]);
    });
    expect(engines.last().written).toContain("[shell closed: User closed the shell]");
    expect(screen.getByTestId("terminal").getAttribute("data-state")).toBe("closed");
    fireEvent.click(screen.getByTestId("shell-close"));
    expect(tabs()).toEqual([]);
  });

  it("lists shells left running when the lab opens, to attach again", async () => {
    const { f } = await start();
    const labId = (await f.labs({ server: SERVER })).find((l) => l.name === "Spine Leaf")?.id ?? "";
    const { shellId } = await f.openShell({ server: SERVER, labId, node: "client1", viewId: "earlier" });
    await f.detachShell({ viewId: "earlier" });
    await openLab("Spine Leaf");
    const entry = await screen.findByTestId("shell-detached");
    expect([entry.getAttribute("data-node"), entry.getAttribute("data-shell-id"), entry.getAttribute("data-where")]).toEqual(["client1", shellId, "server"]);
    expect(entry.textContent).toContain("client1 — running, not attached");
  });

  it("keeps shell tabs while other labs and servers are shown, and repaints them on return", async () => {
    const { f, engines } = await start();
    await openLab("Spine Leaf");
    fireEvent.click(shellButton("spine1"));
    const tab = await connectedTab("spine1");
    act(() => {
      engines.last().type("echo kept\r");
    });
    backToLabs();
    await openLab("EVPN Fabric");
    expect(tabs()).toEqual([]);
    // Leaving the lab detached its view: the shell keeps running.
    expect(callsOf(f, "detach_shell")).toHaveLength(1);

    // Another server, and back.
    fireEvent.click(screen.getAllByTestId("server-item").find((i) => i.getAttribute("data-server-name") === "This computer") ?? document.body);
    await screen.findByText("scratch");
    fireEvent.click(screen.getAllByTestId("server-item").find((i) => i.getAttribute("data-server-name") === SERVER) ?? document.body);
    await screen.findByText("Spine Leaf");
    await openLab("Spine Leaf");
    await connectedTab("spine1");
    expect(screen.getByTestId("shell-tab").getAttribute("data-shell-id")).toBe(tab.getAttribute("data-shell-id"));
    await waitFor(() => {
      expect(engines.last().written).toContain("echo kept\r\nkept\r\n");
    });
  });

  it("pops a shell out into its own window and shows it here again when that window closes", async () => {
    const { f } = await start();
    const view = await openLab("Spine Leaf");
    fireEvent.click(shellButton("spine1"));
    const tab = await connectedTab("spine1");
    const shellId = tab.getAttribute("data-shell-id") ?? "";
    fireEvent.click(within(tab).getByTestId("shell-popout"));
    const entry = await screen.findByTestId("shell-detached");
    expect(entry.textContent).toContain("spine1 — in its own window");
    expect(entry.getAttribute("data-where")).toBe("window");
    expect(callsOf(f, "pop_out_shell")).toEqual([{ server: SERVER, labId: view.getAttribute("data-lab-id"), shellId, node: "spine1" }]);
    expect(tabs()).toEqual([]);

    act(() => {
      f.simulateShellWindowClosed(shellId);
    });
    await connectedTab("spine1");
    expect(screen.queryByTestId("shell-detached")).toBeNull();
  });

  it("shows a shell reconnecting in its tab", async () => {
    const { f } = await start();
    await openLab("Spine Leaf");
    fireEvent.click(shellButton("spine1"));
    const tab = await connectedTab("spine1");
    act(() => {
      f.simulateShellConnection(tab.getAttribute("data-shell-id") ?? "", "trouble", "connection reset");
    });
    expect(tabs()).toEqual([["spine1", "reconnecting"]]);
    expect(tab.textContent).toContain("reconnecting…");
    act(() => {
      f.simulateShellConnection(tab.getAttribute("data-shell-id") ?? "", "connected");
    });
    expect(tabs()).toEqual([["spine1", "connected"]]);
    expect(tab.textContent).toContain("reconnected");
  });

  it("says once, quietly, when the server keeps its own terminal size", async () => {
    const engines = createFakeEngines();
    await startApp({ shellResize: false }, engines);
    await openLab("Spine Leaf");
    fireEvent.click(shellButton("spine1"));
    await connectedTab("spine1");
    expect((await screen.findByTestId("terminal-size-fixed")).textContent).toBe("The terminal stays at the server's size");
    expect(screen.queryAllByTestId("toast")).toEqual([]);
  });
});

describe("a popped-out shell's window", () => {
  async function popped() {
    const f = testBridge();
    const labId = (await f.labs({ server: SERVER })).find((l) => l.name === "Spine Leaf")?.id ?? "";
    const { shellId } = await f.openShell({ server: SERVER, labId, node: "leaf2", viewId: "main" });
    await f.shellInput({ viewId: "main", data: "echo from the main window\r" });
    await f.detachShell({ viewId: "main" });
    const engines = createFakeEngines();
    render(
      <FakeTerminals engines={engines}>
        <Root bridge={f} hash={shellRouteHash({ server: SERVER, labId, shellId, node: "leaf2" })} storage={null} />
      </FakeTerminals>,
    );
    const terminal = await screen.findByTestId("terminal");
    return { f, engines, shellId, labId, terminal };
  }

  it("shows only that shell's terminal, attached with a view of its own", async () => {
    const { f, engines, shellId, terminal } = await popped();
    expect(terminal.getAttribute("data-shell-id")).toBe(shellId);
    expect(screen.queryByTestId("server-item")).toBeNull();
    expect(screen.queryByTestId("lab-open")).toBeNull();
    const header = screen.getByTestId("shell-window");
    await waitFor(() => {
      expect(header.textContent).toContain("Spine Leaf");
    });
    expect(header.textContent).toContain("leaf2");
    expect(header.textContent).toContain(SERVER);
    expect(callsOf(f, "attach_shell")).toEqual([{ server: SERVER, shellId, viewId: expect.any(String) as string }]);
    await waitFor(() => {
      expect(engines.last().written).toContain("echo from the main window\r\nfrom the main window");
    });
    expect(document.title).toBe("leaf2 — Spine Leaf — Antimony");
  });

  it("goes back to the main window: detaches its view, then closes its window", async () => {
    const { f } = await popped();
    await waitFor(() => {
      expect(callsOf(f, "attach_shell")).toHaveLength(1);
    });
    const viewId = (callsOf(f, "attach_shell")[0] as { viewId: string }).viewId;
    fireEvent.click(screen.getByTestId("shell-window-back"));
    await waitFor(() => {
      expect(f.windows.closedOwn).toBe(1);
    });
    expect(callsOf(f, "detach_shell").at(-1)).toEqual({ viewId });
  });

  it("closes the shell and says so", async () => {
    const { f, engines, shellId, labId } = await popped();
    await waitFor(() => {
      expect(callsOf(f, "attach_shell")).toHaveLength(1);
    });
    fireEvent.click(screen.getByTestId("shell-window-close-shell"));
    await waitFor(() => {
      expect(screen.getByTestId("terminal").getAttribute("data-state")).toBe("closed");
    });
    expect(callsOf(f, "close_shell")).toEqual([{ server: SERVER, labId, shellId }]);
    expect(engines.last().written).toContain("[shell closed: shell was closed by the user]");
    expect(screen.getByTestId<HTMLButtonElement>("shell-window-close-shell").disabled).toBe(true);
  });
});
