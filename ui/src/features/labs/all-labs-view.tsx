// The combined lab list: the labs of every server in one table (a server column, search, state
// and server filters, sortable headers), with a line per server saying how it is (its labs
// counted, loading, needs a login, cannot be reached). A server that fails is shown as such
// and never holds the others back. A lab opens on its own server (`onOpen`), so its actions go
// there. The store (lib/all-labs) is shared with the schedule; the app says which servers it
// follows.

import type { KeyboardEvent } from "react";
import { StatusDot, type DotTone } from "../../components/status-dot";
import type { AllLabs, ServerLabs, ServerSummary } from "../../lib/all-labs";
import { count, formatDayTime, formatFull } from "../../lib/format";
import { useStore } from "../../lib/store";
import { useNow } from "../../lib/use-now";
import { allLabRows, defaultAllQuery, toggleAllSort, type AllLabsQuery, type AllSortKey } from "./all-labs-table";
import { LabStateBadge } from "./lab-state-badge";
import { neverEnds, notScheduled, stateLabel, stateOrder, stateWord } from "./lab-state";
import "./all-labs.css";

/** How a server stands in the combined list (the `data-state` of `all-labs-server`). */
export type ServerLine = "ready" | "loading" | "error" | "loginNeeded" | "reconnecting";

export function serverLine(summary: ServerSummary, entry: ServerLabs | undefined): ServerLine {
  if (summary.health === "loginNeeded" || entry?.errorKind === "notLoggedIn") return "loginNeeded";
  if (entry === undefined) return "loading";
  if (entry.status === "loading") return entry.labs.length > 0 ? "ready" : "loading";
  if (entry.status === "error") return "error";
  return summary.health === "reconnecting" ? "reconnecting" : "ready";
}

const lineTone: Record<ServerLine, DotTone> = { ready: "green", loading: "grey", error: "red", loginNeeded: "blue", reconnecting: "amber" };

function lineText(line: ServerLine, entry: ServerLabs | undefined): string {
  switch (line) {
    case "ready":
      return count(entry?.labs.length ?? 0, "lab");
    case "reconnecting":
      return `${count(entry?.labs.length ?? 0, "lab")}, reconnecting…`;
    case "loading":
      return "loading…";
    case "loginNeeded":
      return "needs a login";
    case "error":
      return `cannot list the labs: ${entry?.error ?? "unknown error"}`;
  }
}

const headers: { key: AllSortKey; label: string }[] = [
  { key: "server", label: "Server" },
  { key: "state", label: "State" },
  { key: "name", label: "Name" },
];

function EndCell({ lab, now }: { lab: ServerLabs["labs"][number]; now: number }) {
  if (notScheduled(lab, now)) return <td className="muted">not scheduled</td>;
  if (neverEnds(lab, now) || lab.endTime === null) return <td className="muted">no end</td>;
  return <td title={formatFull(lab.endTime)}>{formatDayTime(lab.endTime, now)}</td>;
}

export function AllLabsView({
  allLabs,
  servers,
  query,
  onQuery,
  onOpen,
  onShowServer,
}: {
  allLabs: AllLabs;
  /** Every server, in the sidebar's order. */
  servers: readonly ServerSummary[];
  query: AllLabsQuery;
  onQuery: (query: AllLabsQuery) => void;
  /** Opens a lab on its own server. */
  onOpen: (server: string, labId: string) => void;
  /** Shows one server on its own (its login form, when it needs one). */
  onShowServer: (server: string) => void;
}) {
  const state = useStore(allLabs.store, (s) => s.servers);
  const now = useNow();
  const lists = servers.flatMap((s) => {
    const entry = state[s.name];
    return entry === undefined ? [] : [{ server: s.name, labs: entry.labs, collections: entry.collections }];
  });
  const rows = allLabRows(lists, query, now);
  const total = lists.reduce((n, l) => n + l.labs.length, 0);
  const filtered = query.search !== "" || query.state !== null || query.server !== null;

  const header = (key: AllSortKey, label: string) => {
    const active = query.sort === key;
    return (
      <th key={key} aria-sort={active ? (query.descending ? "descending" : "ascending") : "none"}>
        <button
          type="button"
          className="sort-button"
          onClick={() => {
            onQuery(toggleAllSort(query, key));
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

  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, server: string, labId: string) => {
    if (e.key === "Enter") {
      e.preventDefault();
      onOpen(server, labId);
    } else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      const next = e.key === "ArrowDown" ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling;
      if (next instanceof HTMLElement) next.focus();
    }
  };

  return (
    <div className="dashboard all-labs" data-testid="all-labs">
      <ul className="all-labs-servers" aria-label="Servers">
        {servers.map((s) => {
          const entry = state[s.name];
          const line = serverLine(s, entry);
          return (
            <li key={s.name} className="all-labs-server" data-testid="all-labs-server" data-server-name={s.name} data-state={line}>
              <StatusDot tone={lineTone[line]} label={line} hideLabel pulse={line === "loading" || line === "reconnecting"} />
              <button
                type="button"
                className="link-button all-labs-server-name"
                title={`Show only ${s.name}`}
                onClick={() => {
                  onShowServer(s.name);
                }}
              >
                {s.name}
              </button>
              <span className={line === "error" ? "all-labs-server-text form-error" : "all-labs-server-text muted"}>{lineText(line, entry)}</span>
              {line === "loginNeeded" && (
                <button
                  type="button"
                  className="button button--small"
                  data-testid="all-labs-login"
                  onClick={() => {
                    onShowServer(s.name);
                  }}
                >
                  Log in
                </button>
              )}
              {line === "error" && (
                <button type="button" className="button button--small" onClick={() => void allLabs.refresh(s.name)}>
                  Retry
                </button>
              )}
            </li>
          );
        })}
      </ul>
      <div className="toolbar">
        <input
          className="toolbar-search"
          data-testid="lab-search"
          type="search"
          placeholder="Search labs of every server"
          aria-label="Search labs"
          value={query.search}
          onChange={(e) => {
            onQuery({ ...query, search: e.target.value });
          }}
        />
        <select
          aria-label="Filter by state"
          data-testid="lab-filter-state"
          value={query.state === null ? "" : String(query.state)}
          onChange={(e) => {
            onQuery({ ...query, state: stateOrder.find((s) => String(s) === e.target.value) ?? null });
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
          aria-label="Filter by server"
          data-testid="lab-filter-server"
          value={query.server ?? ""}
          onChange={(e) => {
            onQuery({ ...query, server: e.target.value === "" ? null : e.target.value });
          }}
        >
          <option value="">All servers</option>
          {servers.map((s) => (
            <option key={s.name} value={s.name}>
              {s.name}
            </option>
          ))}
        </select>
        <span className="toolbar-spacer" />
        <span className="toolbar-count">{filtered ? `${rows.length.toLocaleString("en-US")} of ${count(total, "lab")}` : count(total, "lab")}</span>
        <button type="button" className="button" onClick={() => void allLabs.refreshAll()} title="Refresh every server (r)">
          Refresh
        </button>
      </div>
      <div className="table-scroll">
        <table className="table lab-table">
          <thead>
            <tr>
              {headers.map((h) => header(h.key, h.label))}
              <th>Collection</th>
              <th className="num">Nodes</th>
              {header("endTime", "Ends")}
              <th>Creator</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr
                key={`${row.server}\n${row.lab.id}`}
                data-testid="lab-row"
                data-server={row.server}
                data-lab-id={row.lab.id}
                data-lab-name={row.lab.name}
                data-state={stateWord(row.state)}
                tabIndex={index === 0 ? 0 : -1}
                onDoubleClick={() => {
                  onOpen(row.server, row.lab.id);
                }}
                onKeyDown={(e) => {
                  onRowKey(e, row.server, row.lab.id);
                }}
              >
                <td className="col-server">{row.server}</td>
                <td className="col-state">
                  <LabStateBadge state={row.state} />
                </td>
                <td className="col-name">
                  <button
                    type="button"
                    className="link-button"
                    tabIndex={-1}
                    title={`Open ${row.lab.name} on ${row.server}`}
                    onClick={() => {
                      onOpen(row.server, row.lab.id);
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
            ))}
          </tbody>
        </table>
        {rows.length === 0 && (
          <div className="empty-state">
            {lists.length === 0 ? (
              <p>No server is logged in yet.</p>
            ) : total === 0 ? (
              <p>No labs on any server yet.</p>
            ) : (
              <>
                <p>No labs match these filters.</p>
                <button
                  type="button"
                  className="button"
                  onClick={() => {
                    onQuery({ ...defaultAllQuery, sort: query.sort, descending: query.descending });
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
