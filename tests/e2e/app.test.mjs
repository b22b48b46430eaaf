// The desktop app through the real WebKit webview, against antimony-server with the fake
// containerlab: log in, see the labs, deploy a lab and watch its log and the success toast,
// stop a node and see its state change, follow a node log live, and see the error toast of a
// deploy that fails.
// Screenshots of the dashboard, the lab view and the log viewer are saved on the way.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { BROKEN, Stack, TOPOLOGY, byTestId, until } from "./harness.mjs";

let stack;
let browser;

before(async () => {
  stack = await Stack.start();
  await stack.createLab("pair", TOPOLOGY);
  await stack.createLab("broken", BROKEN);
  stack.writeProfiles();
  browser = await stack.startApp();
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

/** Opens a lab from the dashboard by clicking its name. */
async function openLab(name) {
  const row = await shown(byTestId("lab-row", `[data-lab-name="${name}"]`), `the ${name} row`);
  await (await row.$("button")).click();
}

/** The texts (and an attribute) of every element matching `selector`. */
async function texts(selector, attribute) {
  const found = [];
  for (const element of await browser.$$(selector)) {
    // textContent, not the rendered text: rows of a virtualised list may be off screen.
    found.push({ text: await element.getProperty("textContent"), attribute: attribute ? await element.getAttribute(attribute) : null });
  }
  return found;
}

async function toasts() {
  return (await texts(byTestId("toast"), "data-severity")).map(({ text, attribute }) => ({ text, severity: attribute }));
}

test("log in to a server and see its labs", async () => {
  const username = await shown(byTestId("login-username"), "the login form");
  await username.setValue("admin");
  await (await browser.$(byTestId("login-password"))).setValue("admin");
  await (await browser.$(byTestId("login-submit"))).click();
  await until(async () => (await attribute(`${byTestId("server-health")}[data-server-name="lab"]`, "data-state")) === "connected", "the server's connection to be healthy");
  await shown(byTestId("lab-row", '[data-lab-name="pair"]'), "the pair lab");
  await shown(byTestId("lab-row", '[data-lab-name="broken"]'), "the broken lab");
  // Created with a start in 2099, as clients park labs they deploy by hand: not scheduled.
  assert.equal(await attribute(byTestId("lab-row", '[data-lab-name="pair"]'), "data-state"), "inactive");
  await stack.screenshot("dashboard");
});

test("deploy a lab, watch its log and the success toast", async () => {
  await openLab("pair");
  await shown(byTestId("lab-open", '[data-lab-name="pair"]'), "the lab view");
  await (await shown(byTestId("action-deploy"))).click();
  await until(async () => (await attribute(byTestId("lab-open"), "data-state")) === "running", "the lab to run", 60_000);
  await until(async () => (await toasts()).some((t) => t.severity === "success" && t.text.includes("pair")), "the success toast");
  const log = await shown(byTestId("log-view"), "the log viewer");
  await until(async () => Number(await log.getAttribute("data-line-count")) >= 5, "the lab log's lines");
  const shownLines = (await texts(byTestId("log-line"))).map((l) => l.text);
  assert.ok(shownLines.some((t) => t.includes("Creating container")), `containerlab's output is shown: ${shownLines.join("\n")}`);
  await until(async () => (await browser.$$(byTestId("node-row"))).length === 2, "two nodes");
  await stack.screenshot("lab-view");
});

test("stop a node and see its state change", async () => {
  const row = byTestId("node-row", '[data-node-name="b"]');
  assert.equal(await attribute(row, "data-state"), "running");
  await (await browser.$(row).$(byTestId("node-stop"))).click();
  await until(async () => (await attribute(row, "data-state")) === "exited", "node b to stop");
  assert.equal(await attribute(byTestId("node-row", '[data-node-name="a"]'), "data-state"), "running");
});

test("the log viewer follows a node log", async () => {
  await (await shown(byTestId("log-tab", '[data-tab="a"]'), "node a's log tab")).click();
  await until(async () => (await texts(byTestId("log-line"))).some((l) => l.text.includes("booting")), "the node's boot lines");
  // The container writes a new line: it appears live.
  stack.appendContainerLine("a", "hello from node a");
  await until(async () => (await texts(byTestId("log-line"))).some((l) => l.text.includes("hello from node a")), "the new line");
  await stack.screenshot("log-viewer");
});

test("a deploy that fails shows the server's error", async () => {
  await browser.keys("Escape");
  await openLab("broken");
  await shown(byTestId("lab-open", '[data-lab-name="broken"]'), "the broken lab");
  await (await shown(byTestId("action-deploy"))).click();
  const error = await until(async () => (await toasts()).find((t) => t.severity === "error" && /pull|containerlab/i.test(t.text)), "the error toast", 60_000);
  assert.match(error.text, /5001|containerlab/i);
  assert.equal(await attribute(byTestId("lab-open"), "data-state"), "failed");
});
