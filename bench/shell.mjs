// Benchmark: shells, end to end. Run through bench/shell (it builds release binaries first).
//
// Servers: antimony-server (release, with the fake containerlab and the fake Docker engine,
// whose `docker exec` runs tests/fixtures/fakes/src/shell.rs) and the reference server
// (tests/fixtures/reference-server: the Go server's wire behaviour in Node's socket.io, with
// an in-process fake terminal), in the same run, each with a lab of two nodes deployed by
// `antimony deploy`.
//
// 1. Keystroke to echo: the Rust client (client/examples/shell.rs, one ShellHandle) types
//    KEYS single characters, each once the previous echo came back; p50/p99 per server and
//    their ratio.
// 2. Output: the same client runs COPIES typed-ahead `seq 100000` (688,895 bytes each, the
//    most the reference's fake terminal prints at once) and `echo BENCH-'E'ND`; MB/s from
//    Enter to the marker. Then the CLI, `antimony shell`, does the same in a real
//    pseudo-terminal (bench/shell-pty.py), on both servers.
// 3. The webview (unless WEBVIEW=0): the release app (WebKit under Xvfb, through
//    tauri-driver) with a shell in the lab view. Keystroke to paint: WEB_KEYS keys typed
//    through WebDriver, timed in the page from the textarea's keydown to the first task
//    after xterm rendered the echo (a MutationObserver on the rows, then a MessageChannel
//    message, which runs once the frame is painted). Rendered output: `seq 1 WEB_LAST`
//    (about as many bytes as the COPIES workload, as one command: lines typed ahead are
//    echoed in the middle of the output), from the Enter keydown until the last number's
//    row is in the DOM, with the longest gap between animation frames.
import { spawn } from "node:child_process";
import path from "node:path";
import { Stack, TOPOLOGY, byTestId, sleep, until } from "../tests/e2e/harness.mjs";
import { logIn } from "./app.mjs";

const repo = path.resolve(import.meta.dirname, "..");
const bin = process.env.ANTIMONY_BIN_DIR ?? path.join(repo, "target", "release");
const KEYS = Number(process.env.KEYS ?? 500);
const COPIES = Number(process.env.COPIES ?? 29);
const WEB_KEYS = Number(process.env.WEB_KEYS ?? 200);
/** The webview's output: `seq 1 WEB_LAST` (2,350,000: 19.9 MB, about the clients' workload). */
const WEB_LAST = Number(process.env.WEB_LAST ?? 2_350_000);
const WEBVIEW = process.env.WEBVIEW !== "0";

/** Bytes `seq 1 last` writes on a terminal (each number with "\r\n"). */
function seqBytes(last) {
  let bytes = 0;
  for (let digits = 1, low = 1; low <= last; digits++, low *= 10) bytes += (Math.min(last, low * 10 - 1) - low + 1) * (digits + 2);
  return bytes;
}
const SEQ_BYTES = seqBytes(100_000);
/** The marker's quotes keep its echo ("echo BENCH-'E'ND") from matching its output. */
const WORKLOAD = [...Array(COPIES).fill("seq 100000"), "echo BENCH-'E'ND"].join("\r");
const MARKER = "BENCH-END";

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const fixed = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const mb = (bytes) => bytes / 1e6;

/** Runs a program to its end; its output (rejects on a non-zero status or after `ms`). */
function run(command, args, env = {}, ms = 600_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${path.basename(command)} ${args.slice(0, 3).join(" ")} failed (${code ?? signal}): ${stderr.slice(-2000)}`));
    });
  });
}

/** What `antimony` and the example need to reach a server as admin, REST at its root. */
const credentials = (origin) => ({
  ANTIMONY_SERVER: origin,
  ANTIMONY_API: origin,
  ANTIMONY_USER: "admin",
  ANTIMONY_PASSWORD: "admin",
  ANTIMONY_CONFIG: "/nonexistent/antimony-bench-servers.toml",
  // No keychain: the CLI logs in with the credentials above on every run.
  DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/antimony-bench-bus",
});

/** Deploys a lab with the CLI (it follows the log until containerlab is done). */
async function deploy(origin, lab) {
  await run(path.join(bin, "antimony"), ["deploy", lab], credentials(origin));
}

/** antimony-server, the fakes and a deployed lab (the harness's stack, release binaries). */
async function antimonyServer() {
  const stack = await Stack.start();
  const lab = await stack.createLab("bench", TOPOLOGY);
  await deploy(stack.origin, lab);
  return { name: "antimony-server", origin: stack.origin, lab, stack, stop: () => stack.stop() };
}

/** The reference server with a deployed lab. */
async function referenceServer() {
  const child = spawn(process.execPath, [path.join(repo, "tests/fixtures/reference-server/server.mjs"), "--port", "0", "--deploy-ms", "300"], {
    env: { ...process.env, SB_NATIVE_USERNAME: "admin", SB_NATIVE_PASSWORD: "admin" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", () => undefined);
  const port = await until(() => /\{"port":(\d+)\}/.exec(out)?.[1], "the reference server's port");
  const origin = `http://127.0.0.1:${port}`;
  const login = await fetch(`${origin}/users/login/native`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"username":"admin","password":"admin"}' });
  const token = login.headers.getSetCookie().find((c) => c.startsWith("accessToken=")).split(";")[0].slice("accessToken=".length);
  const rest = async (method, route, body) => {
    const response = await fetch(`${origin}${route}`, { method, headers: { cookie: `accessToken=${token}`, "content-type": "application/json" }, body: body && JSON.stringify(body) });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
    return json.payload;
  };
  const [collection] = await rest("GET", "/collections");
  const topology = await rest("POST", "/topologies", { definition: TOPOLOGY, syncUrl: "", collectionId: collection.id });
  const lab = await rest("POST", "/labs", { name: "bench", startTime: "2099-01-01T00:00:00Z", endTime: "2099-01-02T00:00:00Z", topologyId: topology });
  await deploy(origin, lab);
  // Nodes start as "starting" and run a moment later (--deploy-ms / 3).
  await until(async () => (await rest("GET", `/labs/${lab}`)).instance?.nodes?.every((n) => n.state === "running"), "the reference's nodes to run");
  return {
    name: "reference (Node)",
    origin,
    lab,
    stop: async () => {
      child.kill("SIGTERM");
      await sleep(100);
    },
  };
}

/** Keystroke-to-echo latency and output rate through the Rust client (examples/shell). */
async function rustClient(server, node) {
  const line = await run(path.join(bin, "examples", "shell"), [server.origin, server.lab, node, String(KEYS), WORKLOAD, MARKER], credentials(server.origin));
  const result = JSON.parse(line.trim().split("\n").pop());
  const latency = [...result.latencyMs].sort((a, b) => a - b);
  return { p50: quantile(latency, 0.5), p99: quantile(latency, 0.99), max: latency[latency.length - 1], bytes: result.outputBytes, missed: result.missedBytes, ms: result.outputMs };
}

/** Output rate into `antimony shell` in a real pseudo-terminal. */
async function cliInPty(server, node) {
  const line = await run("python3", [path.join(repo, "bench/shell-pty.py"), "40", "120", WORKLOAD, MARKER, "--", path.join(bin, "antimony"), "shell", server.lab, node], credentials(server.origin));
  return JSON.parse(line.trim().split("\n").pop());
}

// --- the webview ----------------------------------------------------------------------

/** Logs in, opens the lab and a shell on `node`; waits for its prompt. */
async function openShellInApp(browser, node) {
  const shown = await logIn(browser);
  await (await (await shown(byTestId("lab-row", '[data-lab-name="bench"]'))).$("button")).click();
  await until(async () => (await browser.$$(byTestId("node-row"))).length === 2, "the nodes");
  await (await browser.$(byTestId("node-row", `[data-node-name="${node}"]`)).$(byTestId("node-shell"))).click();
  await shown(byTestId("terminal"));
  await until(() => browser.execute(() => /:~# *$/.test(document.querySelector(`[data-testid="terminal"] .xterm-rows`)?.textContent ?? "")), "the prompt", 30_000);
}

/** Installs the page's probes: keystroke-to-paint samples, and the flood's clock. */
async function installProbes(browser) {
  await browser.execute(() => {
    const pane = document.querySelector(`[data-testid="terminal"]`);
    const rows = pane.querySelector(".xterm-rows");
    const textarea = pane.querySelector(".xterm-helper-textarea");
    const cursorRow = () => rows.querySelector(".xterm-cursor")?.parentElement?.textContent?.trimEnd() ?? "";
    /** After the frame that shows the change is painted: the next task. */
    const afterPaint = (done) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done(performance.now());
      channel.port2.postMessage(0);
    };
    const bench = { pending: null, samples: [], typed: "", flood: null, dropped: new Set() };
    window.bench = bench;
    textarea.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        bench.typed = "";
        if (bench.flood?.armed && bench.flood.t0 === null) bench.flood.t0 = performance.now();
        return;
      }
      if (e.key.length !== 1 || bench.flood !== null) return;
      bench.typed += e.key;
      bench.pending = { t0: performance.now(), expect: bench.typed.slice(-12) };
    }, true);
    new MutationObserver(() => {
      const pending = bench.pending;
      if (pending !== null && cursorRow().endsWith(pending.expect)) {
        bench.pending = null;
        afterPaint((t1) => bench.samples.push(t1 - pending.t0));
      }
      const flood = bench.flood;
      // The app's note for output the server did not keep (the text, so a note is counted
      // once however many frames show it).
      if (flood?.t0 != null) {
        for (const row of rows.children) if (row.textContent.includes("bytes of output were dropped]")) bench.dropped.add(row.textContent.trim());
      }
      // The flood is done when its last number has a row of its own.
      if (flood?.t0 != null && flood.t1 === null && [...rows.children].some((row) => row.textContent.trimEnd() === flood.last)) {
        flood.t1 = -1;
        const lines = [...rows.children].map((row) => row.textContent.trimEnd());
        flood.before = lines[lines.indexOf(flood.last) - 1];
        afterPaint((t1) => (flood.t1 = t1));
      }
    }).observe(rows, { childList: true, subtree: true, characterData: true });
  });
}

async function webview(stack) {
  stack.writeProfiles();
  const browser = await stack.startApp();
  await openShellInApp(browser, "b");
  await installProbes(browser);
  // Keystrokes: one WebDriver call per key (WebKitWebDriver drops a key repeated within one
  // action sequence); a line of 40 keys, then Enter (the shell says "not found").
  for (let i = 0; i < WEB_KEYS; i++) {
    const key = String.fromCharCode(97 + (i % 26));
    await browser.keys(key);
    await until(() => browser.execute((n) => window.bench.samples.length >= n, i + 1), `the echo of key ${i + 1}`, 10_000);
    if ((i + 1) % 40 === 0) {
      await browser.keys("Enter");
      await sleep(100);
    }
  }
  if (WEB_KEYS % 40 !== 0) {
    await browser.keys("Enter");
    await sleep(100);
  }
  const samples = (await browser.execute(() => window.bench.samples)).sort((a, b) => a - b);
  // The flood: `seq 1 WEB_LAST`, typed (Element Send Keys, no repeat lost), then timed from
  // the Enter keydown. Nothing is typed meanwhile: the terminal echoes keys typed ahead at
  // once, in the middle of the output.
  const command = `seq 1 ${WEB_LAST}`;
  const textarea = await browser.$(`[data-testid="terminal"] .xterm-helper-textarea`);
  await textarea.addValue(command);
  await until(() => browser.execute((c) => (document.querySelector(`[data-testid="terminal"] .xterm-cursor`)?.parentElement?.textContent ?? "").trimEnd().endsWith(c), command), "the command typed");
  await browser.execute((last) => {
    window.bench.flood = { armed: true, t0: null, t1: null, last, before: null, maxGap: 0 };
    let previous = performance.now();
    const frame = (now) => {
      const flood = window.bench.flood;
      if (flood.t0 !== null) flood.maxGap = Math.max(flood.maxGap, now - previous);
      previous = now;
      if (flood.t1 === null || flood.t1 === -1) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }, String(WEB_LAST));
  await browser.keys("Enter");
  const flood = await until(() => browser.execute(() => (window.bench.flood.t1 > 0 ? window.bench.flood : null)), `${WEB_LAST} on the screen`, Number(process.env.WEB_TIMEOUT ?? 600_000)).catch(async (error) => {
    const state = await browser.execute(() => ({ flood: window.bench.flood, rows: [...document.querySelectorAll(`[data-testid="terminal"] .xterm-rows > div`)].map((r) => r.textContent.trimEnd()).filter(Boolean).slice(-6), now: performance.now() }));
    await stack.screenshot("bench-shell-failure");
    throw new Error(`${error.message}; the page: ${JSON.stringify(state)}`);
  });
  if (flood.before !== String(WEB_LAST - 1)) throw new Error(`the row before ${WEB_LAST} is ${JSON.stringify(flood.before)}`);
  const notes = await browser.execute(() => [...window.bench.dropped]);
  const dropped = notes.reduce((sum, note) => sum + Number(/\[([\d,.]+) bytes/.exec(note)?.[1].replace(/[,.]/g, "") ?? 0), 0);
  return { samples, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99), max: samples[samples.length - 1], bytes: seqBytes(WEB_LAST), dropped, notes: notes.length, ms: flood.t1 - flood.t0, maxGap: flood.maxGap };
}

// --- the run --------------------------------------------------------------------------

const servers = [];
try {
  console.error("starting antimony-server and the reference server, deploying their labs…");
  const antimony = await antimonyServer();
  servers.push(antimony);
  const reference = await referenceServer();
  servers.push(reference);
  const results = {};
  for (const server of [antimony, reference]) {
    console.error(`${server.name}: the Rust client (${KEYS} keys, ${COPIES} × seq 100000)…`);
    results[server.name] = { client: await rustClient(server, "a") };
    console.error(`${server.name}: antimony shell in a pseudo-terminal…`);
    results[server.name].cli = await cliInPty(server, "a");
  }
  let web = null;
  if (WEBVIEW) {
    console.error("the app: keystroke to paint, rendered output…");
    web = await webview(antimony.stack);
  }

  const a = results[antimony.name];
  const r = results[reference.name];
  console.log(`\nShells (KEYS=${KEYS}, COPIES=${COPIES}: ${fixed(mb(COPIES * SEQ_BYTES), 1)} MB of output; release builds; ${new Date().toISOString()})\n`);
  console.log("keystroke → echo, Rust client (examples/shell)     p50 ms    p99 ms    max ms");
  for (const [name, x] of [[antimony.name, a], [reference.name, r]]) {
    console.log(`  ${name.padEnd(47)} ${fixed(x.client.p50).padStart(6)}  ${fixed(x.client.p99).padStart(8)}  ${fixed(x.client.max).padStart(8)}`);
  }
  console.log(`  reference ÷ antimony-server:                   ${fixed(r.client.p50 / a.client.p50).padStart(6)}× ${fixed(r.client.p99 / a.client.p99).padStart(8)}×`);
  console.log("\noutput, Enter to marker                         MB got  MB dropped       s      MB/s");
  for (const [name, x] of [[antimony.name, a], [reference.name, r]]) {
    console.log(`  Rust client, ${name.padEnd(30)} ${fixed(mb(x.client.bytes), 1).padStart(9)} ${fixed(mb(x.client.missed), 1).padStart(11)} ${fixed(x.client.ms / 1000).padStart(7)} ${fixed(mb(x.client.bytes) / (x.client.ms / 1000), 1).padStart(9)}`);
    console.log(`  antimony shell in a pty, ${name.padEnd(18)} ${fixed(mb(x.cli.bytes), 1).padStart(9)} ${fixed(mb(x.cli.missed), 1).padStart(11)} ${fixed(x.cli.ms / 1000).padStart(7)} ${fixed(mb(x.cli.bytes) / (x.cli.ms / 1000), 1).padStart(9)}`);
  }
  console.log("  (MB/s: bytes received ÷ time; dropped: output antimony-server did not keep for a client that fell behind its 256 KiB backlog)");
  console.log(`  Rust client, antimony-server ÷ reference:                        ${fixed((a.client.bytes / a.client.ms) / (r.client.bytes / r.client.ms)).padStart(6)}×`);
  if (web !== null) {
    console.log(`\nthe app's webview (release, WebKit under Xvfb), antimony-server`);
    console.log(`  keystroke → paint (${web.samples.length} keys): p50 ${fixed(web.p50)} ms, p99 ${fixed(web.p99)} ms, max ${fixed(web.max)} ms`);
    console.log(`  rendered output (seq 1 ${WEB_LAST}): ${fixed(mb(web.bytes), 1)} MB in ${fixed(web.ms / 1000)} s = ${fixed(mb(web.bytes) / (web.ms / 1000), 1)} MB/s; longest frame gap ${fixed(web.maxGap, 0)} ms; dropped by the server: ${fixed(mb(web.dropped), 1)} MB (${web.notes} notes)`);
    console.log("  (the page's clock is WebKit's performance.now(), in whole milliseconds)");
  }
} finally {
  for (const server of servers.reverse()) await server.stop();
  servers.length = 0;
}
