// The nodes table of a big lab draws only the rows in view, and a lab update changes rows in
// place.
import { act, fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { InstanceState } from "../../bindings";
import { lab, node } from "./fixtures.test-util";
import { joinNodes } from "./lab-nodes";
import { NodesTable, VIRTUAL_OVER } from "./nodes-table";

const identity = { id: "alice", isAdmin: false };
const noop = () => undefined;

function bigLab(count: number, stopped: number | null = null) {
  const l = lab("Big", InstanceState.Running);
  const nodes = Array.from({ length: count }, (_, i) => node(`n${String(i)}`, i === stopped ? "exited" : "running"));
  if (l.instance !== undefined) l.instance = { ...l.instance, nodes };
  return { l, entries: joinNodes(null, nodes) };
}

const rowNames = () => screen.getAllByTestId("node-row").map((r) => r.getAttribute("data-node-name"));

describe("NodesTable", () => {
  it("draws every row of a small lab", () => {
    const { l, entries } = bigLab(VIRTUAL_OVER);
    render(<NodesTable lab={l} nodes={entries} identity={identity} pending={{}} onCommand={noop} onCopy={noop} onOpenLog={noop} />);
    expect(screen.getAllByTestId("node-row")).toHaveLength(VIRTUAL_OVER);
  });

  it("draws only the rows in view of a big lab, keeps the others' space, and follows the scroll", async () => {
    const { l, entries } = bigLab(200);
    const { container } = render(<NodesTable lab={l} nodes={entries} identity={identity} pending={{}} onCommand={noop} onCopy={noop} onOpenLog={noop} />);
    const drawn = rowNames();
    expect(drawn.length).toBeLessThan(40);
    expect(drawn[0]).toBe("n0");
    const spacers = container.querySelectorAll<HTMLTableRowElement>("tr.nodes-spacer");
    expect(spacers).toHaveLength(2);
    expect(spacers[1]?.style.height).toBe(`${String((200 - drawn.length) * 35)}px`);

    const scroller = container.querySelector<HTMLDivElement>(".nodes-scroll");
    if (scroller === null) throw new Error("no scroller");
    scroller.scrollTop = 100 * 35;
    fireEvent.scroll(scroller);
    await act(async () => {
      await new Promise((r) => {
        requestAnimationFrame(() => {
          r(undefined);
        });
      });
    });
    expect(rowNames()).toContain("n100");
    expect(rowNames()).not.toContain("n0");
    expect(spacers[0]?.style.height).toBe(`${String(92 * 35)}px`);
  });

  it("updates the row whose node changed in place, keeping every row's element", () => {
    const first = bigLab(20);
    const { rerender } = render(<NodesTable lab={first.l} nodes={first.entries} identity={identity} pending={{}} onCommand={noop} onCopy={noop} onOpenLog={noop} />);
    const before = screen.getAllByTestId("node-row");
    const next = bigLab(20, 3);
    rerender(<NodesTable lab={next.l} nodes={next.entries} identity={identity} pending={{}} onCommand={noop} onCopy={noop} onOpenLog={noop} />);
    const after = screen.getAllByTestId("node-row");
    expect(after[3]?.getAttribute("data-state")).toBe("exited");
    // Same elements: rows are kept, not rebuilt.
    expect(after.every((row, i) => row === before[i])).toBe(true);
  });
});
