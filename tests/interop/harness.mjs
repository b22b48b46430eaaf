// Starts antimony-server with the fake containerlab on PATH and the fake Docker engine on a
// unix socket, all in a temporary directory, and gives tests REST and socket.io-client helpers.
import { execFile, spawn } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { once } from "node:events";
import { io } from "socket.io-client";

const repo = path.resolve(import.meta.dirname, "../..");
const binDir = process.env.ANTIMONY_BIN_DIR ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, "target"), "debug");

export const TOPOLOGY = `name: spine-leaf
topology:
  nodes:
    srl1:
      kind: nokia_srlinux
      image: ghcr.io/nokia/srlinux
    leaf-1:
      kind: linux
      image: alpine:3
  links:
    - endpoints: ["srl1:e1-1", "leaf-1:eth1"]
`;

function binary(name) {
  const file = path.join(binDir, name);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run cargo build --workspace first`);
  return file;
}

/** Waits until `predicate()` is truthy, polling, or fails after `ms`. */
export async function until(predicate, ms = 10_000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export class Lab {
  /** Starts fake Docker and the server. `env` adds fake-containerlab settings; `dir` reuses a directory. */
  static async start({ env = {}, dir, config = "" } = {}) {
    const lab = new Lab();
    lab.dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "antimony-interop-"));
    lab.env = env;
    lab.config = config;
    const bin = path.join(lab.dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    const clab = path.join(bin, "containerlab");
    if (!fs.existsSync(clab)) fs.symlinkSync(binary("fake-containerlab"), clab);
    fs.writeFileSync(path.join(lab.dir, "kinds.conf.yml"), "nokia_srlinux:\n  canRestart: true\nlinux:\n  canRestart: true\n");
    fs.writeFileSync(
      path.join(lab.dir, "config.yml"),
      `containerlab:\n  kindsConfig: ${path.join(lab.dir, "kinds.conf.yml")}\n${config}`,
    );
    lab.processEnv = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_CLAB_STATE: path.join(lab.dir, "clab-state.json"),
      DOCKER_HOST: `unix://${path.join(lab.dir, "docker.sock")}`,
      SB_NATIVE_USERNAME: "admin",
      SB_NATIVE_PASSWORD: "admin",
      RUST_LOG: "info,antimony_server=debug",
      ...env,
    };
    if (!lab.docker) await lab.startDocker();
    await lab.startServer();
    return lab;
  }

  async startDocker() {
    this.docker = spawn(binary("fake-docker"), ["--socket", path.join(this.dir, "docker.sock")], {
      env: this.processEnv,
      stdio: ["ignore", "ignore", "pipe"],
    });
    await new Promise((resolve, reject) => {
      this.docker.stderr.on("data", (chunk) => chunk.toString().includes("listening") && resolve());
      this.docker.on("exit", (code) => reject(new Error(`fake-docker exited ${code}`)));
    });
  }

  async startServer() {
    this.log = "";
    this.server = spawn(
      binary("antimony-server"),
      ["--data-dir", path.join(this.dir, "data"), "--bind", "127.0.0.1:0", "--config", path.join(this.dir, "config.yml")],
      { env: this.processEnv, stdio: ["ignore", "ignore", "pipe"], cwd: this.dir },
    );
    this.server.stderr.on("data", (chunk) => {
      this.log += chunk.toString();
    });
    const address = await until(() => /address=([0-9.:]+)/.exec(this.log)?.[1], 30_000, "the server's address");
    this.base = `http://${address}`;
    await this.login();
  }

  async login() {
    const response = await fetch(`${this.base}/users/login/native`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "admin" }),
    });
    if (response.status !== 200) throw new Error(`login: ${response.status}`);
    const cookies = response.headers.getSetCookie();
    this.token = cookies.find((c) => c.startsWith("accessToken=")).split(";")[0].split("=")[1];
  }

  async rest(method, route, body) {
    const response = await fetch(`${this.base}${route}`, {
      method,
      headers: { cookie: `accessToken=${this.token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
    return json.payload;
  }

  /**
   * Another user, as an OpenID login would create it: a row written into the server's SQLite
   * database (with Python's sqlite3 module, as scripts/test already needs python3; the server
   * reads users per request), and an access token signed with the server's secret from its
   * data directory. `groups` make it a member of the collections named like them.
   */
  async user({ name = "member", isAdmin = false, groups = [] } = {}) {
    const id = crypto.randomUUID();
    const insert = [
      "import sqlite3, sys",
      "db, *row = sys.argv[1:]",
      "connection = sqlite3.connect(db, timeout=10)",
      "connection.execute('INSERT INTO users (id, name, is_admin, groups_json, created_at) VALUES (?, ?, ?, ?, ?)', (row[0], row[1], int(row[2]), row[3], row[4]))",
      "connection.commit()",
    ].join("\n");
    const row = [id, name, isAdmin ? "1" : "0", JSON.stringify(groups), new Date().toISOString()];
    await new Promise((resolve, reject) => {
      execFile("python3", ["-c", insert, path.join(this.dir, "data", "antimony.db"), ...row], { timeout: 20_000 }, (error, _stdout, stderr) =>
        error ? reject(new Error(`adding a user with python3: ${error.message} ${stderr}`)) : resolve(),
      );
    });
    // The server signs with its stored secret bound to the native login settings
    // (server/src/auth/mod.rs, `signing_key`): HMAC-SHA256(secret, label, enabled, SHA-256 of
    // the user name, SHA-256 of the password).
    const stored = Buffer.from(fs.readFileSync(path.join(this.dir, "data", "jwt-secret"), "utf8").trim(), "hex");
    const sha256 = (text) => crypto.createHash("sha256").update(text ?? "").digest();
    const enabled = !/enableNative:\s*false/.test(this.config);
    const secret = crypto
      .createHmac("sha256", stored)
      .update(Buffer.from("antimony-server token key v1\0"))
      .update(Buffer.from([enabled ? 1 : 0]))
      .update(sha256(this.processEnv.SB_NATIVE_USERNAME))
      .update(sha256(this.processEnv.SB_NATIVE_PASSWORD))
      .digest();
    const now = Math.floor(Date.now() / 1000);
    const segment = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const input = `${segment({ alg: "HS256", typ: "JWT" })}.${segment({ id, isAdmin, nbf: now, exp: now + 1800, typ: "access" })}`;
    const token = `${input}.${crypto.createHmac("sha256", secret).update(input).digest("base64url")}`;
    return { id, name, isAdmin, groups, token };
  }

  /** A socket exactly as the official web UI opens one: `io(ns, {transports, auth})`, with the
   * library's defaults (shared manager, reconnection on). Closed by `stop`. */
  uiSocket(namespace, token = this.token) {
    const socket = io(`${this.base}${namespace}`, { transports: ["websocket"], auth: { token } });
    this.sockets.push(socket);
    return socket;
  }

  /** A collection, the spine-leaf topology and a lab that starts far in the future. */
  async createLab(name = "Spine Leaf", topology = TOPOLOGY) {
    if (!this.collection) {
      this.collection = await this.rest("POST", "/collections", { name: "netlab", publicWrite: true, publicDeploy: true });
    }
    const topo = await this.rest("POST", "/topologies", { definition: topology.replace("name: spine-leaf", `name: ${name.toLowerCase().replaceAll(" ", "-")}`), syncUrl: "", collectionId: this.collection });
    return this.rest("POST", "/labs", { name, startTime: "2099-01-01T00:00:00Z", endTime: "2099-01-02T00:00:00Z", topologyId: topo });
  }

  /** Connects a namespace (its own connection, websocket only, like the web UI). */
  socket(namespace, { auth = { token: this.token }, ...options } = {}) {
    const socket = io(`${this.base}${namespace}`, { transports: ["websocket"], auth, forceNew: true, reconnection: false, ...options });
    this.sockets.push(socket);
    return socket;
  }

  /** Connects and waits for the namespace CONNECT (or throws the connect_error message). */
  async connect(namespace, options) {
    const socket = this.socket(namespace, options);
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", (err) => reject(err));
    });
    return socket;
  }

  /** Connects and collects what the namespace sends, listening before the CONNECT arrives
   * (the server sends `backlog` right behind it). */
  async subscribe(namespace, options) {
    const socket = this.socket(namespace, options);
    const seen = collect(socket);
    await new Promise((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("connect_error", (err) => reject(err));
    });
    return seen;
  }

  /** The connect_error message a namespace answers with. */
  async refusal(namespace, options) {
    try {
      const socket = await this.connect(namespace, options);
      socket.close();
      return null;
    } catch (err) {
      return err.message;
    }
  }

  /** Sends a lab command as real clients do (a JSON string) and waits for its ack. */
  async command(labId, command, extra = {}, socket) {
    const commands = socket ?? this.commands ?? (this.commands = await this.connect("/lab-commands"));
    return commands.timeout(60_000).emitWithAck("data", JSON.stringify({ labId, command, ...extra }));
  }

  async stop({ keepDir = false } = {}) {
    for (const socket of this.sockets) socket.close();
    this.sockets = [];
    this.commands = undefined;
    for (const child of [this.server, keepDir ? null : this.docker]) {
      if (child && child.exitCode === null) {
        child.kill("SIGTERM");
        await once(child, "exit");
      }
    }
    if (!keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills the server at once (no graceful shutdown) and starts it again on the same data. */
  async crashAndRestart() {
    for (const socket of this.sockets) socket.close();
    this.sockets = [];
    this.commands = undefined;
    this.server.kill("SIGKILL");
    await once(this.server, "exit");
    await this.startServer();
  }

  sockets = [];
}

/** Collects `data` events of a socket, and the `backlog`. */
export function collect(socket) {
  const seen = { backlog: null, data: [], socket, disconnected: false };
  socket.on("disconnect", () => {
    seen.disconnected = true;
  });
  socket.on("backlog", (lines) => {
    seen.backlog = lines;
  });
  socket.on("data", (item) => seen.data.push(item));
  return seen;
}
