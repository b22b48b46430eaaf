// Benchmark: log lines from the server through the Rust side into the rendered log view of
// the real app (WebKit under Xvfb, driven through tauri-driver), and the app's memory.
// Run through bench/desktop-logs (it builds a release app first).
//
// 1. Flood: the fake containerlab writes LINES lines as fast as it can into a lab log while
//    the lab view shows it; lines/s = LINES ÷ time until the view counted them all; frames:
//    the longest gap between animation frames meanwhile, and how many gaps exceeded 100 ms.
// 2. Steady: RATE lines/s for 5 s; latency = the page's clock minus the time stamped into
//    the newest rendered line by the producer (producer → server → client → Rust → webview →
//    screen), sampled every 100 ms.
// 3. Memory: PSS of the app and its WebKit processes (smaps_rollup), idle: a fresh app with
//    three labs deployed and opened one after another, and the flood's app after it opened
//    two more labs (its first view held the flood).
import fs from "node:fs";
import path from "node:path";
import { Stack, TOPOLOGY, byTestId, sleep, until } from "../tests/e2e/harness.mjs";
import { appTree, comm, logIn, pss } from "./app.mjs";

const LINES = Number(process.env.LINES ?? 200_000);
const RATE = Number(process.env.RATE ?? 10_000);

async function run(label, rate) {
  const gate = path.join(fs.mkdtempSync("/tmp/antimony-bench-gate-"), "go");
  // The lab log's backlog holds the whole run: a view that falls behind is then measured by
  // how long it takes, instead of losing trimmed lines (the default keeps 10,000).
  const stack = await Stack.start({
    serverEnv: { FAKE_CLAB_LINES: String(rate ? rate * 5 : LINES), FAKE_CLAB_GATE: gate, FAKE_CLAB_RATE: rate ? String(rate) : "" },
    serverConfig: `streaming:\n  clabLogBacklog: ${LINES + 100_000}\n`,
  });
  try {
    await stack.createLab("flood", TOPOLOGY.replace("name: pair", "name: flood"));
    await stack.createLab("second", TOPOLOGY.replace("name: pair", "name: second"));
    await stack.createLab("third", TOPOLOGY.replace("name: pair", "name: third"));
    stack.writeProfiles();
    const browser = await stack.startApp();
    const shown = await logIn(browser);
    const open = async (name) => {
      await browser.keys("Escape");
      const row = await shown(byTestId("lab-row", `[data-lab-name="${name}"]`));
      await (await row.$("button")).click();
      await shown(byTestId("lab-open", `[data-lab-name="${name}"]`));
    };
    await open("flood");
    await (await shown(byTestId("action-deploy"))).click();
    const count = async () => Number(await (await browser.$(byTestId("log-view"))).getAttribute("data-line-count"));
    await until(async () => (await count()) >= 2, "the lab log to connect", 60_000);
    const before = await count();
    const total = rate ? rate * 5 : LINES;
    await browser.execute(() => {
      const w = window;
      w.benchFrames = [];
      w.benchCounts = [];
      const view = document.querySelector('[data-testid="log-view"]');
      const tick = (t) => {
        w.benchFrames.push(t);
        // The lines the view showed at each frame: a long frame and what it took in.
        w.benchCounts.push(Number(view?.getAttribute("data-line-count") ?? 0));
        if (!w.benchStop) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const started = Date.now();
    fs.writeFileSync(gate, "");
    const latencies = [];
    while ((await count()) < before + total) {
      if (rate) {
        const newest = await browser.execute(() => {
          const lines = document.querySelectorAll('[data-testid="log-view"] [data-testid="log-line"]');
          const last = lines[lines.length - 1]?.textContent ?? "";
          const t = /t=(\d+)/.exec(last);
          return t ? Date.now() - Number(t[1]) / 1000 : null;
        });
        if (newest !== null) latencies.push(newest);
      }
      if (Date.now() - started > 300_000) throw new Error(`${label}: only ${(await count()) - before} of ${total} lines`);
      await sleep(100);
    }
    const seconds = (Date.now() - started) / 1000;
    const frames = await browser.execute(() => {
      const w = window;
      w.benchStop = true;
      const gaps = w.benchFrames.slice(1).map((t, i) => t - w.benchFrames[i]);
      const added = w.benchCounts.slice(1).map((n, i) => n - w.benchCounts[i]);
      const longest = gaps.indexOf(Math.max(...gaps));
      return { max: Math.max(...gaps), over100: gaps.filter((g) => g > 100).length, count: gaps.length, mostLines: Math.max(...added), longestLines: added[longest] };
    });
    latencies.sort((a, b) => a - b);
    const result = { label, lines: total, seconds, linesPerSec: total / seconds, frames, p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)] };
    if (!rate) {
      await open("second");
      await open("third");
      await sleep(5000);
      const tree = appTree();
      result.pss = tree.reduce((sum, pid) => sum + pss(pid), 0);
      result.processes = tree.length;
      result.breakdown = tree.map((pid) => `${comm(pid)} ${pss(pid).toFixed(1)}`).join(", ");
    }
    return result;
  } finally {
    await stack.stop();
  }
}

/** Idle PSS of a fresh app with three deployed labs opened one after another. */
async function memory() {
  const stack = await Stack.start({});
  try {
    for (const name of ["first", "second", "third"]) await stack.createLab(name, TOPOLOGY.replace("name: pair", `name: ${name}`));
    stack.writeProfiles();
    const browser = await stack.startApp();
    const shown = await logIn(browser);
    for (const name of ["first", "second", "third"]) {
      await browser.keys("Escape");
      const row = await shown(byTestId("lab-row", `[data-lab-name="${name}"]`));
      await (await row.$("button")).click();
      await shown(byTestId("lab-open", `[data-lab-name="${name}"]`));
      await (await shown(byTestId("action-deploy"))).click();
      await until(async () => (await (await browser.$(byTestId("lab-open"))).getAttribute("data-state")) === "running", `${name} to run`, 60_000);
    }
    await sleep(10_000);
    const tree = appTree();
    return {
      pss: tree.reduce((sum, pid) => sum + pss(pid), 0),
      processes: tree.length,
      breakdown: tree.map((pid) => `${comm(pid)} ${pss(pid).toFixed(1)}`).join(", "),
    };
  } finally {
    await stack.stop();
  }
}

const idle = await memory();
const flood = await run("flood", 0);
const steady = await run(`steady ${RATE}/s`, RATE);
console.log(`\nDesktop log view (release app, WebKit under Xvfb): ${LINES} lines flooded into a lab log; ${RATE * 5} lines at ${RATE}/s`);
console.log(`flood: ${flood.linesPerSec.toFixed(0)} lines/s rendered (target ≥ 50,000: ratio ${(flood.linesPerSec / 50_000).toFixed(2)}); longest frame gap ${flood.frames.max.toFixed(0)} ms, ${flood.frames.over100} of ${flood.frames.count} frames over 100 ms; the most lines one frame took in ${flood.frames.mostLines}, the longest frame ${flood.frames.longestLines}`);
console.log(`steady: producer-to-screen latency p50 ${steady.p50?.toFixed(0)} ms, p99 ${steady.p99?.toFixed(0)} ms; longest frame gap ${steady.frames.max.toFixed(0)} ms`);
console.log(`idle PSS, fresh app with three labs deployed and opened: ${idle.pss.toFixed(1)} MB over ${idle.processes} processes (${idle.breakdown}) (target ≤ 250 MB: ratio ${(idle.pss / 250).toFixed(2)})`);
console.log(`idle PSS after the flood (${LINES} lines held by the first view), three labs opened: ${flood.pss.toFixed(1)} MB (${flood.breakdown})`);
process.exit(0);
