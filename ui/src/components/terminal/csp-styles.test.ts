// xterm's run-time styles under the CSP: its <style> elements made inert and mirrored into
// adopted stylesheets (kept in step), and span style attributes set through the CSSOM. jsdom
// has no adoptedStyleSheets: the tests give the document a plain list of them.

import { afterEach, describe, expect, it } from "vitest";
import { MIRRORED_TYPE, openUnderCsp, routeSpanStylesThroughCssom } from "./csp-styles";

/** A stand-in for xterm's open(): a screen with <style> elements it fills, like the DOM renderer. */
class FakeTerminal {
  element: HTMLElement | undefined;
  styles: HTMLStyleElement[] = [];
  open(parent: HTMLElement) {
    const root = document.createElement("div");
    root.className = "xterm";
    const screen = document.createElement("div");
    screen.className = "xterm-screen";
    root.appendChild(screen);
    parent.appendChild(root);
    for (const css of [".xterm-rows { white-space: pre; }", ".xterm-fg-1 { color: #ff0000; }"]) {
      const style = document.createElement("style");
      screen.appendChild(style);
      style.textContent = css;
      this.styles.push(style);
    }
    this.element = root;
  }
}

function withAdoptedSheets(): { sheets: () => CSSStyleSheet[] } {
  let list: CSSStyleSheet[] = [];
  Object.defineProperty(document, "adoptedStyleSheets", {
    configurable: true,
    get: () => list,
    set: (value: CSSStyleSheet[]) => {
      list = value;
    },
  });
  return { sheets: () => list };
}

/** A sheet's rules as jsdom writes them out. */
const rulesOf = (sheet: CSSStyleSheet | undefined) => Array.from(sheet?.cssRules ?? [], (r) => r.cssText);
const mutationsDone = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

afterEach(() => {
  Reflect.deleteProperty(document, "adoptedStyleSheets");
  document.body.replaceChildren();
});

describe("openUnderCsp", () => {
  it("makes the terminal's <style> elements inert and adopts their rules as stylesheets", () => {
    const adopted = withAdoptedSheets();
    const term = new FakeTerminal();
    const host = document.body.appendChild(document.createElement("div"));
    const mirror = openUnderCsp(term, host);
    expect(term.styles.map((s) => s.getAttribute("type"))).toEqual([MIRRORED_TYPE, MIRRORED_TYPE]);
    expect(adopted.sheets()).toEqual(mirror.sheets());
    expect(mirror.sheets().map(rulesOf)).toEqual([[".xterm-rows { white-space: pre; }"], [".xterm-fg-1 { color: rgb(255, 0, 0); }"]]);
    // document.createElement is the document's own again.
    expect(Object.hasOwn(document, "createElement")).toBe(false);
  });

  it("follows the terminal rewriting a style, and takes a style added later", async () => {
    withAdoptedSheets();
    const term = new FakeTerminal();
    const host = document.body.appendChild(document.createElement("div"));
    const mirror = openUnderCsp(term, host);
    const theme = term.styles[1];
    if (theme === undefined) throw new Error("fixture");
    theme.textContent = ".xterm-fg-1 { color: #00ff00; }";
    const late = document.createElement("style");
    late.textContent = ".xterm-cursor { outline: 1px solid #123456; }";
    term.element?.querySelector(".xterm-screen")?.appendChild(late);
    await mutationsDone();
    expect(rulesOf(mirror.sheets()[1])).toEqual([".xterm-fg-1 { color: rgb(0, 255, 0); }"]);
    expect(late.getAttribute("type")).toBe(MIRRORED_TYPE);
    expect(mirror.sheets().map(rulesOf)).toContainEqual([".xterm-cursor { outline: 1px solid #123456; }"]);
  });

  it("drops its stylesheets, and no others, when disposed", () => {
    const adopted = withAdoptedSheets();
    const theirs = new CSSStyleSheet();
    document.adoptedStyleSheets = [theirs];
    const mirror = openUnderCsp(new FakeTerminal(), document.body.appendChild(document.createElement("div")));
    expect(adopted.sheets()).toHaveLength(3);
    mirror.dispose();
    expect(adopted.sheets()).toEqual([theirs]);
  });
});

describe("routeSpanStylesThroughCssom", () => {
  it("turns a span's style attribute into CSSOM declarations and leaves other attributes alone", () => {
    routeSpanStylesThroughCssom();
    routeSpanStylesThroughCssom();
    const span = document.createElement("span");
    span.setAttribute("style", "color: rgb(1, 200, 3);");
    span.setAttribute("class", "xterm-fg-1");
    expect(span.style.color).toBe("rgb(1, 200, 3)");
    expect(span.getAttribute("class")).toBe("xterm-fg-1");
    // xterm appends to what is there.
    span.setAttribute("style", `${span.getAttribute("style") ?? ""}background-color:#090909;`);
    expect(span.style.color).toBe("rgb(1, 200, 3)");
    expect(span.style.backgroundColor).toBe("rgb(9, 9, 9)");
  });
});
