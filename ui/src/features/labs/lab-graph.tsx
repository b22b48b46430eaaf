// The lab as a graph, beside its node table: the topology's nodes and links with the
// instance's states as colours, kept up to date without moving anything. Clicking a node
// selects it (the lab view shows its panel under the graph and the table, covering neither);
// a double click (or Enter) opens its shell, else its log.

import { useMemo } from "react";
import type { LabOut } from "../../bindings";
import { usePrefetchGraph } from "../../components/graph/engine-context";
import { GraphView } from "../../components/graph/graph-view";
import type { ParsedTopology } from "../../components/graph/topology";
import { shellAction } from "./lab-actions";
import { labGraph, type LabNode } from "./lab-nodes";
import "./lab-graph.css";

export function LabGraph({
  lab,
  server,
  parsed,
  nodes,
  selected,
  onSelect,
  onOpenLog,
  onOpenShell,
}: {
  lab: LabOut;
  server: string;
  /** `null` while it is read. */
  parsed: ParsedTopology | null;
  nodes: readonly LabNode[];
  selected: string | null;
  onSelect: (node: string | null) => void;
  onOpenLog: (node: string) => void;
  onOpenShell?: (node: string) => void;
}) {
  // The engine loads while the topology is read.
  usePrefetchGraph();
  const graph = useMemo(() => (parsed === null ? null : labGraph(lab, parsed, nodes)), [lab, parsed, nodes]);

  const activate = (id: string) => {
    const target = nodes.find((n) => n.name === id);
    const deployed = target?.instance ?? null;
    if (deployed === null) {
      onSelect(id);
      return;
    }
    if (onOpenShell !== undefined && shellAction(lab, deployed).enabled) onOpenShell(deployed.name);
    else onOpenLog(deployed.name);
  };

  if (graph === null) {
    return (
      <div className="graph" data-testid="graph">
        <div className="graph-message">Reading the topology…</div>
      </div>
    );
  }

  return (
    <GraphView
      model={graph.model}
      problem={graph.problem}
      note={graph.note}
      storageKey={`${server}/${lab.id}`}
      selected={selected}
      onSelect={onSelect}
      onActivate={activate}
      label={`Nodes of ${lab.name}: arrow keys move between them, Enter opens a node's shell or log`}
    />
  );
}
