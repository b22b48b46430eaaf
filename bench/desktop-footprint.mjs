// Benchmark: the release app's footprint on "This computer" (its bundled server, with the
// fake containerlab on PATH and the fake Docker engine), WebKit under Xvfb through tauri-driver.
// Run through bench/desktop-footprint (it builds a release app first).
//
// 1. Cold start: from the app process's start (its start time in /proc) to the dashboard
//    being usable (the UI's performance mark "antimony:dashboard-ready": This computer
//    connected, its labs listed), the first start (fresh profile: database, keychain entry)
//    and then STARTS more with the same profile and a warm disk cache.
// 2. Idle PSS of the fresh app (no labs) 10 s after it became usable: the app and its WebKit
//    processes (smaps_rollup), and where it goes: PSS by mapping over all of them (smaps).
// 3. Idle PSS with three labs imported, deployed and opened one after another (each view holds
//    its lab log), back on the dashboard.
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { Stack, TOPOLOGY, byTestId, sleep, until } from "../tests/e2e/harness.mjs";
import { appPid, appTree, comm, pss, read } from "./app.mjs";

const STARTS = Number(process.env.STARTS ?? 7);
const TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
const BOOT = Number(/^btime (\d+)$/m.exec(fs.readFileSync("/proc/stat", "utf8"))[1]);

/** When a process started, in ms since the epoch (to the clock tick). */
function startedAt(pid) {
  // Field 22 of /proc/<pid>/stat, counted after the command's closing parenthesis.
  const stat = read(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (BOOT + Number(fields[19]) / TICKS) * 1000;
}

/**
 * PSS of the tree: the total, per process, per mapping (library, heap, anonymous), and by
 * kind: clean file pages (code and constants, shared with the page cache), the libraries'
 * relocated data (file mappings' private copies), anonymous memory, and memory shared with X.
 */
function memory() {
  const tree = appTree();
  const byMapping = new Map();
  const kinds = { "clean file pages": 0, "relocated data": 0, anonymous: 0, "shared with X": 0 };
  for (const pid of tree) {
    let name = "?";
    let file = false;
    let shared = false;
    let pssKb = 0;
    for (const line of read(`/proc/${pid}/smaps`).split("\n")) {
      const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
      if (header) {
        const mapped = header[1].trim();
        file = mapped.startsWith("/");
        shared = mapped.startsWith("/memfd:") || mapped.startsWith("/SYSV");
        if (mapped === "") name = "anonymous";
        else if (mapped.startsWith("[")) name = mapped.startsWith("[heap") ? "[heap]" : mapped.startsWith("[stack") ? "[stack]" : mapped;
        else if (mapped.startsWith("/memfd:") || mapped.includes("(deleted)")) name = mapped.startsWith("/memfd:") ? "memfd (shared buffers)" : "deleted files";
        else name = path.basename(mapped).replace(/\.so[.\d]*$/, ".so");
        continue;
      }
      const kb = /^(Pss|Anonymous):\s+(\d+) kB/.exec(line);
      if (kb === null) continue;
      const mb = Number(kb[2]) / 1024;
      if (kb[1] === "Pss") {
        pssKb = mb;
        byMapping.set(name, (byMapping.get(name) ?? 0) + mb);
        if (shared) kinds["shared with X"] += mb;
        else if (!file) kinds.anonymous += mb;
        else kinds["clean file pages"] += mb;
      } else if (file && !shared) {
        // Anonymous pages of a file mapping are its private, written (relocated) copies.
        const copied = Math.min(mb, pssKb);
        kinds["clean file pages"] -= copied;
        kinds["relocated data"] += copied;
      }
    }
  }
  return {
    total: tree.reduce((sum, pid) => sum + pss(pid), 0),
    processes: tree.map((pid) => `${comm(pid)} ${pss(pid).toFixed(1)}`).join(", "),
    top: [...byMapping.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([n, mb]) => `${n} ${mb.toFixed(1)}`).join(", "),
    kinds: Object.entries(kinds).map(([n, mb]) => `${n} ${mb.toFixed(1)}`).join(", "),
  };
}

/** Starts the app and waits until its dashboard is usable; the cold start in ms. */
async function start(stack, env) {
  const browser = await stack.startApp(env);
  const ready = await until(
    () => browser.execute(() => {
      const mark = performance.getEntriesByName("antimony:dashboard-ready")[0];
      return mark ? performance.timeOrigin + mark.startTime : null;
    }),
    "the dashboard to be usable",
    60_000,
  );
  return { browser, ms: ready - startedAt(appPid()) };
}

/** Drops a topology file on the window and imports it with "Deploy now". */
async function importAndDeploy(browser, name) {
  await browser.execute(
    (fileName, contents) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([contents], fileName, { type: "application/yaml" }));
      const target = document.querySelector(".app");
      for (const type of ["dragenter", "dragover", "drop"]) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    },
    `${name}.clab.yml`,
    TOPOLOGY.replace("name: pair", `name: ${name}`),
  );
  await (await until(async () => {
    const e = await browser.$(byTestId("import-confirm"));
    return (await e.isDisplayed()) ? e : null;
  }, "the import dialog")).click();
  await until(async () => (await (await browser.$(byTestId("lab-open", `[data-lab-name="${name}"]`))).isExisting()) || null, `${name}'s view`);
  await until(async () => (await (await browser.$(byTestId("lab-open"))).getAttribute("data-state")) === "running", `${name} to run`, 60_000);
  await until(async () => Number(await (await browser.$(byTestId("log-view"))).getAttribute("data-line-count")) >= 2, `${name}'s log`);
}

const stack = await Stack.start({ servers: false });
try {
  const tools = await stack.startTools();
  const local = path.join(stack.dir, "local");
  fs.mkdirSync(local, { recursive: true });
  const env = { ...tools, ANTIMONY_LOCAL_DATA: local };

  const first = await start(stack, env);
  await sleep(10_000);
  const fresh = memory();
  await stack.stopApp();

  const starts = [];
  for (let i = 0; i < STARTS; i++) {
    starts.push((await start(stack, env)).ms);
    await stack.stopApp();
  }
  starts.sort((a, b) => a - b);

  const { browser } = await start(stack, env);
  for (const name of ["first", "second", "third"]) await importAndDeploy(browser, name);
  await browser.keys("Escape");
  await sleep(10_000);
  const three = memory();

  const median = starts[Math.floor(starts.length / 2)];
  console.log(`\nDesktop footprint (release app, WebKit under Xvfb, This computer with the fake containerlab)`);
  console.log(`cold start to a usable dashboard: first start (fresh profile) ${first.ms.toFixed(0)} ms; then ${STARTS} starts median ${median.toFixed(0)} ms, min ${starts[0].toFixed(0)}, max ${starts[starts.length - 1].toFixed(0)} (target < 1000 ms: ratio ${(median / 1000).toFixed(2)})`);
  console.log(`idle PSS, fresh app, no labs: ${fresh.total.toFixed(1)} MB (target < 220 MB: ratio ${(fresh.total / 220).toFixed(2)}) — ${fresh.processes}`);
  console.log(`  by mapping: ${fresh.top}`);
  console.log(`  by kind: ${fresh.kinds}`);
  console.log(`idle PSS, three labs deployed and opened: ${three.total.toFixed(1)} MB (target < 250 MB: ratio ${(three.total / 250).toFixed(2)}) — ${three.processes}`);
  console.log(`  by mapping: ${three.top}`);
  console.log(`  by kind: ${three.kinds}`);
} finally {
  await stack.stop();
}
process.exit(0);
