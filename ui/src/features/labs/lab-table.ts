// The dashboard's table: search, state and collection filters, and sorting, as pure functions
// over the labs the store holds.

import type { CollectionOut, InstanceState, LabOut } from "../../bindings";
import { endsAt, labState, stateOrder, topologyNodeCount } from "./lab-state";

export type SortKey = "name" | "state" | "endTime";

export interface LabQuery {
  search: string;
  /** `null` shows every state. */
  state: InstanceState | null;
  /** `null` shows every collection. */
  collectionId: string | null;
  sort: SortKey;
  descending: boolean;
}

export const defaultQuery: LabQuery = { search: "", state: null, collectionId: null, sort: "name", descending: false };

export interface LabRow {
  lab: LabOut;
  state: InstanceState;
  collectionName: string;
  /** Nodes of the instance, else of the topology; `null` if unknown. */
  nodeCount: number | null;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

export function toRow(lab: LabOut, collections: ReadonlyMap<string, string>, now: number): LabRow {
  return {
    lab,
    state: labState(lab, now),
    collectionName: collections.get(lab.collectionId) ?? "",
    nodeCount: lab.instance?.nodes?.length ?? topologyNodeCount(lab.topologyDefinition),
  };
}

/** Whether a row matches a search (already trimmed and lower-cased). */
export function matches(row: LabRow, needle: string): boolean {
  if (needle === "") return true;
  return (
    row.lab.name.toLowerCase().includes(needle) ||
    row.collectionName.toLowerCase().includes(needle) ||
    row.lab.creator.name.toLowerCase().includes(needle) ||
    row.lab.id.toLowerCase().startsWith(needle)
  );
}

export function compareRows(a: LabRow, b: LabRow, key: SortKey, now: number = Date.now()): number {
  const byName = collator.compare(a.lab.name, b.lab.name) || a.lab.id.localeCompare(b.lab.id);
  switch (key) {
    case "name":
      return byName;
    case "state":
      return stateOrder.indexOf(a.state) - stateOrder.indexOf(b.state) || byName;
    case "endTime": {
      const ea = endsAt(a.lab, now);
      const eb = endsAt(b.lab, now);
      return ea === eb ? byName : ea < eb ? -1 : 1;
    }
  }
}

/** The rows to show, filtered and sorted. */
export function labRows(labs: readonly LabOut[], collections: readonly CollectionOut[], query: LabQuery, now: number): LabRow[] {
  const names = new Map(collections.map((c) => [c.id, c.name]));
  const needle = query.search.trim().toLowerCase();
  const rows = labs
    .map((lab) => toRow(lab, names, now))
    .filter((row) => (query.state === null || row.state === query.state) && (query.collectionId === null || row.lab.collectionId === query.collectionId) && matches(row, needle));
  rows.sort((a, b) => (query.descending ? -compareRows(a, b, query.sort, now) : compareRows(a, b, query.sort, now)));
  return rows;
}

/** Clicking a header: the same column flips the order, another one sorts ascending by it. */
export function toggleSort(query: LabQuery, key: SortKey): LabQuery {
  return query.sort === key ? { ...query, descending: !query.descending } : { ...query, sort: key, descending: false };
}
