// The terminal component with a recording engine (jsdom cannot run xterm): it connects output,
// reports sizes (fitted at once, then debounced while its pane resizes), keeps Ctrl+Shift+C/V/F
// for copy, paste and search and leaves every other key to the shell, and copies links instead
// of following them.

import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFakeEngines, FakeTerminals, type FakeEngines } from "./fake-engine.test-util";
import type { TerminalSize } from "./engine";
import { RESIZE_DEBOUNCE_MS, TerminalView, type TerminalScreen } from "./terminal-view";

/** ResizeObservers made by the component, to call as the browser would. */
const observers: (() => void)[] = [];
class FakeResizeObserver {
  constructor(private readonly callback: () => void) {}
  observe() {
    observers.push(this.callback);
  }
  disconnect() {
    const i = observers.indexOf(this.callback);
    if (i >= 0) observers.splice(i, 1);
  }
  unobserve() {
    // not used
  }
}

let copied: string[] = [];
beforeEach(() => {
  vi.stubGlobal("ResizeObserver", FakeResizeObserver);
  copied = [];
  Object.defineProperty(navigator, "clipboard", {
    configurable: true,
    value: {
      writeText: (text: string) => {
        copied.push(text);
        return Promise.resolve();
      },
      readText: () => Promise.reject(new Error("not allowed")),
    },
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
  Reflect.deleteProperty(navigator, "clipboard");
  observers.splice(0);
});

async function mount(props: { active?: boolean; size?: TerminalSize | null } = {}) {
  const engines: FakeEngines = createFakeEngines(props.size === undefined ? { rows: 24, cols: 80 } : props.size);
  const sizes: TerminalSize[] = [];
  const typed: string[] = [];
  let screenOf: TerminalScreen | null = null;
  let disconnected = 0;
  const view = render(
    <FakeTerminals engines={engines}>
      <TerminalView
        label="Shell on r1"
        active={props.active ?? true}
        connect={(s) => {
          screenOf = s;
          return () => {
            disconnected += 1;
          };
        }}
        onData={(d) => typed.push(d)}
        onResize={(s) => sizes.push(s)}
      />
    </FakeTerminals>,
  );
  await waitFor(() => {
    expect(engines.made).toHaveLength(1);
  });
  const engine = engines.last();
  return {
    engine,
    sizes,
    typed,
    view,
    screen: () => {
      if (screenOf === null) throw new Error("not connected");
      return screenOf;
    },
    disconnected: () => disconnected,
  };
}

describe("TerminalView", () => {
  it("connects its output, passes typing on, and lets go on unmount", async () => {
    const t = await mount();
    t.screen().write("hello\r\n");
    expect(t.engine.written).toBe("hello\r\n");
    t.engine.type("ls\r");
    expect(t.typed).toEqual(["ls\r"]);
    t.view.unmount();
    expect(t.disconnected()).toBe(1);
    expect(t.engine.disposed).toBe(true);
  });

  it("fits its pane at once and takes the focus when shown", async () => {
    const t = await mount();
    expect(t.sizes).toEqual([{ rows: 24, cols: 80 }]);
    expect(t.engine.focused).toBeGreaterThan(0);
    expect(t.engine.options.host.classList.contains("terminal-screen")).toBe(true);
  });

  it("reports nothing while its pane has no size (a hidden tab)", async () => {
    const t = await mount({ active: false, size: null });
    expect(t.sizes).toEqual([]);
    expect(t.engine.focused).toBe(0);
  });

  it("refits once the pane has held a new size for the debounce time", async () => {
    const t = await mount();
    vi.useFakeTimers();
    const resize = (rows: number, cols: number) => {
      t.engine.size = { rows, cols };
      act(() => {
        for (const o of observers) o();
      });
    };
    resize(30, 100);
    act(() => {
      vi.advanceTimersByTime(RESIZE_DEBOUNCE_MS / 2);
    });
    resize(40, 120);
    act(() => {
      vi.advanceTimersByTime(RESIZE_DEBOUNCE_MS - 1);
    });
    expect(t.sizes).toEqual([{ rows: 24, cols: 80 }]);
    act(() => {
      vi.advanceTimersByTime(1);
    });
    expect(t.sizes).toEqual([
      { rows: 24, cols: 80 },
      { rows: 40, cols: 120 },
    ]);
    // The same size again is not news.
    resize(40, 120);
    act(() => {
      vi.advanceTimersByTime(RESIZE_DEBOUNCE_MS);
    });
    expect(t.sizes).toHaveLength(2);
  });

  it("copies the selection on Ctrl+Shift+C instead of sending ^C", async () => {
    const t = await mount();
    t.engine.selected = "spine1# show version";
    let result = { handled: true, prevented: false };
    act(() => {
      result = t.engine.key({ key: "C", code: "KeyC", ctrlKey: true, shiftKey: true });
    });
    expect(result).toEqual({ handled: false, prevented: true });
    await waitFor(() => {
      expect(copied).toEqual(["spine1# show version"]);
    });
    // Its keyup is the page's too, and copies nothing more.
    expect(t.engine.key({ type: "keyup", key: "C", code: "KeyC", ctrlKey: true, shiftKey: true }).handled).toBe(false);
    expect(copied).toHaveLength(1);
  });

  it("leaves Ctrl+Shift+V to the webview's native paste, and Ctrl+V to the shell", async () => {
    const t = await mount();
    expect(t.engine.key({ key: "V", code: "KeyV", ctrlKey: true, shiftKey: true })).toEqual({ handled: false, prevented: false });
    expect(t.engine.key({ key: "v", code: "KeyV", ctrlKey: true })).toEqual({ handled: true, prevented: false });
    expect(t.engine.key({ key: "c", code: "KeyC", ctrlKey: true })).toEqual({ handled: true, prevented: false });
    expect(t.engine.key({ key: "Escape", code: "Escape" }).handled).toBe(true);
  });

  it("searches the scrollback: Ctrl+Shift+F, typing, Enter and Shift+Enter, Esc back to the shell", async () => {
    const t = await mount();
    act(() => {
      t.engine.key({ key: "F", code: "KeyF", ctrlKey: true, shiftKey: true });
    });
    const field = await screen.findByTestId("terminal-search");
    await waitFor(() => {
      expect(document.activeElement).toBe(field);
    });
    fireEvent.change(field, { target: { value: "bgp" } });
    fireEvent.keyDown(field, { key: "Enter" });
    fireEvent.keyDown(field, { key: "Enter", shiftKey: true });
    expect(t.engine.finds).toEqual([
      { query: "bgp", direction: "next", incremental: true },
      { query: "bgp", direction: "next", incremental: false },
      { query: "bgp", direction: "previous", incremental: false },
    ]);
    act(() => {
      t.engine.options.onSearchResults({ index: 1, count: 7 });
    });
    expect(screen.getByTestId("terminal-search-count").textContent).toBe("2 of 7");

    const windowEscapes = vi.fn();
    window.addEventListener("keydown", windowEscapes);
    const focusedBefore = t.engine.focused;
    fireEvent.keyDown(field, { key: "Escape" });
    window.removeEventListener("keydown", windowEscapes);
    expect(windowEscapes).not.toHaveBeenCalled();
    expect(screen.queryByTestId("terminal-search")).toBeNull();
    expect(t.engine.searchCleared).toBe(1);
    expect(t.engine.focused).toBe(focusedBefore + 1);
  });

  it("copies a link on Ctrl+click and never follows one", async () => {
    const t = await mount();
    const open = vi.spyOn(window, "open");
    act(() => {
      t.engine.clickLink("https://containerlab.dev");
    });
    await Promise.resolve();
    expect(copied).toEqual([]);
    act(() => {
      t.engine.clickLink("https://containerlab.dev", { ctrlKey: true });
    });
    await waitFor(() => {
      expect(copied).toEqual(["https://containerlab.dev"]);
    });
    act(() => {
      t.engine.options.onLinkHover("https://containerlab.dev");
    });
    expect(screen.getByTestId("terminal-link").textContent).toBe("Ctrl+click copies https://containerlab.dev");
    expect(open).not.toHaveBeenCalled();
  });
});
