// A lab's state as the UI shows it: the instance's state, or one of the pseudo-states of a lab
// without an instance (PROTOCOL.md §6.1: scheduled if it ends in the future and starts later
// than two minutes ago, else inactive).

import { InstanceState, type LabOut } from "../../bindings";
import type { DotTone } from "../../components/status-dot";
import { labState, neverEnds, notScheduled } from "../../lib/lab-times";

export { labState, neverEnds, notScheduled };

export type LabStateWord = "running" | "deploying" | "stopping" | "failed" | "scheduled" | "inactive";

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
