// A node's panel (opened by clicking the node in the graph), a strip under the graph and the
// table: its state and addresses, Start / Stop / Restart, its shell and log, and copying its
// address or an SSH command.

import type { LabOut } from "../../bindings";
import { StatusDot } from "../../components/status-dot";
import type { Identity, LabCommandName } from "../../lib/bridge";
import { ActionButton } from "./action-button";
import { nodeActions, shellAction, type Pending } from "./lab-actions";
import { bareAddress, nodeStateLabel, sshCommand, type LabNode } from "./lab-nodes";
import { nodeTone } from "./lab-state";

export function NodePanel({
  lab,
  node,
  identity,
  pending,
  onCommand,
  onCopy,
  onOpenLog,
  onOpenShell,
  onClose,
}: {
  lab: LabOut;
  node: LabNode;
  identity: Identity | null;
  pending: Pending;
  onCommand: (command: LabCommandName, node: string) => void;
  onCopy: (value: string) => void;
  onOpenLog: (node: string) => void;
  onOpenShell?: (node: string) => void;
  onClose: () => void;
}) {
  const deployed = node.instance;
  const state = nodeStateLabel(lab, node);
  const address = bareAddress(deployed?.ipv4) ?? bareAddress(deployed?.ipv6);
  const ssh = sshCommand(node);
  return (
    <section className="node-panel" data-testid="node-panel" data-node-name={node.name} aria-label={`Node ${node.name}`}>
      <strong className="node-panel-name">{node.name}</strong>
      <div className="node-panel-facts">
        <StatusDot tone={deployed === null ? "grey" : nodeTone(deployed.state)} label={state} pulse={deployed?.state === "starting"} />
        <span className="muted">{node.kind === "" ? "kind unknown" : node.kind}</span>
        {deployed !== null && deployed.ipv4 !== "" && deployed.ipv4 !== "N/A" && <span className="mono">{deployed.ipv4}</span>}
        {deployed !== null && deployed.ipv6 !== "" && deployed.ipv6 !== "N/A" && <span className="mono">{deployed.ipv6}</span>}
        {deployed === null && <span className="muted">{lab.instance === undefined ? "Deploy the lab to start its nodes." : "containerlab has not created it (yet)."}</span>}
      </div>
      {deployed !== null && (
        <>
          <div className="node-panel-actions">
            {onOpenShell !== undefined && (
              <ActionButton small testId="node-panel-shell" action={shellAction(lab, deployed)} onClick={() => { onOpenShell(deployed.name); }} />
            )}
            {(() => {
              const actions = nodeActions(lab, deployed, identity, pending);
              return (
                <>
                  <ActionButton small testId="node-panel-start" action={actions.start} onClick={() => { onCommand("startNode", deployed.name); }} />
                  <ActionButton small testId="node-panel-stop" action={actions.stop} onClick={() => { onCommand("stopNode", deployed.name); }} />
                  <ActionButton small testId="node-panel-restart" action={actions.restart} onClick={() => { onCommand("restartNode", deployed.name); }} />
                </>
              );
            })()}
            <button type="button" className="button button--small button--quiet" data-testid="node-panel-log" onClick={() => { onOpenLog(deployed.name); }}>
              Log
            </button>
          </div>
          <div className="node-panel-actions">
            <button type="button" className="button button--small button--quiet" data-testid="node-panel-copy-address" disabled={address === null} onClick={() => { if (address !== null) onCopy(address); }}>
              Copy address
            </button>
            <button
              type="button"
              className="button button--small button--quiet"
              data-testid="node-panel-copy-ssh"
              disabled={ssh === null}
              title={ssh ?? undefined}
              onClick={() => { if (ssh !== null) onCopy(ssh); }}
            >
              Copy SSH command
            </button>
          </div>
        </>
      )}
      <button type="button" className="node-panel-close" aria-label="Close the node's panel" title="Close (Esc in the graph)" onClick={onClose}>
        ×
      </button>
    </section>
  );
}
