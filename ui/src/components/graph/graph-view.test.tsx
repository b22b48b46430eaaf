// The graph view with a recording engine (jsdom has no canvas): what it hands the engine, the
// keyboard list of nodes, positions kept per graph, and the topology's problems.
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { createFakeGraphEngines, FakeGraphs, type FakeGraphEngines } from "./fake-engine.test-util";
import { GraphView } from "./graph-view";
import type { GraphModel, GraphNode } from "./model";
import { loadPositions } from "./positions";

afterEach(() => {
  localStorage.clear();
});

function graphNode(id: string, extra: Partial<GraphNode> = {}): GraphNode {
  return { id, label: id, kind: "linux", tone: "green", stateLabel: "running", dimmed: false, missing: false, group: null, level: null, position: null, details: "", ...extra };
}

const MODEL: GraphModel = {
  nodes: [graphNode("a", { position: { x: 0, y: 0 } }), graphNode("b", { position: { x: 100, y: 0 } }), graphNode("c", { position: { x: 0, y: 100 }, tone: "red", stateLabel: "exited" })],
  edges: [{ id: "l0", source: "a", target: "b", sourceLabel: "eth1", targetLabel: "eth1" }],
};

interface Seen {
  selected: (string | null)[];
  activated: string[];
}

function Harness({ model, seen, problem = null }: { model: GraphModel; seen: Seen; problem?: string | null }) {
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <GraphView
      model={model}
      problem={problem}
      storageKey="srv/lab"
      selected={selected}
      onSelect={(id) => {
        seen.selected.push(id);
        setSelected(id);
      }}
      onActivate={(id) => seen.activated.push(id)}
      label="Nodes of the lab"
    />
  );
}

function show(model: GraphModel, problem: string | null = null) {
  const engines = createFakeGraphEngines();
  const seen: Seen = { selected: [], activated: [] };
  const view = render(
    <FakeGraphs engines={engines}>
      <Harness model={model} seen={seen} problem={problem} />
    </FakeGraphs>,
  );
  const rerender = (next: GraphModel) => {
    view.rerender(
      <FakeGraphs engines={engines}>
        <Harness model={next} seen={seen} problem={problem} />
      </FakeGraphs>,
    );
  };
  return { engines, seen, rerender };
}

async function ready(engines: FakeGraphEngines) {
  await waitFor(() => {
    expect(screen.getByTestId("graph").dataset.ready).toBe("true");
  });
  return engines.last();
}

const buttons = () => screen.getAllByTestId("graph-node");

describe("GraphView", () => {
  it("hands the model to one engine and later models as updates, without a new engine", async () => {
    const { engines, rerender } = show(MODEL);
    const engine = await ready(engines);
    expect(engine.options.model).toBe(MODEL);
    const stopped: GraphModel = { ...MODEL, nodes: MODEL.nodes.map((n) => (n.id === "a" ? { ...n, tone: "red", stateLabel: "exited" } : n)) };
    rerender(stopped);
    expect(engines.made).toHaveLength(1);
    expect(engine.model()).toBe(stopped);
    expect(buttons().map((b) => [b.dataset.nodeName, b.dataset.state, b.dataset.tone])).toEqual([
      ["a", "exited", "red"],
      ["b", "running", "green"],
      ["c", "exited", "red"],
    ]);
  });

  it("keeps positions per graph and gives them to the next engine", async () => {
    const first = show(MODEL);
    await ready(first.engines);
    expect(loadPositions("srv/lab")).toEqual({ a: { x: 0, y: 0 }, b: { x: 100, y: 0 }, c: { x: 0, y: 100 } });
    act(() => {
      first.engines.last().options.onPositions({ a: { x: 5, y: 5 }, b: { x: 100, y: 0 }, c: { x: 0, y: 100 } });
    });
    expect(loadPositions("srv/lab").a).toEqual({ x: 5, y: 5 });
  });

  it("selects on click, activates on double click, and marks where nodes are on screen", async () => {
    const { engines, seen } = show(MODEL);
    const engine = await ready(engines);
    act(() => {
      engine.click("b");
    });
    expect(seen.selected).toEqual(["b"]);
    await waitFor(() => {
      expect(engine.selected.at(-1)).toBe("b");
    });
    expect(buttons()[1]?.getAttribute("aria-pressed")).toBe("true");
    act(() => {
      engine.doubleClick("c");
      engine.click(null);
    });
    expect(seen.activated).toEqual(["c"]);
    expect(seen.selected.at(-1)).toBeNull();
    expect([buttons()[1]?.dataset.x, buttons()[1]?.dataset.y]).toEqual(["100", "0"]);
  });

  it("is one tab stop; the arrow keys move to the nearest node that way, Enter activates, Esc unselects", async () => {
    const { engines, seen } = show(MODEL);
    await ready(engines);
    expect(buttons().map((b) => b.tabIndex)).toEqual([0, -1, -1]);
    const a = buttons()[0];
    if (a === undefined) throw new Error("no node a");
    a.focus();
    fireEvent.keyDown(a, { key: "ArrowRight" });
    expect(document.activeElement?.getAttribute("data-node-name")).toBe("b");
    expect(seen.selected.at(-1)).toBe("b");
    fireEvent.keyDown(document.activeElement ?? a, { key: "ArrowDown" });
    expect(document.activeElement?.getAttribute("data-node-name")).toBe("c");
    // Nothing further down: it stays.
    fireEvent.keyDown(document.activeElement ?? a, { key: "ArrowDown" });
    expect(document.activeElement?.getAttribute("data-node-name")).toBe("c");
    expect(buttons().map((b) => b.tabIndex)).toEqual([-1, -1, 0]);
    fireEvent.keyDown(document.activeElement ?? a, { key: "Home" });
    expect(document.activeElement?.getAttribute("data-node-name")).toBe("a");
    fireEvent.keyDown(document.activeElement ?? a, { key: "Enter" });
    expect(seen.activated).toEqual(["a"]);
    const escape = fireEvent.keyDown(document.activeElement ?? a, { key: "Escape" });
    expect(escape).toBe(false); // prevented: the app's Esc (back to the labs) does not see it
    expect(seen.selected.at(-1)).toBeNull();
  });

  it("shows the topology's problem instead of a graph, and makes no engine", () => {
    const { engines } = show(MODEL, "it is not valid YAML: bad indentation");
    expect(screen.getByTestId("graph-problem").textContent).toBe("The topology cannot be drawn: it is not valid YAML: bad indentation");
    expect(engines.made).toHaveLength(0);
    expect(screen.queryAllByTestId("graph-node")).toHaveLength(0);
  });

  it("shows a node's details on hover", async () => {
    const { engines } = show({ ...MODEL, nodes: [graphNode("a", { details: "linux\nIPv4 172.20.20.2/24" })] });
    const engine = await ready(engines);
    const tip = screen.getByTestId("graph-tooltip");
    expect(tip.hidden).toBe(true);
    act(() => {
      engine.hover("a");
    });
    expect(tip.hidden).toBe(false);
    expect(tip.textContent).toBe("alinux\nIPv4 172.20.20.2/24");
    act(() => {
      engine.hover(null);
    });
    expect(tip.hidden).toBe(true);
  });
});
