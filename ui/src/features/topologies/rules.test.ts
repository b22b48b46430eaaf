// The rules the editor applies before the server: bind-file paths (antimony-server's
// `BindFilePath::parse`), permissions (PROTOCOL.md §3.7), the cursor's context for completion,
// and a path's line in the text.

import { describe, expect, it } from "vitest";
import type { CollectionOut, TopologyOut } from "../../bindings";
import { parseDefinition } from "../../components/graph/parse-topology";
import { bindPathProblem } from "./bind-path";
import { canCreateCollection, canCreateLab, canCreateTopology, canEditCollection, canEditTopology, canOwnTopology } from "./permissions";
import { nameOf, withName } from "./topology-editor";
import { cursorContext, lineOfPath } from "./yaml-source";

describe("bind-file paths", () => {
  it("takes relative paths inside the topology's directory", () => {
    for (const ok of ["a.cfg", "configs/srl1/config.json", "x..y", ".hidden", "topology.clab.yml"]) expect(bindPathProblem(ok)).toBeNull();
  });

  it("refuses what the server refuses", () => {
    for (const bad of ["", "/etc/passwd", "../x", "a/../../x", "a//b", "a/./b", "./a", "dir/", "a\\b", "a\0b", "topology.clab.yaml", "é".repeat(513)]) {
      expect(bindPathProblem(bad), JSON.stringify(bad)).not.toBeNull();
    }
    expect(bindPathProblem("a.cfg", ["a.cfg"])).toMatch(/already/);
  });
});

const user = (id: string, isAdmin = false) => ({ id, isAdmin });
const creator = { id: "alice", name: "alice@example.org" };
const collection = (over: Partial<CollectionOut> = {}): CollectionOut => ({ id: "c", name: "netops", publicWrite: true, publicDeploy: true, creator: { id: "admin", name: "Admin" }, ...over });
const topology: TopologyOut = { id: "t", definition: "name: x\n", syncUrl: "", collectionId: "c", creator, bindFiles: [], lastDeployFailed: false };

describe("permissions", () => {
  it("follow PROTOCOL.md §3.7", () => {
    expect(canCreateTopology(user("bob"), collection())).toBeNull();
    expect(canCreateTopology(user("bob"), collection({ publicWrite: false }))).not.toBeNull();
    expect(canCreateTopology(user("root", true), collection({ publicWrite: false }))).toBeNull();
    expect(canEditTopology(user("alice"), topology, collection())).toBeNull();
    expect(canEditTopology(user("alice"), topology, collection({ publicWrite: false }))).not.toBeNull();
    expect(canEditTopology(user("bob"), topology, collection())).toMatch(/alice@example.org/);
    expect(canOwnTopology(user("alice"), topology)).toBeNull();
    expect(canOwnTopology(user("bob"), topology)).not.toBeNull();
    expect(canOwnTopology(user("bob", true), topology)).toBeNull();
    expect(canCreateLab(user("bob"), collection({ publicDeploy: false }))).not.toBeNull();
    expect(canCreateLab(user("bob"), collection())).toBeNull();
    expect(canCreateCollection(user("bob"))).not.toBeNull();
    expect(canCreateCollection(user("root", true))).toBeNull();
    expect(canEditCollection(user("admin"), collection())).toBeNull();
    expect(canEditCollection(user("bob"), collection())).not.toBeNull();
    expect(canCreateTopology(null, collection())).toBeNull();
    expect(canOwnTopology(null, topology)).not.toBeNull();
  });
});

describe("the cursor's context", () => {
  const at = (text: string) => cursorContext(text.replace("|", ""), text.indexOf("|"));

  it("names the keys above a key being typed, and its siblings", () => {
    expect(at("name: x\ntopology:\n  nodes:\n    r1:\n      kind: linux\n      im|\n      binds: []\n")).toEqual({ path: ["topology", "nodes", "r1"], at: "key", from: 59, word: "im", siblings: ["kind", "binds"] });
    expect(at("name: x\n|")).toMatchObject({ path: [], at: "key", siblings: ["name"] });
  });

  it("counts list items", () => {
    expect(at("topology:\n  links:\n    - endpoints: [a, b]\n      m|\n")).toMatchObject({ path: ["topology", "links", 0], at: "key", siblings: ["endpoints"] });
    expect(at("topology:\n  links:\n  - ty|\n")).toMatchObject({ path: ["topology", "links", 0], at: "key" });
  });

  it("tells a value from a key", () => {
    expect(at("topology:\n  nodes:\n    r1:\n      kind: nok|\n")).toMatchObject({ path: ["topology", "nodes", "r1", "kind"], at: "value", word: "nok" });
  });
});

describe("lines of paths, and the name", () => {
  it("finds keys, items and missing keys' mappings", () => {
    const text = "name: x\ntopology:\n  nodes:\n    r1: {kind: linux}\n  links:\n    - endpoints: [a, b]\n    - endpoints: [c, d]\n";
    const read = parseDefinition(text);
    if (!read.ok) throw new Error(read.reason);
    expect(lineOfPath(read.doc, text, ["topology", "nodes", "r1"])).toBe(4);
    expect(lineOfPath(read.doc, text, ["topology", "nodes", "r1", "kind"])).toBe(4);
    expect(lineOfPath(read.doc, text, ["topology", "links", 1])).toBe(7);
    expect(lineOfPath(read.doc, text, ["topology", "nodes", "r9"])).toBe(3);
    expect(lineOfPath(read.doc, text, [], "name")).toBe(1);
  });

  it("reads and rewrites the name line", () => {
    expect(nameOf("# c\nname: \"my lab\" # x\ntopology: {}\n")).toBe("my lab");
    expect(nameOf("topology: {}\n")).toBeNull();
    expect(withName("name: a\ntopology: {}\n", "b-2")).toBe("name: b-2\ntopology: {}\n");
    expect(withName("topology: {}\n", "with space")).toBe('name: "with space"\ntopology: {}\n');
  });
});
