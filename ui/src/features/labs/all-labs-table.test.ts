import { describe, expect, it } from "vitest";
import { InstanceState } from "../../bindings";
import type { ServerLabs } from "../../lib/all-labs";
import { allLabRows, defaultAllQuery, toggleAllSort, type AllLabsQuery, type ServerLabList } from "./all-labs-table";
import { serverLine } from "./all-labs-view";
import { NOW, collections, lab } from "./fixtures.test-util";

// The same lab id on two servers is two labs (ids are only unique per server).
const lists: ServerLabList[] = [
  { server: "This computer", labs: [lab("pair", InstanceState.Running), lab("scratch", InstanceState.Inactive, { collectionId: "c-local" })], collections: [] },
  { server: "team", labs: [lab("pair", InstanceState.Failed), lab("BGP", InstanceState.Deploying, { collectionId: "c-train" }), lab("lab 10", InstanceState.Running)], collections },
  { server: "course", labs: [lab("Anycast", InstanceState.Scheduled)], collections: [] },
];

const rows = (q: Partial<AllLabsQuery>) => allLabRows(lists, { ...defaultAllQuery, ...q }, NOW).map((r) => `${r.server}/${r.lab.name}`);

describe("the combined lab list", () => {
  it("merges every server's labs, by server in the list's order, then by name", () => {
    expect(rows({})).toEqual(["This computer/pair", "This computer/scratch", "team/BGP", "team/lab 10", "team/pair", "course/Anycast"]);
    expect(rows({ descending: true })).toEqual(["course/Anycast", "team/pair", "team/lab 10", "team/BGP", "This computer/scratch", "This computer/pair"]);
  });

  it("sorts by name or state across servers, the server breaking ties", () => {
    expect(rows({ sort: "name" })).toEqual(["course/Anycast", "team/BGP", "team/lab 10", "This computer/pair", "team/pair", "This computer/scratch"]);
    const byState = allLabRows(lists, { ...defaultAllQuery, sort: "state" }, NOW);
    expect(byState.slice(0, 2).map((r) => `${r.server}/${r.lab.name}`)).toEqual(["team/lab 10", "This computer/pair"]);
  });

  it("names collections from each server's own list", () => {
    const bgp = allLabRows(lists, { ...defaultAllQuery, search: "bgp" }, NOW);
    expect(bgp.map((r) => [r.server, r.collectionName])).toEqual([["team", "training"]]);
    // This computer has no collection c-local listed: the cell stays empty rather than borrowing team's.
    expect(allLabRows(lists, { ...defaultAllQuery, search: "scratch" }, NOW)[0]?.collectionName).toBe("");
  });

  it("filters by server, state and search (the server's name included)", () => {
    expect(rows({ server: "team" })).toEqual(["team/BGP", "team/lab 10", "team/pair"]);
    expect(rows({ state: InstanceState.Running })).toEqual(["This computer/pair", "team/lab 10"]);
    expect(rows({ search: "pair" })).toEqual(["This computer/pair", "team/pair"]);
    expect(rows({ search: "cours" })).toEqual(["course/Anycast"]);
    expect(rows({ server: "nowhere" })).toEqual([]);
  });

  it("flips the order on the same header, sorts ascending by another", () => {
    const q = toggleAllSort(defaultAllQuery, "server");
    expect([q.sort, q.descending]).toEqual(["server", true]);
    const n = toggleAllSort(q, "name");
    expect([n.sort, n.descending]).toEqual(["name", false]);
  });

  it("says how each server stands: its labs, loading, a login, a failure", () => {
    const ready: ServerLabs = { status: "ready", labs: [lab("x", InstanceState.Running)], collections: [], error: null, errorKind: null };
    const summary = { name: "team", health: "connected" as const, local: false };
    expect(serverLine(summary, ready)).toBe("ready");
    expect(serverLine(summary, undefined)).toBe("loading");
    expect(serverLine({ ...summary, health: "loginNeeded" }, undefined)).toBe("loginNeeded");
    expect(serverLine({ ...summary, health: "reconnecting" }, ready)).toBe("reconnecting");
    expect(serverLine(summary, { ...ready, status: "error", error: "the server cannot be reached", errorKind: "unreachable" })).toBe("error");
    expect(serverLine(summary, { ...ready, status: "error", error: "not logged in", errorKind: "notLoggedIn" })).toBe("loginNeeded");
    // Fetching again keeps showing what it had.
    expect(serverLine(summary, { ...ready, status: "loading" })).toBe("ready");
  });
});
