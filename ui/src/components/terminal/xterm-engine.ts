// The terminal engine on xterm.js: its DOM renderer (no WebGL), fit, links and search addons,
// opened so that it works under the app's CSP (`csp-styles.ts`). Loaded with a dynamic import
// (`engine.ts`), so xterm is a script of its own, fetched when the first terminal opens.

import { FitAddon } from "@xterm/addon-fit";
import { SearchAddon, type ISearchOptions } from "@xterm/addon-search";
import { WebLinksAddon } from "@xterm/addon-web-links";
import { Terminal, type ITheme } from "@xterm/xterm";
import "@xterm/xterm/css/xterm.css";
import { openUnderCsp, routeSpanStylesThroughCssom } from "./csp-styles";
import type { TerminalEngine, TerminalEngineOptions, TerminalTheme } from "./engine";

const ANSI_NAMES = [
  "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
  "brightBlack", "brightRed", "brightGreen", "brightYellow", "brightBlue", "brightMagenta", "brightCyan", "brightWhite",
] as const;

function xtermTheme(theme: TerminalTheme): ITheme {
  const colours: ITheme = {
    background: theme.background,
    foreground: theme.foreground,
    cursor: theme.cursor,
    cursorAccent: theme.cursorAccent,
    selectionBackground: theme.selectionBackground,
  };
  ANSI_NAMES.forEach((name, i) => {
    const colour = theme.ansi[i];
    if (colour !== undefined) colours[name] = colour;
  });
  return colours;
}

function searchOptions(theme: TerminalTheme, incremental: boolean): ISearchOptions {
  return {
    incremental,
    decorations: {
      matchBackground: theme.match,
      matchOverviewRuler: theme.match,
      activeMatchBackground: theme.matchCurrent,
      activeMatchColorOverviewRuler: theme.matchCurrent,
    },
  };
}

export function createXtermEngine(options: TerminalEngineOptions): TerminalEngine {
  routeSpanStylesThroughCssom();
  let theme = options.theme;
  const term = new Terminal({
    // The search's match decorations (and its result count) use the decoration API.
    allowProposedApi: true,
    fontFamily: options.fontFamily,
    fontSize: options.fontSize,
    theme: xtermTheme(theme),
    scrollback: 10_000,
    cursorBlink: true,
    // OSC 8 hyperlinks: never followed (the webview must not navigate), handed to the page.
    linkHandler: {
      activate: (event, uri) => {
        options.onLink(event, uri);
      },
      hover: (_event, uri) => {
        options.onLinkHover(uri);
      },
      leave: () => {
        options.onLinkHover(null);
      },
    },
  });
  const fit = new FitAddon();
  const search = new SearchAddon();
  term.loadAddon(fit);
  term.loadAddon(search);
  term.loadAddon(
    new WebLinksAddon(
      (event, uri) => {
        options.onLink(event, uri);
      },
      {
        hover: (_event, uri) => {
          options.onLinkHover(uri);
        },
        leave: () => {
          options.onLinkHover(null);
        },
      },
    ),
  );
  term.attachCustomKeyEventHandler((event) => options.onKey(event));
  const subscriptions = [
    term.onData((data) => {
      options.onData(data);
    }),
    search.onDidChangeResults((r) => {
      options.onSearchResults({ index: r.resultIndex, count: r.resultCount });
    }),
  ];
  const styles = openUnderCsp(term, options.host);

  return {
    write: (data) => {
      term.write(data);
    },
    fit: () => {
      const proposed = fit.proposeDimensions();
      // A hidden host has no size (NaN from "auto"); keep the size it had.
      if (proposed === undefined || !Number.isFinite(proposed.cols) || !Number.isFinite(proposed.rows) || proposed.cols < 2 || proposed.rows < 1) return null;
      if (proposed.cols !== term.cols || proposed.rows !== term.rows) term.resize(proposed.cols, proposed.rows);
      return { rows: term.rows, cols: term.cols };
    },
    focus: () => {
      term.focus();
    },
    selection: () => term.getSelection(),
    paste: (text) => {
      term.paste(text);
    },
    find: (query, direction, incremental = false) => {
      if (direction === "next") search.findNext(query, searchOptions(theme, incremental));
      else search.findPrevious(query, searchOptions(theme, false));
    },
    clearSearch: () => {
      search.clearDecorations();
    },
    setTheme: (next) => {
      theme = next;
      term.options.theme = xtermTheme(next);
    },
    dispose: () => {
      for (const s of subscriptions) s.dispose();
      term.dispose();
      styles.dispose();
    },
  };
}
