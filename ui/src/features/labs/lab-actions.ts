// Which lab and node actions are enabled, and why not: by the lab's and node's state, by
// permission (admins, or the lab's creator: PROTOCOL.md §3.7) and by what is already running.

import { InstanceState, type InstanceNode, type LabOut } from "../../bindings";
import type { Identity, LabCommandName } from "../../lib/bridge";

export interface ActionState {
  enabled: boolean;
  /** Why it is disabled (a tooltip), or `null`. */
  reason: string | null;
  /** The command is running: the button shows progress. */
  busy: boolean;
  label: string;
}

/** What is running, by `pendingKey`. */
export type Pending = Readonly<Record<string, LabCommandName>>;

export function pendingKey(labId: string, node?: string | null): string {
  return node === undefined || node === null ? labId : `${labId}/${node}`;
}

export function canManage(lab: LabOut, identity: Identity | null): boolean {
  return identity !== null && (identity.isAdmin || identity.id === lab.creator.id);
}

function noPermission(lab: LabOut): string {
  return `Only the lab's creator (${lab.creator.name}) or an administrator can do this`;
}

function action(label: string, busyLabel: string, busy: boolean, reason: string | null): ActionState {
  return { enabled: !busy && reason === null, reason: busy ? null : reason, busy, label: busy ? busyLabel : label };
}

export function deployAction(lab: LabOut, state: InstanceState, identity: Identity | null, pending: Pending): ActionState {
  const busy = pending[lab.id] === "deploy" || state === InstanceState.Deploying;
  const label = lab.instance === undefined ? "Deploy" : "Redeploy";
  const busyLabel = lab.instance === undefined || state === InstanceState.Deploying ? "Deploying…" : "Redeploying…";
  let reason: string | null = null;
  if (!canManage(lab, identity)) reason = noPermission(lab);
  else if (state === InstanceState.Stopping || pending[lab.id] === "destroy") reason = "The lab is being destroyed";
  return action(label, busyLabel, busy, reason);
}

export function destroyAction(lab: LabOut, identity: Identity | null, pending: Pending): ActionState {
  const busy = pending[lab.id] === "destroy";
  let reason: string | null = null;
  if (!canManage(lab, identity)) reason = noPermission(lab);
  else if (lab.instance === undefined) reason = "The lab is not deployed";
  return action("Destroy", "Destroying…", busy, reason);
}

export interface NodeActions {
  start: ActionState;
  stop: ActionState;
  restart: ActionState;
}

export function nodeActions(lab: LabOut, node: InstanceNode, identity: Identity | null, pending: Pending): NodeActions {
  const running = pending[pendingKey(lab.id, node.name)];
  let common: string | null = null;
  if (!canManage(lab, identity)) common = noPermission(lab);
  else if (lab.instance?.state !== InstanceState.Running) common = "The lab is not running";
  else if (!node.canRestart) common = "This node cannot be started, stopped or restarted";
  else if (running !== undefined) common = "Another command is running on this node";
  const exited = node.state === "exited";
  const up = node.state === "running";
  return {
    start: action("Start", "Starting…", running === "startNode", common ?? (exited ? null : "The node is not stopped")),
    stop: action("Stop", "Stopping…", running === "stopNode", common ?? (up ? null : "The node is not running")),
    restart: action("Restart", "Restarting…", running === "restartNode", common ?? (up ? null : "The node is not running")),
  };
}

/** Opening a shell on a node: only on a running node of a running lab (the server checks access). */
export function shellAction(lab: LabOut, node: InstanceNode): ActionState {
  let reason: string | null = null;
  if (lab.instance?.state !== InstanceState.Running) reason = "The lab is not running";
  else if (node.state !== "running") reason = "The node is not running";
  return action("Shell", "Shell", false, reason);
}

/** "Open shells to all nodes": the running nodes of a running lab, if any. */
export function shellAllAction(lab: LabOut): ActionState {
  let reason: string | null = null;
  if (lab.instance?.state !== InstanceState.Running) reason = "The lab is not running";
  else if (!(lab.instance.nodes ?? []).some((n) => n.state === "running")) reason = "No node is running";
  return action("Open shells to all nodes", "Open shells to all nodes", false, reason);
}
