// A JSON-schema validator for the subset containerlab's schemas use, and the schema walked for
// completion. Three schemas reach the editor through `/clab-schema`: antimony-server's bundled
// one (draft 2020-12: `$defs`, `propertyNames`, `if`/`then`, `const`), containerlab's own
// (draft-07: `definitions`, `patternProperties`, `oneOf`/`anyOf`/`allOf`, `enum`, `markdownDescription`)
// as the Go server serves it, and the Go-like reference server's few lines. Keywords outside
// the subset are ignored (they never make a topology wrong here; the server still checks).
//
// Messages are worded as antimony-server's validator (the `jsonschema` crate) words them, so
// a problem reads the same in the editor and in the server's answer on save; values in them
// are cut short. Schemas come from a server: a `$ref` that cannot be resolved and a pattern
// that is not a valid regular expression are skipped, and `$ref` chains are bounded.

export type JsonPath = readonly (string | number)[];

export interface SchemaProblem {
  /** Where in the document: keys and list indexes from the root. */
  path: JsonPath;
  message: string;
  /** The keyword that failed (`required`, `additionalProperties`, `type`, …). */
  keyword: string;
  /** For `additionalProperties`/`required`: the key concerned (the path is its mapping's). */
  key?: string;
}

type Schema = boolean | Readonly<Record<string, unknown>>;

/** How deep `$ref`s and sub-schemas are followed before giving up (a cycle in the schema). */
const MAX_DEPTH = 64;
/** The longest value quoted in a message. */
const MAX_QUOTED = 60;

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Map);
}

function isSchema(value: unknown): value is Schema {
  return typeof value === "boolean" || isObject(value);
}

/** A document's mapping as entries (the YAML reader gives `Map`s; JSON gives objects). */
export function mappingEntries(value: unknown): [string, unknown][] | null {
  if (value instanceof Map) return [...(value as Map<unknown, unknown>)].map(([k, v]) => [String(k), v]);
  if (isObject(value)) return Object.entries(value);
  return null;
}

function typeOf(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  if (mappingEntries(value) !== null) return "object";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  if (typeof value === "bigint") return "integer";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "boolean";
  return "unknown";
}

function hasType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

/** A value as JSON, cut short, as the messages quote it. */
export function quote(value: unknown): string {
  let text: string;
  try {
    // `undefined` for a value JSON has no text for (a function, `undefined` itself).
    const json = JSON.stringify(value, (_k, v: unknown) => {
      if (v instanceof Map) return Object.fromEntries(mappingEntries(v) ?? []);
      return typeof v === "bigint" ? Number(v) : v;
    }) as string | undefined;
    text = json ?? "null";
  } catch {
    text = String(value);
  }
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED - 1)}…` : text;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ea = mappingEntries(a);
  const eb = mappingEntries(b);
  if (ea !== null && eb !== null) {
    if (ea.length !== eb.length) return false;
    const m = new Map(eb);
    return ea.every(([k, v]) => m.has(k) && equal(v, m.get(k)));
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  return typeof a === "number" && typeof b === "bigint" ? BigInt(a) === b : false;
}

const patterns = new Map<string, RegExp | null>();

/** A schema's pattern as a RegExp (Unicode mode, else plain), `null` when it is not valid. */
function regex(pattern: string): RegExp | null {
  let re = patterns.get(pattern);
  if (re !== undefined) return re;
  try {
    re = new RegExp(pattern, "u");
  } catch {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
  }
  patterns.set(pattern, re);
  return re;
}

/** Resolves a local `$ref` (`#/definitions/x`, `#/$defs/x`, `<$id>#/…`) in `root`. */
export function resolveRef(root: Schema, ref: string): Schema | null {
  const hash = ref.indexOf("#");
  if (hash < 0) return null;
  const id = isObject(root) && typeof root.$id === "string" ? root.$id.replace(/#$/, "") : "";
  const base = ref.slice(0, hash);
  if (base !== "" && base !== id) return null;
  let node: unknown = root;
  for (const raw of ref.slice(hash + 1).split("/").slice(1)) {
    const part = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(node) || !Object.hasOwn(node, part)) return null;
    node = node[part];
  }
  return isSchema(node) ? node : null;
}

function num(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function schemas(value: unknown): Schema[] {
  return Array.isArray(value) ? value.filter(isSchema) : [];
}

function plural(n: number, one: string, many: string): string {
  return `${String(n)} ${n === 1 ? one : many}`;
}

class Validator {
  readonly problems: SchemaProblem[] = [];
  constructor(
    private readonly root: Schema,
    private readonly limit: number,
  ) {}

  private add(path: JsonPath, keyword: string, message: string, key?: string): void {
    if (this.problems.length < this.limit) this.problems.push(key === undefined ? { path, keyword, message } : { path, keyword, message, key });
  }

  /** Whether `value` is valid under `schema`, without reporting. */
  valid(schema: Schema, value: unknown, depth: number): boolean {
    const quiet = new Validator(this.root, 1);
    quiet.check(schema, value, [], depth);
    return quiet.problems.length === 0;
  }

  check(schema: Schema, value: unknown, path: JsonPath, depth: number): void {
    if (schema === true || depth > MAX_DEPTH || this.problems.length >= this.limit) return;
    if (schema === false) {
      this.add(path, "false", `False schema does not allow ${quote(value)}`);
      return;
    }
    const s = schema;
    if (typeof s.$ref === "string") {
      const target = resolveRef(this.root, s.$ref);
      if (target !== null) this.check(target, value, path, depth + 1);
    }
    this.checkType(s, value, path);
    if (Array.isArray(s.enum) && !s.enum.some((option) => equal(option, value))) {
      const options = s.enum.map((o) => quote(o));
      const shown = options.length <= 3 ? options.slice(0, -1).join(", ") + (options.length > 1 ? " or " : "") + (options.at(-1) ?? "") : `${options.slice(0, 2).join(", ")} or ${String(options.length - 2)} other candidates`;
      this.add(path, "enum", `${quote(value)} is not one of ${shown}`);
    }
    if ("const" in s && !equal(s.const, value)) this.add(path, "const", `${quote(s.const)} was expected`);
    this.checkString(s, value, path);
    this.checkNumber(s, value, path);
    this.checkObject(s, value, path, depth);
    this.checkArray(s, value, path, depth);
    this.checkCombinations(s, value, path, depth);
  }

  private checkType(s: Readonly<Record<string, unknown>>, value: unknown, path: JsonPath): void {
    const type = s.type;
    if (typeof type === "string" && !hasType(value, type)) this.add(path, "type", `${quote(value)} is not of type "${type}"`);
    if (Array.isArray(type) && !type.some((t) => typeof t === "string" && hasType(value, t))) {
      this.add(path, "type", `${quote(value)} is not of types ${type.map((t) => `"${String(t)}"`).join(", ")}`);
    }
  }

  private checkString(s: Readonly<Record<string, unknown>>, value: unknown, path: JsonPath): void {
    if (typeof value !== "string") return;
    // Code points, as JSON Schema counts a string's length.
    // eslint-disable-next-line @typescript-eslint/no-misused-spread
    const length = [...value].length;
    const min = num(s.minLength);
    const max = num(s.maxLength);
    if (min !== null && length < min) this.add(path, "minLength", `${quote(value)} is shorter than ${plural(min, "character", "characters")}`);
    if (max !== null && length > max) this.add(path, "maxLength", `${quote(value)} is longer than ${plural(max, "character", "characters")}`);
    if (typeof s.pattern === "string") {
      const re = regex(s.pattern);
      if (re !== null && !re.test(value)) this.add(path, "pattern", `${quote(value)} does not match "${s.pattern}"`);
    }
  }

  private checkNumber(s: Readonly<Record<string, unknown>>, value: unknown, path: JsonPath): void {
    const n = typeof value === "bigint" ? Number(value) : value;
    if (typeof n !== "number") return;
    const min = num(s.minimum);
    const max = num(s.maximum);
    const xmin = num(s.exclusiveMinimum);
    const xmax = num(s.exclusiveMaximum);
    if (min !== null && (s.exclusiveMinimum === true ? n <= min : n < min)) this.add(path, "minimum", `${quote(value)} is less than the minimum of ${String(min)}`);
    if (max !== null && (s.exclusiveMaximum === true ? n >= max : n > max)) this.add(path, "maximum", `${quote(value)} is greater than the maximum of ${String(max)}`);
    if (xmin !== null && n <= xmin) this.add(path, "exclusiveMinimum", `${quote(value)} is less than or equal to the minimum of ${String(xmin)}`);
    if (xmax !== null && n >= xmax) this.add(path, "exclusiveMaximum", `${quote(value)} is greater than or equal to the maximum of ${String(xmax)}`);
    const step = num(s.multipleOf);
    if (step !== null && step > 0 && Math.abs(n / step - Math.round(n / step)) > 1e-9) this.add(path, "multipleOf", `${quote(value)} is not a multiple of ${String(step)}`);
  }

  private checkObject(s: Readonly<Record<string, unknown>>, value: unknown, path: JsonPath, depth: number): void {
    const entries = mappingEntries(value);
    if (entries === null) return;
    const keys = new Set(entries.map(([k]) => k));
    if (Array.isArray(s.required)) {
      for (const key of s.required) if (typeof key === "string" && !keys.has(key)) this.add(path, "required", `"${key}" is a required property`, key);
    }
    const minP = num(s.minProperties);
    const maxP = num(s.maxProperties);
    if (minP !== null && entries.length < minP) this.add(path, "minProperties", `${quote(value)} has less than ${plural(minP, "property", "properties")}`);
    if (maxP !== null && entries.length > maxP) this.add(path, "maxProperties", `${quote(value)} has more than ${plural(maxP, "property", "properties")}`);
    const properties = isObject(s.properties) ? s.properties : {};
    const patternProps = isObject(s.patternProperties) ? Object.entries(s.patternProperties) : [];
    const unexpected: string[] = [];
    for (const [key, item] of entries) {
      const at = [...path, key];
      if (isSchema(s.propertyNames)) {
        const names = new Validator(this.root, 1);
        names.check(s.propertyNames, key, at, depth + 1);
        for (const p of names.problems) this.add(at, "propertyNames", p.message);
      }
      let matched = false;
      const own = Object.hasOwn(properties, key) ? properties[key] : undefined;
      if (isSchema(own)) {
        matched = true;
        this.check(own, item, at, depth + 1);
      }
      for (const [pattern, sub] of patternProps) {
        const re = regex(pattern);
        if (re !== null && re.test(key) && isSchema(sub)) {
          matched = true;
          this.check(sub, item, at, depth + 1);
        }
      }
      if (matched) continue;
      if (s.additionalProperties === false) unexpected.push(key);
      else if (isObject(s.additionalProperties)) this.check(s.additionalProperties, item, at, depth + 1);
    }
    for (const key of unexpected) {
      this.add(path, "additionalProperties", `Additional properties are not allowed ('${key}' was unexpected)`, key);
    }
  }

  private checkArray(s: Readonly<Record<string, unknown>>, value: unknown, path: JsonPath, depth: number): void {
    if (!Array.isArray(value)) return;
    const items: unknown[] = value;
    const min = num(s.minItems);
    const max = num(s.maxItems);
    if (min !== null && items.length < min) this.add(path, "minItems", `${quote(value)} has less than ${plural(min, "item", "items")}`);
    if (max !== null && items.length > max) this.add(path, "maxItems", `${quote(value)} has more than ${plural(max, "item", "items")}`);
    if (s.uniqueItems === true && items.some((v, i) => items.findIndex((w) => equal(v, w)) !== i)) this.add(path, "uniqueItems", `${quote(value)} has non-unique elements`);
    // Draft-07's tuple form (`items: [..]`, `additionalItems`) and 2020-12's `prefixItems`.
    const tuple = Array.isArray(s.prefixItems) ? schemas(s.prefixItems) : Array.isArray(s.items) ? schemas(s.items) : [];
    const rest = Array.isArray(s.prefixItems) ? s.items : Array.isArray(s.items) ? s.additionalItems : s.items;
    items.forEach((item, i) => {
      const sub = i < tuple.length ? tuple[i] : rest;
      if (sub === false && i >= tuple.length) this.add(path, "items", `Additional items are not allowed (${quote(item)} was unexpected)`);
      else if (isSchema(sub)) this.check(sub, item, [...path, i], depth + 1);
    });
  }

  private checkCombinations(s: Readonly<Record<string, unknown>>, value: unknown, path: JsonPath, depth: number): void {
    for (const sub of schemas(s.allOf)) this.check(sub, value, path, depth + 1);
    const anyOf = schemas(s.anyOf);
    if (anyOf.length > 0 && !anyOf.some((sub) => this.valid(sub, value, depth + 1))) {
      this.explain(anyOf, value, path, depth, `${quote(value)} is not valid under any of the schemas listed in the 'anyOf' keyword`, "anyOf");
    }
    const oneOf = schemas(s.oneOf);
    if (oneOf.length > 0) {
      const passing = oneOf.filter((sub) => this.valid(sub, value, depth + 1)).length;
      if (passing === 0) this.explain(oneOf, value, path, depth, `${quote(value)} is not valid under any of the schemas listed in the 'oneOf' keyword`, "oneOf");
      else if (passing > 1) this.add(path, "oneOf", `${quote(value)} is valid under more than one of the schemas listed in the 'oneOf' keyword`);
    }
    if (isSchema(s.not) && this.valid(s.not, value, depth + 1)) this.add(path, "not", `${quote(s.not)} is not allowed for ${quote(value)}`);
    if (isSchema(s.if)) {
      const branch = this.valid(s.if, value, depth + 1) ? s.then : s.else;
      if (isSchema(branch)) this.check(branch, value, path, depth + 1);
    }
  }

  /**
   * None of the alternatives fit: the one whose problems lie deepest (a link whose endpoints
   * are wrong fits the brief form best) says more than "not valid under any"; when none goes
   * deeper than the value itself (a number where a map or a list is expected), that sentence.
   */
  private explain(options: Schema[], value: unknown, path: JsonPath, depth: number, message: string, keyword: string): void {
    let best: { schema: Schema; depth: number; count: number } | null = null;
    for (const sub of options) {
      const probe = new Validator(this.root, 10);
      probe.check(sub, value, path, depth + 1);
      const deepest = Math.max(...probe.problems.map((p) => p.path.length));
      if (best === null || deepest > best.depth || (deepest === best.depth && probe.problems.length < best.count)) best = { schema: sub, depth: deepest, count: probe.problems.length };
    }
    if (best !== null && best.depth > path.length) this.check(best.schema, value, path, depth + 1);
    else this.add(path, keyword, message);
  }
}

/** The problems of `value` under `schema` (at most `limit`); none for a schema that is not one. */
export function validate(schema: unknown, value: unknown, limit = 50): SchemaProblem[] {
  if (!isSchema(schema)) return [];
  const v = new Validator(schema, limit);
  v.check(schema, value, [], 0);
  return v.problems;
}

/** A JSON pointer (`/topology/nodes/r1`) as a path; `~1` and `~0` decoded. */
export function pointerPath(pointer: string): string[] {
  if (pointer === "" || pointer === "/") return pointer === "/" ? [""] : [];
  return pointer
    .replace(/^#/, "")
    .split("/")
    .slice(1)
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

// ---- Walking the schema for completion ----------------------------------------------------

/** A key the schema offers at some place, with its description. */
export interface SchemaKey {
  name: string;
  description: string | null;
}

function describe(s: Schema): string | null {
  if (!isObject(s)) return null;
  const text = typeof s.description === "string" ? s.description : typeof s.markdownDescription === "string" ? s.markdownDescription : null;
  return text === null ? null : text.split("\n")[0] ?? null;
}

/** The schemas that apply at `path` (following `$ref`, combinations and `if`/`then`), given the document there. */
export function schemasAt(root: unknown, path: JsonPath): Schema[] {
  if (!isSchema(root)) return [];
  let current = expand(root, root, 0);
  for (const step of path) {
    const next: Schema[] = [];
    for (const s of current) {
      if (!isObject(s)) continue;
      if (typeof step === "number" || /^\d+$/.test(step)) {
        const items = Array.isArray(s.prefixItems) ? s.items : Array.isArray(s.items) ? undefined : s.items;
        if (isSchema(items)) next.push(items);
        const tuple = Array.isArray(s.prefixItems) ? s.prefixItems : Array.isArray(s.items) ? s.items : [];
        const own: unknown = tuple[Number(step)];
        if (isSchema(own)) next.push(own);
        if (typeof step === "number") continue;
      }
      const key = step;
      const props = isObject(s.properties) ? s.properties : {};
      const own = Object.hasOwn(props, key) ? props[key] : undefined;
      if (isSchema(own)) next.push(own);
      let matched = isSchema(own);
      if (isObject(s.patternProperties)) {
        for (const [pattern, sub] of Object.entries(s.patternProperties)) {
          if (isSchema(sub) && regex(pattern)?.test(key) === true) {
            next.push(sub);
            matched = true;
          }
        }
      }
      if (!matched && isObject(s.additionalProperties)) next.push(s.additionalProperties);
    }
    current = next.flatMap((s) => expand(root, s, 0));
    if (current.length === 0) break;
  }
  return current;
}

/** A schema with what it refers to and combines (`$ref`, `allOf`, `anyOf`, `oneOf`, `then`, `else`). */
function expand(root: Schema, s: Schema, depth: number): Schema[] {
  if (depth > 16 || !isObject(s)) return [s];
  const out: Schema[] = [s];
  if (typeof s.$ref === "string") {
    const target = resolveRef(root, s.$ref);
    if (target !== null) out.push(...expand(root, target, depth + 1));
  }
  for (const key of ["allOf", "anyOf", "oneOf"]) for (const sub of schemas(s[key])) out.push(...expand(root, sub, depth + 1));
  for (const key of ["then", "else"]) if (isSchema(s[key])) out.push(...expand(root, s[key], depth + 1));
  return out;
}

/** The keys the schema names for a mapping at `path` (its `properties`), in the schema's order. */
export function keysAt(root: unknown, path: JsonPath): SchemaKey[] {
  const seen = new Map<string, SchemaKey>();
  for (const s of schemasAt(root, path)) {
    if (!isObject(s) || !isObject(s.properties)) continue;
    for (const [name, sub] of Object.entries(s.properties)) {
      const known = seen.get(name);
      if (known === undefined) seen.set(name, { name, description: isSchema(sub) ? describeDeep(root, sub) : null });
      else if (known.description === null && isSchema(sub)) known.description = describeDeep(root, sub);
    }
  }
  return [...seen.values()];
}

function describeDeep(root: unknown, s: Schema): string | null {
  if (!isSchema(root)) return describe(s);
  for (const sub of expand(root, s, 0)) {
    const d = describe(sub);
    if (d !== null) return d;
  }
  return null;
}

/** The values the schema lists for a scalar at `path` (`enum`, `const`), as text. */
export function valuesAt(root: unknown, path: JsonPath): string[] {
  const values = new Set<string>();
  for (const s of schemasAt(root, path)) {
    if (!isObject(s)) continue;
    if (Array.isArray(s.enum)) for (const v of s.enum) if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") values.add(String(v));
    if (typeof s.const === "string") values.add(s.const);
  }
  return [...values];
}
