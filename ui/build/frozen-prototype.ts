// Makes xterm.js load in a page whose `Object.prototype` is frozen, as the app's is (Tauri's
// `freezePrototype`, src-tauri/tauri.conf.json).
//
// Under a frozen `Object.prototype`, assigning a property it holds (`toString`, `valueOf`, …)
// to an ordinary object throws in strict code: the inherited property is read-only, so the
// assignment may not shadow it (JavaScript's "override mistake"). xterm 6 bundles VS Code's
// `KeyCodeUtils` namespace, compiled to `(o => { …; o.toString = s; … })(Qn ||= {})`: its
// module throws while it is evaluated, and no terminal ever opens. Defining the property
// instead of assigning it is what the code means, and works under the frozen prototype.
//
// `frozenPrototype()` is a Vite plugin doing that rewrite in xterm's modules (build and dev,
// where xterm is kept out of the dependency pre-bundling so the plugin sees it).

import type { Plugin } from "vite";

/** The properties of `Object.prototype` that a plain assignment cannot shadow once frozen. */
const INHERITED = [
  "constructor",
  "hasOwnProperty",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "toString",
  "valueOf",
  "__defineGetter__",
  "__defineSetter__",
  "__lookupGetter__",
  "__lookupSetter__",
];

/**
 * `name.toString = value` (a plain name assigned a plain name, ended by `;`, `,`, `)` or `}`)
 * in minified code; not `a.b.toString = …` (the `(?<![\w$.])`), nor `==`.
 */
const ASSIGNMENT = new RegExp(`(?<![\\w$.])([A-Za-z_$][\\w$]*)\\.(${INHERITED.join("|")})=(?!=)([A-Za-z_$][\\w$]*)(?=[;,)}])`, "g");

/** The rewritten code and how many assignments became definitions. */
export function defineInsteadOfAssign(code: string): { code: string; count: number } {
  let count = 0;
  const rewritten = code.replace(ASSIGNMENT, (_match, target: string, name: string, value: string) => {
    count += 1;
    return `Object.defineProperty(${target},"${name}",{value:${value},writable:true,enumerable:true,configurable:true})`;
  });
  return { code: rewritten, count };
}

/** Modules rewritten: xterm and its addons. */
const XTERM = /[\\/]node_modules[\\/]@xterm[\\/]/;

export function frozenPrototype(): Plugin {
  return {
    name: "antimony:frozen-prototype",
    enforce: "pre",
    config: () => ({ optimizeDeps: { exclude: ["@xterm/xterm"] } }),
    transform(code, id) {
      if (!XTERM.test(id)) return null;
      const { code: rewritten, count } = defineInsteadOfAssign(code);
      return count === 0 ? null : { code: rewritten, map: null };
    },
  };
}
