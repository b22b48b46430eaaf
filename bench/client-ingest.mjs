// Benchmark: client ingest of one log stream. antimony-server floods a lab log (the fake
// containerlab's output, released by a gate file); one consumer at a time counts the lines:
// the Rust client (client/examples/ingest.rs, socket to the session's event stream) and
// socket.io-client in Node (socket to its "data" events, or its "lines" batches). Two servers:
// one with `streaming.logBatch: false` (one `data` event per line, what every client gets from
// the Go server), one as shipped (clients that ask get `lines` batches). Rounds alternate so
// every consumer sees the same machine state. Run through bench/client-ingest.
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
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const TOPOLOGY = "name: ingest\ntopology:\n  nodes:\n    n1:\n      kind: linux\n";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "antimony-ingest-"));
const gate = path.join(work, "go");
const children = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  fs.rmSync(work, { recursive: true, force: true });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return { child, output: () => out };
}

async function until(check, what, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

fs.mkdirSync(path.join(work, "bin"));
fs.symlinkSync(path.join(bin, "fake-containerlab"), path.join(work, "bin", "containerlab"));
const env = {
  PATH: `${path.join(work, "bin")}:${process.env.PATH}`,
  FAKE_CLAB_STATE: path.join(work, "state.json"),
  FAKE_CLAB_LINES: String(LINES),
  FAKE_CLAB_GATE: gate,
  DOCKER_HOST: `unix://${path.join(work, "docker.sock")}`,
  SB_NATIVE_USERNAME: "",
  RUST_LOG: process.env.RUST_LOG ?? "warn,antimony_server=info",
};
start(path.join(bin, "fake-docker"), ["--socket", path.join(work, "docker.sock")], env);

/** A server (batching on or off), logged in, with a lab to flood and a command socket. */
async function server(batching) {
  const dir = path.join(work, batching ? "batched" : "single");
  fs.mkdirSync(dir);
  const config = path.join(dir, "config.yml");
  fs.writeFileSync(config, `streaming:\n  clabLogBacklog: ${2 * LINES + 10_000}\n  logBatch: ${batching}\n`);
  const server = start(path.join(bin, "antimony-server"), ["--data-dir", path.join(dir, "data"), "--bind", "127.0.0.1:0", "--config", config], env);
  const origin = `http://${await until(() => /address=([0-9.:]+)/.exec(server.output())?.[1], "the server")}`;
  const login = await fetch(`${origin}/users/login/native`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"username":"","password":""}' });
  const token = login.headers.getSetCookie().find((c) => c.startsWith("accessToken=")).split(";")[0].slice(12);
  const rest = async (method, route, body) => (await (await fetch(`${origin}${route}`, { method, headers: { cookie: `accessToken=${token}`, "content-type": "application/json" }, body: body && JSON.stringify(body) })).json()).payload;
  const collection = await rest("POST", "/collections", { name: "ingest", publicWrite: true, publicDeploy: true });
  const topology = await rest("POST", "/topologies", { definition: TOPOLOGY, syncUrl: "", collectionId: collection });
  const lab = await rest("POST", "/labs", { name: "ingest", startTime: "2099-01-01T00:00:00Z", endTime: "2099-01-02T00:00:00Z", topologyId: topology });
  const commands = io(`${origin}/lab-commands`, { transports: ["websocket"], auth: { token } });
  await once(commands, "connect");
  return { origin, rest, lab, commands, pid: server.child.pid, output: server.output };
}

/** CPU time (user + system) a process has used, in ms (fields 14 and 15 of /proc/<pid>/stat). */
function cpuMs(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Deploys (the flood waits for the gate), runs one consumer, opens the gate, destroys. */
async function round(target, label, command, args) {
  const { origin, rest, lab, commands, pid, output } = target;
  fs.rmSync(gate, { force: true });
  const deployed = commands.timeout(600_000).emitWithAck("data", JSON.stringify({ labId: lab, command: 0 }));
  for (;;) {
    if ((await rest("GET", `/labs/${lab}`)).instance) break;
    await sleep(20);
  }
  const consumer = start(command, [...args, origin, `/logs/${lab}`, String(LINES)], {});
  await until(() => consumer.output().includes("ready"), `${label} to subscribe`);
  const serverBefore = cpuMs(pid);
  fs.writeFileSync(gate, "");
  let line;
  try {
    line = await until(() => /\{"ms".*\}/.exec(consumer.output())?.[0], `${label} to count ${LINES} lines`, 120_000);
  } catch (error) {
    console.error(`${label}: what the consumer printed:\n${consumer.output()}\nthe server:\n${output().slice(-4000)}`);
    throw error;
  }
  const serverCpu = cpuMs(pid) - serverBefore;
  await deployed;
  await commands.timeout(60_000).emitWithAck("data", JSON.stringify({ labId: lab, command: 1 }));
  consumer.child.kill();
  const result = JSON.parse(line);
  return { linesPerSec: (LINES / result.ms) * 1000, cpuPerLine: (result.cpuMs * 1000) / LINES, serverPerLine: (serverCpu * 1000) / LINES };
}

const single = await server(false);
const batched = await server(true);
const ingest = path.join(bin, "examples", "ingest");
// PROFILE=<dir>: the Rust rounds run under `perf record -g` (a profile per round there; build
// with `--profile profiling` for symbols and give that directory as ANTIMONY_BIN_DIR).
const profiled = (label) => (process.env.PROFILE ? ["perf", ["record", "-g", "-q", "-o", path.join(process.env.PROFILE, `${label}-${Date.now()}.data`), ingest]] : [ingest, []]);
const nodePeer = path.join(import.meta.dirname, "client-ingest-node.mjs");
const runs = { rustSingle: [], nodeSingle: [], rustBatched: [], nodeBatched: [] };
for (let i = 0; i < ROUNDS; i++) {
  runs.rustSingle.push(await round(single, "rust (data per line)", ...profiled("single")));
  runs.nodeSingle.push(await round(single, "node (data per line)", process.execPath, [nodePeer]));
  runs.rustBatched.push(await round(batched, "rust (batches)", ...profiled("batched")));
  runs.nodeBatched.push(await round(batched, "node (batches)", process.execPath, [nodePeer, "--batch"]));
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const summary = (list) => ({ linesPerSec: median(list.map((r) => r.linesPerSec)), cpuPerLine: median(list.map((r) => r.cpuPerLine)), serverPerLine: median(list.map((r) => r.serverPerLine)) });
const s = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, summary(v)]));
const row = (name, r) => console.log(`${name.padEnd(52)}${r.linesPerSec.toFixed(0).padStart(10)}${r.cpuPerLine.toFixed(2).padStart(13)}${r.serverPerLine.toFixed(2).padStart(15)}`);
console.log(`\nClient ingest: one lab log of ${LINES} lines from antimony-server, median of ${ROUNDS} alternating rounds, ${os.cpus().length} cores`);
const workers = Number(process.env.INGEST_WORKERS ?? 0);
console.log(`the Rust session on ${workers === 0 ? "a current-thread runtime, as the antimony CLI (INGEST_WORKERS=2: two workers, as the desktop app)" : `a multi-thread runtime with ${workers} workers`}`);
// The server's CPU is read from /proc while the flood runs (10 ms ticks: about ±0.05 µs a line at 200,000 lines).
console.log(`${"client".padEnd(52)}${"lines/s".padStart(10)}${"CPU µs/line".padStart(13)}${"server µs/line".padStart(15)}`);
row("antimony-client (Rust session), one data per line", s.rustSingle);
row("socket.io-client 4.8 (Node), one data per line", s.nodeSingle);
row("antimony-client (Rust session), lines batches", s.rustBatched);
row("socket.io-client 4.8 (Node), lines batches", s.nodeBatched);
const ratio = (a, b) => `${(a.linesPerSec / b.linesPerSec).toFixed(2)}× lines/s, ${(b.cpuPerLine / a.cpuPerLine).toFixed(2)}× less CPU per line`;
console.log(`one data per line, Rust vs Node: ${ratio(s.rustSingle, s.nodeSingle)}`);
console.log(`batches, Rust vs Node: ${ratio(s.rustBatched, s.nodeBatched)}`);
console.log(`Rust, batches vs one per line: ${ratio(s.rustBatched, s.rustSingle)}`);
for (const [k, v] of Object.entries(runs)) console.log(`rounds ${k}: ${v.map((x) => x.linesPerSec.toFixed(0)).join(", ")}`);
process.exit(0);
