// What the terminal component needs of a terminal emulator. xterm.js implements it
// (`xterm-engine.ts`, loaded on first use so it stays out of the app's first script:
// `engine-context.ts`); tests provide a recording stand-in, as jsdom cannot lay xterm out.

import type { TerminalSize } from "../../bindings/TerminalSize";

export type { TerminalSize };

/** Where a terminal's output goes (what the terminal component hands to whoever feeds it). */
export interface TerminalScreen {
  write(data: string): void;
}

/** Colours of a terminal, from the app's CSS variables (`theme.ts`). */
export interface TerminalTheme {
  background: string;
  foreground: string;
  cursor: string;
  cursorAccent: string;
  selectionBackground: string;
  /** Search matches, `#rrggbb`. */
  match: string;
  matchCurrent: string;
  /** The 16 ANSI colours: black, red, …, white, then their bright versions. */
  ansi: readonly string[];
}

/** The search's results: `index` of the current match (-1: none, or too many to count). */
export interface SearchResults {
  index: number;
  count: number;
}

export interface TerminalEngineOptions {
  /** The element the terminal fills (it follows this element's size on `fit`). */
  host: HTMLElement;
  theme: TerminalTheme;
  fontFamily: string;
  fontSize: number;
  /** Keystrokes and pastes, in order. */
  onData(data: string): void;
  /** Sees every key event first: `false` leaves it to the page (the terminal ignores it). */
  onKey(event: KeyboardEvent): boolean;
  /** A link (a URL in the text, or an OSC 8 hyperlink) was clicked. */
  onLink(event: MouseEvent, uri: string): void;
  /** The pointer is over a link (`null`: it left). */
  onLinkHover(uri: string | null): void;
  onSearchResults(results: SearchResults): void;
}

export interface TerminalEngine {
  write(data: string): void;
  /** Fits the terminal to its host: the new size, or `null` when the host has none (hidden). */
  fit(): TerminalSize | null;
  focus(): void;
  /** The selected text ("" when nothing is selected). */
  selection(): string;
  /** Types text as a paste (bracketed when the shell asked for it). */
  paste(text: string): void;
  /** Searches the scrollback; `incremental` widens the current match while typing. */
  find(query: string, direction: "next" | "previous", incremental?: boolean): void;
  clearSearch(): void;
  setTheme(theme: TerminalTheme): void;
  dispose(): void;
}

export type TerminalEngineFactory = (options: TerminalEngineOptions) => TerminalEngine;
export type TerminalEngineLoader = () => Promise<TerminalEngineFactory>;
