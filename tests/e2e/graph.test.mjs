// The lab graph in the desktop app through the real WebKit webview (cytoscape.js on a canvas,
// under the app's CSP and frozen Object.prototype), against antimony-server with the fake
// containerlab and Docker engine. As a user: open a lab that is not deployed and see its nodes
// greyed; deploy it and see them coloured; click a node on the canvas, stop it from its panel
// and see its colour on the canvas turn from green to red; open the lab again and find the
// nodes where they were. Screenshots: graph-undeployed, graph-running, graph-stopped.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Stack, byTestId, until } from "./harness.mjs";

// Dashed node names, and containerlab's graph-level labels (one row per level).
const FABRIC = `name: fabric
topology:
  nodes:
    spine-1:
      kind: linux
      image: alpine:3
      labels: {graph-level: 1}
    leaf-1:
      kind: linux
      image: alpine:3
      labels: {graph-level: 2}
    leaf-2:
      kind: linux
      image: alpine:3
      labels: {graph-level: 2}
    host-1:
      kind: linux
      image: alpine:3
      labels: {graph-level: 3}
  links:
    - endpoints: ["spine-1:eth1", "leaf-1:eth1"]
    - endpoints: ["spine-1:eth2", "leaf-2:eth1"]
    - endpoints: ["leaf-1:eth2", "host-1:eth1"]
    - endpoints: ["leaf-2:eth2", "host-1:eth2"]
`;

let stack;
let browser;

before(async () => {
  stack = await Stack.start();
  await stack.createLab("fabric", FABRIC);
  stack.writeProfiles();
  browser = await stack.startApp();
  await (await shown(byTestId("login-username"), "the login form")).setValue("admin");
  await (await browser.$(byTestId("login-password"))).setValue("admin");
  await (await browser.$(byTestId("login-submit"))).click();
  await shown(byTestId("lab-row", '[data-lab-name="fabric"]'), "the fabric lab");
  // From here on, a CSP violation (cytoscape's <style>, a style attribute) is recorded.
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

/** The first element matching `selector` once it is displayed. */
async function shown(selector, what = selector, ms = 30_000) {
  return until(async () => {
    const element = await browser.$(selector);
    return (await element.isDisplayed()) ? element : null;
  }, what, ms);
}

const attribute = async (selector, name) => (await browser.$(selector)).getAttribute(name);

async function openLab(name) {
  await browser.keys("Escape");
  const row = await shown(byTestId("lab-row", `[data-lab-name="${name}"]`), `the ${name} row`);
  await (await row.$("button")).click();
  await shown(byTestId("lab-open", `[data-lab-name="${name}"]`), "the lab view");
  await until(async () => (await attribute(byTestId("graph"), "data-ready")) === "true", "the graph's first paint", 30_000);
}

/** The graph's nodes as its keyboard list has them: name → {state, tone, x, y} (canvas pixels). */
async function graphNodes() {
  return browser.execute(() =>
    Object.fromEntries(
      [...document.querySelectorAll('[data-testid="graph-node"]')].map((b) => [
        b.dataset.nodeName,
        { state: b.dataset.state, tone: b.dataset.tone, x: Number(b.dataset.x), y: Number(b.dataset.y) },
      ]),
    ),
  );
}

/**
 * What the canvas shows around a node: how many strongly green and strongly red pixels there are
 * within 10 px of its centre (the node's fill; its icon is white, edges and labels grey).
 */
async function canvasColour(name) {
  return browser.execute((node) => {
    const button = [...document.querySelectorAll('[data-testid="graph-node"]')].find((b) => b.dataset.nodeName === node);
    const canvas = document.querySelector('.graph-canvas canvas[data-id="layer2-node"]');
    if (!button || !canvas) return { error: "no node or canvas" };
    const ratio = canvas.width / canvas.clientWidth;
    const context = canvas.getContext("2d");
    const x = Number(button.dataset.x);
    const y = Number(button.dataset.y);
    let green = 0;
    let red = 0;
    for (let dx = -10; dx <= 10; dx += 2) {
      for (let dy = -10; dy <= 10; dy += 2) {
        const [r, g, b, a] = context.getImageData(Math.round((x + dx) * ratio), Math.round((y + dy) * ratio), 1, 1).data;
        if (a < 200) continue;
        if (g > r + 50 && g > b + 30) green += 1;
        if (r > g + 50 && r > b + 30) red += 1;
      }
    }
    return { green, red };
  }, name);
}

/** Clicks the canvas where a node is drawn, as a user's mouse would. */
async function clickNode(name) {
  const nodes = await graphNodes();
  const at = nodes[name];
  assert.ok(at && Number.isFinite(at.x), `node ${name} is on the canvas: ${JSON.stringify(nodes)}`);
  const host = await browser.execute(() => {
    const r = document.querySelector(".graph-canvas").getBoundingClientRect();
    return { left: r.left, top: r.top };
  });
  await browser
    .action("pointer", { parameters: { pointerType: "mouse" } })
    .move({ origin: "viewport", x: Math.round(host.left + at.x), y: Math.round(host.top + at.y) })
    .down()
    .pause(50)
    .up()
    .perform();
}

test("a lab that is not deployed shows its nodes and links greyed", async () => {
  await openLab("fabric");
  assert.equal(await attribute(byTestId("lab-open"), "data-state"), "inactive");
  const nodes = await graphNodes();
  assert.deepEqual(Object.keys(nodes).sort(), ["host-1", "leaf-1", "leaf-2", "spine-1"]);
  for (const node of Object.values(nodes)) assert.deepEqual([node.state, node.tone], ["not deployed", "none"]);
  assert.equal(await attribute(byTestId("graph"), "data-edge-count"), "4");
  // The table lists them too, greyed, without actions.
  const rows = await browser.$$(byTestId("node-row"));
  assert.equal(rows.length, 4);
  for (const row of rows) assert.equal(await row.getAttribute("data-deployed"), "false");
  assert.match(await (await browser.$(byTestId("lab-times"))).getText(), /^not scheduled$/);
  await stack.screenshot("graph-undeployed");
});

test("deployed, the nodes take their states' colours on the canvas", async () => {
  await (await shown(byTestId("action-deploy"))).click();
  await until(async () => (await attribute(byTestId("lab-open"), "data-state")) === "running", "the lab to run", 60_000);
  await until(async () => Object.values(await graphNodes()).every((n) => n.tone === "green"), "every node to run", 30_000);
  await until(async () => (await canvasColour("leaf-2")).green > 10, "leaf-2 to be drawn green");
  await stack.screenshot("graph-running");
});

test("stop a node from the graph: its colour on the canvas turns from green to red", async () => {
  const before = await graphNodes();
  await clickNode("leaf-2");
  const panel = await shown(byTestId("node-panel"), "the node's panel");
  assert.equal(await panel.getAttribute("data-node-name"), "leaf-2");
  await (await panel.$(byTestId("node-panel-stop"))).click();
  await until(async () => (await graphNodes())["leaf-2"].state === "exited", "leaf-2 to stop", 30_000);
  await until(async () => {
    const colour = await canvasColour("leaf-2");
    return colour.red > 10 && colour.green === 0;
  }, "leaf-2 to be drawn red");
  assert.ok((await canvasColour("leaf-1")).green > 10, "leaf-1 is still green");
  // Recoloured in place: nothing moved.
  const after = await graphNodes();
  for (const name of Object.keys(before)) assert.deepEqual([after[name].x, after[name].y], [before[name].x, before[name].y], `${name} stayed where it was`);
  assert.equal(await attribute(byTestId("node-row", '[data-node-name="leaf-2"]'), "data-state"), "exited");
  await stack.screenshot("graph-stopped");
});

test("the layout is remembered: the lab opens again with its nodes where they were", async () => {
  const before = await graphNodes();
  await openLab("fabric");
  const again = await graphNodes();
  // Kept in whole pixels of the graph's own coordinates: on screen within a pixel or two.
  for (const name of Object.keys(before)) {
    assert.ok(Math.abs(again[name].x - before[name].x) <= 2 && Math.abs(again[name].y - before[name].y) <= 2, `${name} is where it was: ${JSON.stringify([before[name], again[name]])}`);
  }
});

test("the graph draws under the app's CSP without a violation", async () => {
  assert.deepEqual(await browser.execute(() => window.cspViolations), []);
  // cytoscape found our stand-in for its stylesheet and added no <style> of its own.
  assert.equal(await browser.execute(() => document.querySelectorAll("style").length), 0);
});
