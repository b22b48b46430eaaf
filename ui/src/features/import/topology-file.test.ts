import { describe, expect, it } from "vitest";
import { MAX_TOPOLOGY_BYTES, topologyFileProblem } from "./topology-file";

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
});
