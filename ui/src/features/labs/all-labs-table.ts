// The combined lab list's table: the labs of every server in one list with a server column,
// searched, filtered by state and server, and sorted, as pure functions over what the shared
// store (lib/all-labs) holds.

import type { CollectionOut, InstanceState, LabOut } from "../../bindings";
import { compareRows, matches, toRow, type LabRow, type SortKey } from "./lab-table";

export type AllSortKey = SortKey | "server";

export interface AllLabsQuery {
  search: string;
  /** `null` shows every state. */
  state: InstanceState | null;
  /** `null` shows every server. */
  server: string | null;
  sort: AllSortKey;
  descending: boolean;
}

export const defaultAllQuery: AllLabsQuery = { search: "", state: null, server: null, sort: "server", descending: false };

export interface ServerLabRow extends LabRow {
  server: string;
}

/** One server's labs as the store holds them. */
export interface ServerLabList {
  server: string;
  labs: readonly LabOut[];
  collections: readonly CollectionOut[];
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

function compare(a: ServerLabRow, b: ServerLabRow, key: AllSortKey, now: number, order: ReadonlyMap<string, number>): number {
  const byServer = (order.get(a.server) ?? 0) - (order.get(b.server) ?? 0) || collator.compare(a.server, b.server);
  if (key === "server") return byServer || compareRows(a, b, "name", now);
  return compareRows(a, b, key, now) || byServer;
}

/**
 * The rows to show: every server's labs merged, filtered and sorted. Sorting by server keeps
 * the servers in the order given (the sidebar's), each server's labs by name.
 */
export function allLabRows(lists: readonly ServerLabList[], query: AllLabsQuery, now: number): ServerLabRow[] {
  const needle = query.search.trim().toLowerCase();
  const order = new Map(lists.map((l, i) => [l.server, i]));
  const rows: ServerLabRow[] = [];
  for (const list of lists) {
    if (query.server !== null && list.server !== query.server) continue;
    const names = new Map(list.collections.map((c) => [c.id, c.name]));
    for (const lab of list.labs) {
      const row = { ...toRow(lab, names, now), server: list.server };
      if ((query.state === null || row.state === query.state) && (matches(row, needle) || (needle !== "" && row.server.toLowerCase().includes(needle)))) rows.push(row);
    }
  }
  rows.sort((a, b) => (query.descending ? -1 : 1) * compare(a, b, query.sort, now, order));
  return rows;
}

/** Clicking a header: the same column flips the order, another one sorts ascending by it. */
export function toggleAllSort(query: AllLabsQuery, key: AllSortKey): AllLabsQuery {
  return query.sort === key ? { ...query, descending: !query.descending } : { ...query, sort: key, descending: false };
}
