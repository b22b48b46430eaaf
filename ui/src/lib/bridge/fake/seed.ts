// The fake's demo data: a remote server ("lab.example.net", logged in as alice, six labs in
// every state) and the local server ("This computer", one inactive lab), plus the builders the
// rest of the fake uses for new nodes, collections and servers.

import { InstanceState, type CollectionOut, type InstanceNode, type LabOut, type UserOut } from "../../../bindings";
import { containerId, HOUR, iso, newId } from "./ids";
import type { FakeServer } from "./runtime";
import { topology, type FakeLink } from "./topology";

export const ADMIN: UserOut = { id: "00000000-0000-0000-0000-00000000000", name: "Admin" };
export const ALICE: UserOut = { id: "7d1e2f3a-2b7d-11f0-9a3e-0242ac120002", name: "alice@example.org" };
export const BOB: UserOut = { id: "8e2f3a4b-2b7d-11f0-9a3e-0242ac120002", name: "bob@example.org" };

/** Nodes of a deployed instance, one container each, in the state given. */
export function makeNodes(instanceName: string, nodes: [string, string][], state = "running"): InstanceNode[] {
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
  links?: FakeLink[];
  labels?: Record<string, Record<string, string>>;
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
    topologyDefinition: topology(seed.topo, seed.nodes, seed.links, seed.labels),
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

/** A collection anyone may write to and deploy from. */
export function collection(name: string, creator: UserOut): CollectionOut {
  return { id: newId(), name, publicWrite: true, publicDeploy: true, creator };
}

/** The remote server, "lab.example.net": logged in as alice, six labs in every state. */
export function remoteServer(): FakeServer {
  const netops = collection("netops", ADMIN);
  const training = collection("training", ADMIN);
  const ci = collection("ci", ADMIN);
  const spineLeaf: [string, string][] = [
    ["spine1", "nokia_srlinux"],
    ["leaf1", "nokia_srlinux"],
    ["leaf2", "nokia_srlinux"],
    ["client1", "linux"],
  ];
  const spineLeafLinks: FakeLink[] = [
    ["spine1:e1-1", "leaf1:e1-49"],
    ["spine1:e1-2", "leaf2:e1-49"],
    ["leaf1:e1-1", "client1:eth1"],
    ["leaf2:e1-1", "client1:eth2"],
  ];
  const spineLeafLevels = { spine1: { "graph-level": "1" }, leaf1: { "graph-level": "2" }, leaf2: { "graph-level": "2" }, client1: { "graph-level": "3" } };
  const labs = [
    makeLab({ name: "Spine Leaf", topo: "spine-leaf", nodes: spineLeaf, links: spineLeafLinks, labels: spineLeafLevels, collection: netops, creator: ALICE, state: InstanceState.Running }),
    makeLab({
      name: "BGP Playground",
      topo: "bgp",
      nodes: [["r1", "cisco_xrd"], ["r2", "cisco_xrd"]],
      links: [["r1:Gi0-0-0-0", "r2:Gi0-0-0-0"]],
      collection: training,
      creator: ALICE,
      state: InstanceState.Deploying,
    }),
    makeLab({ name: "Forever", topo: "spine-leaf", nodes: spineLeaf, links: spineLeafLinks, collection: netops, creator: ALICE, state: InstanceState.Inactive, start: -48 * HOUR, end: null }),
    makeLab({
      name: "Nightly Regression",
      topo: "regression",
      nodes: [["dut", "nokia_srlinux"], ["tester", "linux"]],
      links: [["dut:e1-1", "tester:eth1"], ["dut:e1-2", "tester:eth2"]],
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
      links: [["area0-r1:eth1", "area0-r2:eth1"], ["area0-r2:eth2", "area1-r3:eth1"]],
      collection: training,
      creator: BOB,
      state: InstanceState.Failed,
    }),
    makeLab({
      name: "EVPN Fabric",
      topo: "evpn",
      nodes: [["spine", "arista_ceos"], ["leaf-a", "arista_ceos"], ["leaf-b", "arista_ceos"], ["host-a", "linux"], ["host-b", "linux"]],
      links: [
        ["spine:eth1", "leaf-a:eth1"],
        ["spine:eth2", "leaf-b:eth1"],
        ["leaf-a:eth2", "host-a:eth1"],
        ["leaf-b:eth2", "host-b:eth1"],
      ],
      labels: { spine: { "graph-group": "fabric" }, "leaf-a": { "graph-group": "fabric" }, "leaf-b": { "graph-group": "fabric" } },
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
    shells: new Map(),
  };
}

/** The local server, "This computer": an empty login, one inactive lab in "local". */
export function localServer(): FakeServer {
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
        nodes: [["srl", "nokia_srlinux"], ["client", "linux"]],
        links: [["srl:e1-1", "client:eth1"]],
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
    shells: new Map(),
  };
}
