// Log streams: the lines a lab or node log keeps, batches to subscribers, the logs that deployed
// seed labs start with, a running node's periodic chatter, the `?flood=` firehose, and the log
// commands (subscribe, unsubscribe, export).

import { InstanceState, logsNamespace } from "../../../bindings";
import { commands } from "../../../bindings/desktop";
import type { Bridge } from "../types";
import { emit, type FakeRuntime, type FakeServer, type LogStream } from "./runtime";
import { topoName } from "./topology";

export const esc = "\u001b";
export const grey = (s: string) => `${esc}[90m${s}${esc}[0m`;
const level = (l: "INFO" | "WARN" | "ERRO") =>
  l === "INFO" ? `${esc}[1;36mINFO${esc}[0m` : l === "WARN" ? `${esc}[1;33mWARN${esc}[0m` : `${esc}[1;31mERRO${esc}[0m`;

/** `HH:MM:SS` of a date, in local time. */
export function clock(date: Date): string {
  return date.toTimeString().slice(0, 8);
}

/** A containerlab log line: grey time, coloured level, text. */
export function logLine(l: "INFO" | "WARN" | "ERRO", text: string): string {
  return `${grey(clock(new Date()))} ${level(l)} ${text}`;
}

/** The stream of that id, made empty if missing. */
export function stream(s: FakeServer, id: string): LogStream {
  let st = s.streams.get(id);
  if (st === undefined) {
    st = { lines: [], subscribers: 0 };
    s.streams.set(id, st);
  }
  return st;
}

/** Appends lines to a stream (keeping the newest 5,000) and sends them to its subscribers. */
export function writeLog(rt: FakeRuntime, s: FakeServer, id: string, lines: string[]): void {
  const st = stream(s, id);
  st.lines.push(...lines);
  if (st.lines.length > 5000) st.lines.splice(0, st.lines.length - 5000);
  if (st.subscribers > 0) {
    emit(rt.handlers.logs, { server: s.view.name, stream: id, lines, missed: 0, restarted: false });
  }
}

/** Deployed labs come with the log a deployment leaves behind. */
export function seedDeployLogs(servers: FakeServer[]): void {
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
      stream(s, logsNamespace(lab.id)).lines.push(...lines);
      for (const n of nodes) {
        stream(s, logsNamespace(lab.id, n.containerId)).lines.push(
          `${n.containerName} booting`,
          `${grey(clock(new Date()))} ${n.name}: ${esc}[1mlinux kernel${esc}[22m 6.1.0 starting`,
          `${grey(clock(new Date()))} ${n.name}: ${esc}[33mwaiting for management interface${esc}[0m`,
          `${grey(clock(new Date()))} ${n.name}: ${esc}[32mready${esc}[0m ssh on 22`,
        );
      }
    }
  }
}

/** Every running node with a subscriber writes a keepalive line. */
export function chatter(rt: FakeRuntime): void {
  for (const s of rt.servers) {
    for (const lab of s.labs) {
      for (const n of lab.instance?.nodes ?? []) {
        if (n.state !== "running") continue;
        const id = logsNamespace(lab.id, n.containerId);
        if ((s.streams.get(id)?.subscribers ?? 0) > 0) {
          writeLog(rt, s, id, [`${grey(clock(new Date()))} ${n.name}: ${esc}[32mkeepalive${esc}[0m sent to 172.20.20.1 seq=${String(Math.floor(Date.now() / 1000) % 100000)}`]);
        }
      }
    }
  }
}

/** Sends `perSecond` lines a second (in 32 ms batches) to the first server's first running lab's first node, while it has a subscriber. */
export function startFlood(rt: FakeRuntime, perSecond: number): void {
  let seq = 0;
  rt.every(32, () => {
    const s = rt.servers[0];
    const lab = s?.labs.find((l) => l.instance?.state === InstanceState.Running);
    const node = lab?.instance?.nodes?.[0];
    if (s === undefined || lab === undefined || node === undefined) return;
    const id = logsNamespace(lab.id, node.containerId);
    if ((s.streams.get(id)?.subscribers ?? 0) === 0) return;
    const n = Math.max(1, Math.round((perSecond * 32) / 1000));
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      seq += 1;
      lines.push(`${esc}[90m${String(seq).padStart(8, "0")}${esc}[0m flood line ${esc}[${String(31 + (seq % 7))}mcolour ${String(seq % 7)}${esc}[0m lorem ipsum dolor sit amet`);
    }
    emit(rt.handlers.logs, { server: s.view.name, stream: id, lines, missed: 0, restarted: false });
  });
}

/** `subscribe_logs` (the first subscriber gets the backlog), `unsubscribe_logs`, `export_log`. */
export function logCommands(rt: FakeRuntime): Pick<Bridge, "subscribeLogs" | "unsubscribeLogs" | "exportLog"> {
  return {
    subscribeLogs: (args) =>
      rt.answer(commands.subscribeLogs, args, () => {
        const s = rt.loggedIn(args.server);
        const id = logsNamespace(args.labId, args.containerId);
        const st = stream(s, id);
        st.subscribers += 1;
        if (st.subscribers === 1 && st.lines.length > 0) {
          const backlog = [...st.lines];
          rt.later(0, () => {
            emit(rt.handlers.logs, { server: s.view.name, stream: id, lines: backlog, missed: 0, restarted: false });
          });
        }
        return { stream: id };
      }),

    unsubscribeLogs: (args) =>
      rt.answer(commands.unsubscribeLogs, args, () => {
        const st = rt.server(args.server).streams.get(args.stream);
        if (st !== undefined) st.subscribers = Math.max(0, st.subscribers - 1);
        return null;
      }),

    exportLog: (args) =>
      rt.answer(commands.exportLog, args, () => {
        if (rt.saveCancelled) return null;
        const path = `/home/user/${args.suggestedName}`;
        rt.files.set(path, args.contents);
        return path;
      }),
  };
}
