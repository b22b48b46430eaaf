// Benchmark: the lab graph of the real app (release build, WebKit under Xvfb, driven through
// tauri-driver), against antimony-server with the fake containerlab and Docker engine.
// Run through bench/desktop-graph (it builds a release app first).
//
// 1. Layout and first paint of 200 nodes and 400 links, for two topologies: a Clos fabric
//    (4 spines, 48 leaves, 148 hosts, 60 of them dual-homed) and a mesh (a ring of 200 with 200
//    chords drawn at random, the layout's hard case). Each lab is opened from the dashboard for
//    the first time (nothing remembered: it is laid out). Measured in the page: from the click
//    to the first frame with the graph drawn ("open"), the graph view's own time from its mount
//    to that frame ("graph": engine creation, layout, first render), and the layout alone. The
//    dashboard loads the graph's scripts once it is idle; a lab opened at once after login
//    loads them itself (measured too, on a copy of the Clos lab). Reference, same run: the Clos
//    lab opened again, its positions remembered (no layout).
// 2. Live states: the Clos lab deployed (200 containers), then RATE node-state changes a second
//    for SECONDS_OF_UPDATES seconds, made in the fake Docker engine's state (it reports them as
//    container events; the server updates the lab; the app refetches it and repaints the graph
//    and the table). Frame gaps (requestAnimationFrame) meanwhile, against the same lab idle
//    for 3 s before; and how many state changes the graph showed.
import fs from "node:fs";
import path from "node:path";
import { Stack, byTestId, sleep, until } from "../tests/e2e/harness.mjs";
import { cpuShare, cpuTimes, logIn } from "./app.mjs";

const RATE = Number(process.env.RATE ?? 100);
const SECONDS = Number(process.env.SECONDS_OF_UPDATES ?? 10);

/** A topology from nodes and links ([a, b] node names; interfaces numbered per node). */
function topology(name, nodes, links) {
  const next = new Map();
  const iface = (node) => {
    const n = (next.get(node) ?? 0) + 1;
    next.set(node, n);
    return `${node}:eth${n}`;
  };
  const nodeText = nodes.map((n) => `    ${n}:\n      kind: linux\n      image: alpine:3\n`).join("");
  const linkText = links.map(([a, b]) => `    - endpoints: ["${iface(a)}", "${iface(b)}"]\n`).join("");
  return `name: ${name}\ntopology:\n  nodes:\n${nodeText}  links:\n${linkText}`;
}

function clos() {
  const spines = Array.from({ length: 4 }, (_, i) => `spine-${i + 1}`);
  const leaves = Array.from({ length: 48 }, (_, i) => `leaf-${i + 1}`);
  const hosts = Array.from({ length: 148 }, (_, i) => `host-${i + 1}`);
  const links = [];
  for (const leaf of leaves) for (const spine of spines) links.push([spine, leaf]);
  hosts.forEach((host, i) => {
    links.push([leaves[i % leaves.length], host]);
    if (i < 60) links.push([leaves[(i + 1) % leaves.length], host]);
  });
  return { nodes: [...spines, ...leaves, ...hosts], links };
}

function mesh() {
  const nodes = Array.from({ length: 200 }, (_, i) => `r${i + 1}`);
  const links = nodes.map((n, i) => [n, nodes[(i + 1) % nodes.length]]);
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  while (links.length < 400) {
    const a = Math.floor(random() * nodes.length);
    const b = Math.floor(random() * nodes.length);
    if (Math.abs(a - b) > 1) links.push([nodes[a], nodes[b]]);
  }
  return { nodes, links };
}

async function timedOpen(browser, shown, name) {
  await browser.keys("Escape");
  await shown(byTestId("lab-row", `[data-lab-name="${name}"]`));
  await browser.execute((lab) => {
    const bench = { t0: performance.now(), ready: null };
    window.benchOpen = bench;
    const observer = new MutationObserver(() => {
      const graph = document.querySelector('[data-testid="graph"][data-ready="true"]');
      if (graph === null || bench.ready !== null) return;
      bench.ready = performance.now();
      bench.layout = Number(graph.dataset.layoutMs);
      bench.graph = Number(graph.dataset.paintMs);
      observer.disconnect();
    });
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-ready"] });
    [...document.querySelectorAll('[data-testid="lab-row"]')].find((r) => r.dataset.labName === lab).querySelector("button").click();
  }, name);
  const result = await until(async () => browser.execute(() => (window.benchOpen.ready === null ? null : window.benchOpen)), `${name}'s graph`, 60_000);
  return { open: result.ready - result.t0, graph: result.graph, layout: result.layout };
}

/** Frame gaps from now until `stop()`: {max, over50, count}. */
async function watchFrames(browser) {
  await browser.execute(() => {
    const w = window;
    w.benchFrames = [];
    w.benchStop = false;
    w.benchStates = 0;
    const tick = (t) => {
      w.benchFrames.push(t);
      if (!w.benchStop) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    w.benchRepaints = [];
    w.benchObserver?.disconnect();
    w.benchObserver = new MutationObserver((records) => {
      let states = 0;
      for (const r of records) if (r.target instanceof HTMLElement && r.target.dataset.testid === "graph-node") states += 1;
      if (states > 0) w.benchRepaints.push(performance.now());
      w.benchStates += states;
    });
    w.benchObserver.observe(document.querySelector('[data-testid="graph"]'), { subtree: true, attributes: true, attributeFilter: ["data-state"] });
  });
  return async () =>
    browser.execute(() => {
      const w = window;
      w.benchStop = true;
      const gaps = w.benchFrames.slice(1).map((t, i) => t - w.benchFrames[i]);
      // A long frame "with a repaint": the graph's states changed within it (its work is ours).
      const long = gaps.map((g, i) => ({ g, from: w.benchFrames[i], to: w.benchFrames[i + 1] })).filter((f) => f.g > 50);
      const withRepaint = long.filter((f) => w.benchRepaints.some((t) => t >= f.from && t <= f.to)).length;
      return { max: Math.max(...gaps), over50: gaps.filter((g) => g > 50).length, count: gaps.length, states: w.benchStates, repaints: w.benchRepaints.length, withRepaint };
    });
}

const stack = await Stack.start({});
let results;
try {
  const fabric = clos();
  const ring = mesh();
  await stack.createLab("clos", topology("clos", fabric.nodes, fabric.links));
  await stack.createLab("clos-cold", topology("clos-cold", fabric.nodes, fabric.links));
  await stack.createLab("mesh", topology("mesh", ring.nodes, ring.links));
  stack.writeProfiles();
  const browser = await stack.startApp();
  const shown = await logIn(browser);
  await shown(byTestId("lab-row", '[data-lab-name="clos"]'));

  // At once: the graph's scripts load with the lab (cold).
  const cold = await timedOpen(browser, shown, "clos-cold");
  await browser.keys("Escape");
  await sleep(2000);
  const closFirst = await timedOpen(browser, shown, "clos");
  const nodes = Number(await (await browser.$(byTestId("graph"))).getAttribute("data-node-count"));
  const edges = Number(await (await browser.$(byTestId("graph"))).getAttribute("data-edge-count"));
  if (nodes !== 200 || edges !== 400) throw new Error(`the clos graph has ${nodes} nodes and ${edges} links`);
  await stack.screenshot("bench-graph-clos");
  const meshFirst = await timedOpen(browser, shown, "mesh");
  const closAgain = await timedOpen(browser, shown, "clos");

  // Deployed: 200 containers running.
  await (await shown(byTestId("action-deploy"))).click();
  await until(async () => (await (await browser.$(byTestId("lab-open"))).getAttribute("data-state")) === "running", "the clos lab to run", 180_000);
  await until(
    async () => browser.execute(() => [...document.querySelectorAll('[data-testid="graph-node"]')].filter((b) => b.dataset.state === "running").length === 200),
    "200 running nodes in the graph",
    120_000,
  );
  await sleep(2000);
  const idleStop = await watchFrames(browser);
  await sleep(3000);
  const idle = await idleStop();

  const file = path.join(stack.dir, "clab-state.json");
  const world = JSON.parse(fs.readFileSync(file, "utf8"));
  const containers = Object.values(world.labs).flatMap((lab) => lab.containers);
  if (containers.length !== 200) throw new Error(`${containers.length} containers`);
  const stop = await watchFrames(browser);
  const cpuBefore = cpuTimes();
  const started = Date.now();
  let changes = 0;
  while (Date.now() - started < SECONDS * 1000) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE);
    if (due > changes) {
      while (changes < due) {
        const c = containers[(changes * 37) % containers.length];
        c.state = c.state === "running" ? "exited" : "running";
        changes += 1;
      }
      fs.writeFileSync(`${file}.bench`, JSON.stringify(world));
      fs.renameSync(`${file}.bench`, file);
    }
    await sleep(5);
  }
  const seconds = (Date.now() - started) / 1000;
  const cpu = cpuShare(cpuBefore, cpuTimes(), seconds);
  const expected = Object.fromEntries(containers.map((c) => [c.node, c.state]));
  // Settled: the graph shows the engine's states.
  await until(
    async () => {
      const shownStates = await browser.execute(() => Object.fromEntries([...document.querySelectorAll('[data-testid="graph-node"]')].map((b) => [b.dataset.nodeName, b.dataset.state])));
      return Object.entries(expected).every(([node, state]) => shownStates[node] === state);
    },
    "the graph to show the last states",
    60_000,
  );
  const updates = await stop();

  results = { cold, closFirst, meshFirst, closAgain, idle, updates, changes, seconds, cpu };
} finally {
  await stack.stop();
}

const { cold, closFirst, meshFirst, closAgain, idle, updates, changes, seconds, cpu } = results;
const ms = (n) => `${n.toFixed(0)} ms`;
console.log(`\nDesktop lab graph (release app, WebKit under Xvfb): 200 nodes, 400 links`);
console.log(`Clos fabric (4 spines, 48 leaves, 148 hosts), first open: layout ${ms(closFirst.layout)}, graph mount to first paint ${ms(closFirst.graph)} (target < 500 ms: ratio ${(closFirst.graph / 500).toFixed(2)}), click to first paint ${ms(closFirst.open)}`);
console.log(`the same, opened at once after login (the graph's scripts load with it, not beforehand): layout ${ms(cold.layout)}, graph mount to first paint ${ms(cold.graph)}, click to first paint ${ms(cold.open)}`);
console.log(`mesh (ring + random chords), first open: layout ${ms(meshFirst.layout)}, graph mount to first paint ${ms(meshFirst.graph)} (target < 500 ms: ratio ${(meshFirst.graph / 500).toFixed(2)}), click to first paint ${ms(meshFirst.open)}`);
console.log(`reference, Clos opened again (positions remembered, no layout): graph mount to first paint ${ms(closAgain.graph)}, click to first paint ${ms(closAgain.open)}`);
console.log(`live states: ${changes} node-state changes at ${RATE}/s over ${seconds.toFixed(1)} s; the graph showed ${updates.states} state changes (coalesced per refetch); longest frame gap ${ms(updates.max)}, ${updates.over50} of ${updates.count} frames over 50 ms (target: none over 50 ms)`);
console.log(`  the graph repainted states ${updates.repaints} times; ${updates.withRepaint} of the ${updates.over50} long frames had a repaint in them; CPU meanwhile: ${cpu}`);
console.log(`reference, the same lab idle for 3 s: longest frame gap ${ms(idle.max)}, ${idle.over50} of ${idle.count} frames over 50 ms`);
process.exit(0);
