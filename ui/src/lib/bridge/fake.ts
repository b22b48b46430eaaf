// An in-memory stand-in for the Rust side, used when the page runs outside Tauri (`npm run dev`
// in a plain browser) and by the tests. It keeps two servers with a handful of labs, plays
// deploy/destroy/node commands through the same states, status messages, lab updates, log
// lines and command results the real app emits, imports topologies into the collection
// "local", answers the local server's prerequisites as told (`setPrerequisites`; containerlab
// missing by default), and records every call for assertions.

import {
  InstanceState,
  Severity,
  type CollectionOut,
  type InstanceNode,
  type LabOut,
  type LoginConfig,
  type StatusMessage,
  type UserOut,
} from "../../bindings";
import { BridgeError } from "./error";
import {
  logStreamId,
  type Bridge,
  type CommandResultEvent,
  type ConnectionEvent,
  type ConnectionState,
  type Identity,
  type ImportedLab,
  type LabCommandName,
  type LabUpdateEvent,
  type LogsEvent,
  type PrerequisiteReport,
  type ServerView,
  type StatusEvent,
  type Unlisten,
} from "./types";

export interface FakeBridgeOptions {
  /** Delay of every call, in ms (0 in tests: answers on the next microtask). */
  latencyMs?: number;
  /** Time between two steps of a deploy or destroy, in ms. */
  stepMs?: number;
  /** A running node writes a line this often, in ms; 0 turns it off. */
  chatterMs?: number;
  /** Lines per second written to the first running node's log (to try the log viewer). */
  flood?: number;
  /** What `localPrerequisites` answers; `missingContainerlab()` unless given. */
  prerequisites?: PrerequisiteReport;
}

/** A local server without containerlab (Docker and permissions fine): the fake's default. */
export function missingContainerlab(): PrerequisiteReport {
  return {
    ready: false,
    checks: [
      {
        id: "containerlab",
        title: "containerlab",
        ok: false,
        detail: "containerlab was not found on the PATH",
        guidance: "Install containerlab with `bash -c \"$(curl -sL https://get.containerlab.dev)\"`, then check again.",
      },
      { id: "docker", title: "Docker engine", ok: true, detail: "27.1.1", guidance: null },
      { id: "permissions", title: "Permission to deploy", ok: true, detail: "member of clab_admins (containerlab runs without sudo)", guidance: null },
    ],
  };
}

/** A local server that can deploy labs. */
export function readyPrerequisites(): PrerequisiteReport {
  return {
    ready: true,
    checks: [
      { id: "containerlab", title: "containerlab", ok: true, detail: "0.73.0", guidance: null },
      { id: "docker", title: "Docker engine", ok: true, detail: "27.1.1", guidance: null },
      { id: "permissions", title: "Permission to deploy", ok: true, detail: "member of clab_admins (containerlab runs without sudo)", guidance: null },
    ],
  };
}

export interface FakeBridge extends Bridge {
  readonly kind: "fake";
  /** Every command called, in order, with its arguments. */
  readonly calls: { command: string; args: unknown }[];
  /** Files written by `exportLog`, by path. */
  readonly files: Map<string, string>;
  /** Emits a connection state for the three session namespaces of a server. */
  simulateConnection(server: string, state: ConnectionState): void;
  /** Emits a status message as the server would. */
  simulateStatus(server: string, message: StatusMessage): void;
  /** Emits a log batch as the Rust side would. */
  simulateLogs(event: LogsEvent): void;
  /** What the next `localPrerequisites` calls answer. */
  setPrerequisites(report: PrerequisiteReport): void;
  /** Stops every timer. */
  dispose(): void;
}

export const ADMIN: UserOut = { id: "00000000-0000-0000-0000-00000000000", name: "Admin" };
export const ALICE: UserOut = { id: "7d1e2f3a-2b7d-11f0-9a3e-0242ac120002", name: "alice@example.org" };
export const BOB: UserOut = { id: "8e2f3a4b-2b7d-11f0-9a3e-0242ac120002", name: "bob@example.org" };

export const SESSION_NAMESPACES = ["/status-messages", "/lab-updates", "/lab-commands"] as const;

interface FakeServer {
  view: ServerView;
  loginConfig: LoginConfig;
  /** Users that may log in: username → [password, identity]. */
  users: Map<string, [string, Identity]>;
  labs: LabOut[];
  collections: CollectionOut[];
  streams: Map<string, { lines: string[]; subscribers: number }>;
  busy: Set<string>;
}

const esc = "\u001b";
const grey = (s: string) => `${esc}[90m${s}${esc}[0m`;
const level = (l: "INFO" | "WARN" | "ERRO") =>
  l === "INFO" ? `${esc}[1;36mINFO${esc}[0m` : l === "WARN" ? `${esc}[1;33mWARN${esc}[0m` : `${esc}[1;31mERRO${esc}[0m`;

function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

function logLine(l: "INFO" | "WARN" | "ERRO", text: string): string {
  return `${grey(clock(new Date()))} ${level(l)} ${text}`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0").slice(-width);
}

let idCounter = 0;
function newId(): string {
  idCounter += 1;
  const t = Date.now();
  return `${hex(t, 8)}-${hex(idCounter, 4)}-4${hex(t >> 8, 3)}-a${hex(idCounter * 7, 3)}-${hex(t * 31 + idCounter, 12)}`;
}

function containerId(): string {
  idCounter += 1;
  return hex(Date.now() * 1000 + idCounter * 2654435761, 12);
}

function iso(offsetMs: number): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

const HOUR = 3_600_000;

function topology(name: string, nodes: [string, string][]): string {
  return `name: ${name}\ntopology:\n  nodes:\n${nodes.map(([n, k]) => `    ${n}:\n      kind: ${k}\n`).join("")}`;
}

function makeNodes(instanceName: string, nodes: [string, string][], state = "running"): InstanceNode[] {
  return nodes.map(([name, kind], i) => {
    const containerName = `clab-${instanceName}-${name}`;
    return {
      name,
      kind,
      ipv4: `172.20.20.${i + 2}/24`,
      ipv6: `3fff:172:20:20::${i + 2}/64`,
      state,
      containerId: containerId(),
      containerName,
      containnerName: containerName,
      interfaceCaptures: null,
      canRestart: kind !== "bridge",
    };
  });
}

interface LabSeed {
  name: string;
  topo: string;
  nodes: [string, string][];
  collection: CollectionOut;
  creator: UserOut;
  state: InstanceState;
  start?: number;
  end?: number | null;
}

function makeLab(seed: LabSeed): LabOut {
  const id = newId();
  const instanceName = `${seed.topo}-${String(Date.now() - 2 * HOUR)}`;
  const lab: LabOut = {
    id,
    name: seed.name,
    startTime: iso(seed.start ?? -2 * HOUR),
    endTime: seed.end === null ? null : iso(seed.end ?? 6 * HOUR),
    topologyId: newId(),
    collectionId: seed.collection.id,
    creator: seed.creator,
    topologyDefinition: topology(seed.topo, seed.nodes),
  };
  if (seed.state !== InstanceState.Inactive && seed.state !== InstanceState.Scheduled) {
    lab.instanceName = instanceName;
    lab.instance = {
      name: "",
      deployed: iso(-2 * HOUR),
      state: seed.state,
      latestStateChange: iso(-HOUR),
      nodes:
        seed.state === InstanceState.Deploying
          ? null
          : makeNodes(instanceName, seed.nodes, seed.state === InstanceState.Failed ? "exited" : "running"),
      recovered: false,
    };
  }
  return lab;
}

function collection(name: string, creator: UserOut): CollectionOut {
  return { id: newId(), name, publicWrite: true, publicDeploy: true, creator };
}

function remoteServer(): FakeServer {
  const netops = collection("netops", ADMIN);
  const training = collection("training", ADMIN);
  const ci = collection("ci", ADMIN);
  const spineLeaf: [string, string][] = [
    ["spine1", "nokia_srlinux"],
    ["leaf1", "nokia_srlinux"],
    ["leaf2", "nokia_srlinux"],
    ["client1", "linux"],
  ];
  const labs = [
    makeLab({ name: "Spine Leaf", topo: "spine-leaf", nodes: spineLeaf, collection: netops, creator: ALICE, state: InstanceState.Running }),
    makeLab({
      name: "BGP Playground",
      topo: "bgp",
      nodes: [["r1", "cisco_xrd"], ["r2", "cisco_xrd"]],
      collection: training,
      creator: ALICE,
      state: InstanceState.Deploying,
    }),
    makeLab({ name: "Forever", topo: "spine-leaf", nodes: spineLeaf, collection: netops, creator: ALICE, state: InstanceState.Inactive, start: -48 * HOUR, end: null }),
    makeLab({
      name: "Nightly Regression",
      topo: "regression",
      nodes: [["dut", "nokia_srlinux"], ["tester", "linux"]],
      collection: ci,
      creator: ADMIN,
      state: InstanceState.Scheduled,
      start: 3 * HOUR,
      end: 9 * HOUR,
    }),
    makeLab({
      name: "Broken OSPF",
      topo: "ospf",
      nodes: [["area0-r1", "linux"], ["area0-r2", "linux"]],
      collection: training,
      creator: BOB,
      state: InstanceState.Failed,
    }),
    makeLab({
      name: "EVPN Fabric",
      topo: "evpn",
      nodes: [["spine", "arista_ceos"], ["leaf-a", "arista_ceos"], ["leaf-b", "arista_ceos"]],
      collection: netops,
      creator: ADMIN,
      state: InstanceState.Running,
      end: 30 * 60_000,
    }),
  ];
  return {
    view: {
      name: "lab.example.net",
      origin: "https://lab.example.net",
      restBase: "https://lab.example.net/api",
      tls: "system",
      fingerprint: null,
      user: "alice@example.org",
      current: true,
      loggedIn: true,
      identity: { id: ALICE.id, isAdmin: false },
      local: false,
    },
    loginConfig: { native: { enabled: true, allowEmpty: false }, openId: { enabled: false } },
    users: new Map([
      ["alice@example.org", ["alice", { id: ALICE.id, isAdmin: false }]],
      ["admin", ["admin", { id: ADMIN.id, isAdmin: true }]],
    ]),
    labs,
    collections: [netops, training, ci],
    streams: new Map(),
    busy: new Set(),
  };
}

function localServer(): FakeServer {
  const local = collection("local", ADMIN);
  return {
    view: {
      name: "This computer",
      origin: "http://127.0.0.1:38129",
      restBase: "http://127.0.0.1:38129/api",
      tls: "none",
      fingerprint: null,
      user: null,
      current: false,
      loggedIn: false,
      identity: null,
      local: true,
    },
    loginConfig: { native: { enabled: true, allowEmpty: true }, openId: { enabled: false } },
    users: new Map([["", ["", { id: ADMIN.id, isAdmin: true }]]]),
    labs: [
      makeLab({
        name: "scratch",
        topo: "scratch",
        nodes: [["srl", "nokia_srlinux"]],
        collection: local,
        creator: ADMIN,
        state: InstanceState.Inactive,
        start: -24 * HOUR,
        end: null,
      }),
    ],
    collections: [local],
    streams: new Map(),
    busy: new Set(),
  };
}

function topoName(lab: LabOut): string {
  return topologyName(lab.topologyDefinition) ?? lab.name;
}

/** The nodes (name, kind) of a topology's `nodes:` map, at whatever indentation it uses. */
function nodesOf(lab: LabOut): [string, string][] {
  const nodes: [string, string][] = [];
  let nodesIndent = -1;
  let nodeIndent = -1;
  for (const line of lab.topologyDefinition.split("\n")) {
    const text = line.trim();
    if (text === "" || text.startsWith("#")) continue;
    const indent = line.length - line.trimStart().length;
    if (nodesIndent < 0) {
      if (text === "nodes:") nodesIndent = indent;
      continue;
    }
    if (indent <= nodesIndent) break;
    if (nodeIndent < 0) nodeIndent = indent;
    const name = indent === nodeIndent ? /^([^\s:]+):/.exec(text)?.[1] : undefined;
    const kind = indent > nodeIndent ? /^kind:\s*["']?([^\s"']+)/.exec(text)?.[1] : undefined;
    const last = nodes[nodes.length - 1];
    if (name !== undefined) nodes.push([name, "linux"]);
    else if (kind !== undefined && last !== undefined) last[1] = kind;
  }
  return nodes;
}

/** The top-level `name:` of a containerlab topology. */
function topologyName(definition: string): string | undefined {
  return /^name:[ \t]*["']?([^\s"'#]+)/m.exec(definition)?.[1];
}

function commandError(code: number, message: string): BridgeError {
  return new BridgeError("command", code, message);
}

export function createFakeBridge(options: FakeBridgeOptions = {}): FakeBridge {
  const latencyMs = options.latencyMs ?? 120;
  const stepMs = options.stepMs ?? 450;
  const chatterMs = options.chatterMs ?? 2500;
  const servers: FakeServer[] = [remoteServer(), localServer()];
  let prerequisites = options.prerequisites ?? missingContainerlab();
  const calls: { command: string; args: unknown }[] = [];
  const files = new Map<string, string>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const intervals = new Set<ReturnType<typeof setInterval>>();
  const handlers = {
    connection: new Set<(e: ConnectionEvent) => void>(),
    status: new Set<(e: StatusEvent) => void>(),
    labUpdate: new Set<(e: LabUpdateEvent) => void>(),
    logs: new Set<(e: LogsEvent) => void>(),
    commandResult: new Set<(e: CommandResultEvent) => void>(),
  };

  function later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  }

  function emit<E>(set: Set<(e: E) => void>, event: E): void {
    for (const h of [...set]) h(event);
  }

  function listen<E>(set: Set<(e: E) => void>, handler: (e: E) => void): Promise<Unlisten> {
    set.add(handler);
    return Promise.resolve(() => {
      set.delete(handler);
    });
  }

  async function answer<T>(command: string, args: unknown, fn: () => T): Promise<T> {
    calls.push({ command, args });
    if (latencyMs > 0) await new Promise<void>((resolve) => { later(latencyMs, resolve); });
    else await Promise.resolve();
    return fn();
  }

  function server(name: string): FakeServer {
    const s = servers.find((x) => x.view.name === name);
    if (s === undefined) throw new BridgeError("profile", -1, `No server named "${name}"`);
    return s;
  }

  function loggedIn(name: string): FakeServer {
    const s = server(name);
    if (!s.view.loggedIn) throw new BridgeError("notLoggedIn", 401, `Not logged in to ${name}`);
    return s;
  }

  function findLab(s: FakeServer, labId: string): LabOut {
    const lab = s.labs.find((l) => l.id === labId);
    if (lab === undefined) throw new BridgeError("api", 404, "Lab not found");
    return lab;
  }

  function connectSession(name: string, state: ConnectionState): void {
    for (const namespace of SESSION_NAMESPACES) {
      emit(handlers.connection, { server: name, namespace, state, message: null });
    }
  }

  function stream(s: FakeServer, id: string) {
    let st = s.streams.get(id);
    if (st === undefined) {
      st = { lines: [], subscribers: 0 };
      s.streams.set(id, st);
    }
    return st;
  }

  function writeLog(s: FakeServer, id: string, lines: string[]): void {
    const st = stream(s, id);
    st.lines.push(...lines);
    if (st.lines.length > 5000) st.lines.splice(0, st.lines.length - 5000);
    if (st.subscribers > 0) {
      emit(handlers.logs, { server: s.view.name, stream: id, lines, missed: 0, restarted: false });
    }
  }

  function status(s: FakeServer, severity: Severity, content: string, lab: LabOut): void {
    const now = new Date();
    const logContent = `${clock(now)} ANTIMONY ${content} lab=${lab.id} topo=${topoName(lab)} `;
    const message: StatusMessage = {
      id: newId(),
      source: "Lab Manager",
      content,
      logContent,
      timestamp: now.toISOString(),
      severity,
    };
    emit(handlers.status, { server: s.view.name, message });
    writeLog(s, logStreamId(lab.id), [logContent]);
  }

  function touch(s: FakeServer, lab: LabOut, state?: InstanceState): void {
    if (state !== undefined && lab.instance !== undefined) {
      lab.instance = { ...lab.instance, state, latestStateChange: new Date().toISOString() };
    }
    const i = s.labs.findIndex((l) => l.id === lab.id);
    if (i >= 0) s.labs[i] = { ...lab };
    emit(handlers.labUpdate, { server: s.view.name, labId: lab.id });
  }

  function result(s: FakeServer, labId: string, command: LabCommandName, node: string | null, error: BridgeError | null): void {
    emit(handlers.commandResult, {
      server: s.view.name,
      labId,
      command,
      node,
      ok: error === null,
      error: error === null ? null : { code: error.code, message: error.message },
    });
  }

  /** Runs `steps` one `stepMs` apart, then resolves. */
  function play(steps: (() => void)[]): Promise<void> {
    return new Promise((resolve) => {
      const next = (i: number) => {
        const step = steps[i];
        if (step === undefined) {
          resolve();
          return;
        }
        step();
        if (stepMs > 0) later(stepMs, () => { next(i + 1); });
        else void Promise.resolve().then(() => { next(i + 1); });
      };
      next(0);
    });
  }

  async function deploy(s: FakeServer, lab: LabOut): Promise<void> {
    const name = lab.name;
    const topo = topoName(lab);
    const redeploy = lab.instance !== undefined;
    if (lab.instance?.state === InstanceState.Deploying || s.busy.has(lab.id)) {
      status(s, Severity.Error, `Unable to deploy lab '${name}' (${topo}). The lab is already being deployed`, lab);
      throw commandError(5002, `The lab '${name}' is already being deployed`);
    }
    s.busy.add(lab.id);
    const instanceName = lab.instanceName ?? `${topo}-${String(Date.now())}`;
    lab.instanceName = instanceName;
    lab.instance = {
      name: "",
      deployed: new Date().toISOString(),
      state: InstanceState.Deploying,
      latestStateChange: new Date().toISOString(),
      nodes: null,
      recovered: false,
    };
    touch(s, lab);
    status(s, Severity.Info, `${redeploy ? "Redeploying" : "Deploying"} lab '${name}' (${topo})`, lab);
    const logId = logStreamId(lab.id);
    const nodes = nodesOf(lab);
    const fails = name.toLowerCase().includes("broken");
    try {
      await play([
        () => { writeLog(s, logId, [logLine("INFO", `Containerlab started version=0.73.0`), logLine("INFO", `Parsing & checking topology file=${topo}.clab.yml`)]); },
        () => { writeLog(s, logId, [logLine("INFO", `Creating docker network name=clab IPv4 subnet=172.20.20.0/24 IPv6 subnet=3fff:172:20:20::/64 MTU=1500`)]); },
        () => { writeLog(s, logId, nodes.map(([n]) => logLine("INFO", `Creating container name=${n}`))); },
        ...(fails
          ? [() => { writeLog(s, logId, [logLine("ERRO", `failed deploy stage for node "${nodes[0]?.[0] ?? "r1"}": ospfd: address already in use`)]); }]
          : [
              () => { writeLog(s, logId, nodes.map(([n]) => logLine("INFO", `Created link: ${n}:e1-1 ▪┄┄▪ ${nodes[0]?.[0] ?? n}:e1-${String(nodes.length)}`))); },
              () => { writeLog(s, logId, [logLine("WARN", `Running on a kernel older than recommended version=5.10`), logLine("INFO", `Adding host entries path=/etc/hosts`)]); },
            ]),
      ]);
    } finally {
      s.busy.delete(lab.id);
    }
    if (fails) {
      touch(s, lab, InstanceState.Failed);
      status(s, Severity.Error, `Failed to ${redeploy ? "redeploy" : "deploy"} lab '${name}' (${topo})`, lab);
      throw commandError(5001, `containerlab ${redeploy ? "redeploy" : "deploy"} failed: exit status 1`);
    }
    const made = makeNodes(instanceName, nodes, "starting");
    for (const n of made) {
      writeLog(s, logStreamId(lab.id, n.containerId), [`${n.containerName} booting`, `${esc}[32m${n.containerName} ready${esc}[0m`]);
    }
    lab.instance = { ...lab.instance, nodes: made };
    touch(s, lab, InstanceState.Running);
    status(s, Severity.Success, `Successfully ${redeploy ? "redeployed" : "deployed"} '${name}' (${topo})`, lab);
    later(stepMs * 2, () => {
      if (lab.instance?.nodes !== null && lab.instance?.nodes !== undefined) {
        lab.instance = { ...lab.instance, nodes: lab.instance.nodes.map((n) => (n.state === "starting" ? { ...n, state: "running" } : n)) };
        touch(s, lab);
      }
    });
  }

  async function destroy(s: FakeServer, lab: LabOut): Promise<void> {
    if (lab.instance === undefined) throw commandError(5003, `The lab '${lab.name}' is not running`);
    if (s.busy.has(lab.id)) throw commandError(5002, `The lab '${lab.name}' is being deployed`);
    s.busy.add(lab.id);
    touch(s, lab, InstanceState.Stopping);
    status(s, Severity.Info, `Destroying lab ${lab.name} (${topoName(lab)})`, lab);
    const logId = logStreamId(lab.id);
    try {
      await play([
        () => { writeLog(s, logId, [logLine("INFO", `Destroying lab name=${lab.instanceName ?? lab.name}`)]); },
        () => { writeLog(s, logId, (lab.instance?.nodes ?? []).map((n) => logLine("INFO", `Removed container name=${n.containerName}`))); },
        () => { writeLog(s, logId, [logLine("INFO", `Removing host entries path=/etc/hosts`)]); },
      ]);
    } finally {
      s.busy.delete(lab.id);
    }
    delete lab.instance;
    touch(s, lab);
    status(s, Severity.Success, `Successfully destroyed lab ${lab.name}`, lab);
  }

  async function nodeCommand(s: FakeServer, lab: LabOut, command: LabCommandName, nodeName: string | undefined): Promise<void> {
    const instance = lab.instance;
    if (instance?.state !== InstanceState.Running) throw commandError(5003, `The lab '${lab.name}' is not running`);
    const node = instance.nodes?.find((n) => n.name === nodeName);
    if (node === undefined) throw commandError(5006, `The lab has no node '${nodeName ?? ""}'`);
    const set = (state: string) => {
      if (lab.instance?.nodes !== null && lab.instance?.nodes !== undefined) {
        lab.instance = { ...lab.instance, nodes: lab.instance.nodes.map((n) => (n.name === node.name ? { ...n, state } : n)) };
      }
      touch(s, lab);
    };
    const verb = command === "startNode" ? "starting" : command === "stopNode" ? "stopping" : "restarting";
    await play([() => undefined]);
    set(command === "stopNode" ? "exited" : "starting");
    status(s, Severity.Success, `Node ${node.name} is ${verb}`, lab);
    writeLog(s, logStreamId(lab.id, node.containerId), [`${grey(clock(new Date()))} container ${verb}`]);
    if (command !== "stopNode") later(stepMs * 2, () => { set("running"); });
  }

  /** Runs a lab command as `/lab-commands` would, with its command result; rejects like it. */
  async function runCommand(s: FakeServer, labId: string, command: LabCommandName, nodeName: string | undefined): Promise<void> {
    const lab = s.labs.find((l) => l.id === labId);
    let error: BridgeError | null = null;
    try {
      if (lab === undefined) throw commandError(5005, "No lab with this id");
      const identity = s.view.identity;
      if (identity?.isAdmin !== true && identity?.id !== lab.creator.id) {
        throw commandError(5403, "You do not have access to this lab");
      }
      if (command === "deploy") await deploy(s, lab);
      else if (command === "destroy") await destroy(s, lab);
      else await nodeCommand(s, lab, command, nodeName);
    } catch (e: unknown) {
      error = BridgeError.from(e);
    }
    result(s, labId, command, nodeName ?? null, error);
    if (error !== null) throw error;
  }

  /** `import_topology` without the deploy: a topology and an unscheduled lab in "local". */
  function importLab(args: { server: string; fileName: string; definition: string; deploy: boolean }): { s: FakeServer; lab: LabOut; imported: ImportedLab } {
    const s = loggedIn(args.server);
    const name = topologyName(args.definition);
    if (name === undefined || !/^topology:/m.test(args.definition)) {
      throw new BridgeError("api", 3003, `${args.fileName} is not a valid containerlab topology: it needs a top-level "name" and "topology"`);
    }
    const identity = s.view.identity;
    const creator = [ADMIN, ALICE, BOB].find((u) => u.id === identity?.id) ?? { id: identity?.id ?? ADMIN.id, name: s.view.user ?? "Admin" };
    let local = s.collections.find((c) => c.name === "local");
    if (local === undefined) {
      local = collection("local", creator);
      s.collections.push(local);
    }
    // Like the antimony client's import: an unscheduled lab starts far ahead (2099), one about
    // to be deployed a minute ahead (the Deploy command takes it off the server's queue); both
    // may run a week.
    const start = args.deploy ? Date.now() + 60_000 : Date.UTC(2099, 0, 1);
    const lab: LabOut = {
      id: newId(),
      name,
      startTime: new Date(start).toISOString(),
      endTime: new Date(start + 168 * HOUR).toISOString(),
      topologyId: newId(),
      collectionId: local.id,
      creator,
      topologyDefinition: args.definition,
    };
    s.labs.push(lab);
    emit(handlers.labUpdate, { server: s.view.name, labId: lab.id });
    return { s, lab, imported: { labId: lab.id, labName: lab.name, collection: local.name } };
  }

  function chatter(): void {
    for (const s of servers) {
      for (const lab of s.labs) {
        for (const n of lab.instance?.nodes ?? []) {
          if (n.state !== "running") continue;
          const id = logStreamId(lab.id, n.containerId);
          if ((s.streams.get(id)?.subscribers ?? 0) > 0) {
            writeLog(s, id, [`${grey(clock(new Date()))} ${n.name}: ${esc}[32mkeepalive${esc}[0m sent to 172.20.20.1 seq=${String(Math.floor(Date.now() / 1000) % 100000)}`]);
          }
        }
      }
    }
  }
  // Deployed labs come with the log a deployment leaves behind.
  for (const s of servers) {
    for (const lab of s.labs) {
      const instance = lab.instance;
      if (instance === undefined) continue;
      const nodes = instance.nodes ?? [];
      const topo = topoName(lab);
      const lines = [
        `${clock(new Date(Date.parse(instance.deployed)))} ANTIMONY Deploying lab lab=${lab.id} instance=${lab.instanceName ?? ""} topo=${topo} `,
        logLine("INFO", "Containerlab started version=0.73.0"),
        logLine("INFO", `Parsing & checking topology file=${topo}.clab.yml`),
        logLine("INFO", "Creating docker network name=clab IPv4 subnet=172.20.20.0/24 IPv6 subnet=3fff:172:20:20::/64 MTU=1500"),
        ...nodes.map((n) => logLine("INFO", `Creating container name=${n.name}`)),
        ...nodes.slice(1).map((n) => logLine("INFO", `Created link: ${nodes[0]?.name ?? ""}:e1-${n.name} ▪┄┄▪ ${n.name}:e1-1`)),
        logLine("WARN", "Running on a kernel older than recommended version=5.10"),
        logLine("INFO", "Adding host entries path=/etc/hosts"),
      ];
      if (instance.state === InstanceState.Failed) lines.push(logLine("ERRO", `failed deploy stage for node "${nodes[0]?.name ?? ""}": ospfd: address already in use`));
      else if (instance.state === InstanceState.Running) lines.push(`${clock(new Date())} ANTIMONY Successfully deployed lab lab=${lab.id} topo=${topo} `);
      stream(s, logStreamId(lab.id)).lines.push(...lines);
      for (const n of nodes) {
        stream(s, logStreamId(lab.id, n.containerId)).lines.push(
          `${n.containerName} booting`,
          `${grey(clock(new Date()))} ${n.name}: ${esc}[1mlinux kernel${esc}[22m 6.1.0 starting`,
          `${grey(clock(new Date()))} ${n.name}: ${esc}[33mwaiting for management interface${esc}[0m`,
          `${grey(clock(new Date()))} ${n.name}: ${esc}[32mready${esc}[0m ssh on 22`,
        );
      }
    }
  }

  if (chatterMs > 0) intervals.add(setInterval(chatter, chatterMs));

  const flood = options.flood ?? 0;
  if (flood > 0) {
    let seq = 0;
    intervals.add(
      setInterval(() => {
        const s = servers[0];
        const lab = s?.labs.find((l) => l.instance?.state === InstanceState.Running);
        const node = lab?.instance?.nodes?.[0];
        if (s === undefined || lab === undefined || node === undefined) return;
        const id = logStreamId(lab.id, node.containerId);
        if ((s.streams.get(id)?.subscribers ?? 0) === 0) return;
        const n = Math.max(1, Math.round((flood * 32) / 1000));
        const lines: string[] = [];
        for (let i = 0; i < n; i++) {
          seq += 1;
          lines.push(`${esc}[90m${String(seq).padStart(8, "0")}${esc}[0m flood line ${esc}[${String(31 + (seq % 7))}mcolour ${String(seq % 7)}${esc}[0m lorem ipsum dolor sit amet`);
        }
        emit(handlers.logs, { server: s.view.name, stream: id, lines, missed: 0, restarted: false });
      }, 32),
    );
  }

  // Sessions of servers that are logged in come up once the UI listens.
  later(latencyMs * 2, () => {
    for (const s of servers) if (s.view.loggedIn) connectSession(s.view.name, "connected");
  });

  const bridge: FakeBridge = {
    kind: "fake",
    calls,
    files,

    listServers: () => answer("list_servers", undefined, () => servers.map((s) => ({ ...s.view }))),

    addServer: (args) =>
      answer("add_server", args, () => {
        let url: URL;
        try {
          url = new URL(args.url);
        } catch {
          throw new BridgeError("profile", -1, `"${args.url}" is not a URL`);
        }
        if (servers.some((s) => s.view.name === args.name)) {
          throw new BridgeError("profile", -1, `A server named "${args.name}" already exists`);
        }
        const untrusted = url.protocol === "https:" && url.hostname.startsWith("self-signed");
        const fingerprint = "5E:1F:1D:0A:9C:44:B2:73:0E:8D:21:6A:FF:03:C7:19:AA:42:6B:90:D1:3E:57:C4:08:2F:99:B6:E0:71:4C:DA";
        if (untrusted && args.trustFingerprint !== fingerprint) {
          throw new BridgeError("certificate", -1, `The certificate of ${args.url} is not trusted`, fingerprint);
        }
        const s = localServer();
        s.labs = [];
        s.view = {
          name: args.name,
          origin: url.origin,
          restBase: `${url.origin}/api`,
          tls: untrusted ? "pinned" : url.protocol === "https:" ? "system" : "none",
          fingerprint: untrusted ? fingerprint : null,
          user: null,
          current: false,
          loggedIn: false,
          identity: null,
          local: false,
        };
        s.loginConfig = { native: { enabled: true, allowEmpty: false }, openId: { enabled: false } };
        s.users = new Map([["admin", ["admin", { id: ADMIN.id, isAdmin: true }]]]);
        servers.push(s);
        return { ...s.view };
      }),

    removeServer: (args) =>
      answer("remove_server", args, () => {
        const i = servers.findIndex((s) => s.view.name === args.name);
        if (i < 0) throw new BridgeError("profile", -1, `No server named "${args.name}"`);
        const [removed] = servers.splice(i, 1);
        const first = servers[0];
        if (removed?.view.current === true && first !== undefined) first.view.current = true;
        return null;
      }),

    useServer: (args) =>
      answer("use_server", args, () => {
        const target = server(args.name);
        for (const s of servers) s.view.current = s === target;
        return null;
      }),

    loginConfig: (args) => answer("login_config", args, () => structuredClone(server(args.server).loginConfig)),

    login: (args) =>
      answer("login", args, () => {
        const s = server(args.server);
        const user = s.users.get(args.username);
        if (user?.[0] !== args.password) throw new BridgeError("api", 1001, "Invalid username or password");
        s.view.loggedIn = true;
        s.view.identity = user[1];
        s.view.user = args.username === "" ? null : args.username;
        later(latencyMs, () => { connectSession(s.view.name, "connected"); });
        return { ...user[1] };
      }),

    logout: (args) =>
      answer("logout", args, () => {
        const s = server(args.server);
        s.view.loggedIn = false;
        s.view.identity = null;
        return null;
      }),

    labs: (args) => answer("labs", args, () => structuredClone(loggedIn(args.server).labs)),
    lab: (args) => answer("lab", args, () => structuredClone(findLab(loggedIn(args.server), args.labId))),
    collections: (args) => answer("collections", args, () => structuredClone(loggedIn(args.server).collections)),

    labCommand: async (args) => {
      calls.push({ command: "lab_command", args });
      await runCommand(loggedIn(args.server), args.labId, args.command, args.node);
      return null;
    },

    subscribeLogs: (args) =>
      answer("subscribe_logs", args, () => {
        const s = loggedIn(args.server);
        const id = logStreamId(args.labId, args.containerId);
        const st = stream(s, id);
        st.subscribers += 1;
        if (st.subscribers === 1 && st.lines.length > 0) {
          const backlog = [...st.lines];
          later(0, () => {
            emit(handlers.logs, { server: s.view.name, stream: id, lines: backlog, missed: 0, restarted: false });
          });
        }
        return { stream: id };
      }),

    unsubscribeLogs: (args) =>
      answer("unsubscribe_logs", args, () => {
        const st = server(args.server).streams.get(args.stream);
        if (st !== undefined) st.subscribers = Math.max(0, st.subscribers - 1);
        return null;
      }),

    exportLog: (args) =>
      answer("export_log", args, () => {
        const path = `/home/user/${args.suggestedName}`;
        files.set(path, args.contents);
        return path;
      }),

    localPrerequisites: () =>
      answer("local_prerequisites", undefined, () => {
        if (!servers.some((s) => s.view.local)) throw new BridgeError("unreachable", -1, "the local server is not running");
        return structuredClone(prerequisites);
      }),

    importTopology: async (args) => {
      const { s, lab, imported } = await answer("import_topology", args, () => importLab(args));
      // Like the app: the deploy starts after the import answers; its outcome is a
      // command-result event (and a toast), as for any deploy.
      if (args.deploy) void runCommand(s, lab.id, "deploy", undefined).catch(() => undefined);
      return imported;
    },

    onConnection: (h) => listen(handlers.connection, h),
    onStatus: (h) => listen(handlers.status, h),
    onLabUpdate: (h) => listen(handlers.labUpdate, h),
    onLogs: (h) => listen(handlers.logs, h),
    onCommandResult: (h) => listen(handlers.commandResult, h),

    simulateConnection: connectSession,
    simulateStatus: (name, message) => { emit(handlers.status, { server: name, message }); },
    simulateLogs: (event) => { emit(handlers.logs, event); },
    setPrerequisites: (report) => { prerequisites = structuredClone(report); },
    dispose: () => {
      for (const t of timers) clearTimeout(t);
      for (const i of intervals) clearInterval(i);
      timers.clear();
      intervals.clear();
    },
  };
  return bridge;
}
