import { describe, expect, it } from "vitest";
import { InstanceState } from "../../bindings";
import { labState, neverEnds, notScheduled, stateWord, topologyNodeCount } from "./lab-state";
import { defaultQuery, labRows, toggleSort, type LabQuery } from "./lab-table";
import { NOW, collections, lab } from "./fixtures.test-util";

const labs = [
  lab("spine leaf", InstanceState.Running, { endTime: new Date(NOW + 3_600_000).toISOString() }),
  lab("BGP lab", InstanceState.Deploying, { collectionId: "c-train", creator: { id: "bob", name: "bob@example.org" } }),
  lab("Forever", InstanceState.Inactive, { endTime: null, startTime: new Date(NOW - 86_400_000).toISOString() }),
  lab("lab 10", InstanceState.Failed, { collectionId: "c-train" }),
  lab("lab 9", InstanceState.Scheduled),
];

const names = (q: Partial<LabQuery>) => labRows(labs, collections, { ...defaultQuery, ...q }, NOW).map((r) => r.lab.name);

describe("lab states", () => {
  it("uses the instance state, else scheduled or inactive", () => {
    expect(labs.map((l) => stateWord(labState(l, NOW)))).toEqual(["running", "deploying", "inactive", "failed", "scheduled"]);
  });

  it("is inactive once the end time passed or the start is older than two minutes", () => {
    const ended = lab("x", InstanceState.Inactive, { startTime: new Date(NOW - 60_000).toISOString(), endTime: new Date(NOW - 1).toISOString() });
    expect(labState(ended, NOW)).toBe(InstanceState.Inactive);
    const justStarted = lab("y", InstanceState.Inactive, { startTime: new Date(NOW - 60_000).toISOString() });
    expect(labState(justStarted, NOW)).toBe(InstanceState.Scheduled);
    const stale = lab("z", InstanceState.Inactive, { startTime: new Date(NOW - 180_000).toISOString() });
    expect(labState(stale, NOW)).toBe(InstanceState.Inactive);
    const parked = lab("p", InstanceState.Inactive, { startTime: "2099-01-01T00:00:00Z", endTime: "2099-01-08T00:00:00Z" });
    expect(labState(parked, NOW)).toBe(InstanceState.Inactive);
    const nextYear = lab("n", InstanceState.Inactive, { startTime: new Date(NOW + 365 * 86_400_000).toISOString(), endTime: null });
    expect(labState(nextYear, NOW)).toBe(InstanceState.Scheduled);
  });

  it("tells labs that are not scheduled or never end by the far-off times that stand for them", () => {
    const parked = lab("p", InstanceState.Inactive, { startTime: "2099-01-01T00:00:00Z", endTime: "2199-01-01T00:00:00Z" });
    expect(notScheduled(parked, NOW)).toBe(true);
    expect(neverEnds(parked, NOW)).toBe(true);
    // Deployed by hand from there: running, so no longer "not scheduled", and still no end.
    const running = lab("r", InstanceState.Running, { startTime: "2099-01-01T00:00:00Z", endTime: "2099-01-02T00:00:00Z" });
    expect(notScheduled(running, NOW)).toBe(false);
    expect(neverEnds(running, NOW)).toBe(true);
    const week = lab("w", InstanceState.Inactive, { startTime: new Date(NOW + 3_600_000).toISOString(), endTime: new Date(NOW + 7 * 86_400_000).toISOString() });
    expect(notScheduled(week, NOW)).toBe(false);
    expect(neverEnds(week, NOW)).toBe(false);
    expect(neverEnds(lab("n", InstanceState.Running, { endTime: null }), NOW)).toBe(true);
  });

  it("counts the nodes of a topology", () => {
    expect(topologyNodeCount("name: x\ntopology:\n  kinds:\n    srl: {}\n  nodes:\n    a:\n      kind: srl\n    b: {kind: linux}\n\n    # c:\n    d:\n  links:\n    - endpoints: []\n")).toBe(3);
    expect(topologyNodeCount("name: x\n")).toBeNull();
    expect(topologyNodeCount("topology:\n  nodes: {}\n")).toBe(0);
  });
});

describe("lab table", () => {
  it("sorts by name by default, numbers naturally", () => {
    expect(names({})).toEqual(["BGP lab", "Forever", "lab 9", "lab 10", "spine leaf"]);
  });

  it("sorts by state, most active first, and reverses", () => {
    expect(names({ sort: "state" })).toEqual(["spine leaf", "BGP lab", "lab 10", "lab 9", "Forever"]);
    expect(names({ sort: "state", descending: true })).toEqual(["Forever", "lab 9", "lab 10", "BGP lab", "spine leaf"]);
  });

  it("sorts by end time with labs that never end last", () => {
    expect(names({ sort: "endTime" })).toEqual(["spine leaf", "BGP lab", "lab 9", "lab 10", "Forever"]);
    // An end in 2199 (the import's "never") sorts with the labs without an end, by name.
    const more = [...labs, lab("Anchored", InstanceState.Running, { endTime: "2199-01-01T00:00:00Z" })];
    expect(labRows(more, collections, { ...defaultQuery, sort: "endTime" }, NOW).map((r) => r.lab.name)).toEqual(["spine leaf", "BGP lab", "lab 9", "lab 10", "Anchored", "Forever"]);
  });

  it("filters by state and by collection", () => {
    expect(names({ state: InstanceState.Failed })).toEqual(["lab 10"]);
    expect(names({ state: InstanceState.Inactive })).toEqual(["Forever"]);
    expect(names({ collectionId: "c-train" })).toEqual(["BGP lab", "lab 10"]);
    expect(names({ collectionId: "c-train", state: InstanceState.Running })).toEqual([]);
  });

  it("searches name, collection, creator and id prefix, case-insensitively", () => {
    expect(names({ search: "LAB 1" })).toEqual(["lab 10"]);
    expect(names({ search: "training" })).toEqual(["BGP lab", "lab 10"]);
    expect(names({ search: "bob@" })).toEqual(["BGP lab"]);
    expect(names({ search: "id-forev" })).toEqual(["Forever"]);
    expect(names({ search: "  spine " })).toEqual(["spine leaf"]);
    expect(names({ search: "nothing like this" })).toEqual([]);
  });

  it("names the collection and counts nodes from the instance, else the topology", () => {
    const rows = labRows(labs, collections, defaultQuery, NOW);
    const spine = rows.find((r) => r.lab.name === "spine leaf");
    expect(spine?.collectionName).toBe("netops");
    expect(spine?.nodeCount).toBe(3);
    expect(rows.find((r) => r.lab.name === "Forever")?.nodeCount).toBe(2);
    expect(labRows([lab("orphan", InstanceState.Inactive, { collectionId: "gone" })], collections, defaultQuery, NOW)[0]?.collectionName).toBe("");
  });

  it("flips the order when the same header is clicked again", () => {
    let q = toggleSort(defaultQuery, "state");
    expect([q.sort, q.descending]).toEqual(["state", false]);
    q = toggleSort(q, "state");
    expect([q.sort, q.descending]).toEqual(["state", true]);
    q = toggleSort(q, "endTime");
    expect([q.sort, q.descending]).toEqual(["endTime", false]);
  });
});
