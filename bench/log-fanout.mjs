// Benchmark: one lab log stream fanned out to 1, 10 and 100 socket.io-client subscribers,
// antimony-server against the npm socket.io server doing the same work, in the same run.
// Also: emit-to-receive latency at a steady rate, and server RSS with 1,000 idle clients.
// Run through bench/log-fanout (it builds release binaries first).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { createRequire } from "node:module";

const repo = path.resolve(import.meta.dirname, "..");
const require = createRequire(path.join(repo, "tests/interop/package.json"));
const { io } = require("socket.io-client");

const bin = process.env.ANTIMONY_BIN_DIR;
const LINES = Number(process.env.LINES ?? 200_000);
const FANOUTS = (process.env.FANOUTS ?? "1,10,100").split(",").map(Number);
const RATE = Number(process.env.RATE ?? 10_000);
const IDLE = Number(process.env.IDLE ?? 1000);
// One subscriber for the latency run: more, and the single client process falls behind.
const STEADY_SUBSCRIBERS = Number(process.env.STEADY_SUBSCRIBERS ?? 1);
const TOPOLOGY = "name: bench\ntopology:\n  nodes:\n    n1:\n      kind: linux\n";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "antimony-bench-"));
const gate = path.join(work, "go");
const children = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  fs.rmSync(work, { recursive: true, force: true });
});

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]) / 1024;
/** User plus system CPU seconds a process has used (from /proc/<pid>/stat, 100 ticks/s). */
const cpu = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

function start(command, args, env, cwd) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"], cwd });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const address = new Promise((resolve) => {
    const timer = setInterval(() => {
      const match = /address=([0-9.:]+)/.exec(out);
      if (match) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 20);
  });
  return { child, address, output: () => out };
}

/** Connects `count` subscribers and resolves once each has its backlog. */
async function subscribe(url, count, auth) {
  const sockets = [];
  for (let i = 0; i < count; i++) {
    const socket = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, auth });
    sockets.push(socket);
  }
  await Promise.all(sockets.map((s) => new Promise((resolve, reject) => {
    s.once("backlog", resolve);
    s.once("connect_error", reject);
  })));
  return sockets;
}

/** Counts lines on every subscriber until each has `lines`; returns elapsed ms and latency samples. */
function measure(sockets, lines) {
  const latencies = [];
  let done = 0;
  let started = 0;
  return new Promise((resolve) => {
    for (const socket of sockets) {
      let received = 0;
      socket.on("disconnect", (reason) => {
        if (received < lines) {
          console.error(`a subscriber was disconnected after ${received} lines: ${reason}`);
          process.exit(1);
        }
      });
      const take = (line) => {
        if (received === 0 && started === 0) started = now();
        received++;
        if (received % 97 === 0) {
          const t = /t=(\d+)/.exec(line);
          if (t) latencies.push(now() - Number(t[1]) / 1000);
        }
        if (received === lines && ++done === sockets.length) resolve({ ms: now() - started, latencies });
      };
      socket.on("data", take);
      // antimony-server's batches, for subscribers that asked (auth.logBatch).
      socket.on("lines", (batch) => {
        for (const line of batch) take(line);
      });
    }
  });
}

async function run(label, { deploy, subscriberUrl, auth, reset, pid }) {
  const results = [];
  for (const fanout of [...FANOUTS, "latency"]) {
    const steady = fanout === "latency";
    const count = steady ? STEADY_SUBSCRIBERS : fanout;
    const lines = steady ? Math.min(LINES, RATE * 5) : LINES;
    fs.rmSync(gate, { force: true });
    process.env.BENCH_RATE = steady ? String(RATE) : "";
    const trace = (what) => process.env.BENCH_TRACE && console.error(`${label} ${fanout}: ${what}`);
    const { done: pending } = await deploy(steady);
    trace("deploying");
    const sockets = await subscribe(await subscriberUrl(), count, auth());
    trace("subscribed");
    const measuring = measure(sockets, lines);
    const cpuBefore = cpu(pid());
    fs.writeFileSync(gate, "");
    const { ms, latencies } = await measuring;
    const cpuSeconds = cpu(pid()) - cpuBefore;
    trace("received");
    await pending;
    trace("deployed");
    for (const s of sockets) s.close();
    latencies.sort((a, b) => a - b);
    results.push({ fanout: steady ? `${count} @ ${RATE}/s` : String(fanout), lines, ms, linesPerSec: (lines / ms) * 1000, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), cpuPerLine: (cpuSeconds * 1e6) / (lines * count) });
    await reset();
  }
  console.error(`${label}: done`);
  return results;
}

async function idleRss(pid, url, auth) {
  const before = rss(pid);
  const sockets = [];
  for (let i = 0; i < IDLE; i++) sockets.push(io(url, { transports: ["websocket"], forceNew: true, reconnection: false, auth }));
  await Promise.all(sockets.map((s) => (s.connected ? null : new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("connect_error", (error) => reject(new Error(`an idle client was refused: ${error.message}`)));
  }))));
  await sleep(1000);
  const after = rss(pid);
  for (const s of sockets) s.close();
  return { before, after };
}

// --- antimony-server -----------------------------------------------------------------
async function antimony() {
  const dir = path.join(work, "antimony");
  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  fs.symlinkSync(path.join(bin, "fake-containerlab"), path.join(dir, "bin", "containerlab"));
  const env = {
    PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
    FAKE_CLAB_STATE: path.join(dir, "state.json"),
    FAKE_CLAB_LINES: String(LINES),
    FAKE_CLAB_GATE: gate,
    DOCKER_HOST: `unix://${path.join(dir, "docker.sock")}`,
    SB_NATIVE_USERNAME: "",
    RUST_LOG: "warn,antimony_server=info",
  };
  const docker = start(path.join(bin, "fake-docker"), ["--socket", path.join(dir, "docker.sock")], env);
  await sleep(300);
  void docker;
  // Two servers: one floods as fast as it can, one at a steady rate.
  const servers = {};
  // The backlog holds the whole run, as socket.io's per-socket buffers do for the reference:
  // with the default 10,000 lines a subscriber that falls further behind is disconnected.
  const config = path.join(dir, "config.yml");
  // All the benchmark's clients come from one address: above the default per-address limit (256).
  fs.writeFileSync(config, `streaming:\n  clabLogBacklog: ${LINES + 10_000}\nserver:\n  maxConnectionsPerAddress: ${IDLE + 500}\n  maxConnections: ${IDLE + 1000}\n`);
  for (const [name, rate] of [["fast", ""], ["steady", String(RATE)]]) {
    const s = start(path.join(bin, "antimony-server"), ["--data-dir", path.join(dir, name), "--bind", "127.0.0.1:0", "--config", config], { ...env, FAKE_CLAB_RATE: rate, FAKE_CLAB_STATE: path.join(dir, `${name}.json`) });
    const base = `http://${await s.address}`;
    const login = await fetch(`${base}/users/login/native`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"username":"","password":""}' });
    const token = login.headers.getSetCookie().find((c) => c.startsWith("accessToken=")).split(";")[0].slice(12);
    const rest = async (method, route, body) => (await (await fetch(`${base}${route}`, { method, headers: { cookie: `accessToken=${token}`, "content-type": "application/json" }, body: body && JSON.stringify(body) })).json()).payload;
    const collection = await rest("POST", "/collections", { name: "bench", publicWrite: true, publicDeploy: true });
    const topology = await rest("POST", "/topologies", { definition: TOPOLOGY, syncUrl: "", collectionId: collection });
    const lab = await rest("POST", "/labs", { name: "bench", startTime: "2099-01-01T00:00:00Z", endTime: "2099-01-02T00:00:00Z", topologyId: topology });
    const commands = io(`${base}/lab-commands`, { transports: ["websocket"], auth: { token } });
    await once(commands, "connect");
    servers[name] = { s, base, token, rest, lab, commands };
  }
  const pick = () => (process.env.BENCH_RATE ? servers.steady : servers.fast);
  const options = (batch) => ({
    deploy: async () => {
      const { commands, lab, rest } = pick();
      const ack = commands.timeout(600_000).emitWithAck("data", JSON.stringify({ labId: lab, command: 0 }));
      for (;;) {
        const current = await rest("GET", `/labs/${lab}`);
        if (current.instance) break;
        await sleep(20);
      }
      return { done: ack };
    },
    subscriberUrl: async () => `${pick().base}/logs/${pick().lab}`,
    pid: () => pick().s.child.pid,
    auth: () => (batch ? { token: pick().token, logBatch: true } : { token: pick().token }),
    reset: async () => {
      const { commands, lab } = pick();
      await commands.timeout(60_000).emitWithAck("data", JSON.stringify({ labId: lab, command: 1 }));
    },
  });
  const results = await run("antimony-server", options(false));
  const batched = await run("antimony-server (batches)", options(true));
  const idle = await idleRss(servers.fast.s.child.pid, `${servers.fast.base}/status-messages`, { token: servers.fast.token });
  return { results, batched, idle };
}

// --- npm socket.io reference -----------------------------------------------------------
async function reference() {
  const dir = path.join(work, "reference");
  fs.mkdirSync(dir, { recursive: true });
  const topology = path.join(dir, "topology.clab.yaml");
  fs.writeFileSync(topology, TOPOLOGY);
  const servers = {};
  for (const [name, rate] of [["fast", ""], ["steady", String(RATE)]]) {
    const s = start("node", [path.join(import.meta.dirname, "reference-server.mjs")], {
      FAKE_CLAB: path.join(bin, "fake-containerlab"),
      FAKE_CLAB_STATE: path.join(dir, `${name}.json`),
      FAKE_CLAB_LINES: String(LINES),
      FAKE_CLAB_GATE: gate,
      FAKE_CLAB_RATE: rate,
    }, dir);
    servers[name] = { s, base: `http://${await s.address}` };
  }
  const pick = () => (process.env.BENCH_RATE ? servers.steady : servers.fast);
  const results = await run("socket.io (node)", {
    deploy: async () => {
      const { s } = pick();
      const before = (s.output().match(/deployed/g) ?? []).length;
      s.child.stdin.write(`deploy ${topology}\n`);
      // The reference has no lab state to wait for: its namespace always exists.
      return {
        done: (async () => {
          while ((s.output().match(/deployed/g) ?? []).length === before) await sleep(20);
        })(),
      };
    },
    subscriberUrl: async () => `${pick().base}/logs/bench`,
    pid: () => pick().s.child.pid,
    auth: () => ({}),
    reset: async () => {
      for (const name of ["fast", "steady"]) fs.rmSync(path.join(dir, `${name}.json`), { force: true });
    },
  });
  const idle = await idleRss(servers.fast.s.child.pid, `${servers.fast.base}/status-messages`, {});
  return { results, idle };
}

const ours = await antimony();
const theirs = await reference();
const fmt = (n, d = 0) => n.toFixed(d).padStart(10);
console.log(`\nLog fan-out: ${LINES} lines per run, socket.io-client subscribers over WebSocket, ${os.cpus().length} cores (server, producer and subscribers share them)`);
console.log("lines/s: per stream, until every subscriber has every line. µs/msg: server CPU per delivered line (user+system).");
console.log(`${"subscribers".padEnd(14)}${"antimony lines/s".padStart(17)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}${"µs/msg".padStart(8)}${"node lines/s".padStart(14)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}${"µs/msg".padStart(8)}${"ratio".padStart(7)}${"CPU ratio".padStart(10)}`);
ours.results.forEach((a, i) => {
  const n = theirs.results[i];
  console.log(`${a.fanout.padEnd(14)}${fmt(a.linesPerSec).padStart(17)}${fmt(a.p50, 1).padStart(8)}${fmt(a.p99, 1).padStart(8)}${fmt(a.cpuPerLine, 2).padStart(8)}${fmt(n.linesPerSec).padStart(14)}${fmt(n.p50, 1).padStart(8)}${fmt(n.p99, 1).padStart(8)}${fmt(n.cpuPerLine, 2).padStart(8)}${(a.linesPerSec / n.linesPerSec).toFixed(2).padStart(7)}${(n.cpuPerLine / a.cpuPerLine).toFixed(2).padStart(10)}`);
});
console.log("ratio: antimony lines/s ÷ node lines/s. CPU ratio: node server CPU per line ÷ antimony's (higher is better for antimony).");
console.log("\nWith batches (subscribers connect with auth.logBatch and take `lines` arrays; antimony-server only):");
console.log(`${"subscribers".padEnd(14)}${"lines/s".padStart(10)}${"p50 ms".padStart(8)}${"p99 ms".padStart(8)}${"µs/msg".padStart(8)}${"vs one data per line: CPU".padStart(27)}${"lines/s".padStart(9)}`);
ours.batched.forEach((b, i) => {
  const a = ours.results[i];
  console.log(`${b.fanout.padEnd(14)}${fmt(b.linesPerSec)}${fmt(b.p50, 1).padStart(8)}${fmt(b.p99, 1).padStart(8)}${fmt(b.cpuPerLine, 2).padStart(8)}${`${(a.cpuPerLine / b.cpuPerLine).toFixed(2)}× less`.padStart(27)}${`${(b.linesPerSec / a.linesPerSec).toFixed(2)}×`.padStart(9)}`);
});
console.log(`\nRSS with ${IDLE} idle clients: antimony-server ${ours.idle.before.toFixed(1)} -> ${ours.idle.after.toFixed(1)} MiB; node socket.io ${theirs.idle.before.toFixed(1)} -> ${theirs.idle.after.toFixed(1)} MiB`);
process.exit(0);
