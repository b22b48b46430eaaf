// The nodes of a lab's instance: click a value to copy it; Start / Stop / Restart per node; a
// shell on a running node (its Shell button, or a double click on its row).

import type { InstanceNode, LabOut } from "../../bindings";
import { StatusDot } from "../../components/status-dot";
import type { Identity, LabCommandName } from "../../lib/bridge";
import { ActionButton } from "./action-button";
import { nodeActions, shellAction, type Pending } from "./lab-actions";
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
  identity,
  pending,
  onCommand,
  onCopy,
  onOpenLog,
  onOpenShell,
}: {
  lab: LabOut;
  identity: Identity | null;
  pending: Pending;
  onCommand: (command: LabCommandName, node: string) => void;
  onCopy: (value: string) => void;
  onOpenLog: (node: string) => void;
  /** Opens a shell on a node; without it, the table has no Shell buttons. */
  onOpenShell?: (node: string) => void;
}) {
  const nodes: InstanceNode[] = lab.instance?.nodes ?? [];
  if (nodes.length === 0) {
    return (
      <div className="empty-state empty-state--small">
        {lab.instance === undefined ? "Not deployed: the nodes appear once the lab is deployed." : "No nodes yet: they appear when containerlab has created them."}
      </div>
    );
  }
  return (
    <div className="table-scroll nodes-scroll">
      <table className="table nodes-table">
        <thead>
          <tr>
            <th>Node</th>
            <th>Kind</th>
            <th>State</th>
            <th>IPv4</th>
            <th>IPv6</th>
            <th>Container</th>
            <th>Actions</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => {
            const actions = nodeActions(lab, node, identity, pending);
            const shell = shellAction(lab, node);
            const openShell = onOpenShell === undefined || !shell.enabled ? undefined : () => { onOpenShell(node.name); };
            return (
              <tr
                key={node.name}
                data-testid="node-row"
                data-node-name={node.name}
                data-state={node.state}
                className={openShell === undefined ? undefined : "node-row--shell"}
                title={openShell === undefined ? undefined : `Double-click for a shell on ${node.name}`}
                onDoubleClick={(e) => {
                  // Not from its buttons (a double click on a value copies it twice, that is all).
                  if (openShell !== undefined && !(e.target instanceof Element && e.target.closest("button") !== null)) openShell();
                }}
              >
                <td>
                  <CopyCell value={node.name} onCopy={onCopy} />
                </td>
                <td>
                  <CopyCell value={node.kind} onCopy={onCopy} />
                </td>
                <td>
                  <StatusDot tone={nodeTone(node.state)} label={node.state} pulse={node.state === "starting"} />
                </td>
                <td className="mono">
                  <CopyCell value={node.ipv4} onCopy={onCopy} />
                </td>
                <td className="mono">
                  <CopyCell value={node.ipv6} onCopy={onCopy} />
                </td>
                <td className="mono">
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
