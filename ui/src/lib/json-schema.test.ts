// The JSON-schema validator on the schemas servers serve: antimony-server's bundled one
// (server/assets/clab.schema.json, draft 2020-12), the Go-like reference server's (parsed out of
// tests/fixtures/reference-server/server.mjs), and a draft-07 schema shaped like containerlab's
// own (definitions, patternProperties, anyOf/oneOf/allOf, enum, if/then/else); and completion's
// walk of them.

import { parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import bundledSchema from "../../../server/assets/clab.schema.json";
import referenceSource from "../../../tests/fixtures/reference-server/server.mjs?raw";
import { keysAt, pointerPath, resolveRef, validate, valuesAt } from "./json-schema";

const bundled: unknown = bundledSchema;

/** The reference server's `SCHEMA` object literal, read from its source (JSON5-ish → JSON). */
function referenceSchema(): unknown {
  const literal = /const SCHEMA = (\{[\s\S]*?\n\});/.exec(referenceSource)?.[1];
  if (literal === undefined) throw new Error("no SCHEMA in server.mjs");
  const json = literal
    .replace(/\$id: SCHEMA_ID/, '$id: "https://containerlab.dev/clab.schema.json"')
    .replace(/([{,]\s*)(\$?[A-Za-z_]+):/g, '$1"$2":')
    .replace(/,(\s*[}\]])/g, "$1");
  return JSON.parse(json);
}

const yaml = (text: string): unknown => parseDocument(text).toJS({ mapAsMap: true });

const GOOD = `name: spine-leaf
topology:
  nodes:
    srl1:
      kind: nokia_srlinux
      image: ghcr.io/nokia/srlinux
    leaf-1:
      kind: linux
      labels: {graph-level: 2}
  links:
    - endpoints: ["srl1:e1-1", "leaf-1:eth1"]
`;

describe("antimony-server's bundled schema", () => {
  it("accepts a topology", () => {
    expect(validate(bundled, yaml(GOOD))).toEqual([]);
  });

  it("finds a required key missing at the root, worded as the server words it", () => {
    const problems = validate(bundled, yaml("name: x\n"));
    expect(problems).toContainEqual({ path: [], keyword: "required", message: '"topology" is a required property', key: "topology" });
  });

  it("finds an unknown key with its mapping's path", () => {
    const problems = validate(bundled, yaml("name: x\ntopology:\n  nodes:\n    r1:\n      kind: linux\n      colour: red\n"));
    expect(problems).toEqual([
      { path: ["topology", "nodes", "r1"], keyword: "additionalProperties", message: "Additional properties are not allowed ('colour' was unexpected)", key: "colour" },
    ]);
  });

  it("checks types, minLength, propertyNames and a link's two forms", () => {
    const problems = validate(bundled, yaml('name: x\ntopology:\n  nodes:\n    r1: just-a-string\n    "-bad": {kind: ""}\n  links:\n    - endpoints: ["r1:e1"]\n'));
    const byPath = problems.map((p) => `${p.path.join("/")}: ${p.message}`);
    expect(byPath).toContain('topology/nodes/r1: "just-a-string" is not of type "object"');
    expect(byPath.some((m) => m.startsWith("topology/nodes/-bad: ") && m.includes('does not match "^[a-zA-Z0-9]'))).toBe(true);
    expect(byPath).toContain('topology/nodes/-bad/kind: "" is shorter than 1 character');
    // Only the brief form fits a link with endpoints: its own problem says more than "oneOf".
    expect(byPath).toContain('topology/links/0/endpoints: ["r1:e1"] has less than 2 items');
  });

  it("says when no alternative fits at all", () => {
    const problems = validate(bundled, yaml("name: x\ntopology:\n  links:\n    - 42\n"));
    expect(problems.map((p) => p.message)).toContain("42 is not valid under any of the schemas listed in the 'oneOf' keyword");
  });

  it("stops at the limit", () => {
    const nodes = Array.from({ length: 20 }, (_, i) => `    n${String(i)}: {colour: red}\n`).join("");
    expect(validate(bundled, yaml(`name: x\ntopology:\n  nodes:\n${nodes}`), 5)).toHaveLength(5);
  });

  it("offers keys and values for completion", () => {
    expect(keysAt(bundled, []).map((k) => k.name)).toEqual(expect.arrayContaining(["name", "topology", "mgmt", "settings"]));
    const nodeKeys = keysAt(bundled, ["topology", "nodes", "anything"]).map((k) => k.name);
    expect(nodeKeys).toEqual(expect.arrayContaining(["kind", "image", "binds", "labels"]));
    expect(keysAt(bundled, ["topology", "nodes", "r1"]).find((k) => k.name === "kind")?.description).toMatch(/kind/i);
    const linkKeys = keysAt(bundled, ["topology", "links", 0]).map((k) => k.name);
    expect(linkKeys).toEqual(expect.arrayContaining(["endpoints", "type", "mtu"]));
  });
});

describe("the reference server's schema", () => {
  const schema = referenceSchema();

  it("accepts a topology and refuses an unknown top-level key and a missing topology", () => {
    expect(validate(schema, yaml(GOOD))).toEqual([]);
    expect(validate(schema, yaml("name: x\ntopology: {}\nfoo: 1\n"))).toEqual([
      { path: [], keyword: "additionalProperties", message: "Additional properties are not allowed ('foo' was unexpected)", key: "foo" },
    ]);
    expect(validate(schema, yaml("name: x\n")).map((p) => p.key)).toEqual(["topology"]);
    expect(validate(schema, yaml("name: x\ntopology:\n  nodes: [a]\n")).map((p) => p.message)).toEqual(['["a"] is not of type "object"']);
  });

  it("offers its keys", () => {
    expect(keysAt(schema, []).map((k) => k.name)).toEqual(["name", "prefix", "mgmt", "topology", "settings"]);
    expect(keysAt(schema, ["topology"]).map((k) => k.name)).toEqual(["nodes", "links"]);
  });
});

describe("a draft-07 schema shaped like containerlab's", () => {
  const schema = {
    $id: "https://containerlab.dev/clab.schema.json",
    $schema: "http://json-schema.org/draft-07/schema#",
    definitions: {
      "node-config": {
        type: "object",
        markdownDescription: "topology [node] configuration",
        properties: {
          kind: { type: "string", enum: ["nokia_srlinux", "linux", "arista_ceos"], markdownDescription: "[kind] of this node" },
          type: { type: "string" },
          ports: { type: "array", items: { type: "string", pattern: "^\\d+:\\d+$" } },
          env: { type: "object", patternProperties: { ".+": { anyOf: [{ type: "string" }, { type: "number" }] } } },
          "startup-delay": { type: "integer", minimum: 0, maximum: 600 },
        },
        additionalProperties: false,
        if: { properties: { kind: { const: "nokia_srlinux" } } },
        then: { properties: { type: { enum: ["ixrd1", "ixrd2"] } } },
        else: { properties: { type: { type: "string" } } },
      },
      link: { oneOf: [{ $ref: "#/definitions/brief" }, { $ref: "https://containerlab.dev/clab.schema.json#/definitions/extended" }] },
      brief: { type: "object", properties: { endpoints: { type: "array", minItems: 2, maxItems: 2 } }, required: ["endpoints"], additionalProperties: false },
      extended: { type: "object", properties: { type: { enum: ["veth", "host"] }, endpoint: { type: "object" } }, required: ["type"], additionalProperties: false },
    },
    type: "object",
    properties: {
      name: { type: "string" },
      topology: {
        type: "object",
        properties: {
          nodes: { type: "object", patternProperties: { "^[\\p{L}\\p{N}_-]+$": { $ref: "#/definitions/node-config" } }, additionalProperties: false },
          links: { type: "array", items: { $ref: "#/definitions/link" } },
        },
        allOf: [{ required: ["nodes"] }],
      },
    },
    required: ["name", "topology"],
    additionalProperties: false,
  };

  it("resolves refs by fragment and by the schema's own $id", () => {
    expect(resolveRef(schema, "#/definitions/brief")).toBe(schema.definitions.brief);
    expect(resolveRef(schema, "https://containerlab.dev/clab.schema.json#/definitions/extended")).toBe(schema.definitions.extended);
    expect(resolveRef(schema, "https://elsewhere.example/x.json#/definitions/brief")).toBeNull();
    expect(resolveRef(schema, "#/definitions/missing")).toBeNull();
  });

  it("checks enums, patterns, anyOf, ranges, if/then/else and allOf", () => {
    const doc = yaml(`name: x
topology:
  nodes:
    r1: {kind: nokia_srlinux, type: ixrd9, ports: ["80:80", "eighty"], env: {A: 1, B: [x]}, startup-delay: 601}
    r2: {kind: cisco, type: anything}
  links:
    - {type: veth, endpoint: {}}
    - {endpoints: [a, b]}
`);
    const byPath = validate(schema, doc).map((p) => `${p.path.join("/")}: ${p.message}`);
    expect(byPath).toEqual(
      expect.arrayContaining([
        'topology/nodes/r1/type: "ixrd9" is not one of "ixrd1" or "ixrd2"',
        'topology/nodes/r1/ports/1: "eighty" does not match "^\\d+:\\d+$"',
        "topology/nodes/r1/env/B: [\"x\"] is not valid under any of the schemas listed in the 'anyOf' keyword",
        "topology/nodes/r1/startup-delay: 601 is greater than the maximum of 600",
        'topology/nodes/r2/kind: "cisco" is not one of "nokia_srlinux", "linux" or "arista_ceos"',
      ]),
    );
    expect(byPath).toHaveLength(5);
    expect(validate(schema, yaml("name: x\ntopology: {}\n")).map((p) => p.message)).toEqual(['"nodes" is a required property']);
  });

  it("offers keys through patternProperties, enum values, and descriptions from markdownDescription", () => {
    expect(keysAt(schema, ["topology", "nodes", "leaf1"]).map((k) => k.name)).toEqual(["kind", "type", "ports", "env", "startup-delay"]);
    expect(keysAt(schema, ["topology", "nodes", "leaf1"])[0]?.description).toBe("[kind] of this node");
    expect(valuesAt(schema, ["topology", "nodes", "leaf1", "kind"])).toEqual(["nokia_srlinux", "linux", "arista_ceos"]);
    expect(keysAt(schema, ["topology", "links", 3]).map((k) => k.name)).toEqual(["endpoints", "type", "endpoint"]);
  });

  it("skips what it cannot use instead of failing", () => {
    expect(validate({ type: "object", properties: { a: { pattern: "([" } } }, yaml("a: x"))).toEqual([]);
    expect(validate({ $ref: "#/nowhere" }, 1)).toEqual([]);
    const cyclic = { definitions: { a: { $ref: "#/definitions/a" } }, $ref: "#/definitions/a" };
    expect(validate(cyclic, 1)).toEqual([]);
    expect(validate("not a schema", 1)).toEqual([]);
    expect(validate(false, 1).map((p) => p.message)).toEqual(["False schema does not allow 1"]);
  });
});

describe("pointerPath", () => {
  it("decodes JSON pointers", () => {
    expect(pointerPath("")).toEqual([]);
    expect(pointerPath("/topology/nodes/a~1b/x~0y")).toEqual(["topology", "nodes", "a/b", "x~y"]);
    expect(pointerPath("#/definitions/x")).toEqual(["definitions", "x"]);
  });
});
