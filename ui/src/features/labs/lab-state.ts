// A lab's state as the UI shows it: the instance's state, or one of the pseudo-states of a lab
// without an instance (PROTOCOL.md §6.1: scheduled if it ends in the future and starts later
// than two minutes ago, else inactive).

import { InstanceState, type LabOut } from "../../bindings";
import type { DotTone } from "../../components/status-dot";

export type LabStateWord = "running" | "deploying" | "stopping" | "failed" | "scheduled" | "inactive";

/** Labs starting further ahead than this (50 years) are parked, not scheduled. */
const PARKED_AFTER_MS = 50 * 365 * 86_400_000;

export function labState(lab: LabOut, now: number): InstanceState {
  if (lab.instance !== undefined) return lab.instance.state;
  const start = Date.parse(lab.startTime);
  const end = lab.endTime === null ? Number.POSITIVE_INFINITY : Date.parse(lab.endTime);
  // A start decades ahead is how clients park a lab they deploy by hand (servers queue every
  // lab for its start time): not scheduled.
  if (start - now > PARKED_AFTER_MS) return InstanceState.Inactive;
  return end > now && start > now - 2 * 60_000 ? InstanceState.Scheduled : InstanceState.Inactive;
}

/**
 * Whether a lab is not scheduled: not deployed, and its start is decades ahead (the import parks
 * such labs in 2099).
 */
export function notScheduled(lab: LabOut, now: number): boolean {
  return lab.instance === undefined && Date.parse(lab.startTime) - now > PARKED_AFTER_MS;
}

/** Whether a lab never ends: no end time, or one decades ahead (the import's 2199). */
export function neverEnds(lab: LabOut, now: number): boolean {
  return lab.endTime === null || Date.parse(lab.endTime) - now > PARKED_AFTER_MS;
}

/** When a lab ends, as the dashboard sorts it: never (and not scheduled) last. */
export function endsAt(lab: LabOut, now: number): number {
  return notScheduled(lab, now) || neverEnds(lab, now) || lab.endTime === null ? Number.POSITIVE_INFINITY : Date.parse(lab.endTime);
}


export function stateWord(state: InstanceState): LabStateWord {
  switch (state) {
    case InstanceState.Running:
      return "running";
    case InstanceState.Deploying:
      return "deploying";
    case InstanceState.Stopping:
      return "stopping";
    case InstanceState.Failed:
      return "failed";
    case InstanceState.Scheduled:
      return "scheduled";
    case InstanceState.Inactive:
      return "inactive";
  }
}

export const stateTone: Record<LabStateWord, DotTone> = {
  running: "green",
  deploying: "amber",
  stopping: "amber",
  failed: "red",
  scheduled: "blue",
  inactive: "grey",
};

export const stateLabel: Record<LabStateWord, string> = {
  running: "Running",
  deploying: "Deploying",
  stopping: "Stopping",
  failed: "Failed",
  scheduled: "Scheduled",
  inactive: "Inactive",
};

/** The order of the state column when sorted, most active first. */
export const stateOrder: readonly InstanceState[] = [
  InstanceState.Running,
  InstanceState.Deploying,
  InstanceState.Stopping,
  InstanceState.Failed,
  InstanceState.Scheduled,
  InstanceState.Inactive,
];

export function nodeTone(state: string): DotTone {
  if (state === "running") return "green";
  if (state === "starting" || state === "restarting" || state === "created") return "amber";
  if (state === "exited" || state === "dead") return "red";
  return "grey";
}

/**
 * The number of nodes a lab's topology defines (counted from its YAML without a YAML parser:
 * the keys one level under `topology:` → `nodes:`), or `null` if it cannot tell.
 */
export function topologyNodeCount(definition: string): number | null {
  const lines = definition.split(/\r?\n/);
  const indent = (l: string) => l.length - l.trimStart().length;
  let topologyIndent = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (/^\s*topology:\s*(#.*)?$/.test(line)) {
      topologyIndent = indent(line);
      continue;
    }
    if (topologyIndent < 0 || indent(line) <= topologyIndent) continue;
    if (/^\s*nodes:\s*\{\s*\}\s*(#.*)?$/.test(line)) return 0;
    if (!/^\s*nodes:\s*(#.*)?$/.test(line)) continue;
    const nodesIndent = indent(line);
    let childIndent = -1;
    let count = 0;
    for (let j = i + 1; j < lines.length; j++) {
      const l = lines[j] ?? "";
      if (l.trim() === "" || l.trimStart().startsWith("#")) continue;
      const d = indent(l);
      if (d <= nodesIndent) break;
      if (childIndent < 0) childIndent = d;
      if (d === childIndent && /^\s*[^\s#][^:]*:/.test(l)) count += 1;
    }
    return count;
  }
  return null;
}
