// The log viewer against the fake bridge: it subscribes and unsubscribes, appends what
// `antimony://logs` delivers for its stream only, shows markers, searches and exports.

import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { BridgeContext } from "../../lib/bridge";
import { createFakeBridge, type FakeBridge } from "../../lib/bridge/fake";
import { LogViewer } from "./log-viewer";

let fake: FakeBridge | null = null;
afterEach(() => {
  fake?.dispose();
  fake = null;
});

const SERVER = "lab.example.net";
const LAB = "lab-1";
const STREAM = `/logs/${LAB}`;

async function mount(capacity?: number) {
  fake = createFakeBridge({ latencyMs: 0, stepMs: 0, chatterMs: 0 });
  const f = fake;
  const view = render(
    <BridgeContext.Provider value={f}>
      <LogViewer server={SERVER} labId={LAB} name="Test lab log" active capacity={capacity} />
    </BridgeContext.Provider>,
  );
  await waitFor(() => {
    expect(f.calls.some((c) => c.command === "subscribe_logs")).toBe(true);
  });
  return { f, view };
}

function deliver(f: FakeBridge, lines: string[], extra: { missed?: number; restarted?: boolean; stream?: string; server?: string } = {}) {
  act(() => {
    f.simulateLogs({ server: extra.server ?? SERVER, stream: extra.stream ?? STREAM, lines, missed: extra.missed ?? 0, restarted: extra.restarted ?? false });
  });
}

const lineTexts = () => screen.queryAllByTestId("log-line").map((l) => l.textContent);

describe("LogViewer", () => {
  it("subscribes to its stream and unsubscribes on unmount", async () => {
    const { f, view } = await mount();
    expect(f.calls.find((c) => c.command === "subscribe_logs")?.args).toEqual({ server: SERVER, labId: LAB });
    view.unmount();
    await waitFor(() => {
      expect(f.calls.find((c) => c.command === "unsubscribe_logs")?.args).toEqual({ server: SERVER, stream: STREAM });
    });
  });

  it("appends its stream's batches, with colours, and ignores other streams", async () => {
    const { f } = await mount();
    deliver(f, ["one", "\u001b[31mtwo\u001b[0m"]);
    deliver(f, ["not mine"], { stream: "/logs/other" });
    deliver(f, ["not mine either"], { server: "elsewhere" });
    deliver(f, ["three"]);
    const root = screen.getByTestId("log-view");
    await waitFor(() => {
      expect(root.getAttribute("data-line-count")).toBe("3");
    });
    expect(root.getAttribute("data-stream")).toBe(STREAM);
    expect(lineTexts()).toEqual(["one", "two", "three"]);
    expect(root.querySelector(".ansi-fg-1")?.textContent).toBe("two");
  });

  it("marks a restarted stream and trimmed lines", async () => {
    const { f } = await mount();
    deliver(f, ["old"]);
    deliver(f, ["new"], { restarted: true, missed: 2 });
    await waitFor(() => {
      expect(lineTexts()).toEqual(["old", "— log restarted —", "— 2 earlier lines were trimmed on the server —", "new"]);
    });
    expect(screen.getByTestId("log-view").getAttribute("data-line-count")).toBe("2");
  });

  it("says how many old lines were dropped past its bound", async () => {
    const { f } = await mount(3);
    deliver(f, ["a", "b", "c", "d", "e"]);
    await screen.findByText("2 older lines were dropped; the newest 3 are kept.");
    expect(lineTexts()).toEqual(["c", "d", "e"]);
    expect(screen.getByText("5 lines")).toBeTruthy();
  });

  it("searches with a match count, Enter and Shift+Enter, and highlights the current match", async () => {
    const { f } = await mount();
    deliver(f, ["error one", "fine", "Error two", "error three"]);
    await waitFor(() => {
      expect(lineTexts()).toHaveLength(4);
    });
    fireEvent.keyDown(window, { key: "f", ctrlKey: true });
    const search = screen.getByRole("searchbox", { name: "Search Test lab log" });
    expect(document.activeElement).toBe(search);
    fireEvent.change(search, { target: { value: "error" } });
    expect(screen.getByText("1 of 3")).toBeTruthy();
    const current = () => document.querySelector(".log-line--current")?.textContent;
    expect(current()).toBe("error one");
    fireEvent.keyDown(search, { key: "Enter" });
    expect(screen.getByText("2 of 3")).toBeTruthy();
    expect(current()).toBe("Error two");
    fireEvent.keyDown(search, { key: "Enter", shiftKey: true });
    fireEvent.keyDown(search, { key: "Enter", shiftKey: true });
    expect(screen.getByText("3 of 3")).toBeTruthy();
    expect(current()).toBe("error three");
    expect(document.querySelectorAll("mark.log-mark")).toHaveLength(3);
    fireEvent.change(search, { target: { value: "nothing" } });
    expect(screen.getByText("No matches")).toBeTruthy();
    // Esc leaves the search box for the lines; / comes back to it
    fireEvent.keyDown(search, { key: "Escape" });
    expect(document.activeElement).toBe(screen.getByRole("log"));
    fireEvent.keyDown(screen.getByRole("log"), { key: "/" });
    expect(document.activeElement).toBe(search);
  });

  it("pauses when scrolled up and follows again with End or the button", async () => {
    const { f } = await mount();
    deliver(f, ["a", "b"]);
    const follow = await screen.findByRole("button", { name: "Following" });
    expect(follow.getAttribute("aria-pressed")).toBe("true");
    fireEvent.wheel(screen.getByRole("log"), { deltaY: -100 });
    const paused = screen.getByRole("button", { name: "Follow" });
    expect(paused.getAttribute("aria-pressed")).toBe("false");
    fireEvent.keyDown(screen.getByRole("log"), { key: "End" });
    expect(screen.getByRole("button", { name: "Following" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Following" }));
    fireEvent.click(screen.getByRole("button", { name: "Follow" }));
    expect(screen.getByRole("button", { name: "Following" })).toBeTruthy();
  });

  it("exports the held lines as plain text through the bridge", async () => {
    const { f } = await mount();
    deliver(f, ["\u001b[32mgreen\u001b[0m line", "plain"]);
    await waitFor(() => {
      expect(lineTexts()).toHaveLength(2);
    });
    fireEvent.click(screen.getByRole("button", { name: "Export…" }));
    await waitFor(() => {
      expect(f.files.get("/home/user/Test-lab-log.log")).toBe("green line\nplain\n");
    });
  });
});
