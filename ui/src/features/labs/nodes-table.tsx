// A lab's nodes: the topology's, with the instance's state, addresses and container (a node
// that is not deployed is greyed, without actions). Click a value to copy it; Start / Stop /
// Restart per node; a shell on a running node (its Shell button, or a double click on its
// row). Clicking a row selects its node in the graph, and the node selected there is marked.
//
// A lab update re-renders only the rows whose node changed (`NodeRow` is memoised on what it
// shows), and a big lab's table draws only the rows in view (plus a few): with hundreds of
// nodes changing state many times a second, the table stays cheap to render and lay out.

import { memo, useEffect, useLayoutEffect, useRef, useState, type MouseEvent } from "react";
import type { LabOut } from "../../bindings";
import { StatusDot } from "../../components/status-dot";
import type { Identity, LabCommandName } from "../../lib/bridge";
import { ActionButton } from "./action-button";
import { nodeActions, shellAction, type ActionState, type Pending } from "./lab-actions";
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

interface TableHandlers {
  onSelect?: (node: string) => void;
  onCommand: (command: LabCommandName, node: string) => void;
  onCopy: (value: string) => void;
  onOpenLog: (node: string) => void;
  onOpenShell?: (node: string) => void;
}

/** What a row shows, as plain values (so `memo` can tell when it changed). */
interface RowView {
  name: string;
  kind: string;
  selected: boolean;
  /** The container's node name (for commands), or `null` when not deployed. */
  node: string | null;
  state: string;
  ipv4: string;
  ipv6: string;
  containerId: string;
  /** Not deployed: the topology's management addresses, if it gives them. */
  plannedIpv4: string | null;
  plannedIpv6: string | null;
  actions: { start: ActionState; stop: ActionState; restart: ActionState; shell: ActionState } | null;
  withShell: boolean;
}

function sameAction(a: ActionState, b: ActionState): boolean {
  return a.enabled === b.enabled && a.busy === b.busy && a.label === b.label && a.reason === b.reason;
}

function sameRow(a: { view: RowView }, b: { view: RowView }): boolean {
  const x = a.view;
  const y = b.view;
  if (x.name !== y.name || x.kind !== y.kind || x.selected !== y.selected || x.node !== y.node || x.state !== y.state || x.withShell !== y.withShell) return false;
  if (x.ipv4 !== y.ipv4 || x.ipv6 !== y.ipv6 || x.containerId !== y.containerId || x.plannedIpv4 !== y.plannedIpv4 || x.plannedIpv6 !== y.plannedIpv6) return false;
  if (x.actions === null || y.actions === null) return x.actions === y.actions;
  return sameAction(x.actions.start, y.actions.start) && sameAction(x.actions.stop, y.actions.stop) && sameAction(x.actions.restart, y.actions.restart) && sameAction(x.actions.shell, y.actions.shell);
}

const fromButton = (e: MouseEvent) => e.target instanceof Element && e.target.closest("button") !== null;

/** One node's row; its handlers come through `handlers` (always the latest), so they never make it re-render. */
const NodeRow = memo(function NodeRow({ view, handlers }: { view: RowView; handlers: { current: TableHandlers } }) {
  const h = () => handlers.current;
  const copy = (value: string) => {
    h().onCopy(value);
  };
  const classes = view.selected ? ["is-selected"] : [];
  if (view.node === null || view.actions === null) {
    classes.push("node-row--undeployed");
    return (
      <tr
        data-testid="node-row"
        data-node-name={view.name}
        data-state={view.state}
        data-deployed="false"
        className={classes.join(" ")}
        onClick={(e) => {
          if (!fromButton(e)) h().onSelect?.(view.name);
        }}
      >
        <td>
          <CopyCell value={view.name} onCopy={copy} />
        </td>
        <td className="col-kind">{view.kind === "" ? <span className="muted">—</span> : view.kind}</td>
        <td>
          <StatusDot tone="grey" label={view.state} />
        </td>
        <td className="mono muted">{view.plannedIpv4 ?? "—"}</td>
        <td className="mono muted col-ipv6">{view.plannedIpv6 ?? "—"}</td>
        <td className="col-container muted">—</td>
        <td />
      </tr>
    );
  }
  const node = view.node;
  const { start, stop, restart, shell } = view.actions;
  const openShell = !view.withShell || !shell.enabled ? undefined : () => h().onOpenShell?.(node);
  if (openShell !== undefined) classes.push("node-row--shell");
  return (
    <tr
      data-testid="node-row"
      data-node-name={view.name}
      data-state={view.state}
      data-deployed="true"
      className={classes.join(" ") || undefined}
      title={openShell === undefined ? undefined : `Double-click for a shell on ${node}`}
      onClick={(e) => {
        if (!fromButton(e)) h().onSelect?.(view.name);
      }}
      onDoubleClick={(e) => {
        // Not from its buttons (a double click on a value copies it twice, that is all).
        if (openShell !== undefined && !fromButton(e)) openShell();
      }}
    >
      <td>
        <CopyCell value={view.name} onCopy={copy} />
      </td>
      <td className="col-kind">
        <CopyCell value={view.kind} onCopy={copy} />
      </td>
      <td>
        <StatusDot tone={nodeTone(view.state)} label={view.state} pulse={view.state === "starting"} />
      </td>
      <td className="mono">
        <CopyCell value={view.ipv4} onCopy={copy} />
      </td>
      <td className="mono col-ipv6">
        <CopyCell value={view.ipv6} onCopy={copy} />
      </td>
      <td className="mono col-container">
        <CopyCell value={view.containerId} onCopy={copy} />
      </td>
      <td>
        <div className="node-actions">
          {view.withShell && <ActionButton small testId="node-shell" action={shell} onClick={() => h().onOpenShell?.(node)} />}
          <ActionButton small testId="node-start" action={start} onClick={() => { h().onCommand("startNode", node); }} />
          <ActionButton small testId="node-stop" action={stop} onClick={() => { h().onCommand("stopNode", node); }} />
          <ActionButton small testId="node-restart" action={restart} onClick={() => { h().onCommand("restartNode", node); }} />
          <button type="button" className="button button--small button--quiet" onClick={() => { h().onOpenLog(node); }} title={`Show the log of ${node}`}>
            Log
          </button>
        </div>
      </td>
    </tr>
  );
}, sameRow);

/** Tables longer than this draw only the rows in view. */
export const VIRTUAL_OVER = 60;
/** A row's height (one line and small buttons), and rows drawn beyond the view. */
const ROW_HEIGHT = 35;
const OVERSCAN = 8;

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
  const scroller = useRef<HTMLDivElement>(null);
  const before = useRef<HTMLTableRowElement>(null);
  const after = useRef<HTMLTableRowElement>(null);
  const handlers = useRef<TableHandlers>({ onSelect, onCommand, onCopy, onOpenLog, onOpenShell });
  useEffect(() => {
    handlers.current = { onSelect, onCommand, onCopy, onOpenLog, onOpenShell };
  });

  // The rows in view: all of a small table; of a big one, those the scroll position shows.
  const virtual = nodes.length > VIRTUAL_OVER;
  const [view, setView] = useState({ top: 0, height: 600 });
  useEffect(() => {
    const el = scroller.current;
    if (!virtual || el === null) return;
    let queued = false;
    const measure = () => {
      queued = false;
      setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
    };
    const schedule = () => {
      if (queued) return;
      queued = true;
      requestAnimationFrame(measure);
    };
    measure();
    el.addEventListener("scroll", schedule, { passive: true });
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(schedule);
    observer?.observe(el);
    return () => {
      el.removeEventListener("scroll", schedule);
      observer?.disconnect();
    };
  }, [virtual]);
  const first = virtual ? Math.max(0, Math.floor(view.top / ROW_HEIGHT) - OVERSCAN) : 0;
  const last = virtual ? Math.min(nodes.length, Math.ceil((view.top + view.height) / ROW_HEIGHT) + OVERSCAN) : nodes.length;
  // The rows not drawn keep their space (set through the CSSOM: the CSP allows no style attributes).
  useLayoutEffect(() => {
    if (before.current !== null) before.current.style.height = `${String(first * ROW_HEIGHT)}px`;
    if (after.current !== null) after.current.style.height = `${String((nodes.length - last) * ROW_HEIGHT)}px`;
  });

  // The node selected in the graph is brought into view here too.
  useEffect(() => {
    if (selected === null) return;
    const row = [...(body.current?.rows ?? [])].find((r) => r.dataset.nodeName === selected);
    if (row !== undefined) {
      if (typeof row.scrollIntoView === "function") row.scrollIntoView({ block: "nearest" });
      return;
    }
    const index = nodes.findIndex((n) => n.name === selected);
    const el = scroller.current;
    if (index >= 0 && el !== null) el.scrollTop = Math.max(0, index * ROW_HEIGHT - el.clientHeight / 2);
    // Only when the selection changes: a lab update must not scroll the table.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [selected]);

  if (nodes.length === 0) {
    return (
      <div className="empty-state empty-state--small nodes-empty">
        {lab.instance === undefined ? "This topology defines no nodes." : "No nodes yet: they appear when containerlab has created them."}
      </div>
    );
  }
  return (
    <div className={virtual ? "table-scroll nodes-scroll nodes-scroll--virtual" : "table-scroll nodes-scroll"} ref={scroller}>
      <table className="table nodes-table">
        <thead>
          <tr>
            <th>Node</th>
            <th className="col-kind">Kind</th>
            <th className="col-state">State</th>
            <th className="col-ipv4">IPv4</th>
            <th className="col-ipv6">IPv6</th>
            <th className="col-container">Container</th>
            <th className="col-actions">Actions</th>
          </tr>
        </thead>
        <tbody ref={body}>
          {virtual && (
            <tr className="nodes-spacer" ref={before} aria-hidden="true">
              <td colSpan={7} />
            </tr>
          )}
          {nodes.slice(first, last).map((entry) => {
            const node = entry.instance;
            const row: RowView = {
              name: entry.name,
              kind: entry.kind,
              selected: entry.name === selected,
              node: node?.name ?? null,
              state: node?.state ?? nodeStateLabel(lab, entry),
              ipv4: node?.ipv4 ?? "",
              ipv6: node?.ipv6 ?? "",
              containerId: node?.containerId ?? "",
              plannedIpv4: entry.defined?.mgmtIpv4 ?? null,
              plannedIpv6: entry.defined?.mgmtIpv6 ?? null,
              actions: node === null ? null : { ...nodeActions(lab, node, identity, pending), shell: shellAction(lab, node) },
              withShell: onOpenShell !== undefined,
            };
            return <NodeRow key={node === null ? `topology:${entry.name}` : `node:${node.name}`} view={row} handlers={handlers} />;
          })}
          {virtual && (
            <tr className="nodes-spacer" ref={after} aria-hidden="true">
              <td colSpan={7} />
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
