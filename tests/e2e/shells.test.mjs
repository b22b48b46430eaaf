// Shells in the desktop app through the real WebKit webview, against antimony-server with the
// fake containerlab and the fake Docker engine (whose `docker exec` runs a small fake shell:
// tests/fixtures/fakes/src/shell.rs). As a user: deploy a lab, open a shell on a node from its
// row, type a command and read its output on the terminal's screen; resize the window and see
// the size the shell reports (`stty size`) follow; pop the shell out into its own window, type
// there, go back and see the main window show it again; close a shell from its window and see
// it marked closed; leave a shell with `exit` and see its tab say so; close the last one.
// Screenshots: shell-main (the terminal in the lab view), shell-popout (its own window) and
// shell-closed (that window once the shell is closed, with the app's dimmed note).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Stack, TOPOLOGY, byTestId, sleep, until } from "./harness.mjs";

let stack;
let browser;
/** The main window's WebDriver handle. */
let mainWindow;
/** The shell on node a: its id, from its tab. */
let shellA;

before(async () => {
  stack = await Stack.start();
  await stack.createLab("pair", TOPOLOGY);
  stack.writeProfiles();
  browser = await stack.startApp();
  mainWindow = await browser.getWindowHandle();
  await watchCsp();
});

after(async () => {
  await stack?.stop();
});

/** The first element matching `selector` once it is displayed. */
async function shown(selector, what = selector, ms = 30_000) {
  return until(async () => {
    const element = await browser.$(selector);
    return (await element.isDisplayed()) ? element : null;
  }, what, ms);
}

const attribute = async (selector, name) => (await browser.$(selector)).getAttribute(name);

/** Records the page's CSP violations from now on (xterm's run-time styles must not cause any). */
async function watchCsp() {
  await browser.execute(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
}

const cspViolations = () => browser.execute(() => window.cspViolations ?? ["not watched"]);

/** The lines on the shown terminal's screen, as xterm renders them (trailing blanks cut). */
async function screen() {
  const rows = await browser.execute(() => [...document.querySelectorAll(`[data-testid="terminal"] .xterm-rows > div`)].map((row) => row.textContent ?? ""));
  const lines = rows.map((row) => row.replace(/\s+$/, ""));
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Waits until the terminal's screen has a line equal to `line`. */
async function seeLine(line, what = JSON.stringify(line), ms = 15_000) {
  return until(async () => (await screen()).includes(line), `${what} on the terminal`, ms).catch(async (error) => {
    throw new Error(`${error.message}\nscreen:\n${(await screen()).join("\n")}`);
  });
}

/**
 * Types `text` then Enter into the focused terminal. One key per WebDriver call:
 * WebKitWebDriver drops a key repeated within one action sequence ("ll" arrives as "l").
 */
async function type(text) {
  for (const key of text) await browser.keys(key);
  await browser.keys("Enter");
}

/** The shown terminal's size as the view says it fitted it. */
async function terminalSize() {
  const rows = Number(await attribute(byTestId("terminal"), "data-rows"));
  const cols = Number(await attribute(byTestId("terminal"), "data-cols"));
  return { rows, cols };
}

let probes = 0;

/** Runs `stty size` in the shown terminal (after a marker); the size the shell reports. */
async function sttySize() {
  probes += 1;
  const marker = `probe-${probes}`;
  await type(`echo ${marker}`);
  await seeLine(marker, "the probe's output");
  await type("stty size");
  const answer = await until(async () => {
    const lines = await screen();
    const at = lines.lastIndexOf(marker);
    // The marker, the `stty size` command line, then its answer.
    return at >= 0 && lines[at + 1]?.endsWith("# stty size") && /^\d+ \d+$/.test(lines[at + 2] ?? "") ? lines[at + 2] : null;
  }, "stty's answer");
  const [rows, cols] = answer.split(" ").map(Number);
  return { rows, cols };
}

/** Waits until `stty size` reports `size` (the size goes out a moment after the pane has it). */
async function shellReports(size, what) {
  let last = null;
  await until(async () => {
    last = await sttySize();
    return last.rows === size.rows && last.cols === size.cols;
  }, what).catch(async (error) => {
    const fixed = await (await browser.$(byTestId("terminal-size-fixed"))).isExisting();
    throw new Error(`${error.message}: wanted ${JSON.stringify(size)}, the shell says ${JSON.stringify(last)}, the terminal is ${JSON.stringify(await terminalSize())}${fixed ? ", marked as not resized by the server" : ""}`);
  });
}

/** How the terminal is drawn: the things a terminal without xterm's styles lacks. */
async function terminalLooks() {
  return browser.execute(() => {
    const pane = document.querySelector(`[data-testid="terminal"]`);
    const rows = pane.querySelector(".xterm-rows");
    const textarea = pane.querySelector(".xterm-helper-textarea");
    const cursor = pane.querySelector(".xterm-cursor");
    const viewport = pane.querySelector(".xterm-viewport") ?? pane.querySelector(".xterm");
    const row = rows.firstElementChild;
    const style = (e) => (e ? getComputedStyle(e) : null);
    // Every cell of the grid is as wide as the next: the prompt's width over its length.
    const span = row.querySelector("span") ?? row;
    const range = document.createRange();
    range.selectNodeContents(row);
    return {
      font: style(rows).fontFamily,
      whiteSpace: style(row).whiteSpace,
      rowHeight: row.getBoundingClientRect().height,
      textWidth: range.getBoundingClientRect().width,
      textLength: (row.textContent ?? "").replace(/\s+$/, "").length,
      background: style(viewport).backgroundColor,
      foreground: style(rows).color,
      cursorClass: cursor?.className ?? null,
      textareaOpacity: style(textarea).opacity,
      spanColor: style(span).color,
      adoptedSheets: document.adoptedStyleSheets.length,
      inertStyles: document.querySelectorAll('style[type="text/x-xterm-css"]').length,
    };
  });
}

/**
 * Waits until the blinking block cursor is in its visible half (a CSS animation of about a
 * second), so that a screenshot taken at once shows it.
 */
async function cursorShown() {
  await until(
    () => browser.execute(() => {
      const cursor = document.querySelector(`[data-testid="terminal"] .xterm-cursor`);
      const colour = cursor ? getComputedStyle(cursor).backgroundColor : "";
      return colour !== "" && colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent";
    }),
    "the cursor",
    5000,
  );
}

/** The classes and colour of the text of the screen's line `line`, and of the line before. */
async function lineColours(line) {
  return browser.execute((wanted) => {
    const rows = [...document.querySelectorAll(`[data-testid="terminal"] .xterm-rows > div`)];
    const at = rows.findIndex((row) => (row.textContent ?? "").trimEnd() === wanted);
    const describe = (row) => {
      const span = row?.querySelector("span");
      return span ? { classes: span.className, color: getComputedStyle(span).color } : null;
    };
    return { line: describe(rows[at]), before: describe(rows[at - 1]) };
  }, line);
}

function assertLooksLikeATerminal(looks) {
  assert.match(looks.font, /mono/i, `a monospace font: ${JSON.stringify(looks)}`);
  assert.equal(looks.whiteSpace, "pre", "rows keep their spaces (xterm's theme style applies)");
  assert.equal(looks.textareaOpacity, "0", "xterm's own stylesheet hides its input field");
  assert.ok(looks.adoptedSheets > 0 && looks.inertStyles > 0, "xterm's run-time styles go through the CSSOM");
  assert.ok(looks.rowHeight > 10 && looks.rowHeight < 30, `a row is one line high: ${looks.rowHeight}`);
  assert.ok(looks.cursorClass?.includes("xterm-cursor"), "a cursor is drawn");
  assert.notEqual(looks.background, looks.foreground, "text and background differ");
  // The grid: the prompt's characters are equally wide (about 7.8 px at 13 px).
  const cell = looks.textWidth / looks.textLength;
  assert.ok(cell > 6 && cell < 10, `cell width ${cell}`);
}

test("open a shell on a node from the lab view and run a command", async () => {
  await (await shown(byTestId("login-username"), "the login form")).setValue("admin");
  await (await browser.$(byTestId("login-password"))).setValue("admin");
  await (await browser.$(byTestId("login-submit"))).click();
  const row = await shown(byTestId("lab-row", '[data-lab-name="pair"]'), "the pair lab");
  await (await row.$("button")).click();
  await (await shown(byTestId("action-deploy"))).click();
  await until(async () => (await attribute(byTestId("lab-open"), "data-state")) === "running", "the lab to run", 60_000);
  await until(async () => (await browser.$$(byTestId("node-row"))).length === 2, "two nodes");

  await (await browser.$(byTestId("node-row", '[data-node-name="a"]')).$(byTestId("node-shell"))).click();
  const tab = await shown(byTestId("shell-tab", '[data-node="a"]'), "the shell's tab");
  await until(async () => (await tab.getAttribute("data-state")) === "connected", "the shell to connect");
  shellA = await tab.getAttribute("data-shell-id");
  assert.match(shellA, /^[0-9a-f-]{36}$/, "the tab knows its shell's id");
  assert.equal((await browser.$$(byTestId("shell-tab"))).length, 1, "one click, one shell");
  await shown(byTestId("terminal", '[data-node="a"]'), "the terminal");
  // The fake engine names the container clab-<lab>-<node>; the shell prompts with it.
  const prompt = await until(async () => (await screen()).find((l) => /^clab-pair-\d+-a:~#$/.test(l)), "the prompt");

  await type("echo hello-from-the-app");
  await seeLine("hello-from-the-app", "the command's output");
  await seeLine(`${prompt} echo hello-from-the-app`, "the echoed command line");
  assert.equal(await (await browser.$(byTestId("terminal"))).getAttribute("data-state"), "connected");
  assertLooksLikeATerminal(await terminalLooks());
  await cursorShown();
  await stack.screenshot("shell-main", { settleMs: 0 });
  assert.deepEqual(await cspViolations(), [], "no CSP violation while the terminal draws");
});

test("the shell follows the window's size", async () => {
  const fitted = await terminalSize();
  assert.ok(fitted.rows > 10 && fitted.cols > 80, `the terminal fills its pane: ${JSON.stringify(fitted)}`);
  assert.deepEqual(await sttySize(), fitted, "the shell has the terminal's size");

  await browser.setWindowSize(1000, 620);
  const smaller = await until(async () => {
    const size = await terminalSize();
    return size.rows < fitted.rows && size.cols < fitted.cols ? size : null;
  }, "the terminal to shrink with the window");
  // The size goes to the server after the pane holds it for a moment; stty asks the shell.
  await shellReports(smaller, "the shell to report the new size");

  await browser.setWindowSize(1280, 800);
  await until(async () => JSON.stringify(await terminalSize()) === JSON.stringify(fitted), "the terminal to grow back");
  await shellReports(fitted, "the shell to grow back");
});

/** Pops the shown shell out; returns its window's handle, switched to. */
async function popOut() {
  await (await shown(byTestId("shell-popout"), "the pop-out button")).click();
  const handle = await until(async () => (await browser.getWindowHandles()).find((h) => h !== mainWindow), "the shell's window");
  await browser.switchToWindow(handle);
  return handle;
}

test("pop the shell out into its own window, type there, and bring it back", async () => {
  const popped = await popOut();
  const url = await browser.getUrl();
  assert.match(url, /#shell\?/, "the shell window's page");
  assert.ok(url.includes(`shell=${shellA}`), `the window shows shell ${shellA}: ${url}`);
  const window = await shown(byTestId("shell-window"), "the shell window");
  assert.equal(await window.getAttribute("data-shell-id"), shellA);
  await until(async () => (await browser.getTitle()) === "a — pair — Antimony", "the window's title");
  await watchCsp();
  await until(async () => (await attribute(byTestId("terminal"), "data-state")) === "connected", "the window's terminal to connect");
  // Attaching repaints the shell's screen so far.
  await seeLine("hello-from-the-app", "the earlier output, repainted");
  await type("echo typed-in-the-window");
  await seeLine("typed-in-the-window", "the output in the window");
  // The window is smaller than the lab view: the shell takes the window's size.
  const windowSize = await terminalSize();
  await shellReports(windowSize, "the shell to take the window's size");
  assertLooksLikeATerminal(await terminalLooks());
  await cursorShown();
  await stack.screenshot("shell-popout", { settleMs: 0 });
  assert.deepEqual(await cspViolations(), [], "no CSP violation in the shell window");

  // Meanwhile the main window lists it as being in its own window.
  await browser.switchToWindow(mainWindow);
  const listed = await shown(byTestId("shell-detached", `[data-shell-id="${shellA}"]`), "the shell listed as in its own window");
  assert.equal(await listed.getAttribute("data-where"), "window");
  assert.equal((await browser.$$(byTestId("shell-tab"))).length, 0, "no tab while it is in its window");

  await browser.switchToWindow(popped);
  await (await shown(byTestId("shell-window-back"), "Back to main window")).click();
  await until(async () => !(await browser.getWindowHandles()).includes(popped), "the shell window to close");
  await browser.switchToWindow(mainWindow);
  const tab = await shown(byTestId("shell-tab", `[data-shell-id="${shellA}"]`), "the shell's tab again");
  await until(async () => (await tab.getAttribute("data-state")) === "connected", "the tab to attach");
  await shown(byTestId("terminal", '[data-node="a"]'), "the terminal again");
  await seeLine("typed-in-the-window", "what was typed in the window");
  // Back in the lab view, the shell takes the main window's size again.
  const mainSize = await terminalSize();
  await shellReports(mainSize, "the shell to take the main window's size");
  assert.equal((await browser.$$(byTestId("shell-detached"))).length, 0, "nothing left elsewhere");
});

test("close the shell from its window and see it marked closed", async () => {
  const popped = await popOut();
  await shown(byTestId("shell-window"), "the shell window");
  await until(async () => (await attribute(byTestId("terminal"), "data-state")) === "connected", "the window's terminal to connect");
  await (await shown(byTestId("shell-window-close-shell"), "Close shell")).click();
  await until(async () => (await attribute(byTestId("terminal"), "data-state")) === "closed", "the shell to be marked closed");
  await seeLine("[shell closed: shell was closed by the user]", "the closing note");
  // The app writes its note dimmed (SGR 2): drawn in a fainter colour than the shell's text.
  const note = await lineColours("[shell closed: shell was closed by the user]");
  assert.match(note.line?.classes ?? "", /xterm-dim/, `the note is dim: ${JSON.stringify(note)}`);
  assert.notEqual(note.line.color, note.before?.color, "dim text has its own colour");
  await stack.screenshot("shell-closed");
  assert.match(await (await browser.$(byTestId("terminal"))).getText(), /closed: shell was closed by the user/, "the state says why");
  assert.equal(await (await browser.$(byTestId("shell-window-close-shell"))).isEnabled(), false, "nothing more to close");

  await (await browser.$(byTestId("shell-window-back"))).click();
  await until(async () => !(await browser.getWindowHandles()).includes(popped), "the shell window to close");
  await browser.switchToWindow(mainWindow);
  // The main window hears that the window closed and finds the shell gone on the server.
  await until(async () => (await browser.$$(byTestId("shell-detached"))).length === 0, "the shell no longer listed");
  await sleep(500);
  assert.equal((await browser.$$(byTestId("shell-tab", `[data-shell-id="${shellA}"]`))).length, 0, "no tab for a closed shell");
});

test("a shell left with exit is marked closed in its tab, and its tab closes", async () => {
  await (await browser.$(byTestId("node-row", '[data-node-name="b"]')).$(byTestId("node-shell"))).click();
  const tab = await shown(byTestId("shell-tab", '[data-node="b"]'), "node b's shell tab");
  await until(async () => (await tab.getAttribute("data-state")) === "connected", "the shell to connect");
  await until(async () => (await screen()).some((l) => /^clab-pair-\d+-b:~#$/.test(l)), "node b's prompt");
  await type("exit 3");
  await until(async () => (await tab.getAttribute("data-state")) === "closed", "the tab to say closed");
  await seeLine("[shell closed: User closed the shell]", "the closing note");
  assert.match(await tab.getText(), /closed/, "the tab says closed");
  assert.equal(await (await tab.$(byTestId("shell-popout"))).isEnabled(), false, "a closed shell cannot pop out");

  await (await tab.$(byTestId("shell-close"))).click();
  await until(async () => (await browser.$$(byTestId("shell-tab"))).length === 0, "the tab to close");
  // Opening the lab again lists no shell left running on the server.
  await (await shown('button[title="Back to the labs (Esc)"]', "the way back to the labs")).click();
  await (await (await shown(byTestId("lab-row", '[data-lab-name="pair"]'), "the pair row")).$("button")).click();
  await shown(byTestId("lab-open", '[data-lab-name="pair"]'), "the lab view");
  await sleep(1000);
  assert.equal((await browser.$$(byTestId("shell-detached"))).length, 0, "no shell left running");
});
