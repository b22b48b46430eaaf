// The fake's `checkTopology` answers as the app's `check_topology` does: these are the cases of
// antimony-client's `import` module tests (client/src/import.rs, the source of truth) and the
// lab names the import dialog used to work out itself.

import { describe, expect, it } from "vitest";
import { BridgeError } from "../error";
import { testBridge } from "../fake.test-util";
import { MAX_TOPOLOGY_BYTES } from "./topology";

async function labName(fileName: string, definition: string): Promise<string> {
  return (await testBridge().checkTopology({ fileName, definition })).labName;
}

async function rejection(fileName: string, definition: string): Promise<BridgeError> {
  try {
    await testBridge().checkTopology({ fileName, definition });
  } catch (e: unknown) {
    if (e instanceof BridgeError) return e;
    throw e;
  }
  throw new Error(`${fileName} was accepted`);
}

describe("the fake's checkTopology", () => {
  it("is recorded as check_topology with its arguments", async () => {
    const f = testBridge();
    await f.checkTopology({ fileName: "pair.clab.yml", definition: "name: pair\n" });
    expect(f.calls).toEqual([{ command: "check_topology", args: { fileName: "pair.clab.yml", definition: "name: pair\n" } }]);
  });

  it("reads the lab name from the top-level name:", async () => {
    expect(await labName("x.clab.yml", "name: spine-leaf\ntopology:\n  nodes: {}\n")).toBe("spine-leaf");
    expect(await labName("x.clab.yml", '# a lab\nname: "my lab"   # quoted\ntopology: {}\n')).toBe("my lab");
    expect(await labName("x.clab.yml", "name: 'srl'\r\ntopology: {}\r\n")).toBe("srl");
    expect(await labName("x.clab.yml", "name: bgp # comment\n")).toBe("bgp");
    expect(await labName("x.clab.yml", "name: 'a#b'\n")).toBe("a#b");
    expect(await labName("x.clab.yml", "name: a#b\n")).toBe("a#b");
  });

  it("falls back to the file name without its directory and extension", async () => {
    // an indented name belongs to a node, not to the topology
    expect(await labName("evpn.clab.yaml", "topology:\n  nodes:\n    r1:\n      name: r1\n")).toBe("evpn");
    expect(await labName("empty-name.clab.yml", "name:\ntopology: {}\n")).toBe("empty-name");
    expect(await labName("/tmp/ring.clab.yaml", "topology: {}\n")).toBe("ring");
    expect(await labName("dir/Pair.CLAB.yml", "topology: {}\n")).toBe("Pair");
  });

  it("rejects io for a file that is not .clab.yml / .clab.yaml, or over 1 MiB", async () => {
    const notTopology = await rejection("ring.yaml", "name: x");
    expect({ kind: notTopology.kind, code: notTopology.code, message: notTopology.message }).toEqual({
      kind: "io",
      code: -1,
      message: "ring.yaml is not a containerlab file (.clab.yml or .clab.yaml)",
    });
    const big = await rejection("big.clab.yml", "#".repeat(MAX_TOPOLOGY_BYTES + 1));
    expect([big.kind, big.message]).toEqual(["io", "big.clab.yml is bigger than 1 MiB"]);
    // The limit is on UTF-8 bytes, as in Rust: 2 bytes a character here.
    expect((await rejection("wide.clab.yml", "é".repeat(MAX_TOPOLOGY_BYTES / 2 + 1))).message).toBe("wide.clab.yml is bigger than 1 MiB");
    expect(await labName("ok.clab.yml", "#".repeat(MAX_TOPOLOGY_BYTES))).toBe("ok");
  });
});
