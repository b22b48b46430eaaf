// What kind of server a server is, from the version it says (`serverVersion`): antimony-server
// says one; the Go server says none. Some changes are safe only on antimony-server (a new end
// time for a deployed lab: the Go server hangs for good on it, PROTOCOL.md §4.3). Asked once
// per bridge and server; a failure is not kept, so the next look asks again.

import { useEffect, useState } from "react";
import type { Bridge } from "./bridge";
import { useBridge } from "./bridge/context";

/** `antimony`: antimony-server; `go`: a server that does not say (the Go server); `unknown`: not known (yet). */
export type ServerKind = "antimony" | "go" | "unknown";

const asked = new WeakMap<Bridge, Map<string, Promise<ServerKind>>>();

/** The kind of a server, asked once per bridge; `unknown` when it cannot be asked. */
export function serverKind(bridge: Bridge, server: string): Promise<ServerKind> {
  let byServer = asked.get(bridge);
  if (byServer === undefined) {
    byServer = new Map();
    asked.set(bridge, byServer);
  }
  const known = byServer.get(server);
  if (known !== undefined) return known;
  const cache = byServer;
  const kind = bridge.serverVersion({ server }).then(
    (version): ServerKind => (version === null ? "go" : "antimony"),
    (): ServerKind => {
      cache.delete(server);
      return "unknown";
    },
  );
  cache.set(server, kind);
  return kind;
}

/** The kind of `server`, `unknown` until known. */
export function useServerKind(server: string): ServerKind {
  const bridge = useBridge();
  const [kind, setKind] = useState<{ server: string; kind: ServerKind }>({ server, kind: "unknown" });
  useEffect(() => {
    let live = true;
    void serverKind(bridge, server).then((k) => {
      if (live) setKind({ server, kind: k });
    });
    return () => {
      live = false;
    };
  }, [bridge, server]);
  return kind.server === server ? kind.kind : "unknown";
}
