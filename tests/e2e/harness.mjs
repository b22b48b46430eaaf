// End-to-end harness: antimony-server (with the fake containerlab on PATH and the fake
// Docker engine) in a temporary directory, and the real app driven through tauri-driver and
// WebKitWebDriver. Run under Xvfb and a private D-Bus session (scripts/test does):
//   ANTIMONY_BIN_DIR=<target>/debug ANTIMONY_APP=<app binary> npm test
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { remote } from "webdriverio";

const repo = path.resolve(import.meta.dirname, "../..");
const binDir = process.env.ANTIMONY_BIN_DIR ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, "target"), "debug");
const app = process.env.ANTIMONY_APP ?? path.join(binDir, "antimony-desktop");
export const screenshots = process.env.ANTIMONY_SCREENSHOTS ?? path.join(repo, "target", "e2e-screenshots");

/** The first `name` on this process's PATH. */
function which(name) {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const file = path.join(dir, name);
    if (dir !== "" && fs.existsSync(file)) return file;
  }
  return name;
}

/** A process and every descendant, parents first. */
function processTree(pid) {
  const all = [];
  const walk = (p) => {
    all.push(p);
    let kids = [];
    try {
      kids = fs.readFileSync(`/proc/${p}/task/${p}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      // gone already
    }
    kids.forEach(walk);
  };
  walk(pid);
  return all;
}

/** SIGKILLs a process and every descendant. */
export function killTree(pid) {
  const all = processTree(pid);
  for (const p of all.reverse()) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone already
    }
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function binary(name) {
  const file = path.join(binDir, name);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run cargo build --workspace first`);
  return file;
}

/** Waits until `check` returns something truthy. */
export async function until(check, what, ms = 30_000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ""}`);
    await sleep(100);
  }
}

export const TOPOLOGY = `name: pair
topology:
  nodes:
    a:
      kind: linux
      image: alpine:3
    b:
      kind: linux
      image: alpine:3
  links:
    - endpoints: ["a:eth1", "b:eth1"]
`;

export const BROKEN = `name: broken
topology:
  nodes:
    r1:
      kind: linux
      image: registry.example/does-not-exist:1
`;

/** The server, the fakes and the app, in one temporary directory. */
export class Stack {
  children = [];

  /** `serverEnv` adds to the server's environment (e.g. the fake containerlab's flood). */
  /** `serverConfig` is appended to the server's config.yml. */
  static async start({ servers = true, serverEnv = {}, serverConfig = "" } = {}) {
    const stack = new Stack();
    stack.dir = fs.mkdtempSync(path.join(os.tmpdir(), "antimony-e2e-"));
    stack.serverEnv = serverEnv;
    stack.serverConfig = serverConfig;
    if (servers) await stack.startServer();
    return stack;
  }

  spawn(command, args, options) {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    this.children.push(child);
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.output = () => output;
    return child;
  }

  /**
   * The fake containerlab (in a bin directory to put first on PATH) and the fake Docker
   * engine; returns the environment that points a server at them.
   */
  async startTools() {
    if (this.tools) return this.tools;
    const bin = path.join(this.dir, "bin");
    fs.mkdirSync(bin);
    fs.symlinkSync(binary("fake-containerlab"), path.join(bin, "containerlab"));
    this.tools = {
      PATH: `${bin}:${process.env.PATH}`,
      FAKE_CLAB_STATE: path.join(this.dir, "clab-state.json"),
      DOCKER_HOST: `unix://${path.join(this.dir, "docker.sock")}`,
    };
    const docker = this.spawn(binary("fake-docker"), ["--socket", path.join(this.dir, "docker.sock")], { env: { ...process.env, ...this.tools } });
    await until(() => docker.output().includes("listening"), "fake-docker");
    return this.tools;
  }

  async startServer() {
    const tools = await this.startTools();
    fs.writeFileSync(path.join(this.dir, "kinds.conf.yml"), "linux:\n  canRestart: true\n");
    fs.writeFileSync(path.join(this.dir, "config.yml"), `containerlab:\n  kindsConfig: ${path.join(this.dir, "kinds.conf.yml")}\n${this.serverConfig ?? ""}`);
    const env = {
      ...process.env,
      ...tools,
      SB_NATIVE_USERNAME: "admin",
      SB_NATIVE_PASSWORD: "admin",
      RUST_LOG: "info",
      ...this.serverEnv,
    };
    this.server = this.spawn(binary("antimony-server"), ["--data-dir", path.join(this.dir, "data"), "--bind", "127.0.0.1:0", "--config", path.join(this.dir, "config.yml")], { env, cwd: this.dir });
    const address = await until(() => /address=([0-9.:]+)/.exec(this.server.output())?.[1], "the server's address");
    this.origin = `http://${address}`;
    const login = await fetch(`${this.origin}/users/login/native`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "admin" }),
    });
    this.token = login.headers.getSetCookie().find((c) => c.startsWith("accessToken=")).split(";")[0].slice("accessToken=".length);
  }

  async rest(method, route, body) {
    const response = await fetch(`${this.origin}${route}`, {
      method,
      headers: { cookie: `accessToken=${this.token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
    return json.payload;
  }

  /** A lab from a topology, not scheduled (it starts in 2099). */
  async createLab(name, definition) {
    if (!this.collection) this.collection = await this.rest("POST", "/collections", { name: "netlab", publicWrite: true, publicDeploy: true });
    const topology = await this.rest("POST", "/topologies", { definition, syncUrl: "", collectionId: this.collection });
    return this.rest("POST", "/labs", { name, startTime: "2099-01-01T00:00:00Z", endTime: "2099-01-02T00:00:00Z", topologyId: topology });
  }

  /** Starts the app through tauri-driver; `env` is the app's environment. */
  async startApp(env = {}) {
    const home = path.join(this.dir, "home");
    fs.mkdirSync(home, { recursive: true });
    const appEnv = {
      ...process.env,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      XDG_DATA_HOME: process.env.XDG_DATA_HOME ?? path.join(home, ".local/share"),
      XDG_CACHE_HOME: path.join(home, ".cache"),
      ANTIMONY_CONFIG: path.join(this.dir, "servers.toml"),
      ANTIMONY_KEYCHAIN_SERVICE: `antimony-e2e-${process.pid}`,
      ...env,
    };
    this.appEnv = appEnv;
    const port = 4444 + (process.pid % 1000);
    // Found on this process's PATH: the app's own PATH may leave it out.
    this.driver = this.spawn(which("tauri-driver"), ["--port", String(port), "--native-port", String(port + 1000), "--native-driver", which("WebKitWebDriver")], { env: appEnv });
    await until(async () => (await fetch(`http://127.0.0.1:${port}/status`)).ok, "tauri-driver");
    this.browser = await remote({
      hostname: "127.0.0.1",
      port,
      logLevel: "warn",
      capabilities: { "tauri:options": { application: app } },
    });
    return this.browser;
  }

  /**
   * Starts the app binary again, as a user would from the menu: the running instance shows
   * its window and the new one exits. Returns the new process's exit status.
   */
  launchAgain() {
    const result = spawnSync(app, [], { env: this.appEnv, timeout: 30_000 });
    return result.status;
  }

  /** The app's process (the window's; WebKit's web and network processes are its children). */
  appPid() {
    const pid = processTree(this.driver.pid).find((p) => {
      try {
        return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0")[0] === app;
      } catch {
        return false;
      }
    });
    if (pid === undefined) throw new Error(`no ${app} under tauri-driver`);
    return pid;
  }

  /** The app's output so far (through tauri-driver), without colours. */
  appOutput() {
    // eslint-disable-next-line no-control-regex
    return (this.driver?.output() ?? "").replace(/\x1b\[[0-9;]*m/g, "");
  }

  /** What a window manager would do to the app's window: "close", or "state" (its map state). */
  wm(command) {
    const result = spawnSync("/usr/bin/python3", [path.join(import.meta.dirname, "wm.py"), command, "Antimony"], { encoding: "utf8", timeout: 10_000 });
    if (result.status !== 0) throw new Error(`wm.py ${command}: ${result.stderr}`);
    return result.stdout.trim();
  }

  /** Ends the app (and its WebKit processes): a second app can start after it. */
  async stopApp() {
    try {
      await this.browser?.deleteSession();
    } catch {
      // the app may be gone already
    }
    this.browser = null;
    if (this.driver) {
      killTree(this.driver.pid);
      this.children = this.children.filter((c) => c !== this.driver);
      await until(() => this.driver.exitCode !== null || this.driver.signalCode !== null, "tauri-driver to end");
      this.driver = null;
    }
  }

  /** Appends a line to a node's container output, as the fake Docker engine keeps it. */
  appendContainerLine(node, text) {
    const file = path.join(this.dir, "clab-state.json");
    const world = JSON.parse(fs.readFileSync(file, "utf8"));
    const container = Object.values(world.labs).flatMap((lab) => lab.containers).find((c) => c.node === node);
    container.logs.push(`${new Date().toISOString()} ${text}`);
    // Write then rename: the fakes never read a half-written file.
    fs.writeFileSync(`${file}.e2e`, JSON.stringify(world));
    fs.renameSync(`${file}.e2e`, file);
  }

  /** Writes the app's servers.toml with this stack's server. */
  writeProfiles() {
    fs.writeFileSync(path.join(this.dir, "servers.toml"), `current = "lab"\n\n[[servers]]\nname = "lab"\norigin = "${this.origin}"\n`);
  }

  /** Saves the X screen as `<name>.png`; `settleMs`: how long WebKit gets to paint first. */
  async screenshot(name, { settleMs = 700 } = {}) {
    fs.mkdirSync(screenshots, { recursive: true });
    // Let WebKit paint the last change before the screen is captured.
    await sleep(settleMs);
    // The X screen, as a user sees it (ImageMagick's import): WebKitWebDriver's own
    // screenshot waits for a new frame, which a page that does not change never makes
    // without GPU compositing (the app turns it off).
    const file = path.join(screenshots, `${name}.png`);
    const result = spawnSync("import", ["-window", "root", file], { timeout: 30_000 });
    if (result.status !== 0) throw new Error(`import -window root failed: ${result.stderr?.toString() ?? result.error?.message}`);
  }

  async stop() {
    try {
      await this.browser?.deleteSession();
    } catch {
      // the app may be gone already
    }
    // The app is tauri-driver's grandchild (through WebKitWebDriver): end the whole tree.
    if (this.driver) killTree(this.driver.pid);
    for (const child of this.children.reverse()) child.kill("SIGTERM");
    await sleep(200);
    for (const child of this.children) child.kill("SIGKILL");
    // WebKit's helper processes may still be writing caches for a moment.
    try {
      fs.rmSync(this.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (error) {
      console.error(`leaving ${this.dir}: ${error.message}`);
    }
  }
}

/** The element for a test id, e.g. `$id(browser, "lab-row")`. */
export const byTestId = (id, extra = "") => `[data-testid="${id}"]${extra}`;
