// The reference for bench/log-fanout: the npm `socket.io` server doing the same work as
// antimony-server's lab log — run the fake containerlab, read its stderr line by line, and
// emit every line as `data` on the namespace. Commands come on stdin: `deploy <topology>`.
import { spawn } from "node:child_process";
import http from "node:http";
import readline from "node:readline";
import { createRequire } from "node:module";

const require = createRequire(new URL("../tests/interop/package.json", import.meta.url));
const { Server } = require("socket.io");

const httpServer = http.createServer();
const io = new Server(httpServer, { transports: ["websocket", "polling"] });
const logs = io.of("/logs/bench");
logs.on("connection", (socket) => socket.emit("backlog", []));
io.of("/status-messages");

httpServer.listen(0, "127.0.0.1", () => console.log(`address=127.0.0.1:${httpServer.address().port}`));

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  const [command, topology] = line.split(" ");
  if (command !== "deploy") return;
  const child = spawn(process.env.FAKE_CLAB, ["deploy", "-t", topology], { stdio: ["ignore", "ignore", "pipe"] });
  readline.createInterface({ input: child.stderr }).on("line", (text) => logs.emit("data", text));
  child.on("exit", (code) => console.log(`deployed ${code}`));
});
