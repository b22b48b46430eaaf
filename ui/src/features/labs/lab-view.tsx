// One lab: its state and actions (Deploy / Redeploy, Destroy with confirmation), its nodes,
// and the lab log and node logs in tabs, with the lab's shells after them (the app fills those
// in through `shells`: this feature only lays them out).

import { Fragment, memo, useMemo, useState, type KeyboardEvent, type ReactNode } from "react";
import { InstanceState, Severity, type LabOut } from "../../bindings";
import { ConfirmDialog } from "../../components/dialog";
import { useTopology } from "../../components/graph/use-topology";
import { LogViewer } from "../../components/log-viewer/log-viewer";
import { BridgeError, type Identity, type LabCommandName } from "../../lib/bridge";
import { formatFull } from "../../lib/format";
import { commandFailureToast, useNotify } from "../../lib/notify";
import { useStore } from "../../lib/store";
import { useNow } from "../../lib/use-now";
import { ActionButton } from "./action-button";
import { deployAction, destroyAction, shellAllAction } from "./lab-actions";
import { LabGraph } from "./lab-graph";
import { LabScheduleControls } from "./lab-schedule-controls";
import { labNodes } from "./lab-nodes";
import { NodePanel } from "./node-panel";
import { LabStateBadge } from "./lab-state-badge";
import { labState, neverEnds, notScheduled, stateWord } from "./lab-state";
import type { Labs } from "./labs-store";
import { NodesTable } from "./nodes-table";

const LAB_TAB = "\u0000lab";

/**
 * The log viewer, re-rendered only when its own props change: a lab update (many a second while
 * hundreds of nodes change state) must not make every viewer lay the page out again.
 */
const StableLogViewer = memo(LogViewer);
const shellTabKey = (key: string) => `\u0000shell:${key}`;

/** What a tab of the tab strip is given to render itself. */
export interface LabTabProps {
  selected: boolean;
  tabIndex: number;
  onSelect: () => void;
  /** ← / → move between the tabs. */
  onKeyDown: (e: KeyboardEvent<HTMLButtonElement>) => void;
}

/** A shell's tab: the tab itself (its `role="tab"` button and its own buttons) and its panel. */
export interface LabShellTab {
  key: string;
  renderTab: (props: LabTabProps) => ReactNode;
  /** Every shell tab's panel stays mounted (hidden unless `active`), so it stays attached. */
  renderPanel: (active: boolean) => ReactNode;
}

/** The lab's shells, as the app shows them (features/shells). */
export interface LabShells {
  open: (node: string) => void;
  openAll: (nodes: readonly string[]) => void;
  tabs: readonly LabShellTab[];
  /** Shells of the lab running without a tab here (to attach again). */
  others: ReactNode;
}

/** When the lab starts and ends: "not scheduled" and "no end" for the far-off times that stand for them. */
function LabTimes({ lab, state, now }: { lab: LabOut; state: InstanceState; now: number }) {
  if (notScheduled(lab, now)) return <span data-testid="lab-times">not scheduled</span>;
  const end = neverEnds(lab, now) || lab.endTime === null ? null : lab.endTime;
  return (
    <>
      {state === InstanceState.Scheduled && (
        <span title={formatFull(lab.startTime)} data-testid="lab-starts">{`starts ${formatFull(lab.startTime)}`}</span>
      )}
      <span title={end === null ? "Runs until destroyed" : formatFull(end)} data-testid="lab-times">
        {end === null ? "no end" : `ends ${formatFull(end)}`}
      </span>
    </>
  );
}

export function LabView({
  labs,
  labId,
  server,
  identity,
  onBack,
  shells,
  onEditTopology,
}: {
  labs: Labs;
  labId: string;
  server: string;
  identity: Identity | null;
  onBack: () => void;
  shells?: LabShells;
  /** Opens the lab's topology in the editor (the app gives it; the topologies feature has the editor). */
  onEditTopology?: (topologyId: string) => void;
}) {
  const state = useStore(labs.store, (s) => s);
  const now = useNow();
  const notify = useNotify();
  const [confirming, setConfirming] = useState(false);
  const [tab, setTab] = useState(LAB_TAB);
  const [opened, setOpened] = useState<readonly string[]>([LAB_TAB]);
  const lab = state.labs.find((l) => l.id === labId);
  const definition = lab?.topologyDefinition ?? "";
  const parsed = useTopology(definition);
  const labNodeList = useMemo(() => (lab === undefined ? [] : labNodes(lab, parsed)), [lab, parsed]);
  const [selectedNode, setSelectedNode] = useState<string | null>(null);

  // A shell tab that appears (opened, attached again) is shown; those there on arrival are not.
  const shellTabs = shells?.tabs ?? [];
  const shellKeys = shellTabs.map((t) => t.key);
  const [knownShells, setKnownShells] = useState(shellKeys);
  if (shellKeys.join("\n") !== knownShells.join("\n")) {
    const fresh = shellKeys.filter((k) => !knownShells.includes(k));
    setKnownShells(shellKeys);
    const last = fresh.at(-1);
    if (last !== undefined) setTab(shellTabKey(last));
  }

  if (lab === undefined) {
    return (
      <div className="lab-view lab-view--missing">
        <button type="button" className="button" onClick={onBack}>
          ← Labs
        </button>
        <p className="empty-state">{state.status === "ready" ? "This lab no longer exists, or you no longer have access to it." : "Loading the lab…"}</p>
      </div>
    );
  }

  const current = labState(lab, now);
  const word = stateWord(current);
  const deploy = deployAction(lab, current, identity, state.pending);
  const destroy = destroyAction(lab, identity, state.pending);
  const nodes = lab.instance?.nodes ?? [];
  const collection = state.collections.find((c) => c.id === lab.collectionId)?.name;
  const panelNode = selectedNode === null ? undefined : labNodeList.find((n) => n.name === selectedNode);

  const run = async (command: LabCommandName, node?: string) => {
    try {
      await labs.run(lab.id, command, node);
    } catch (e: unknown) {
      const err = BridgeError.from(e);
      notify(commandFailureToast({ server, labId: lab.id, labName: lab.name, command, node: node ?? null, code: err.code, message: err.message }));
    }
  };

  const open = (key: string) => {
    setTab(key);
    setOpened((o) => (o.includes(key) ? o : [...o, key]));
  };

  const copy = (value: string) => {
    navigator.clipboard.writeText(value).then(
      () => {
        notify({ key: "copied", severity: Severity.Info, title: "Copied", body: value, durationMs: 1500 });
      },
      () => {
        notify({ key: "copied", severity: Severity.Warning, title: "Could not copy to the clipboard", body: value });
      },
    );
  };

  const logTabs = [LAB_TAB, ...nodes.map((n) => n.name)];
  const tabs = [...logTabs, ...shellTabs.map((t) => shellTabKey(t.key))];
  // A node's tab whose node is gone (destroyed, or redeploying) shows the lab log meanwhile.
  const shown = tabs.includes(tab) ? tab : LAB_TAB;
  const onTabKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    const i = tabs.indexOf(shown);
    const next = e.key === "ArrowRight" ? tabs[(i + 1) % tabs.length] : e.key === "ArrowLeft" ? tabs[(i - 1 + tabs.length) % tabs.length] : undefined;
    if (next === undefined) return;
    e.preventDefault();
    open(next);
    const list = e.currentTarget.closest("[role=tablist]");
    list?.querySelectorAll<HTMLButtonElement>("[role=tab]").item(tabs.indexOf(next)).focus();
  };

  return (
    <div className="lab-view" data-testid="lab-open" data-state={word} data-lab-id={lab.id} data-lab-name={lab.name}>
      <header className="lab-header">
        <button type="button" className="button button--quiet" onClick={onBack} title="Back to the labs (Esc)">
          ← Labs
        </button>
        <h1 className="lab-title" title={lab.name}>{lab.name}</h1>
        <LabStateBadge state={current} />
        <span className="lab-meta">
          {collection !== undefined && <span title={`Collection ${collection}`}>{collection}</span>}
          <span title={`Created by ${lab.creator.name}`}>{`by ${lab.creator.name}`}</span>
          <LabTimes lab={lab} state={current} now={now} />
          {lab.instanceName !== undefined && <span className="mono" title={`containerlab name ${lab.instanceName}`}>{lab.instanceName}</span>}
        </span>
        <span className="lab-actions">
          <LabScheduleControls lab={lab} labs={labs} server={server} identity={identity} now={now} />
          <ActionButton testId="action-deploy" variant="primary" action={deploy} onClick={() => void run("deploy")} />
          {onEditTopology !== undefined && (
            <button type="button" className="button" data-testid="lab-edit-topology" title="Open the lab's topology in the editor (the lab keeps the YAML it was created with)" onClick={() => { onEditTopology(lab.topologyId); }}>
              Edit topology
            </button>
          )}
          <ActionButton
            testId="action-destroy"
            variant="danger"
            action={destroy}
            onClick={() => {
              setConfirming(true);
            }}
          />
        </span>
      </header>

      <div className="lab-overview">
        <LabGraph
          lab={lab}
          server={server}
          parsed={parsed}
          nodes={labNodeList}
          selected={selectedNode}
          onSelect={setSelectedNode}
          onOpenLog={open}
          onOpenShell={shells?.open}
        />
        <NodesTable
          lab={lab}
          nodes={labNodeList}
          identity={identity}
          pending={state.pending}
          selected={selectedNode}
          onSelect={setSelectedNode}
          onCommand={(command, node) => void run(command, node)}
          onCopy={copy}
          onOpenLog={open}
          onOpenShell={shells?.open}
        />
      </div>

      {panelNode !== undefined && (
        <NodePanel
          lab={lab}
          node={panelNode}
          identity={identity}
          pending={state.pending}
          onCommand={(command, node) => void run(command, node)}
          onCopy={copy}
          onOpenLog={open}
          onOpenShell={shells?.open}
          onClose={() => {
            setSelectedNode(null);
          }}
        />
      )}

      {shells !== undefined && (
        <div className="shell-bar">
          {shells.others}
          <span className="shell-bar-spacer" />
          <ActionButton
            small
            testId="shell-all"
            action={shellAllAction(lab)}
            onClick={() => {
              shells.openAll(nodes.filter((n) => n.state === "running").map((n) => n.name));
            }}
          />
        </div>
      )}

      <div className="log-tabs" role="tablist" aria-label="Logs and shells">
        {logTabs.map((key) => (
          <button
            key={key}
            type="button"
            role="tab"
            className="log-tab"
            aria-selected={shown === key}
            tabIndex={shown === key ? 0 : -1}
            data-testid="log-tab"
            data-tab={key === LAB_TAB ? "lab" : key}
            onClick={() => {
              open(key);
            }}
            onKeyDown={onTabKey}
          >
            {key === LAB_TAB ? "Lab log" : key}
          </button>
        ))}
        {shellTabs.map((t) => {
          const key = shellTabKey(t.key);
          return (
            <Fragment key={key}>
              {t.renderTab({
                selected: shown === key,
                tabIndex: shown === key ? 0 : -1,
                onSelect: () => {
                  open(key);
                },
                onKeyDown: onTabKey,
              })}
            </Fragment>
          );
        })}
      </div>
      <div className="log-panels">
        {opened.map((key) => {
          if (key === LAB_TAB) {
            return <StableLogViewer key={`lab:${lab.id}`} server={server} labId={lab.id} name={`${lab.name} lab log`} active={shown === LAB_TAB} />;
          }
          const node = nodes.find((n) => n.name === key);
          if (node === undefined) return null;
          return (
            <StableLogViewer
              key={`node:${node.containerId}`}
              server={server}
              labId={lab.id}
              containerId={node.containerId}
              name={`${lab.name} ${node.name}`}
              active={shown === key}
            />
          );
        })}
        {shellTabs.map((t) => (
          <Fragment key={shellTabKey(t.key)}>{t.renderPanel(shown === shellTabKey(t.key))}</Fragment>
        ))}
      </div>

      {confirming && (
        <ConfirmDialog
          title={`Destroy ${lab.name}?`}
          testId="destroy-dialog"
          confirmTestId="confirm-destroy"
          confirmLabel={`Destroy ${lab.name}`}
          tone="danger"
          onCancel={() => {
            setConfirming(false);
          }}
          onConfirm={() => {
            setConfirming(false);
            void run("destroy");
          }}
        >
          <p>
            containerlab stops and removes every node of <strong>{lab.name}</strong> on {server}. The lab stays and can be deployed again; its lab log starts over.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}
