// The graph of the topology being edited: the YAML (debounced by the editor) read by the
// graph's reader and drawn by the lab graph's component; its nodes in blue (defined) and
// links to nodes the topology does not define as dashed placeholders. Activating a node puts
// the editor on its line.

import { useMemo, useState } from "react";
import { GraphView } from "../../components/graph/graph-view";
import type { GraphEdge, GraphModel, GraphNode } from "../../components/graph/model";
import { shownName, type ParsedTopology } from "../../components/graph/topology";
import { useTopology } from "../../components/graph/use-topology";

const OUTSIDE = new Set(["host", "mgmt-net", "macvlan", "vxlan"]);

/** The graph of a parsed topology (no instance: every node as defined). */
export function previewModel(parsed: ParsedTopology): { model: GraphModel; problem: string | null; note: string | null } {
  if (!parsed.ok) return { model: { nodes: [], edges: [] }, problem: parsed.reason, note: null };
  const { topology } = parsed;
  const nodes: GraphNode[] = topology.nodes.map((n) => ({
    id: n.name,
    label: shownName(n.name),
    kind: n.kind ?? "",
    tone: "blue",
    stateLabel: "defined",
    dimmed: false,
    missing: false,
    group: n.group,
    level: n.level,
    position: n.position,
    details: [n.kind ?? "kind unknown", n.image].filter((x) => x !== null).join("\n"),
  }));
  const known = new Set(nodes.map((n) => n.id));
  const edges: GraphEdge[] = topology.links.map((link, i) => {
    for (const end of [link.a, link.b]) {
      if (known.has(end.node)) continue;
      known.add(end.node);
      const outside = OUTSIDE.has(end.node);
      nodes.push({
        id: end.node,
        label: shownName(end.node),
        kind: outside ? "external" : "",
        tone: "grey",
        stateLabel: outside ? "outside the lab" : "not in the topology",
        dimmed: false,
        missing: true,
        group: null,
        level: null,
        position: null,
        details: outside ? "outside the lab" : "a link names this node, but the topology does not define it",
      });
    }
    return { id: `link-${String(i)}`, source: link.a.node, target: link.b.node, sourceLabel: shownName(link.a.iface), targetLabel: shownName(link.b.iface) };
  });
  return { model: { nodes, edges }, problem: null, note: topology.skipped.length === 0 ? null : `Not drawn: ${topology.skipped.join("; ")}.` };
}

export function TopologyPreview({ definition, storageKey, onNode }: { definition: string; storageKey: string; onNode: (name: string) => void }) {
  const parsed = useTopology(definition);
  const graph = useMemo(() => (parsed === null ? null : previewModel(parsed)), [parsed]);
  const [selected, setSelected] = useState<string | null>(null);
  if (graph === null) return <div className="graph" data-testid="graph"><div className="graph-message">Reading the topology…</div></div>;
  return (
    <GraphView
      model={graph.model}
      problem={graph.problem}
      note={graph.note}
      storageKey={storageKey}
      selected={selected}
      onSelect={setSelected}
      onActivate={onNode}
      label="Preview of the topology: arrow keys move between nodes, Enter shows a node in the editor"
    />
  );
}
