// The dashboard: the current server's labs in a table, with search (`/`), state and collection
// filters, sortable headers, a selection moved with the arrows or j/k, and Enter / double-click
// to open a lab. The app puts what other features show here into `banner` and `actions`.

import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import type { LabOut } from "../../bindings";
import { usePrefetchGraph } from "../../components/graph/engine-context";
import { count, formatDayTime, formatFull } from "../../lib/format";
import { useStore } from "../../lib/store";
import { isTyping } from "../../lib/keys";
import { useNow } from "../../lib/use-now";
import { LabStateBadge } from "./lab-state-badge";
import { neverEnds, notScheduled, stateLabel, stateOrder, stateWord } from "./lab-state";
import { defaultQuery, labRows, toggleSort, type SortKey } from "./lab-table";
import type { Labs } from "./labs-store";

const sortable: { key: SortKey; label: string }[] = [
  { key: "state", label: "State" },
  { key: "name", label: "Name" },
];

/** Whether a key event belongs to a dialog (or happens while a modal one is open). */
function inDialog(target: EventTarget | null): boolean {
  if (document.querySelector("[aria-modal='true']") !== null) return true;
  return target instanceof Element && target.closest("[role='dialog']") !== null;
}

/** When a lab ends: "not scheduled" and "no end" instead of the far-off times that stand for them. */
function EndCell({ lab, now }: { lab: LabOut; now: number }) {
  if (notScheduled(lab, now)) {
    return (
      <td title="Not scheduled: it is deployed by hand" data-testid="lab-ends">
        <span className="muted">not scheduled</span>
      </td>
    );
  }
  if (neverEnds(lab, now) || lab.endTime === null) {
    return (
      <td title="Runs until destroyed" data-testid="lab-ends">
        <span className="muted">no end</span>
      </td>
    );
  }
  return (
    <td title={formatFull(lab.endTime)} data-testid="lab-ends">
      {formatDayTime(lab.endTime, now)}
    </td>
  );
}

export function Dashboard({
  labs,
  onOpen,
  banner,
  actions,
}: {
  labs: Labs;
  onOpen: (labId: string) => void;
  /** Shown above the toolbar (the local server's prerequisites). */
  banner?: ReactNode;
  /** Extra toolbar buttons (Import topology…). */
  actions?: ReactNode;
}) {
  const state = useStore(labs.store, (s) => s);
  const now = useNow();
  const { query } = state;
  // A lab is likely opened next: its graph's scripts load once the dashboard is idle.
  usePrefetchGraph(1500);
  const rows = labRows(state.labs, state.collections, query, now);
  const [selected, setSelected] = useState<string | null>(null);
  const search = useRef<HTMLInputElement>(null);
  const body = useRef<HTMLTableSectionElement>(null);

  const focusRow = (index: number) => {
    const i = Math.max(0, Math.min(rows.length - 1, index));
    const row = rows[i];
    if (row === undefined) return;
    setSelected(row.lab.id);
    body.current?.rows.item(i)?.focus();
  };

  // Keys typed outside the table and the fields: `/` searches, the arrows and j/k select a row
  // (and give it the focus, so the row's own keys take over), Enter opens the selected lab.
  // A focused row handles its keys itself and prevents the default, so they are not seen twice.
  const latest = useRef({ rows, selected, focusRow, onOpen });
  useEffect(() => {
    latest.current = { rows, selected, focusRow, onOpen };
  });
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || inDialog(e.target)) return;
      const { rows, selected, focusRow, onOpen } = latest.current;
      const index = rows.findIndex((r) => r.lab.id === selected);
      if (e.key === "/") {
        e.preventDefault();
        search.current?.focus();
        search.current?.select();
      } else if (e.key === "ArrowDown" || e.key === "j") {
        e.preventDefault();
        focusRow(index + 1);
      } else if (e.key === "ArrowUp" || e.key === "k") {
        e.preventDefault();
        focusRow(index < 0 ? 0 : index - 1);
      } else if (e.key === "Enter" && (e.target === document.body || e.target === document.documentElement)) {
        // Enter on a focused button presses the button; only a free Enter opens the lab.
        const row = rows[index];
        if (row === undefined) return;
        e.preventDefault();
        onOpen(row.lab.id);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, []);

  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, index: number, labId: string) => {
    if (e.key === "Enter") {
      e.preventDefault();
      onOpen(labId);
    } else if (e.key === "ArrowDown" || e.key === "j") {
      e.preventDefault();
      focusRow(index + 1);
    } else if (e.key === "ArrowUp" || e.key === "k") {
      e.preventDefault();
      if (index === 0) search.current?.focus();
      else focusRow(index - 1);
    } else if (e.key === "Home") {
      e.preventDefault();
      focusRow(0);
    } else if (e.key === "End") {
      e.preventDefault();
      focusRow(rows.length - 1);
    }
  };

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      const target = rows.find((r) => r.lab.id === selected) ?? rows[0];
      if (target !== undefined) {
        e.preventDefault();
        onOpen(target.lab.id);
      }
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      focusRow(0);
    } else if (e.key === "Escape" && query.search !== "") {
      e.preventDefault();
      e.stopPropagation();
      labs.setQuery({ ...query, search: "" });
    }
  };

  const header = (key: SortKey, label: string) => {
    const active = query.sort === key;
    return (
      <th key={key} aria-sort={active ? (query.descending ? "descending" : "ascending") : "none"}>
        <button
          type="button"
          className="sort-button"
          onClick={() => {
            labs.setQuery(toggleSort(query, key));
          }}
        >
          {label}
          <span className="sort-arrow" aria-hidden="true">
            {active ? (query.descending ? "▼" : "▲") : ""}
          </span>
        </button>
      </th>
    );
  };

  const filtered = query.search !== "" || query.state !== null || query.collectionId !== null;

  return (
    <div className="dashboard">
      {banner}
      <div className="toolbar">
        <input
          ref={search}
          className="toolbar-search"
          data-testid="lab-search"
          type="search"
          placeholder="Search labs  ( / )"
          aria-label="Search labs"
          value={query.search}
          onChange={(e) => {
            labs.setQuery({ ...query, search: e.target.value });
          }}
          onKeyDown={onSearchKey}
        />
        <select
          aria-label="Filter by state"
          data-testid="lab-filter-state"
          value={query.state === null ? "" : String(query.state)}
          onChange={(e) => {
            labs.setQuery({ ...query, state: stateOrder.find((s) => String(s) === e.target.value) ?? null });
          }}
        >
          <option value="">All states</option>
          {stateOrder.map((s) => (
            <option key={s} value={String(s)}>
              {stateLabel[stateWord(s)]}
            </option>
          ))}
        </select>
        <select
          aria-label="Filter by collection"
          data-testid="lab-filter-collection"
          value={query.collectionId ?? ""}
          onChange={(e) => {
            labs.setQuery({ ...query, collectionId: e.target.value === "" ? null : e.target.value });
          }}
        >
          <option value="">All collections</option>
          {state.collections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <span className="toolbar-spacer" />
        <span className="toolbar-count">{filtered ? `${rows.length.toLocaleString("en-US")} of ${count(state.labs.length, "lab")}` : count(state.labs.length, "lab")}</span>
        {actions}
        <button type="button" className="button" onClick={() => void labs.refresh()} title="Refresh (r)">
          Refresh
        </button>
      </div>

      {state.status === "error" && (
        <div className="inline-error" role="alert">
          {`Could not load the labs: ${state.error ?? "unknown error"}`}
          <button type="button" className="button button--small" onClick={() => void labs.refresh()}>
            Retry
          </button>
        </div>
      )}

      <div className="table-scroll">
        <table className="table lab-table">
          <thead>
            <tr>
              {sortable.map((h) => header(h.key, h.label))}
              <th>Collection</th>
              <th className="num">Nodes</th>
              {header("endTime", "Ends")}
              <th>Creator</th>
            </tr>
          </thead>
          <tbody ref={body}>
            {rows.map((row, index) => {
              const word = stateWord(row.state);
              const isSelected = row.lab.id === selected;
              return (
                <tr
                  key={row.lab.id}
                  className={isSelected ? "is-selected" : undefined}
                  data-testid="lab-row"
                  data-lab-id={row.lab.id}
                  data-lab-name={row.lab.name}
                  data-state={word}
                  tabIndex={isSelected || (selected === null && index === 0) ? 0 : -1}
                  aria-selected={isSelected}
                  onClick={() => {
                    setSelected(row.lab.id);
                  }}
                  onDoubleClick={() => {
                    onOpen(row.lab.id);
                  }}
                  onKeyDown={(e) => {
                    onRowKey(e, index, row.lab.id);
                  }}
                >
                  <td className="col-state">
                    <LabStateBadge state={row.state} />
                  </td>
                  <td className="col-name">
                    <button
                      type="button"
                      className="link-button"
                      tabIndex={-1}
                      onClick={() => {
                        onOpen(row.lab.id);
                      }}
                    >
                      {row.lab.name}
                    </button>
                  </td>
                  <td>{row.collectionName === "" ? <span className="muted">—</span> : row.collectionName}</td>
                  <td className="num">{row.nodeCount ?? <span className="muted">—</span>}</td>
                  <EndCell lab={row.lab} now={now} />
                  <td className="col-creator">{row.lab.creator.name}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {rows.length === 0 && state.status !== "error" && (
          <div className="empty-state">
            {state.status === "loading" || state.status === "idle" ? (
              "Loading labs…"
            ) : state.labs.length === 0 ? (
              <>
                <p>No labs on this server yet.</p>
                <p className="muted">Labs created in Antimony appear here. Import a containerlab topology (.clab.yml) with “Import topology…”, or drop it on the window.</p>
              </>
            ) : (
              <>
                <p>No labs match these filters.</p>
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    labs.setQuery({ ...defaultQuery, sort: query.sort, descending: query.descending });
                  }}
                >
                  Clear filters
                </button>
              </>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
