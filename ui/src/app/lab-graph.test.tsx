// The lab view's graph in the app, against the fake bridge (with a recording graph engine):
// the topology joined with the instance, live states without a new engine, a node's panel and
// its actions, undeployed labs greyed; and the dashboard's "not scheduled" / "no end" and counts.

import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { createFakeEngines } from "../components/terminal/fake-engine.test-util";
import { createFakeGraphEngines } from "../components/graph/fake-engine.test-util";
import { startApp } from "./app.test-util";

async function openLab(name: string) {
  const row = screen.getAllByTestId("lab-row").find((r) => r.getAttribute("data-lab-name") === name);
  if (row === undefined) throw new Error(`no row for ${name}`);
  fireEvent.doubleClick(row);
  return screen.findByTestId("lab-open");
}

async function graphReady() {
  await waitFor(() => {
    expect(screen.getByTestId("graph").dataset.ready).toBe("true");
  });
}

const graphNodes = () => screen.getAllByTestId("graph-node").map((b) => [b.dataset.nodeName, b.dataset.state, b.dataset.tone]);

describe("the lab's graph", () => {
  it("draws the topology with the instance's states, and recolours a node stopped from its panel", async () => {
    const graphs = createFakeGraphEngines();
    await startApp({}, createFakeEngines(), graphs);
    await openLab("Spine Leaf");
    await graphReady();
    const engine = graphs.last();
    expect(graphNodes()).toEqual([
      ["spine1", "running", "green"],
      ["leaf1", "running", "green"],
      ["leaf2", "running", "green"],
      ["client1", "running", "green"],
    ]);
    expect(engine.model().edges.map((e) => `${e.source}:${e.sourceLabel} ${e.target}:${e.targetLabel}`)).toEqual([
      "spine1:e1-1 leaf1:e1-49",
      "spine1:e1-2 leaf2:e1-49",
      "leaf1:e1-1 client1:eth1",
      "leaf2:e1-1 client1:eth2",
    ]);
    expect(engine.model().nodes.map((n) => n.level)).toEqual([1, 2, 2, 3]);

    act(() => {
      engine.click("leaf2");
    });
    const panel = await screen.findByTestId("node-panel");
    expect(panel.getAttribute("data-node-name")).toBe("leaf2");
    // The table marks the same node.
    expect(screen.getAllByTestId("node-row").find((r) => r.classList.contains("is-selected"))?.getAttribute("data-node-name")).toBe("leaf2");
    fireEvent.click(within(panel).getByTestId("node-panel-stop"));
    await waitFor(() => {
      expect(graphNodes()[2]).toEqual(["leaf2", "exited", "red"]);
    });
    expect(engine.model().nodes.find((n) => n.id === "leaf2")?.tone).toBe("red");
    // Recoloured in place: the same engine, never laid out again.
    expect(graphs.made).toHaveLength(1);
    expect(engine.relayouts).toBe(0);
    expect(within(panel).getByTestId<HTMLButtonElement>("node-panel-start").disabled).toBe(false);
    expect(within(panel).getByTestId<HTMLButtonElement>("node-panel-stop").disabled).toBe(true);

    // Its close button closes the panel and stays in the lab.
    fireEvent.click(within(panel).getByRole("button", { name: /Close the node's panel/ }));
    expect(screen.queryByTestId("node-panel")).toBeNull();
    expect(screen.getByTestId("lab-open")).toBeTruthy();
  });

  it("opens a node's shell on a double click, and its log where it has no shell", async () => {
    const graphs = createFakeGraphEngines();
    const f = await startApp({}, createFakeEngines(), graphs);
    await openLab("Spine Leaf");
    await graphReady();
    act(() => {
      graphs.last().doubleClick("leaf1");
    });
    await waitFor(() => {
      expect(f.calls.some((c) => c.command === "open_shell" && (c.args as { node: string }).node === "leaf1")).toBe(true);
    });

    fireEvent.click(screen.getByText("← Labs"));
    await openLab("Broken OSPF"); // failed: no shells, but node logs
    await graphReady();
    act(() => {
      graphs.last().doubleClick("area0-r2");
    });
    await waitFor(() => {
      expect(screen.getAllByTestId("log-tab").find((t) => t.getAttribute("aria-selected") === "true")?.getAttribute("data-tab")).toBe("area0-r2");
    });
    // Its topology links a node it does not define: drawn as a placeholder.
    expect(graphNodes().at(-1)).toEqual(["area1-r3", "not in the topology", "none"]);
  });

  it("shows the nodes of a lab that is not deployed, greyed, in the graph and the table", async () => {
    const graphs = createFakeGraphEngines();
    await startApp({}, createFakeEngines(), graphs);
    const view = await openLab("Forever");
    expect(view.getAttribute("data-state")).toBe("inactive");
    await graphReady();
    expect(graphNodes()).toEqual([
      ["spine1", "not deployed", "none"],
      ["leaf1", "not deployed", "none"],
      ["leaf2", "not deployed", "none"],
      ["client1", "not deployed", "none"],
    ]);
    expect(graphs.last().model().nodes.every((n) => n.dimmed)).toBe(true);
    expect(screen.getAllByTestId("node-row").map((r) => [r.getAttribute("data-node-name"), r.getAttribute("data-deployed")])).toEqual([
      ["spine1", "false"],
      ["leaf1", "false"],
      ["leaf2", "false"],
      ["client1", "false"],
    ]);
    expect(screen.queryAllByTestId("node-stop")).toHaveLength(0);
    expect(screen.queryByText(/the nodes appear once the lab is deployed/)).toBeNull();
    // Its panel says how to start it, with no node actions.
    act(() => {
      graphs.last().click("leaf1");
    });
    const panel = await screen.findByTestId("node-panel");
    expect(panel.textContent).toContain("Deploy the lab to start its nodes.");
    expect(within(panel).queryByTestId("node-panel-stop")).toBeNull();
  });

  it("draws groups from the topology's graph-group labels", async () => {
    const graphs = createFakeGraphEngines();
    await startApp({}, createFakeEngines(), graphs);
    await openLab("EVPN Fabric");
    await graphReady();
    expect(graphs.last().model().nodes.map((n) => [n.id, n.group])).toEqual([
      ["spine", "fabric"],
      ["leaf-a", "fabric"],
      ["leaf-b", "fabric"],
      ["host-a", null],
      ["host-b", null],
    ]);
  });
});

describe("times and counts", () => {
  it("says 'not scheduled' and 'no end' instead of far-off years", async () => {
    const f = await startApp();
    // Imported without a deploy: parked in 2099 by the import.
    await act(async () => {
      await f.importTopology({ server: "lab.example.net", fileName: "ring.clab.yml", definition: "name: ring\ntopology:\n  nodes:\n    r1: {kind: linux}\n", deploy: false });
    });
    const row = await waitFor(() => {
      const found = screen.getAllByTestId("lab-row").find((r) => r.getAttribute("data-lab-name") === "ring");
      if (found === undefined) throw new Error("no ring row");
      return found;
    });
    expect(within(row).getByTestId("lab-ends").textContent).toBe("not scheduled");
    const forever = screen.getAllByTestId("lab-row").find((r) => r.getAttribute("data-lab-name") === "Forever");
    expect(forever === undefined ? null : within(forever).getByTestId("lab-ends").textContent).toBe("no end");
    expect(screen.getByRole("main").textContent).not.toMatch(/2099|2199/);
    for (const cell of screen.getAllByTestId("lab-ends")) expect(cell.getAttribute("title")).not.toMatch(/2099|2199/);

    await openLab("ring");
    expect(screen.getByTestId("lab-times").textContent).toBe("not scheduled");
    expect(screen.getByTestId("lab-open").textContent).not.toMatch(/2099|2199/);
    fireEvent.click(screen.getByText("← Labs"));
    await openLab("Forever");
    expect(screen.getByTestId("lab-times").textContent).toBe("no end");
  });

  it("counts labs in the singular and the plural", async () => {
    await startApp();
    const count = () => document.querySelector(".toolbar-count")?.textContent;
    expect(count()).toBe("6 labs");
    fireEvent.change(screen.getByTestId("lab-search"), { target: { value: "Spine" } });
    expect(count()).toBe("1 of 6 labs");
  });
});
