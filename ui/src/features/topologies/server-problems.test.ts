// Servers' refusals of a topology as problems at their lines: antimony-server's words
// (server/src/http/topologies.rs, server/src/topology/mod.rs) and the Go server's.

import { describe, expect, it } from "vitest";
import { parseDefinition } from "../../components/graph/parse-topology";
import { BridgeError } from "../../lib/bridge";
import { serverProblems } from "./server-problems";

const TEXT = `name: pair
topology:
  nodes:
    a:
      kind: linux
      colour: red
    b:
      kind: linux
      binds:
        - /etc/passwd:/x
  links:
    - endpoints: ["a:eth1"]
`;

function doc(text = TEXT) {
  const read = parseDefinition(text);
  if (!read.ok) throw new Error(read.reason);
  return read.doc;
}

const lines = (error: BridgeError, text = TEXT, withDoc = true) => serverProblems(error, text, withDoc ? doc(text) : null).map((p) => [p.line, p.message]);

describe("antimony-server's refusals", () => {
  it("puts schema problems (pointer: message; …) at the key or the item", () => {
    const error = new BridgeError(
      "api",
      3003,
      "the topology provided were invalid: does not match the containerlab schema: /topology/nodes/a: Additional properties are not allowed ('colour' was unexpected); /topology/links/0/endpoints: [\"a:eth1\"] has less than 2 items; Additional properties are not allowed ('extra' was unexpected)",
    );
    expect(lines(error)).toEqual([
      [6, "/topology/nodes/a: Additional properties are not allowed ('colour' was unexpected)"],
      [12, '/topology/links/0/endpoints: ["a:eth1"] has less than 2 items'],
      // A root-level key that is not there: the start of the document.
      [1, "Additional properties are not allowed ('extra' was unexpected)"],
    ]);
  });

  it("reads a YAML error's line from serde's words", () => {
    const error = new BridgeError("api", 3003, "the topology provided were invalid: not valid YAML: mapping values are not allowed in this context at line 3 column 9");
    expect(lines(error, "name: x\ntopology:\n  nodes: a: b\n", false)).toEqual([[3, "Not valid YAML: mapping values are not allowed in this context at line 3 column 9"]]);
  });

  it("finds a node a limit names, and the name's line for a taken name (3001)", () => {
    expect(lines(new BridgeError("api", 3003, 'the topology provided were invalid: over a limit: node "b" must be 1 to 64 characters of letters, digits, `-`, `_` and `.`, and not `.` or `..`'))[0]?.[0]).toBe(7);
    expect(lines(new BridgeError("api", 3001, "a topology with that name already exists in that collection"))).toEqual([[1, "a topology with that name already exists in that collection"]]);
  });

  it("puts host-access fields (3401) at their places", () => {
    const error = new BridgeError("api", 3401, "the topology uses a field that acts on the host, which requires an admin: topology.nodes.b.binds[0], mgmt.network (an admin can allow it for the collection)");
    expect(lines(error).map(([line]) => line)).toEqual([10, 1]);
  });
});

describe("the Go server's refusals", () => {
  it("reads the instance pointer of jsonschema's message", () => {
    const error = new BridgeError("api", -1, "jsonschema: '/topology/nodes/a' does not validate with https://containerlab.dev/clab.schema.json#/definitions/node-config/additionalProperties: additionalProperties 'colour' not allowed");
    expect(lines(error)).toEqual([[6, "additionalProperties 'colour' not allowed"]]);
  });

  it("reads the root's missing property and newer validators' lines", () => {
    const missing = new BridgeError("api", -1, "jsonschema: '' does not validate with https://containerlab.dev/clab.schema.json#/required: missing properties: 'topology'");
    expect(lines(missing, "name: x\n")).toEqual([[1, "missing properties: 'topology'"]]);
    const v6 = new BridgeError("api", -1, "jsonschema validation failed with 'https://containerlab.dev/clab.schema.json#'\n- at '/topology/nodes/b': additional properties 'binds' not allowed");
    expect(lines(v6)).toEqual([[9, "additional properties 'binds' not allowed"]]);
  });

  it("has no line for its bare 3003 (the editor's own YAML check gives it)", () => {
    expect(lines(new BridgeError("api", 3003, "the topology provided were invalid"), "name: [x\n", false)).toEqual([[null, "the topology provided were invalid"]]);
  });
});
