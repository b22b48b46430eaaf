// xterm.js under the app's CSP (`style-src 'self'`, no 'unsafe-inline'). Its DOM renderer
// styles a terminal in two ways the CSP blocks:
//
// - `<style>` elements it fills at run time: the theme (colours, font, cursor, selection,
//   `white-space: pre` on the rows), the cell size, the scrollbar. Blocked, the rows lose their
//   spacing, colours and cursor, and every update logs a violation.
// - `style` attributes on the spans of a row: 24-bit colours, the cursor's and the search's
//   decorations (`setAttribute("style", …)`). Blocked, those lose their colour, and every
//   frame that draws one logs a violation.
//
// The CSSOM is not subject to the CSP (checked in WebKitGTK 2.50 with the app's policy), so:
// while `open()` builds the terminal, its `<style>` elements get a type that is not CSS (the
// browser neither applies nor checks them) and their text is mirrored into constructed
// stylesheets adopted by the document, kept in step by a MutationObserver; and a span's
// `setAttribute("style", …)` sets `style.cssText` instead (installed once, for every span: the
// app itself never writes style attributes, it uses the CSSOM too).

/** The type xterm's `<style>` elements get: not CSS, so never applied nor checked. */
export const MIRRORED_TYPE = "text/x-xterm-css";

/** What `openUnderCsp` needs of a terminal (xterm's `Terminal`). */
export interface OpensInto {
  open(parent: HTMLElement): void;
  readonly element: HTMLElement | undefined;
}

export interface StyleMirror {
  /** The stylesheets standing in for the terminal's `<style>` elements, in creation order. */
  readonly sheets: () => readonly CSSStyleSheet[];
  dispose(): void;
}

let spansPatched = false;

/** Makes `span.setAttribute("style", …)` go through the CSSOM (idempotent). */
export function routeSpanStylesThroughCssom(): void {
  if (spansPatched) return;
  spansPatched = true;
  // Called with the span as `this` below.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const setAttribute = Element.prototype.setAttribute;
  HTMLSpanElement.prototype.setAttribute = function routedSetAttribute(this: HTMLSpanElement, name: string, value: string): void {
    if (name.toLowerCase() === "style") this.style.cssText = value;
    else setAttribute.call(this, name, value);
  };
}

/** Opens `term` in `parent` with its `<style>` elements replaced by adopted stylesheets. */
export function openUnderCsp(term: OpensInto, parent: HTMLElement): StyleMirror {
  const doc = parent.ownerDocument;
  // jsdom has no adopted stylesheets (and no CSP): leave the styles as they are there.
  if (!("adoptedStyleSheets" in doc)) {
    term.open(parent);
    return { sheets: () => [], dispose: () => undefined };
  }

  const mirrors = new Map<HTMLStyleElement, CSSStyleSheet>();
  const sync = (style: HTMLStyleElement) => {
    let sheet = mirrors.get(style);
    if (sheet === undefined) {
      sheet = new CSSStyleSheet();
      mirrors.set(style, sheet);
      doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
      observer.observe(style, { childList: true, characterData: true, subtree: true });
    }
    sheet.replaceSync(style.textContent);
  };
  const adopt = (node: Node) => {
    if (!(node instanceof HTMLStyleElement)) return;
    if (node.getAttribute("type") !== MIRRORED_TYPE) node.setAttribute("type", MIRRORED_TYPE);
    sync(node);
  };
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      const target = record.target instanceof HTMLStyleElement ? record.target : record.target.parentElement;
      if (target instanceof HTMLStyleElement && mirrors.has(target)) sync(target);
      else record.addedNodes.forEach(adopt);
    }
  });

  // Every `<style>` xterm makes while opening is inert from the start (no violation at all).
  const created: HTMLStyleElement[] = [];
  // Any tag name goes through (TypeScript marks the string overload deprecated, for old tags).
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const createElement: (tagName: string, options?: ElementCreationOptions) => HTMLElement = doc.createElement.bind(doc);
  const inertStyles = (tagName: string, options?: ElementCreationOptions): HTMLElement => {
    const element = createElement(tagName, options);
    if (element instanceof HTMLStyleElement) {
      element.setAttribute("type", MIRRORED_TYPE);
      created.push(element);
    }
    return element;
  };
  Object.defineProperty(doc, "createElement", { configurable: true, writable: true, value: inertStyles });
  try {
    term.open(parent);
  } finally {
    Reflect.deleteProperty(doc, "createElement");
  }
  created.forEach(adopt);
  // xterm keeps its `<style>` elements in the screen element; one added later is taken there.
  const screen = term.element?.querySelector(".xterm-screen");
  if (screen) observer.observe(screen, { childList: true });
  term.element?.querySelectorAll("style").forEach(adopt);

  return {
    sheets: () => [...mirrors.values()],
    dispose: () => {
      observer.disconnect();
      const mine = new Set<CSSStyleSheet>(mirrors.values());
      doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((sheet) => !mine.has(sheet));
      mirrors.clear();
    },
  };
}
