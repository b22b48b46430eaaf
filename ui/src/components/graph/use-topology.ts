// A topology definition, parsed for drawing: the parser (and its YAML library) loads on first
// use, a script of its own; parses are kept for the last few definitions, so a lab's updates
// (the same definition each time) never parse again.

import { useEffect, useState } from "react";
import type { ParsedTopology } from "./topology";

type Parse = (definition: string) => ParsedTopology;

let parse: Parse | null = null;
let loading: Promise<Parse> | null = null;
let failure: string | null = null;
const cache = new Map<string, ParsedTopology>();
/** Definitions whose parse is kept. */
const KEPT = 16;

function loadParser(): Promise<Parse> {
  loading ??= import("./parse-topology").then(
    (m) => {
      parse = m.parseTopology;
      return m.parseTopology;
    },
    (error: unknown) => {
      failure = `its reader could not be loaded (${error instanceof Error ? error.message : String(error)})`;
      throw error;
    },
  );
  return loading;
}

/** Starts loading the reader (for a lab about to be opened). */
export function prefetchTopologyReader(): void {
  loadParser().catch(() => undefined);
}

function parsed(definition: string, run: Parse): ParsedTopology {
  const known = cache.get(definition);
  if (known !== undefined) return known;
  const result = run(definition);
  cache.set(definition, result);
  for (const old of cache.keys()) {
    if (cache.size <= KEPT) break;
    cache.delete(old);
  }
  return result;
}

/** The parsed definition, or `null` while the parser loads. */
export function useTopology(definition: string): ParsedTopology | null {
  const [, setLoaded] = useState(parse !== null);
  useEffect(() => {
    if (parse !== null) return;
    let live = true;
    const done = () => {
      if (live) setLoaded(true);
    };
    loadParser().then(done, done);
    return () => {
      live = false;
    };
  }, []);
  if (failure !== null) return { ok: false, reason: failure };
  return parse === null ? null : parsed(definition, parse);
}
