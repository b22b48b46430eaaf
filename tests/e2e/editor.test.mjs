// The topology editor in the desktop app through the real WebKit webview (CodeMirror 6 in a
// shadow root, under the app's CSP and frozen Object.prototype), against antimony-server with
// the fake containerlab and Docker engine. As a user: open Topologies, make a new topology by
// typing YAML with a key the schema does not know, see the editor's problem at its line, save
// anyway and see the server's refusal at the same line, delete the line, save, create a lab of
// it that starts now, and see it deploy and run; the lab's "Edit topology" opens it again.
// Screenshots: editor-problem (the editor with the schema error), editor-saved.
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Stack, byTestId, until } from "./harness.mjs";

// Typed line by line; line 7 has the key the schema does not know.
const LINES = [
  "name: e2e-pair",
  "topology:",
  "  nodes:",
  "    a:",
  "      kind: linux",
  "      image: alpine:3",
  "      colour: red",
  "    b:",
  "      kind: linux",
  "      image: alpine:3",
  "  links:",
  '    - endpoints: ["a:eth1", "b:eth1"]',
];
const BAD_LINE = 7;

let stack;
let browser;

before(async () => {
  stack = await Stack.start();
  await stack.rest("POST", "/collections", { name: "netlab", publicWrite: true, publicDeploy: true });
  stack.writeProfiles();
  browser = await stack.startApp();
  await (await shown(byTestId("login-username"), "the login form")).setValue("admin");
  await (await browser.$(byTestId("login-password"))).setValue("admin");
  await (await browser.$(byTestId("login-submit"))).click();
  await shown(byTestId("nav-topologies"), "the Topologies button");
  await browser.execute(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
});

after(async () => {
  await stack?.stop();
});

async function shown(selector, what = selector, ms = 30_000) {
  return until(async () => {
    const element = await browser.$(selector);
    return (await element.isDisplayed()) ? element : null;
  }, what, ms);
}

/** The problems listed under the editor: {line, source, text}. */
async function problems() {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="topology-problem"]')].map((li) => ({ line: li.dataset.line, source: li.dataset.source, text: li.textContent })),
  );
}

/** CodeMirror's text, read from its view's lines (inside the editor's shadow root). */
async function editorText() {
  return browser.execute(() => {
    const host = document.querySelector(".yaml-editor-host");
    return [...(host?.shadowRoot?.querySelectorAll(".cm-line") ?? [])].map((l) => l.textContent).join("\n");
  });
}

/** Real X key events into the focused window. */
function xdotool(...args) {
  const run = spawnSync("xdotool", args, { encoding: "utf8", timeout: 30_000 });
  assert.equal(run.status, 0, `xdotool ${args.join(" ")}: ${run.stderr}`);
}

/**
 * Types `lines` over the editor's text as a user would: select all, then each line, as real X
 * key events (xdotool; WebKitWebDriver's synthesized keys lose spaces in CodeMirror's
 * contenteditable). After Enter the editor indents by itself, so that indentation is selected
 * (Home, Shift+End) and replaced by the line's own. Esc first closes the completion list,
 * which Enter would accept.
 */
async function typeLines(lines) {
  const content = await browser.$(">>>.cm-content");
  await content.click();
  await browser.keys(["Control", "a"]);
  await browser.keys(["Control"]);
  for (const [i, line] of lines.entries()) {
    if (i > 0) {
      await browser.keys(["Escape", "Enter", "Home"]);
      await browser.keys(["Shift", "End"]);
      await browser.keys(["Shift"]);
    }
    xdotool("type", "--delay", "12", line);
  }
  await browser.keys(["Escape"]);
}

test("a topology with a schema error shows it at its line, in the editor and from the server; fixed, it saves", async () => {
  await (await browser.$(byTestId("nav-topologies"))).click();
  await shown(byTestId("collection", '[data-collection-name="netlab"]'), "the netlab collection");
  await (await shown(byTestId("topology-new"), "New topology")).click();
  await until(async () => (await (await browser.$(byTestId("yaml-editor"))).getAttribute("data-ready")) === "true", "CodeMirror to load");

  await typeLines(LINES);
  assert.equal(await editorText(), LINES.join("\n"), "the editor holds what was typed");

  // The editor's own check: the unknown key at its line, underlined in the text.
  const own = await until(async () => (await problems()).find((p) => p.source === "editor"), "the editor's problem");
  assert.equal(own.line, String(BAD_LINE), JSON.stringify(await problems()));
  assert.match(own.text, /colour/);
  const marked = await browser.execute(() => document.querySelector(".yaml-editor-host")?.shadowRoot?.querySelectorAll(".cm-lintRange-error").length ?? 0);
  assert.ok(marked > 0, "the problem is underlined in the text");
  // The preview draws the two nodes and their link meanwhile.
  await until(async () => (await (await browser.$(`${byTestId("topology-preview")} ${byTestId("graph")}`)).getAttribute("data-node-count")) === "2", "the preview's two nodes");
  await stack.screenshot("editor-problem");

  // Saved anyway: antimony-server refuses it (400, code 3003), and says where.
  await (await browser.$(byTestId("topology-save"))).click();
  const refused = await until(async () => (await problems()).find((p) => p.source === "server"), "the server's problem");
  assert.equal(refused.line, String(BAD_LINE), JSON.stringify(await problems()));
  assert.match(refused.text, /\/topology\/nodes\/a: Additional properties are not allowed \('colour' was unexpected\)/);
  assert.match(await (await browser.$(byTestId("topology-status"))).getText(), /refused/);

  // Fixed: the problem's line link puts the cursor there; the line is deleted.
  await (await browser.$(`${byTestId("topology-problem")}[data-source="server"] button`)).click();
  await until(
    () =>
      browser.execute(() => {
        const root = document.querySelector(".yaml-editor-host")?.shadowRoot;
        return root?.activeElement?.classList.contains("cm-content") === true && root.querySelector(".cm-activeLine")?.textContent === "      colour: red";
      }),
    "the cursor on the problem's line, in the editor",
  );
  // The line's text, then the line itself: one key at a time, each seen to land (under load
  // the webview may still be busy with the previous one).
  const emptied = LINES.map((l, i) => (i === BAD_LINE - 1 ? "" : l)).join("\n");
  const fixed = LINES.filter((_, i) => i !== BAD_LINE - 1).join("\n");
  xdotool("key", "shift+End");
  xdotool("key", "BackSpace");
  await until(async () => (await editorText()) === emptied, "the line's text to go", 10_000);
  await until(async () => {
    const now = await editorText();
    if (now === emptied) xdotool("key", "BackSpace");
    return (await editorText()) === fixed;
  }, "the line to go", 10_000).catch(async (error) => {
    throw new Error(`${error.message}; the editor holds:\n${await editorText()}`);
  });
  await until(async () => (await problems()).length === 0, "the problems to clear");

  await (await browser.$(byTestId("topology-save"))).click();
  await shown(byTestId("topology-item", '[data-topology-name="e2e-pair"]'), "the saved topology in the list");
  await until(async () => (await (await browser.$(byTestId("topology-editor"))).getAttribute("data-topology-id")) !== "", "the editor to show the saved topology");
  const stored = await stack.rest("GET", "/topologies");
  assert.equal(stored.length, 1);
  assert.doesNotMatch(stored[0].definition, /colour/);
  assert.match(stored[0].definition, /name: e2e-pair/);
  await stack.screenshot("editor-saved");
});

test("a lab created from the topology deploys now and runs; its Edit topology opens the editor", async () => {
  await (await shown(byTestId("topology-create-lab"), "Create lab")).click();
  const name = await shown(byTestId("create-lab-name"), "the lab's name");
  await name.clearValue();
  await name.setValue("e2e-lab");
  await (await browser.$(byTestId("create-lab-confirm"))).click();

  await shown(byTestId("lab-open", '[data-lab-name="e2e-lab"]'), "the new lab's view");
  await until(async () => (await (await browser.$(byTestId("lab-open"))).getAttribute("data-state")) === "running", "the lab to run", 60_000);
  await until(async () => (await browser.$$(byTestId("node-row", '[data-deployed="true"]'))).length === 2, "both nodes deployed", 30_000);
  const labs = await stack.rest("GET", "/labs?limit=100");
  const lab = labs.find((l) => l.name === "e2e-lab");
  assert.ok(lab?.instance, "the server has an instance of the lab");
  assert.ok(new Date(lab.endTime).getTime() > Date.now() + 3 * 3_600_000, "it ends about four hours from now");

  await (await browser.$(byTestId("lab-edit-topology"))).click();
  await until(async () => (await (await browser.$(byTestId("topology-title"))).getText()) === "e2e-pair", "the lab's topology in the editor");
  assert.deepEqual(await browser.execute(() => window.cspViolations), [], "no CSP violation while editing");
});
