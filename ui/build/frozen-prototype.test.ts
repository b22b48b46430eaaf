// The rewrite that lets xterm load under a frozen Object.prototype. A frozen prototype is
// stood in for by a frozen object of our own (freezing this process's Object.prototype would
// break the test runner); scripts/check-bundle.mjs evaluates the built xterm chunk under the
// real thing, as the webview does.
import { describe, expect, it } from "vitest";
import { defineInsteadOfAssign, safeAssignInstead, shadowBeforeAssign } from "./frozen-prototype";

/** Runs `code` as strict code with `o` an object whose prototype is frozen; the error, if any. */
function runOnFrozenPrototype(code: string): { error: string | null; o: Record<string, unknown> } {
  const proto = Object.freeze({ toString: () => "inherited", valueOf: () => 0 });
  const o = Object.create(proto) as Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the code under test
    const run = new Function("o", `"use strict";${code}`) as (target: object) => void;
    run(o);
    return { error: null, o };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error), o };
  }
}

describe("defineInsteadOfAssign", () => {
  it("defines what a plain assignment could not shadow, and leaves the rest", () => {
    const { code, count } = defineInsteadOfAssign("(o=>{function s(l){return l}o.toString=s;o.fromString=t;a.b.valueOf=c;x.toString==y})(Q||={});");
    expect(count).toBe(1);
    expect(code).toBe(
      '(o=>{function s(l){return l}Object.defineProperty(o,"toString",{value:s,writable:true,enumerable:true,configurable:true});o.fromString=t;a.b.valueOf=c;x.toString==y})(Q||={});',
    );
  });

  it("rewrites every inherited name, in statements and comma lists", () => {
    const { code, count } = defineInsteadOfAssign("e.valueOf=v,e.constructor=C;if(x)e.hasOwnProperty=h}");
    expect(count).toBe(3);
    expect(code).not.toMatch(/\.(valueOf|constructor|hasOwnProperty)=/);
  });

  it("makes xterm's namespace pattern work where the prototype is frozen (and it fails without)", () => {
    const pattern = 'function s(l){return "k"+String(l)}o.toString=s;o.valueOf=s;o.fromString=s;';
    const before = runOnFrozenPrototype(pattern);
    expect(before.error).toMatch(/read.only|readonly/i);
    const after = runOnFrozenPrototype(defineInsteadOfAssign(pattern).code);
    expect(after.error).toBeNull();
    expect((after.o.toString as (n: number) => string)(1)).toBe("k1");
    expect(Object.keys(after.o).sort()).toEqual(["fromString", "toString", "valueOf"]);
  });
});

/** Calls `o`'s own method `name` (not the frozen prototype's). */
function callOwn(o: object, name: string): unknown {
  const own: unknown = Object.getOwnPropertyDescriptor(o, name)?.value;
  if (typeof own !== "function") return undefined;
  return (own as (this: object) => unknown).call(o);
}

describe("shadowBeforeAssign (the graph's libraries, unminified)", () => {
  it("gives the target an own property before assigning, whatever the value is", () => {
    const { code, count } = shadowBeforeAssign("Point.prototype.toString = function () {\n  return 'p';\n};\nx.toString == y;\nf.valueOf=g;a[b].toString = c;");
    expect(count).toBe(2);
    expect(code).toBe(
      'Object.defineProperty(Point.prototype,"toString",{writable:true,enumerable:true,configurable:true}).toString = function () {\n  return \'p\';\n};\n' +
        'x.toString == y;\nObject.defineProperty(f,"valueOf",{writable:true,enumerable:true,configurable:true}).valueOf=g;a[b].toString = c;',
    );
  });

  it("makes layout-base's Point work where the prototype is frozen (and it fails without)", () => {
    const onFrozen = "o.toString = function () { return 'point'; };";
    expect(runOnFrozenPrototype(onFrozen).error).toMatch(/read.only|readonly/i);
    const after = runOnFrozenPrototype(shadowBeforeAssign(onFrozen).code);
    expect(after.error).toBeNull();
    expect(callOwn(after.o, "toString")).toBe("point");
  });
});

describe("safeAssignInstead", () => {
  it("replaces cytoscape's and fCoSE's Object.assign with one that defines what it cannot assign", () => {
    const source = "var extend = Object.assign != null ? Object.assign.bind(Object) : function (tgt) {};";
    const { code, count } = safeAssignInstead(source);
    expect(count).toBe(1);
    expect(code).not.toContain("Object.assign.bind");
    const before = runOnFrozenPrototype(`${source} extend(o, { toString: function () { return "s"; }, b: 1 });`);
    expect(before.error).toMatch(/read.only|readonly/i);
    const after = runOnFrozenPrototype(`${code} var r = extend(o, { toString: function () { return "s"; }, b: 1 }, null, { c: 2 }); if (r !== o) throw new Error("not the target");`);
    expect(after.error).toBeNull();
    expect(callOwn(after.o, "toString")).toBe("s");
    expect([after.o.b, after.o.c]).toEqual([1, 2]);
  });
});
