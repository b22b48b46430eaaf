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
//
// The graph's libraries (cytoscape, cytoscape-fcose and its cose-base and layout-base) trip
// over the same rule in two more ways, in unminified code: `Object.assign` of objects that
// carry their own `toString` (cytoscape's `extend`, fcose's options helper), and
// `Point.prototype.toString = function …`. `safeAssignInstead` gives their `extend` an
// assignment that defines what it cannot assign, and `shadowBeforeAssign` gives the target an
// own property first (`Object.defineProperty(t, "toString", …).toString = …`, so whatever
// follows the `=` stays as it is). The plugin rewrites them in the build and in the dev
// server's dependency pre-bundling (where these CommonJS modules must stay).

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

/**
 * `a.b.toString =` (a chain of plain names, then an inherited name and a single `=`), in
 * readable code; not `x.toString ==`, nor `y[a].toString =`.
 */
const SHADOWED = new RegExp(`(?<![\\w$.\\]])([A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)*)\\.(${INHERITED.join("|")})(\\s*)=(?![=>])`, "g");

/** The rewritten code and how many assignments got an own property to assign first. */
export function shadowBeforeAssign(code: string): { code: string; count: number } {
  let count = 0;
  const rewritten = code.replace(SHADOWED, (_match, target: string, name: string, space: string) => {
    count += 1;
    return `Object.defineProperty(${target},"${name}",{writable:true,enumerable:true,configurable:true}).${name}${space}=`;
  });
  return { code: rewritten, count };
}

/** `Object.assign` as these libraries use it, defining what a plain assignment cannot shadow. */
const SAFE_ASSIGN =
  "(function(t){for(var i=1;i<arguments.length;i++){var s=arguments[i];if(s==null)continue;" +
  "Reflect.ownKeys(s).forEach(function(k){if(!Object.prototype.propertyIsEnumerable.call(s,k))return;" +
  "try{t[k]=s[k]}catch(e){Object.defineProperty(t,k,{value:s[k],writable:true,enumerable:true,configurable:true})}})}return t})";

/** `Object.assign.bind(Object)` (how cytoscape and fcose pick their assign) → `SAFE_ASSIGN`. */
export function safeAssignInstead(code: string): { code: string; count: number } {
  let count = 0;
  const rewritten = code.replace(/Object\.assign\.bind\(Object\)/g, () => {
    count += 1;
    return SAFE_ASSIGN;
  });
  return { code: rewritten, count };
}

/** Modules rewritten: xterm and its addons. */
const XTERM = /[\\/]node_modules[\\/]@xterm[\\/]/;

/** The graph's libraries. */
const GRAPH = /[\\/]node_modules[\\/](cytoscape|cytoscape-fcose|cose-base|layout-base)[\\/]/;

function rewrite(code: string, id: string): string | null {
  if (XTERM.test(id)) {
    const { code: rewritten, count } = defineInsteadOfAssign(code);
    return count === 0 ? null : rewritten;
  }
  if (GRAPH.test(id)) {
    const assigned = safeAssignInstead(code);
    const shadowed = shadowBeforeAssign(assigned.code);
    return assigned.count + shadowed.count === 0 ? null : shadowed.code;
  }
  return null;
}

export function frozenPrototype(): Plugin {
  return {
    name: "antimony:frozen-prototype",
    enforce: "pre",
    config: () => ({
      optimizeDeps: {
        exclude: ["@xterm/xterm"],
        // The dev server pre-bundles the graph's CommonJS modules: rewrite them there too.
        rolldownOptions: {
          plugins: [
            {
              name: "antimony:frozen-prototype-deps",
              transform(code: string, id: string) {
                const rewritten = rewrite(code, id);
                return rewritten === null ? null : { code: rewritten, map: null };
              },
            },
          ],
        },
      },
    }),
    transform(code, id) {
      const rewritten = rewrite(code, id);
      return rewritten === null ? null : { code: rewritten, map: null };
    },
  };
}
