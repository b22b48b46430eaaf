// Labs and their lifecycle: the lab queries, and deploy, destroy and node commands played out
// step by step with the states, status messages, lab updates, log lines and command results
// the real app emits (a lab whose name contains "broken" fails to deploy).

import { InstanceState, logsNamespace, Severity, type LabOut, type StatusMessage } from "../../../bindings";
import { commands } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type { Bridge, LabCommandName } from "../types";
import { newId } from "./ids";
import { clock, esc, grey, logLine, writeLog } from "./logs";
import { emit, type FakeRuntime, type FakeServer } from "./runtime";
import { makeNodes } from "./seed";
import { closeLabShells } from "./shells";
import { nodesOf, topoName } from "./topology";

function commandError(code: number, message: string): BridgeError {
  return new BridgeError("command", code, message);
}

/** A status message from the lab manager, also written to the lab's log. */
function status(rt: FakeRuntime, s: FakeServer, severity: Severity, content: string, lab: LabOut): void {
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
  emit(rt.handlers.status, { server: s.view.name, message });
  writeLog(rt, s, logsNamespace(lab.id), [logContent]);
}

/** Stores the lab (with a new instance state if given) and emits its lab update. */
function touch(rt: FakeRuntime, s: FakeServer, lab: LabOut, state?: InstanceState): void {
  if (state !== undefined && lab.instance !== undefined) {
    lab.instance = { ...lab.instance, state, latestStateChange: new Date().toISOString() };
  }
  const i = s.labs.findIndex((l) => l.id === lab.id);
  if (i >= 0) s.labs[i] = { ...lab };
  emit(rt.handlers.labUpdate, { server: s.view.name, labId: lab.id });
}

function result(rt: FakeRuntime, s: FakeServer, labId: string, command: LabCommandName, node: string | null, error: BridgeError | null): void {
  emit(rt.handlers.commandResult, {
    server: s.view.name,
    labId,
    command,
    node,
    ok: error === null,
    error: error === null ? null : { code: error.code, message: error.message },
  });
}

/** Runs `steps` one `stepMs` apart, then resolves. */
function play(rt: FakeRuntime, steps: (() => void)[]): Promise<void> {
  return new Promise((resolve) => {
    const next = (i: number) => {
      const step = steps[i];
      if (step === undefined) {
        resolve();
        return;
      }
      step();
      if (rt.stepMs > 0) rt.later(rt.stepMs, () => { next(i + 1); });
      else void Promise.resolve().then(() => { next(i + 1); });
    };
    next(0);
  });
}

async function deploy(rt: FakeRuntime, s: FakeServer, lab: LabOut): Promise<void> {
  const name = lab.name;
  const topo = topoName(lab);
  const redeploy = lab.instance !== undefined;
  if (lab.instance?.state === InstanceState.Deploying || s.busy.has(lab.id)) {
    status(rt, s, Severity.Error, `Unable to deploy lab '${name}' (${topo}). The lab is already being deployed`, lab);
    throw commandError(5002, `The lab '${name}' is already being deployed`);
  }
  s.busy.add(lab.id);
  closeLabShells(rt, s, lab.id);
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
  touch(rt, s, lab);
  status(rt, s, Severity.Info, `${redeploy ? "Redeploying" : "Deploying"} lab '${name}' (${topo})`, lab);
  const logId = logsNamespace(lab.id);
  const log = (lines: string[]) => { writeLog(rt, s, logId, lines); };
  const nodes = nodesOf(lab);
  const fails = name.toLowerCase().includes("broken");
  try {
    await play(rt, [
      () => { log([logLine("INFO", `Containerlab started version=0.73.0`), logLine("INFO", `Parsing & checking topology file=${topo}.clab.yml`)]); },
      () => { log([logLine("INFO", `Creating docker network name=clab IPv4 subnet=172.20.20.0/24 IPv6 subnet=3fff:172:20:20::/64 MTU=1500`)]); },
      () => { log(nodes.map(([n]) => logLine("INFO", `Creating container name=${n}`))); },
      ...(fails
        ? [() => { log([logLine("ERRO", `failed deploy stage for node "${nodes[0]?.[0] ?? "r1"}": ospfd: address already in use`)]); }]
        : [
            () => { log(nodes.map(([n]) => logLine("INFO", `Created link: ${n}:e1-1 ▪┄┄▪ ${nodes[0]?.[0] ?? n}:e1-${String(nodes.length)}`))); },
            () => { log([logLine("WARN", `Running on a kernel older than recommended version=5.10`), logLine("INFO", `Adding host entries path=/etc/hosts`)]); },
          ]),
    ]);
  } finally {
    s.busy.delete(lab.id);
  }
  if (fails) {
    touch(rt, s, lab, InstanceState.Failed);
    status(rt, s, Severity.Error, `Failed to ${redeploy ? "redeploy" : "deploy"} lab '${name}' (${topo})`, lab);
    throw commandError(5001, `containerlab ${redeploy ? "redeploy" : "deploy"} failed: exit status 1`);
  }
  const made = makeNodes(instanceName, nodes, "starting");
  for (const n of made) {
    writeLog(rt, s, logsNamespace(lab.id, n.containerId), [`${n.containerName} booting`, `${esc}[32m${n.containerName} ready${esc}[0m`]);
  }
  lab.instance = { ...lab.instance, nodes: made };
  touch(rt, s, lab, InstanceState.Running);
  status(rt, s, Severity.Success, `Successfully ${redeploy ? "redeployed" : "deployed"} '${name}' (${topo})`, lab);
  rt.later(rt.stepMs * 2, () => {
    if (lab.instance?.nodes !== null && lab.instance?.nodes !== undefined) {
      lab.instance = { ...lab.instance, nodes: lab.instance.nodes.map((n) => (n.state === "starting" ? { ...n, state: "running" } : n)) };
      touch(rt, s, lab);
    }
  });
}

async function destroy(rt: FakeRuntime, s: FakeServer, lab: LabOut): Promise<void> {
  if (lab.instance === undefined) throw commandError(5003, `The lab '${lab.name}' is not running`);
  if (s.busy.has(lab.id)) throw commandError(5002, `The lab '${lab.name}' is being deployed`);
  s.busy.add(lab.id);
  closeLabShells(rt, s, lab.id);
  touch(rt, s, lab, InstanceState.Stopping);
  status(rt, s, Severity.Info, `Destroying lab ${lab.name} (${topoName(lab)})`, lab);
  const logId = logsNamespace(lab.id);
  const log = (lines: string[]) => { writeLog(rt, s, logId, lines); };
  try {
    await play(rt, [
      () => { log([logLine("INFO", `Destroying lab name=${lab.instanceName ?? lab.name}`)]); },
      () => { log((lab.instance?.nodes ?? []).map((n) => logLine("INFO", `Removed container name=${n.containerName}`))); },
      () => { log([logLine("INFO", `Removing host entries path=/etc/hosts`)]); },
    ]);
  } finally {
    s.busy.delete(lab.id);
  }
  delete lab.instance;
  touch(rt, s, lab);
  status(rt, s, Severity.Success, `Successfully destroyed lab ${lab.name}`, lab);
}

async function nodeCommand(rt: FakeRuntime, s: FakeServer, lab: LabOut, command: LabCommandName, nodeName: string | undefined): Promise<void> {
  const instance = lab.instance;
  if (instance?.state !== InstanceState.Running) throw commandError(5003, `The lab '${lab.name}' is not running`);
  const node = instance.nodes?.find((n) => n.name === nodeName);
  if (node === undefined) throw commandError(5006, `The lab has no node '${nodeName ?? ""}'`);
  const set = (state: string) => {
    if (lab.instance?.nodes !== null && lab.instance?.nodes !== undefined) {
      lab.instance = { ...lab.instance, nodes: lab.instance.nodes.map((n) => (n.name === node.name ? { ...n, state } : n)) };
    }
    touch(rt, s, lab);
  };
  const verb = command === "startNode" ? "starting" : command === "stopNode" ? "stopping" : "restarting";
  await play(rt, [() => undefined]);
  closeLabShells(rt, s, lab.id, node.name);
  set(command === "stopNode" ? "exited" : "starting");
  status(rt, s, Severity.Success, `Node ${node.name} is ${verb}`, lab);
  writeLog(rt, s, logsNamespace(lab.id, node.containerId), [`${grey(clock(new Date()))} container ${verb}`]);
  if (command !== "stopNode") rt.later(rt.stepMs * 2, () => { set("running"); });
}

/** Runs a lab command as `/lab-commands` would, with its command result; rejects like it. */
export async function runCommand(rt: FakeRuntime, s: FakeServer, labId: string, command: LabCommandName, nodeName: string | undefined): Promise<void> {
  const lab = s.labs.find((l) => l.id === labId);
  let error: BridgeError | null = null;
  try {
    if (lab === undefined) throw commandError(5005, "No lab with this id");
    const identity = s.view.identity;
    if (identity?.isAdmin !== true && identity?.id !== lab.creator.id) {
      throw commandError(5403, "You do not have access to this lab");
    }
    if (command === "deploy") await deploy(rt, s, lab);
    else if (command === "destroy") await destroy(rt, s, lab);
    else await nodeCommand(rt, s, lab, command, nodeName);
  } catch (e: unknown) {
    error = BridgeError.from(e);
  }
  result(rt, s, labId, command, nodeName ?? null, error);
  if (error !== null) throw error;
}

/** `labs`, `lab`, `collections` (copies, so the UI never holds the fake's objects) and `lab_command`. */
export function labCommands(rt: FakeRuntime): Pick<Bridge, "labs" | "lab" | "collections" | "labCommand"> {
  return {
    labs: (args) => rt.answer(commands.labs, args, () => structuredClone(rt.loggedIn(args.server).labs)),
    lab: (args) => rt.answer(commands.lab, args, () => structuredClone(rt.findLab(rt.loggedIn(args.server), args.labId))),
    collections: (args) => rt.answer(commands.collections, args, () => structuredClone(rt.loggedIn(args.server).collections)),

    labCommand: async (args) => {
      rt.calls.push({ command: commands.labCommand, args });
      await runCommand(rt, rt.loggedIn(args.server), args.labId, args.command, args.node);
      return null;
    },
  };
}
