// Lab fixtures for the labs feature's tests.

import { InstanceState, type CollectionOut, type InstanceNode, type LabOut } from "../../bindings";

export const NOW = Date.parse("2025-06-12T20:00:00Z");
const H = 3_600_000;
const at = (ms: number) => new Date(NOW + ms).toISOString();

export const collections: CollectionOut[] = [
  { id: "c-net", name: "netops", publicWrite: true, publicDeploy: true, creator: { id: "admin", name: "Admin" } },
  { id: "c-train", name: "training", publicWrite: true, publicDeploy: true, creator: { id: "admin", name: "Admin" } },
];

export function node(name: string, state: string, canRestart = true): InstanceNode {
  return {
    name,
    kind: "nokia_srlinux",
    ipv4: "172.20.20.2/24",
    ipv6: "3fff:172:20:20::2/64",
    state,
    containerId: `${name}-cid`,
    containerName: `clab-x-${name}`,
    containnerName: `clab-x-${name}`,
    interfaceCaptures: null,
    canRestart,
  };
}

export function lab(name: string, state: InstanceState, extra: Partial<LabOut> = {}): LabOut {
  const base: LabOut = {
    id: `id-${name.toLowerCase().replace(/\s+/g, "-")}`,
    name,
    startTime: at(-2 * H),
    endTime: at(4 * H),
    topologyId: "t",
    collectionId: "c-net",
    creator: { id: "alice", name: "alice@example.org" },
    topologyDefinition: "name: t\ntopology:\n  nodes:\n    a:\n      kind: linux\n    b:\n      kind: linux\n",
  };
  if (state !== InstanceState.Inactive && state !== InstanceState.Scheduled) {
    base.instance = {
      name: "",
      deployed: at(-H),
      state,
      latestStateChange: at(-H),
      nodes: state === InstanceState.Deploying ? null : [node("n1", "running"), node("n2", "exited"), node("n3", "running")],
      recovered: false,
    };
  } else if (state === InstanceState.Scheduled) {
    base.startTime = at(H);
  }
  return { ...base, ...extra };
}
