// A terminal in a pane: the engine (xterm.js, `engine.ts`) fitted to the pane as it resizes
// (debounced), with search in the scrollback, copy and paste, and links that are copied,
// never followed (the webview must not navigate). It knows nothing of shells: `connect` gets
// where output goes, `onData` what is typed, `onResize` the size to pass on.
//
// Keys: Ctrl+Shift+F searches (Enter / Shift+Enter next / previous, Esc back to the shell),
// Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes; every other key, Ctrl+V included
// (^V), goes to the shell. Pasting is left to the webview itself: WebKitGTK binds
// Ctrl+Shift+V (and its context menu's Paste) to a native `paste` event on the terminal's
// text area, which the terminal types in; reading the clipboard from script is not needed
// (WebKitGTK asks the user first for text another application copied).

import { useCallback, useContext, useEffect, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type ReactNode } from "react";
import { Severity } from "../../bindings";
import { useNotify } from "../../lib/notify";
import type { SearchResults, TerminalEngine, TerminalScreen, TerminalSize } from "./engine";
import { TerminalEngineContext } from "./engine-context";
import { terminalShortcut } from "./shortcuts";
import { cssVariables, FALLBACK_MONO, terminalTheme } from "./theme";
import "./terminal.css";

/** How long the pane's size must hold before the terminal is fitted to it. */
export const RESIZE_DEBOUNCE_MS = 100;
const FONT_SIZE = 13;

export type { TerminalScreen };

export interface TerminalViewProps {
  /** Names the terminal for screen readers. */
  label: string;
  /** On screen: it fits its pane and takes the focus. A hidden terminal keeps its content. */
  active: boolean;
  /** Called once the terminal exists; returns what undoes it (called on unmount). */
  connect: (screen: TerminalScreen) => () => void;
  /** Keystrokes and pastes, in order. */
  onData: (data: string) => void;
  /** The terminal's rows and columns, after each change. */
  onResize: (size: TerminalSize) => void;
  /** Shown at the start of the toolbar. */
  status?: ReactNode;
}

function matchLabel(query: string, results: SearchResults | null): string {
  if (query === "" || results === null) return "";
  if (results.count === 0) return "No matches";
  if (results.index < 0) return `${results.count.toLocaleString()}+ matches`;
  return `${results.index + 1} of ${results.count.toLocaleString()}`;
}

export function TerminalView({ label, active, connect, onData, onResize, status }: TerminalViewProps) {
  const load = useContext(TerminalEngineContext);
  const notify = useNotify();
  const hostRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const engineRef = useRef<TerminalEngine | null>(null);
  const sizeRef = useRef<TerminalSize | null>(null);
  const [ready, setReady] = useState(false);
  const [failed, setFailed] = useState<string | null>(null);
  const [searching, setSearching] = useState(false);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<SearchResults | null>(null);
  const [link, setLink] = useState<string | null>(null);

  const latest = useRef({ connect, onData, onResize });
  useEffect(() => {
    latest.current = { connect, onData, onResize };
  });

  const copyText = useCallback(
    (text: string, title: string) => {
      // A promise also when the webview has no clipboard API (jsdom): then the warning.
      Promise.resolve()
        .then(() => navigator.clipboard.writeText(text))
        .then(
          () => {
            notify({ key: "copied", severity: Severity.Info, title, body: text.length > 200 ? `${text.slice(0, 200)}…` : text, durationMs: 1500 });
          },
          () => {
            notify({ key: "copied", severity: Severity.Warning, title: "Could not copy to the clipboard", body: "Select the text and use the context menu's Copy." });
          },
        );
    },
    [notify],
  );

  const copySelection = useCallback(() => {
    const text = engineRef.current?.selection() ?? "";
    if (text !== "") copyText(text, "Copied");
  }, [copyText]);

  const openSearch = useCallback(() => {
    setSearching(true);
    // After React shows the field.
    setTimeout(() => {
      searchRef.current?.focus();
      searchRef.current?.select();
    }, 0);
  }, []);

  // The engine's callbacks read these through refs: it is made once.
  const keyRef = useRef<(e: KeyboardEvent) => boolean>(() => true);
  const linkRef = useRef<(e: MouseEvent, uri: string) => void>(() => undefined);
  useEffect(() => {
    keyRef.current = (e) => {
      const shortcut = terminalShortcut(e);
      if (shortcut === null) return true;
      if (e.type === "keydown" && shortcut === "copy") {
        e.preventDefault();
        copySelection();
      } else if (e.type === "keydown" && shortcut === "find") {
        e.preventDefault();
        openSearch();
      }
      // "paste": not prevented, so the webview pastes natively (a `paste` event).
      return false;
    };
    linkRef.current = (e, uri) => {
      if (e.ctrlKey || e.metaKey) copyText(uri, "Link copied");
    };
  }, [copySelection, copyText, openSearch]);

  const refit = useCallback(() => {
    const size = engineRef.current?.fit() ?? null;
    if (size === null) return;
    const last = sizeRef.current;
    if (last?.rows === size.rows && last.cols === size.cols) return;
    sizeRef.current = size;
    latest.current.onResize(size);
  }, []);

  // ---- the engine -----------------------------------------------------------------------
  useEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    let disposed = false;
    let engine: TerminalEngine | null = null;
    let disconnect: (() => void) | null = null;
    load().then(
      (create) => {
        if (disposed) return;
        const read = cssVariables(host);
        const made = create({
          host,
          theme: terminalTheme(read),
          fontFamily: read("--font-mono").trim() || FALLBACK_MONO,
          fontSize: FONT_SIZE,
          onData: (data) => {
            latest.current.onData(data);
          },
          onKey: (e) => keyRef.current(e),
          onLink: (e, uri) => {
            linkRef.current(e, uri);
          },
          onLinkHover: setLink,
          onSearchResults: setResults,
        });
        engine = made;
        engineRef.current = made;
        disconnect = latest.current.connect({
          write: (data) => {
            made.write(data);
          },
        });
        setReady(true);
      },
      (error: unknown) => {
        if (!disposed) setFailed(error instanceof Error ? error.message : String(error));
      },
    );
    return () => {
      disposed = true;
      disconnect?.();
      engine?.dispose();
      engineRef.current = null;
    };
  }, [load]);

  // ---- size: fitted at once, then whenever the pane holds a new size for a moment -------
  useEffect(() => {
    const host = hostRef.current;
    if (!ready || host === null) return;
    refit();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const schedule = () => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = null;
        refit();
      }, RESIZE_DEBOUNCE_MS);
    };
    let stop: () => void;
    if (typeof ResizeObserver === "undefined") {
      window.addEventListener("resize", schedule);
      stop = () => {
        window.removeEventListener("resize", schedule);
      };
    } else {
      const observer = new ResizeObserver(schedule);
      observer.observe(host);
      stop = () => {
        observer.disconnect();
      };
    }
    return () => {
      stop();
      if (timer !== null) clearTimeout(timer);
    };
  }, [ready, refit]);

  // Shown: fit (a hidden pane had no size) and take the focus.
  useEffect(() => {
    if (!ready || !active) return;
    refit();
    engineRef.current?.focus();
  }, [ready, active, refit]);

  // The OS switched between light and dark: the CSS variables changed.
  useEffect(() => {
    const host = hostRef.current;
    if (!ready || host === null || typeof window.matchMedia !== "function") return;
    const scheme = window.matchMedia("(prefers-color-scheme: dark)");
    const onChange = () => {
      engineRef.current?.setTheme(terminalTheme(cssVariables(host)));
    };
    scheme.addEventListener("change", onChange);
    return () => {
      scheme.removeEventListener("change", onChange);
    };
  }, [ready]);

  // ---- search -------------------------------------------------------------------------
  const find = (backwards: boolean) => {
    if (query !== "") engineRef.current?.find(query, backwards ? "previous" : "next");
  };

  const closeSearch = () => {
    setSearching(false);
    setQuery("");
    setResults(null);
    engineRef.current?.clearSearch();
    engineRef.current?.focus();
  };

  const onSearchKey = (e: ReactKeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      find(e.shiftKey);
    } else if (e.key === "Escape") {
      // The shell's pane stays: Esc here is not the app's "back".
      e.preventDefault();
      e.stopPropagation();
      closeSearch();
    }
  };

  const paste = () => {
    Promise.resolve()
      .then(() => navigator.clipboard.readText())
      .then(
        (text) => {
          engineRef.current?.paste(text);
          engineRef.current?.focus();
        },
        () => {
          notify({ key: "paste", severity: Severity.Info, title: "Paste with Ctrl+Shift+V", body: "or with the terminal's context menu: this window may not read the clipboard." });
        },
      );
  };

  return (
    <div className="terminal-pane" aria-label={label} role="group">
      <div className="terminal-toolbar">
        {status}
        <span className="terminal-toolbar-spacer" />
        {link !== null && (
          <span className="terminal-link muted" data-testid="terminal-link">
            Ctrl+click copies {link}
          </span>
        )}
        {searching ? (
          <>
            <input
              ref={searchRef}
              className="terminal-search"
              type="search"
              data-testid="terminal-search"
              placeholder="Search the scrollback"
              aria-label={`Search ${label}`}
              value={query}
              onChange={(e) => {
                setQuery(e.target.value);
                if (e.target.value === "") engineRef.current?.clearSearch();
                else engineRef.current?.find(e.target.value, "next", true);
              }}
              onKeyDown={onSearchKey}
            />
            <span className="terminal-match-count" data-testid="terminal-search-count" aria-live="polite">
              {matchLabel(query, results)}
            </span>
            <button type="button" className="button button--small" onClick={() => { find(true); }} disabled={query === ""} title="Previous match (Shift+Enter)">
              ↑
            </button>
            <button type="button" className="button button--small" onClick={() => { find(false); }} disabled={query === ""} title="Next match (Enter)">
              ↓
            </button>
            <button type="button" className="button button--small button--quiet" onClick={closeSearch} title="Close the search (Esc)">
              Done
            </button>
          </>
        ) : (
          <button type="button" className="button button--small button--quiet" data-testid="terminal-find" onClick={openSearch} title="Search the scrollback (Ctrl+Shift+F)">
            Find
          </button>
        )}
        <button type="button" className="button button--small button--quiet" data-testid="terminal-copy" onClick={copySelection} title="Copy the selection (Ctrl+Shift+C)">
          Copy
        </button>
        <button type="button" className="button button--small button--quiet" data-testid="terminal-paste" onClick={paste} title="Paste (Ctrl+Shift+V, or the context menu)">
          Paste
        </button>
      </div>
      {failed !== null && <div className="terminal-notice">The terminal could not start: {failed}</div>}
      <div className="terminal-screen" ref={hostRef} />
    </div>
  );
}
