import { describe, expect, it } from "vitest";
import { MAX_TOPOLOGY_BYTES, labNameOf, topologyFileProblem } from "./topology-file";

describe("topology files", () => {
  it("takes .clab.yml and .clab.yaml files up to 1 MiB", () => {
    expect(topologyFileProblem({ name: "spine-leaf.clab.yml", size: 300 })).toBeNull();
    expect(topologyFileProblem({ name: "Spine.CLAB.YAML", size: MAX_TOPOLOGY_BYTES })).toBeNull();
  });

  it("names the file and the extensions it needs", () => {
    expect(topologyFileProblem({ name: "notes.yml", size: 10 })).toBe("notes.yml is not a containerlab topology: only .clab.yml and .clab.yaml files can be imported.");
    expect(topologyFileProblem({ name: "lab.clab.yml.bak", size: 10 })).toMatch(/^lab\.clab\.yml\.bak is not/);
  });

  it("refuses a file over 1 MiB", () => {
    expect(topologyFileProblem({ name: "big.clab.yml", size: MAX_TOPOLOGY_BYTES + 1 })).toBe("big.clab.yml is 1.0 MiB; a topology file can be at most 1 MiB.");
    expect(topologyFileProblem({ name: "huge.clab.yml", size: 5 * MAX_TOPOLOGY_BYTES })).toMatch(/is 5\.0 MiB/);
  });

  it("reads the lab name from the top-level name:", () => {
    expect(labNameOf("name: spine-leaf\ntopology:\n  nodes: {}\n", "x.clab.yml")).toBe("spine-leaf");
    expect(labNameOf('# a lab\nname: "my lab"   # quoted\ntopology: {}\n', "x.clab.yml")).toBe("my lab");
    expect(labNameOf("name: 'srl'\r\ntopology: {}\r\n", "x.clab.yml")).toBe("srl");
    expect(labNameOf("name: bgp # comment\n", "x.clab.yml")).toBe("bgp");
  });

  it("falls back to the file name without its extension", () => {
    // an indented name belongs to a node, not to the topology
    expect(labNameOf("topology:\n  nodes:\n    r1:\n      name: r1\n", "evpn.clab.yaml")).toBe("evpn");
    expect(labNameOf("name:\ntopology: {}\n", "empty-name.clab.yml")).toBe("empty-name");
  });
});
