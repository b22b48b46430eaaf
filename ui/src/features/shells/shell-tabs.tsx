// A shell's tab (next to the log tabs: node, state, Pop out, Detach, Close) and the list of a
// lab's shells that run without a tab here (left running, detached, or in their own window).

import { useEffect, useState, type KeyboardEvent } from "react";
import { ShellStateDot } from "./shell-panel";
import type { Shells } from "./shells";
import { shellState, type ShellEntry } from "./shells-store";

/** How long a tab says "reconnected". */
const RECONNECTED_MS = 4000;

/** Whether `at` (ms since the epoch) is less than `ms` ago; turns false on its own. */
function useRecent(at: number | null, ms: number): boolean {
  // The time of the last check: a moment `at` after it is recent until the timer checks again.
  const [checked, setChecked] = useState(() => Date.now());
  useEffect(() => {
    if (at === null) return;
    const timer = setTimeout(() => {
      setChecked(Date.now());
    }, Math.max(0, at + ms - Date.now()));
    return () => {
      clearTimeout(timer);
    };
  }, [at, ms]);
  return at !== null && checked - at < ms;
}

export interface ShellTabProps {
  shells: Shells;
  entry: ShellEntry;
  selected: boolean;
  tabIndex: number;
  onSelect: () => void;
  onKeyDown: (e: KeyboardEvent<HTMLButtonElement>) => void;
}

export function ShellTab({ shells, entry, selected, tabIndex, onSelect, onKeyDown }: ShellTabProps) {
  const state = shellState(entry);
  const reconnected = useRecent(entry.reconnectedAt, RECONNECTED_MS) && state === "connected";
  const running = entry.shellId !== null && state !== "closed";
  const suffix = state === "reconnecting" ? "reconnecting…" : state === "closed" ? "closed" : state === "opening" ? "opening…" : reconnected ? "reconnected" : null;
  return (
    <div className={selected ? "shell-tab shell-tab--selected" : "shell-tab"} data-testid="shell-tab" data-shell-id={entry.shellId ?? ""} data-node={entry.node} data-state={state}>
      <button
        type="button"
        role="tab"
        className="log-tab shell-tab-label"
        aria-selected={selected}
        tabIndex={tabIndex}
        title={entry.closedReason === null ? `Shell on ${entry.node}` : `Shell on ${entry.node}: ${entry.closedReason}`}
        onClick={onSelect}
        onKeyDown={onKeyDown}
      >
        <ShellStateDot entry={entry} hideLabel />
        <span className="shell-tab-node">{entry.node}</span>
        {suffix !== null && <span className="shell-tab-state">{suffix}</span>}
      </button>
      <button type="button" className="shell-tab-action" data-testid="shell-popout" disabled={!running} title="Pop out into a window of its own" aria-label={`Pop out the shell on ${entry.node}`} onClick={() => void shells.popOut(entry.key)}>
        ↗
      </button>
      <button type="button" className="shell-tab-action" data-testid="shell-detach" disabled={!running} title="Detach: the shell keeps running on the server" aria-label={`Detach the shell on ${entry.node}`} onClick={() => void shells.detach(entry.key)}>
        ⏏
      </button>
      <button
        type="button"
        className="shell-tab-action"
        data-testid="shell-close"
        disabled={entry.opening}
        title={running ? "Close the shell" : "Close the tab"}
        aria-label={running ? `Close the shell on ${entry.node}` : `Close the tab of ${entry.node}`}
        onClick={() => void shells.close(entry.key)}
      >
        ×
      </button>
    </div>
  );
}

/** A lab's shells running without a tab here, each with Reattach. */
export function OtherShells({ shells, entries }: { shells: Shells; entries: readonly ShellEntry[] }) {
  const others = entries.filter((e) => e.status === "detached" || e.status === "window");
  if (others.length === 0) return null;
  return (
    <ul className="shell-others" aria-label="Shells without a tab">
      {others.map((e) => (
        <li key={e.key} className="shell-other" data-testid="shell-detached" data-shell-id={e.shellId ?? ""} data-node={e.node} data-where={e.status === "window" ? "window" : "server"}>
          <span>
            <strong>{e.node}</strong> — {e.status === "window" ? "in its own window" : "running, not attached"}
          </span>
          <button
            type="button"
            className="button button--small"
            data-testid="shell-reattach"
            title={e.status === "window" ? "Show it here too" : "Show it in a tab again"}
            onClick={() => {
              shells.reattach(e.key);
            }}
          >
            {e.status === "window" ? "Show here" : "Reattach"}
          </button>
        </li>
      ))}
    </ul>
  );
}
