// Benchmark: one lab log fanned out to socket.io-client subscribers, all on the instance that
// owns the lab ("one instance") against split evenly over the owner and a second instance
// that relays the log through Redis ("two instances"), in the same run, on one PostgreSQL and
// one Redis (docs/scaling-out.md). Reports lines/s and the server CPU per delivered line
// (both instances and redis-server), so the adapter's cost per delivered line is the
// difference. Run through `bench/log-fanout --instances` (it starts PostgreSQL and Redis).
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
const FANOUTS = (process.env.FANOUTS ?? "2,10,100").split(",").map(Number);
const { BENCH_PG_HOST, BENCH_PG_PORT, BENCH_PG_DATABASE, BENCH_PG_USER, BENCH_PG_PASSWORD, BENCH_REDIS_URL, BENCH_REDIS_PID } = process.env;
const TOPOLOGY = "name: bench\ntopology:\n  nodes:\n    n1:\n      kind: linux\n";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "antimony-bench-instances-"));
const gate = path.join(work, "go");
const children = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  fs.rmSync(work, { recursive: true, force: true });
});

const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** User plus system CPU seconds a process has used (from /proc/<pid>/stat, 100 ticks/s). */
const cpu = (pid) => {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

function start(command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  child.on("exit", (code) => code && console.error(`${command} exited ${code}:\n${out.slice(-4000)}`));
  const address = new Promise((resolve) => {
    const timer = setInterval(() => {
      const match = /address=([0-9.:]+)/.exec(out);
      if (match) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 20);
  });
  return { child, address };
}

/** Connects subscribers to the given log URLs and resolves once each has its backlog. */
async function subscribe(urls, token) {
  const sockets = urls.map((url) => io(url, { transports: ["websocket"], forceNew: true, reconnection: false, auth: { token, logBatch: true } }));
  await Promise.all(sockets.map((s) => new Promise((resolve, reject) => {
    s.once("backlog", resolve);
    s.once("connect_error", reject);
  })));
  return sockets;
}

/** Resolves with the elapsed ms once every subscriber has the flood's last line. */
function measure(sockets) {
  let done = 0;
  let started = 0;
  const last = `INFO line ${LINES - 1} t=`;
  return new Promise((resolve) => {
    for (const socket of sockets) {
      let finished = false;
      socket.on("disconnect", (reason) => {
        if (!finished) {
          console.error(`a subscriber was disconnected: ${reason}`);
          process.exit(1);
        }
      });
      const take = (line) => {
        if (started === 0) started = now();
        if (!finished && line.includes(last)) {
          finished = true;
          if (++done === sockets.length) resolve(now() - started);
        }
      };
      socket.on("data", take);
      socket.on("lines", (batch) => batch.forEach(take));
    }
  });
}

// --- two instances on one database, one Redis, one data directory -----------------------
const dir = path.join(work, "antimony");
const data = path.join(dir, "data");
fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
fs.mkdirSync(data, { recursive: true });
fs.symlinkSync(path.join(bin, "fake-containerlab"), path.join(dir, "bin", "containerlab"));
const env = {
  PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
  FAKE_CLAB_STATE: path.join(dir, "state.json"),
  DOCKER_HOST: `unix://${path.join(dir, "docker.sock")}`,
  SB_NATIVE_USERNAME: "",
  SB_DATABASE_PASSWORD: BENCH_PG_PASSWORD,
  RUST_LOG: "warn,antimony_server=info",
};
start(path.join(bin, "fake-docker"), ["--socket", path.join(dir, "docker.sock"), "--state", env.FAKE_CLAB_STATE], env);
await sleep(300);
const instances = {};
for (const name of ["owner", "relay"]) {
  const config = path.join(dir, `${name}.yml`);
  fs.writeFileSync(config, `database:\n  host: ${BENCH_PG_HOST}\n  port: ${BENCH_PG_PORT}\n  database: ${BENCH_PG_DATABASE}\n  user: ${BENCH_PG_USER}\n` +
    `cluster:\n  redis: ${BENCH_REDIS_URL}\n  instance: ${name}\n` +
    `streaming:\n  clabLogBacklog: ${LINES + 10_000}\nserver:\n  maxConnectionsPerAddress: 1000\n  maxConnections: 2000\n`);
  // Only the owner runs containerlab: it floods once the gate file exists.
  const s = start(path.join(bin, "antimony-server"), ["--data-dir", data, "--bind", "127.0.0.1:0", "--config", config], { ...env, FAKE_CLAB_LINES: String(LINES), FAKE_CLAB_GATE: gate });
  instances[name] = { s, base: `http://${await s.address}` };
}
const { owner, relay } = instances;
const login = await fetch(`${owner.base}/users/login/native`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"username":"","password":""}' });
const token = login.headers.getSetCookie().find((c) => c.startsWith("accessToken=")).split(";")[0].slice(12);
const rest = async (base, method, route, body) => (await (await fetch(`${base}${route}`, { method, headers: { cookie: `accessToken=${token}`, "content-type": "application/json" }, body: body && JSON.stringify(body) })).json()).payload;
const collection = await rest(owner.base, "POST", "/collections", { name: "bench", publicWrite: true, publicDeploy: true });
const topology = await rest(owner.base, "POST", "/topologies", { definition: TOPOLOGY, syncUrl: "", collectionId: collection });
const lab = await rest(owner.base, "POST", "/labs", { name: "bench", startTime: "2099-01-01T00:00:00Z", endTime: "2099-01-02T00:00:00Z", topologyId: topology });
const commands = io(`${owner.base}/lab-commands`, { transports: ["websocket"], auth: { token } });
await once(commands, "connect");

const pids = () => [owner.s.child.pid, relay.s.child.pid, ...(BENCH_REDIS_PID ? [Number(BENCH_REDIS_PID)] : [])];
async function one(label, subscribers, split) {
  fs.rmSync(gate, { force: true });
  const deployed = commands.timeout(600_000).emitWithAck("data", JSON.stringify({ labId: lab, command: 0 }));
  // Both instances must show the lab (the relay learns of it through Redis) before subscribing.
  for (const base of [owner.base, relay.base]) {
    while (!(await rest(base, "GET", `/labs/${lab}`)).instance) await sleep(20);
  }
  const urls = Array.from({ length: subscribers }, (_, i) => `${split && i % 2 ? relay.base : owner.base}/logs/${lab}`);
  const sockets = await subscribe(urls, token);
  const measuring = measure(sockets);
  const before = pids().map(cpu);
  fs.writeFileSync(gate, "");
  const ms = await measuring;
  const after = pids().map(cpu);
  await deployed;
  for (const s of sockets) s.close();
  await commands.timeout(60_000).emitWithAck("data", JSON.stringify({ labId: lab, command: 1 }));
  const seconds = after.map((a, i) => a - before[i]);
  const total = seconds.reduce((a, b) => a + b, 0);
  console.error(`${label}: ${subscribers} subscribers done`);
  return { subscribers, ms, linesPerSec: (LINES / ms) * 1000, cpuPerLine: (total * 1e6) / (LINES * subscribers), seconds };
}

const rows = [];
for (const subscribers of FANOUTS) {
  const single = await one("one instance", subscribers, false);
  const split = await one("two instances", subscribers, true);
  rows.push({ single, split });
}
const fmt = (n, d = 0) => n.toFixed(d).padStart(10);
console.log(`\nLog fan-out over two instances: ${LINES} lines per run, socket.io-client subscribers (batches) over WebSocket, ${os.cpus().length} cores shared by both instances, redis-server, PostgreSQL, the producer and the subscribers`);
console.log("one: every subscriber on the lab's owner. two: half on the owner, half on another instance (the log relayed through Redis).");
console.log("µs/line: CPU of both instances and redis-server per delivered line. adapter: two's µs/line minus one's.");
console.log(`${"subscribers".padEnd(12)}${"one lines/s".padStart(13)}${"µs/line".padStart(9)}${"two lines/s".padStart(13)}${"µs/line".padStart(9)}${"adapter µs/line".padStart(17)}${"owner/relay/redis CPU s (two)".padStart(32)}`);
for (const { single, split } of rows) {
  console.log(`${String(single.subscribers).padEnd(12)}${fmt(single.linesPerSec).padStart(13)}${fmt(single.cpuPerLine, 2).padStart(9)}${fmt(split.linesPerSec).padStart(13)}${fmt(split.cpuPerLine, 2).padStart(9)}${fmt(split.cpuPerLine - single.cpuPerLine, 2).padStart(17)}${split.seconds.map((s) => s.toFixed(2)).join(" / ").padStart(32)}`);
}
process.exit(0);
