// The graph model of a lab: the topology joined with the instance → nodes and edges.
import { describe, expect, it } from "vitest";
import { InstanceState, type InstanceNode } from "../../bindings";
import { parseTopology } from "../../components/graph/parse-topology";
import { lab, node } from "./fixtures.test-util";
import { bareAddress, joinNodes, labGraph, labNodes, sshCommand } from "./lab-nodes";

const DEFINITION = `name: fabric
topology:
  nodes:
    spine-1: {kind: nokia_srlinux, labels: {graph-group: core}}
    leaf-1: {kind: nokia_srlinux}
    leaf-10: {kind: nokia_srlinux}
    host1: {kind: linux, mgmt-ipv4: 172.20.20.50}
  links:
    - endpoints: ["spine-1:e1-1", "leaf-1:e1-49"]
    - endpoints: ["spine-1:e1-2", "leaf-10:e1-49"]
    - endpoints: ["leaf-1:e1-1", "host1:eth1"]
    - endpoints: ["leaf-10:e1-1", "host2:eth1"]
`;
const parsed = parseTopology(DEFINITION);

function deployed(name: string, state: string, container = `clab-fabric-${name}`): InstanceNode {
  return { ...node(name, state), kind: name.startsWith("host") ? "linux" : "nokia_srlinux", containerName: container, containnerName: container, ipv4: "172.20.20.3/24" };
}

describe("joinNodes", () => {
  it("joins by name, keeps the topology's order, and adds instance nodes the topology lacks", () => {
    const t = parsed.ok ? parsed.topology : null;
    const joined = joinNodes(t, [deployed("leaf-1", "running"), deployed("extra", "running"), deployed("spine-1", "exited")]);
    expect(joined.map((n) => [n.name, n.instance?.state ?? null, n.defined !== null])).toEqual([
      ["spine-1", "exited", true],
      ["leaf-1", "running", true],
      ["leaf-10", null, true],
      ["host1", null, true],
      ["extra", "running", false],
    ]);
  });

  it("matches short names (the Go server's `1` for `leaf-1`) by the container name, longest topology name first", () => {
    const t = parsed.ok ? parsed.topology : null;
    // The Go server keeps what follows the last "-": leaf-1 → "1", leaf-10 → "10", spine-1 → "1".
    const joined = joinNodes(t, [deployed("10", "running", "clab-fabric-leaf-10"), deployed("1", "exited", "clab-fabric-leaf-1"), deployed("1", "running", "clab-fabric-spine-1")]);
    expect(joined.map((n) => [n.name, n.instance?.containerName ?? null, n.instance?.state ?? null])).toEqual([
      ["spine-1", "clab-fabric-spine-1", "running"],
      ["leaf-1", "clab-fabric-leaf-1", "exited"],
      ["leaf-10", "clab-fabric-leaf-10", "running"],
      ["host1", null, null],
    ]);
  });

  it("lists only the instance's nodes when the topology cannot be read", () => {
    expect(joinNodes(null, [deployed("a", "running")]).map((n) => n.name)).toEqual(["a"]);
    expect(joinNodes(null, null)).toEqual([]);
  });
});

describe("labGraph", () => {
  it("draws a lab that is not deployed from its topology, greyed, with its links and interface names", () => {
    const l = lab("Fabric", InstanceState.Inactive, { topologyDefinition: DEFINITION });
    const { model, problem, note } = labGraph(l, parsed);
    expect(problem).toBeNull();
    expect(note).toBeNull();
    expect(model.nodes.map((n) => [n.id, n.dimmed, n.missing, n.stateLabel, n.tone])).toEqual([
      ["spine-1", true, false, "not deployed", "grey"],
      ["leaf-1", true, false, "not deployed", "grey"],
      ["leaf-10", true, false, "not deployed", "grey"],
      ["host1", true, false, "not deployed", "grey"],
      // A link names host2, which the topology does not define: drawn as a placeholder.
      ["host2", false, true, "not in the topology", "grey"],
    ]);
    expect(model.nodes[0]?.group).toBe("core");
    expect(model.nodes[3]?.details).toContain("IPv4 172.20.20.50");
    expect(model.edges).toEqual([
      { id: "link-0", source: "spine-1", target: "leaf-1", sourceLabel: "e1-1", targetLabel: "e1-49" },
      { id: "link-1", source: "spine-1", target: "leaf-10", sourceLabel: "e1-2", targetLabel: "e1-49" },
      { id: "link-2", source: "leaf-1", target: "host1", sourceLabel: "e1-1", targetLabel: "eth1" },
      { id: "link-3", source: "leaf-10", target: "host2", sourceLabel: "e1-1", targetLabel: "eth1" },
    ]);
  });

  it("colours deployed nodes by state; nodes not created yet stay greyed", () => {
    const l = lab("Fabric", InstanceState.Running, { topologyDefinition: DEFINITION });
    if (l.instance === undefined) throw new Error("no instance");
    l.instance = { ...l.instance, nodes: [deployed("spine-1", "running"), deployed("leaf-1", "exited"), deployed("leaf-10", "starting")] };
    const { model } = labGraph(l, parsed, labNodes(l, parsed));
    expect(model.nodes.slice(0, 4).map((n) => [n.id, n.tone, n.dimmed, n.stateLabel])).toEqual([
      ["spine-1", "green", false, "running"],
      ["leaf-1", "red", false, "exited"],
      ["leaf-10", "amber", false, "starting"],
      ["host1", "grey", true, "not created"],
    ]);
    expect(model.nodes[0]?.details).toBe("nokia_srlinux\nrunning\nIPv4 172.20.20.3/24\nIPv6 3fff:172:20:20::2/64");
  });

  it("says why a topology cannot be drawn, and still lists the instance's nodes", () => {
    const bad = parseTopology("name: x\ntopology: [1, 2\n");
    const l = lab("Bad", InstanceState.Running, { topologyDefinition: "name: x\ntopology: [1, 2\n" });
    const { model, problem } = labGraph(l, bad);
    expect(problem).toMatch(/not valid YAML/);
    expect(model.edges).toEqual([]);
    expect(model.nodes.map((n) => n.id)).toEqual(["n1", "n2", "n3"]);
  });

  it("notes what it left out", () => {
    const p = parseTopology("name: x\ntopology:\n  nodes: {a: {}}\n  links:\n    - endpoints: [a:e1]\n");
    expect(labGraph(lab("X", InstanceState.Inactive), p).note).toBe("Not drawn: 1 link without two endpoints.");
  });
});

describe("addresses", () => {
  it("copies the address without its prefix, and an SSH command with the kind's usual user", () => {
    expect(bareAddress("172.20.20.3/24")).toBe("172.20.20.3");
    expect(bareAddress("N/A")).toBeNull();
    expect(bareAddress("")).toBeNull();
    const srl = { name: "leaf-1", kind: "nokia_srlinux", instance: deployed("leaf-1", "running"), defined: null };
    expect(sshCommand(srl)).toBe("ssh admin@172.20.20.3");
    expect(sshCommand({ ...srl, kind: "linux" })).toBe("ssh root@172.20.20.3");
    expect(sshCommand({ ...srl, instance: { ...srl.instance, ipv4: "N/A", ipv6: "3fff::3/64" } })).toBe("ssh admin@3fff::3");
    expect(sshCommand({ ...srl, instance: null })).toBeNull();
  });
});
