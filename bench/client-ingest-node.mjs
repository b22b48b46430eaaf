// Client ingest benchmark peer (bench/client-ingest): socket.io-client consuming one log
// stream, the same protocol as client/examples/ingest.rs.
// Usage: node client-ingest-node.mjs [--batch] <origin> <namespace> <lines>
// (--batch asks antimony-server for `lines` batches, as the Rust client does)
import path from "node:path";
import fs from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(path.join(import.meta.dirname, "../tests/interop/package.json"));
const { io } = require("socket.io-client");

const argv = process.argv.slice(2);
const batch = argv[0] === "--batch";
const [origin, namespace, lines] = batch ? argv.slice(1) : argv;
const wanted = Number(lines);
const cpuMs = () => {
  const fields = fs.readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

const login = await fetch(`${origin}/users/login/native`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: '{"username":"","password":""}',
});
const token = login.headers.getSetCookie().find((c) => c.startsWith("accessToken=")).split(";")[0].slice(12);
const socket = io(`${origin}${namespace}`, { transports: ["websocket"], auth: batch ? { token, logBatch: true } : { token } });
let received = 0;
let started;
socket.on("backlog", () => console.log("ready"));
const take = (count) => {
  if (received === 0) started = { at: performance.now(), cpu: cpuMs() };
  received += count;
  if (received >= wanted) {
    console.log(JSON.stringify({ ms: performance.now() - started.at, cpuMs: cpuMs() - started.cpu, lines: received }));
    process.exit(0);
  }
};
socket.on("data", () => take(1));
socket.on("lines", (batch) => take(batch.length));
