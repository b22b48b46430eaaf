// A terminal engine for tests: jsdom cannot lay xterm out, so this one records what the
// terminal component does with it (writes, fits, searches, focus) and lets a test type, press
// keys and click links as the engine would report them.

import type { ReactNode } from "react";
import type { TerminalEngine, TerminalEngineLoader, TerminalEngineOptions, TerminalSize } from "./engine";
import { TerminalEngineContext } from "./engine-context";

export interface FakeEngine extends TerminalEngine {
  readonly options: TerminalEngineOptions;
  /** Everything written, joined. */
  written: string;
  /** The size `fit` answers (`null`: the pane has no size). */
  size: TerminalSize | null;
  fits: number;
  focused: number;
  /** What `selection()` answers. */
  selected: string;
  pasted: string[];
  finds: { query: string; direction: "next" | "previous"; incremental: boolean }[];
  searchCleared: number;
  disposed: boolean;
  /** Types as the user would: the engine's `onData`. */
  type(data: string): void;
  /**
   * A key event as the engine sees it first: whether the engine would handle it (the
   * component's answer), and whether the component prevented the webview's default.
   */
  key(init: KeyboardEventInit & { type?: "keydown" | "keypress" | "keyup" }): { handled: boolean; prevented: boolean };
  /** A click on a link. */
  clickLink(uri: string, init?: MouseEventInit): void;
}

export interface FakeEngines {
  loader: TerminalEngineLoader;
  /** Every engine made, in order. */
  made: FakeEngine[];
  /** The last engine made. */
  last(): FakeEngine;
}

export function createFakeEngines(size: TerminalSize | null = { rows: 24, cols: 80 }): FakeEngines {
  const made: FakeEngine[] = [];
  const create = (options: TerminalEngineOptions): FakeEngine => {
    const engine: FakeEngine = {
      options,
      written: "",
      size,
      fits: 0,
      focused: 0,
      selected: "",
      pasted: [],
      finds: [],
      searchCleared: 0,
      disposed: false,
      write(data) {
        engine.written += data;
      },
      fit() {
        engine.fits += 1;
        return engine.size === null ? null : { ...engine.size };
      },
      focus() {
        engine.focused += 1;
      },
      selection: () => engine.selected,
      paste(text) {
        engine.pasted.push(text);
      },
      find(query, direction, incremental = false) {
        engine.finds.push({ query, direction, incremental });
      },
      clearSearch() {
        engine.searchCleared += 1;
      },
      setTheme: () => undefined,
      dispose() {
        engine.disposed = true;
      },
      type(data) {
        options.onData(data);
      },
      key({ type = "keydown", ...init }) {
        const event = new KeyboardEvent(type, { cancelable: true, bubbles: true, ...init });
        const handled = options.onKey(event);
        return { handled, prevented: event.defaultPrevented };
      },
      clickLink(uri, init = {}) {
        options.onLink(new MouseEvent("click", init), uri);
      },
    };
    made.push(engine);
    return engine;
  };
  return {
    loader: () => Promise.resolve(create),
    made,
    last: () => {
      const engine = made.at(-1);
      if (engine === undefined) throw new Error("no terminal engine was made");
      return engine;
    },
  };
}

/** Gives `children` the fake engines instead of xterm. */
export function FakeTerminals({ engines, children }: { engines: FakeEngines; children: ReactNode }) {
  return <TerminalEngineContext.Provider value={engines.loader}>{children}</TerminalEngineContext.Provider>;
}
