// A server's topologies, collections, schema and devices, as the topologies page shows them;
// loaded together and again after every change (the servers announce no topology changes).

import { useCallback, useEffect, useState } from "react";
import type { CollectionOut, DeviceConfig, TopologyOut } from "../../bindings";
import { describeError, type Bridge } from "../../lib/bridge";

export interface TopologyData {
  status: "loading" | "ready" | "failed";
  error: string | null;
  topologies: TopologyOut[];
  collections: CollectionOut[];
  /** The server's containerlab schema, `null` when it gives none (then only YAML is checked). */
  schema: unknown;
  devices: DeviceConfig[];
}

const empty: TopologyData = { status: "loading", error: null, topologies: [], collections: [], schema: null, devices: [] };

export function useTopologyData(bridge: Bridge, server: string): TopologyData & { reload: () => Promise<void> } {
  const [data, setData] = useState<TopologyData>(empty);

  const reload = useCallback(async () => {
    try {
      const [topologies, collections] = await Promise.all([bridge.topologies({ server }), bridge.collections({ server })]);
      setData((d) => ({ ...d, status: "ready", error: null, topologies, collections }));
    } catch (e: unknown) {
      setData((d) => ({ ...d, status: "failed", error: describeError(e) }));
    }
  }, [bridge, server]);

  useEffect(() => {
    setData(empty);
    void reload();
    // The schema and the devices are optional: a server without them still edits YAML.
    let live = true;
    bridge.clabSchema({ server }).then(
      (schema) => { if (live) setData((d) => ({ ...d, schema })); },
      () => undefined,
    );
    bridge.devices({ server }).then(
      (devices) => { if (live) setData((d) => ({ ...d, devices })); },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [bridge, server, reload]);

  return { ...data, reload };
}
