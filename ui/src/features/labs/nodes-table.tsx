// A lab's nodes: the topology's, with the instance's state, addresses and container (a node
// that is not deployed is greyed, without actions). Click a value to copy it; Start / Stop /
// Restart per node; a shell on a running node (its Shell button, or a double click on its
// row). Clicking a row selects its node in the graph, and the node selected there is marked.

import { useEffect, useRef } from "react";
import type { LabOut } from "../../bindings";
import { StatusDot } from "../../components/status-dot";
import type { Identity, LabCommandName } from "../../lib/bridge";
import { ActionButton } from "./action-button";
import { nodeActions, shellAction, type Pending } from "./lab-actions";
import { nodeStateLabel, type LabNode } from "./lab-nodes";
import { nodeTone } from "./lab-state";

function CopyCell({ value, onCopy }: { value: string; onCopy: (value: string) => void }) {
  if (value === "" || value === "N/A") return <span className="muted">{value === "" ? "—" : value}</span>;
  return (
    <button
      type="button"
      className="copy-cell"
      title="Click to copy"
      onClick={() => {
        onCopy(value);
      }}
    >
      {value}
    </button>
  );
}

export function NodesTable({
  lab,
  nodes,
  identity,
  pending,
  selected = null,
  onSelect,
  onCommand,
  onCopy,
  onOpenLog,
  onOpenShell,
}: {
  lab: LabOut;
  nodes: readonly LabNode[];
  identity: Identity | null;
  pending: Pending;
  /** The node selected in the graph. */
  selected?: string | null;
  onSelect?: (node: string) => void;
  onCommand: (command: LabCommandName, node: string) => void;
  onCopy: (value: string) => void;
  onOpenLog: (node: string) => void;
  /** Opens a shell on a node; without it, the table has no Shell buttons. */
  onOpenShell?: (node: string) => void;
}) {
  const body = useRef<HTMLTableSectionElement>(null);
  // The node selected in the graph is brought into view here too.
  useEffect(() => {
    if (selected === null) return;
    const row = [...(body.current?.rows ?? [])].find((r) => r.dataset.nodeName === selected);
    if (typeof row?.scrollIntoView === "function") row.scrollIntoView({ block: "nearest" });
  }, [selected]);

  if (nodes.length === 0) {
    return (
      <div className="empty-state empty-state--small nodes-empty">
        {lab.instance === undefined ? "This topology defines no nodes." : "No nodes yet: they appear when containerlab has created them."}
      </div>
    );
  }
  return (
    <div className="table-scroll nodes-scroll">
      <table className="table nodes-table">
        <thead>
          <tr>
            <th>Node</th>
            <th className="col-kind">Kind</th>
            <th>State</th>
            <th>IPv4</th>
            <th className="col-ipv6">IPv6</th>
            <th className="col-container">Container</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody ref={body}>
          {nodes.map((entry) => {
            const node = entry.instance;
            const classes = [entry.name === selected ? "is-selected" : ""];
            if (node === null) {
              const state = nodeStateLabel(lab, entry);
              classes.push("node-row--undeployed");
              return (
                <tr
                  key={`topology:${entry.name}`}
                  data-testid="node-row"
                  data-node-name={entry.name}
                  data-state={state}
                  data-deployed="false"
                  className={classes.join(" ")}
                  onClick={(e) => {
                    if (!(e.target instanceof Element && e.target.closest("button") !== null)) onSelect?.(entry.name);
                  }}
                >
                  <td>
                    <CopyCell value={entry.name} onCopy={onCopy} />
                  </td>
                  <td className="col-kind">{entry.kind === "" ? <span className="muted">—</span> : entry.kind}</td>
                  <td>
                    <StatusDot tone="grey" label={state} />
                  </td>
                  <td className="mono muted">{entry.defined?.mgmtIpv4 ?? "—"}</td>
                  <td className="mono muted col-ipv6">{entry.defined?.mgmtIpv6 ?? "—"}</td>
                  <td className="col-container muted">—</td>
                  <td />
                </tr>
              );
            }
            const actions = nodeActions(lab, node, identity, pending);
            const shell = shellAction(lab, node);
            const openShell = onOpenShell === undefined || !shell.enabled ? undefined : () => { onOpenShell(node.name); };
            if (openShell !== undefined) classes.push("node-row--shell");
            return (
              <tr
                key={node.name}
                data-testid="node-row"
                data-node-name={entry.name}
                data-state={node.state}
                data-deployed="true"
                className={classes.join(" ").trim() || undefined}
                title={openShell === undefined ? undefined : `Double-click for a shell on ${node.name}`}
                onClick={(e) => {
                  if (!(e.target instanceof Element && e.target.closest("button") !== null)) onSelect?.(entry.name);
                }}
                onDoubleClick={(e) => {
                  // Not from its buttons (a double click on a value copies it twice, that is all).
                  if (openShell !== undefined && !(e.target instanceof Element && e.target.closest("button") !== null)) openShell();
                }}
              >
                <td>
                  <CopyCell value={entry.name} onCopy={onCopy} />
                </td>
                <td className="col-kind">
                  <CopyCell value={node.kind} onCopy={onCopy} />
                </td>
                <td>
                  <StatusDot tone={nodeTone(node.state)} label={node.state} pulse={node.state === "starting"} />
                </td>
                <td className="mono">
                  <CopyCell value={node.ipv4} onCopy={onCopy} />
                </td>
                <td className="mono col-ipv6">
                  <CopyCell value={node.ipv6} onCopy={onCopy} />
                </td>
                <td className="mono col-container">
                  <CopyCell value={node.containerId} onCopy={onCopy} />
                </td>
                <td>
                  <div className="node-actions">
                    {onOpenShell !== undefined && (
                      <ActionButton small testId="node-shell" action={shell} onClick={() => { onOpenShell(node.name); }} />
                    )}
                    <ActionButton small testId="node-start" action={actions.start} onClick={() => { onCommand("startNode", node.name); }} />
                    <ActionButton small testId="node-stop" action={actions.stop} onClick={() => { onCommand("stopNode", node.name); }} />
                    <ActionButton small testId="node-restart" action={actions.restart} onClick={() => { onCommand("restartNode", node.name); }} />
                    <button type="button" className="button button--small button--quiet" onClick={() => { onOpenLog(node.name); }} title={`Show the log of ${node.name}`}>
                      Log
                    </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
