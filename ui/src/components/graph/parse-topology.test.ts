// Reading topology definitions for the graph, hostile ones included: every bad input gives a
// reason, never an exception.
import { describe, expect, it } from "vitest";
import { parseEndpoint, parseTopology } from "./parse-topology";
import { MAX_DEFINITION_BYTES, MAX_NODES, shownName, type Topology } from "./topology";

function ok(definition: string): Topology {
  const parsed = parseTopology(definition);
  if (!parsed.ok) throw new Error(`not read: ${parsed.reason}`);
  return parsed.topology;
}

function reason(definition: string): string {
  const parsed = parseTopology(definition);
  if (parsed.ok) throw new Error("read, but should not have been");
  return parsed.reason;
}

const SPINE_LEAF = `name: spine-leaf
topology:
  defaults:
    kind: nokia_srlinux
  nodes:
    spine-1:
      image: ghcr.io/nokia/srlinux:24.10
      mgmt-ipv4: 172.20.20.11
      labels:
        graph-level: 1
        graph-group: fabric
    leaf-1:
      group: leaves
    leaf-2: {kind: arista_ceos}
    client1:
      kind: linux
      labels: {graph-posX: "120", graph-posY: "300"}
  links:
    - endpoints: ["spine-1:e1-1", "leaf-1:e1-49"]
    - endpoints: [spine-1:e1-2, leaf-2:Ethernet1/1]
    - endpoints:
        - node: leaf-1
          interface: e1-1
        - node: client1
          interface: eth1
`;

describe("parseTopology", () => {
  it("reads nodes with their kinds, groups, graph labels and addresses, and links with interfaces", () => {
    const t = ok(SPINE_LEAF);
    expect(t.name).toBe("spine-leaf");
    expect(t.nodes.map((n) => [n.name, n.kind])).toEqual([
      ["spine-1", "nokia_srlinux"],
      ["leaf-1", "nokia_srlinux"],
      ["leaf-2", "arista_ceos"],
      ["client1", "linux"],
    ]);
    const spine = t.nodes[0];
    expect(spine?.group).toBe("fabric");
    expect(spine?.level).toBe(1);
    expect(spine?.image).toBe("ghcr.io/nokia/srlinux:24.10");
    expect(spine?.mgmtIpv4).toBe("172.20.20.11");
    expect(t.nodes[1]?.group).toBe("leaves");
    expect(t.nodes[3]?.position).toEqual({ x: 120, y: 300 });
    expect(t.links).toEqual([
      { a: { node: "spine-1", iface: "e1-1" }, b: { node: "leaf-1", iface: "e1-49" } },
      { a: { node: "spine-1", iface: "e1-2" }, b: { node: "leaf-2", iface: "Ethernet1/1" } },
      { a: { node: "leaf-1", iface: "e1-1" }, b: { node: "client1", iface: "eth1" } },
    ]);
    expect(t.skipped).toEqual([]);
  });

  it("takes a group's kind, and the defaults' after it", () => {
    const t = ok("name: g\ntopology:\n  defaults: {kind: linux}\n  groups:\n    routers: {kind: cisco_xrd}\n  nodes:\n    r1: {group: routers}\n    h1: {}\n    x1:\n");
    expect(t.nodes.map((n) => [n.name, n.kind, n.group])).toEqual([
      ["r1", "cisco_xrd", "routers"],
      ["h1", "linux", null],
      ["x1", "linux", null],
    ]);
  });

  it("keeps links to nodes the topology does not define (yet), and single-ended links to the host", () => {
    const t = ok(`name: x
topology:
  nodes:
    a: {kind: linux}
  links:
    - endpoints: [a:eth1, b:eth1]
    - type: host
      endpoint: {node: a, interface: eth2}
      host-interface: a-eth2
    - type: macvlan
      endpoint: {node: a, interface: eth3}
`);
    expect(t.links).toEqual([
      { a: { node: "a", iface: "eth1" }, b: { node: "b", iface: "eth1" } },
      { a: { node: "a", iface: "eth2" }, b: { node: "host", iface: "a-eth2" } },
      { a: { node: "a", iface: "eth3" }, b: { node: "macvlan", iface: "" } },
    ]);
  });

  it("skips links without two ends and says how many", () => {
    const t = ok("name: x\ntopology:\n  nodes: {a: {}}\n  links:\n    - endpoints: [a:e1]\n    - endpoints: [':e1', 'a:e2']\n    - 7\n    - endpoints: [a:e1, a:e2]\n");
    expect(t.links).toHaveLength(1);
    expect(t.skipped).toEqual(["3 links without two endpoints"]);
  });

  it("reads names that are numbers, and keys that are JavaScript's own names, as plain names", () => {
    const t = ok("name: x\ntopology:\n  nodes:\n    1: {kind: linux}\n    __proto__: {kind: linux}\n    toString: {kind: linux}\n    constructor:\n  links:\n    - endpoints: ['1:e1', '__proto__:e1']\n");
    expect(t.nodes.map((n) => n.name)).toEqual(["1", "__proto__", "toString", "constructor"]);
    expect(t.links[0]?.b.node).toBe("__proto__");
    expect(({} as Record<string, unknown>).kind).toBeUndefined();
  });

  it("reads a topology without nodes or links", () => {
    expect(ok("name: empty\ntopology: {}\n")).toEqual({ name: "empty", nodes: [], links: [], skipped: [] });
    expect(ok("name: empty\ntopology:\n  nodes:\n  links:\n").nodes).toEqual([]);
  });

  it("gives a reason for what is not a topology", () => {
    expect(reason("")).toMatch(/not a map/);
    expect(reason("- a\n- b\n")).toMatch(/not a map/);
    expect(reason("name: x\n")).toMatch(/no topology section/);
    expect(reason("name: x\ntopology: 5\n")).toMatch(/not a map/);
    expect(reason("name: x\ntopology:\n  nodes: [a, b]\n")).toMatch(/nodes is not a map/);
    expect(reason("name: x\ntopology:\n  nodes: {}\n  links: {a: b}\n")).toMatch(/links is not a list/);
    expect(reason("name: [unclosed\n")).toMatch(/not valid YAML/);
    expect(reason("a: 1\n  b: 2\n")).toMatch(/not valid YAML/);
  });

  it("refuses alias bombs, deep nesting and oversized definitions without working through them", () => {
    const bomb = [
      "name: lol",
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
      "topology: {nodes: {a: {labels: {x: *f}}}}",
      "",
    ].join("\n");
    const started = performance.now();
    expect(reason(bomb)).toMatch(/alias/);
    expect(reason(`name: x\ntopology: ${"[".repeat(65)}${"]".repeat(65)}\n`)).toMatch(/more than 64 levels/);
    expect(reason(`name: x\ntopology: {}\n#${"x".repeat(MAX_DEFINITION_BYTES)}\n`)).toMatch(/at most 1,048,576/);
    // Multi-byte text counts in bytes: 400,000 three-byte characters are over a MiB.
    expect(reason(`name: x\ntopology: {}\n#${"€".repeat(400_000)}\n`)).toMatch(/bytes/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("draws at most MAX_NODES nodes and says so", () => {
    const nodes = Array.from({ length: MAX_NODES + 5 }, (_, i) => `    n${String(i)}: {}\n`).join("");
    const t = ok(`name: big\ntopology:\n  nodes:\n${nodes}`);
    expect(t.nodes).toHaveLength(MAX_NODES);
    expect(t.skipped).toEqual(["nodes after the first 2,000"]);
  });

  it("cuts long reasons", () => {
    const long = `name: x\ntopology:\n  nodes: {}\n  links: "${"y".repeat(500)}"\n`;
    expect(reason(long).length).toBeLessThanOrEqual(240);
  });
});

describe("parseEndpoint", () => {
  it("splits at the first colon, keeping dashed names and interfaces with colons or slashes", () => {
    expect(parseEndpoint("leaf-1:e1-1")).toEqual({ node: "leaf-1", iface: "e1-1" });
    expect(parseEndpoint("r1:Ethernet1/1")).toEqual({ node: "r1", iface: "Ethernet1/1" });
    expect(parseEndpoint("r1:ge-0/0/0:1")).toEqual({ node: "r1", iface: "ge-0/0/0:1" });
    expect(parseEndpoint("bridge")).toEqual({ node: "bridge", iface: "" });
    expect(parseEndpoint(" a : b ")).toEqual({ node: "a", iface: "b" });
    expect(parseEndpoint(":e1")).toBeNull();
    expect(parseEndpoint(null)).toBeNull();
    expect(parseEndpoint(new Map([["interface", "e1"]]))).toBeNull();
    expect(parseEndpoint(new Map([["node", "a"], ["interface", "e1"]]))).toEqual({ node: "a", iface: "e1" });
  });
});

describe("shownName", () => {
  it("cuts names longer than 64 characters", () => {
    expect(shownName("leaf-1")).toBe("leaf-1");
    const shown = shownName("x".repeat(100));
    expect(shown).toHaveLength(64);
    expect(shown.endsWith("…")).toBe(true);
  });
});
