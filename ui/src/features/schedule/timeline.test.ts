import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InstanceState, type LabOut } from "../../bindings";
import { addDays, agenda, effectiveStart, startOfDay, startOfWeek, timelineLabs, unscheduled, weekRows, type TimelineLab } from "./timeline";

// The process's time zone, which Node reads anew on each date operation (no Node types here).
const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;
let saved: string | undefined;
beforeEach(() => {
  saved = env.TZ;
  env.TZ = "Europe/Berlin";
});
afterEach(() => {
  if (saved === undefined) delete env.TZ;
  else env.TZ = saved;
});

/** A local time in Berlin, "2026-03-25 10:00" → ms. */
const at = (s: string) => {
  const [d = "", t = "00:00"] = s.split(" ");
  const [y, mo, day] = d.split("-").map(Number) as [number, number, number];
  const [h, mi] = t.split(":").map(Number) as [number, number];
  return new Date(y, mo - 1, day, h, mi).getTime();
};

function lab(name: string, start: string, end: string | null, deployed?: string): LabOut {
  const l: LabOut = {
    id: name,
    name,
    startTime: start,
    endTime: end,
    topologyId: "t",
    collectionId: "c",
    creator: { id: "u", name: "u" },
    topologyDefinition: "",
  };
  if (deployed !== undefined) {
    l.instance = { name: "", deployed, state: InstanceState.Running, latestStateChange: deployed, nodes: null, recovered: false };
  }
  return l;
}

const iso = (s: string) => new Date(at(s)).toISOString();
const NOW = at("2026-03-25 12:00"); // a Wednesday

function items(labs: LabOut[], server = "s"): TimelineLab[] {
  return timelineLabs([{ server, labs }], NOW);
}

describe("calendar days", () => {
  it("are local midnights, 23 hours long when summer time begins", () => {
    const day = startOfDay(at("2026-03-29 15:00"));
    expect(day).toBe(at("2026-03-29 00:00"));
    expect(addDays(day, 1) - day).toBe(23 * 3_600_000);
    expect(addDays(at("2026-10-25 00:00"), 1) - at("2026-10-25 00:00")).toBe(25 * 3_600_000);
    // Weeks start on Monday; Sunday belongs to the week before.
    expect(startOfWeek(NOW)).toBe(at("2026-03-23 00:00"));
    expect(startOfWeek(at("2026-03-29 23:30"))).toBe(at("2026-03-23 00:00"));
    expect(startOfWeek(at("2026-03-30 00:00"))).toBe(at("2026-03-30 00:00"));
  });
});

describe("the week", () => {
  const week = at("2026-03-23 00:00");

  it("puts each lab on the days it is on, clipped to the week", () => {
    const rows = weekRows(
      items([
        lab("tuesday", iso("2026-03-24 09:00"), iso("2026-03-24 17:00")),
        lab("wed-to-fri", iso("2026-03-25 20:00"), iso("2026-03-27 08:00")),
        lab("from-last-week", iso("2026-03-19 09:00"), iso("2026-03-24 09:00")),
        lab("into-next-week", iso("2026-03-28 09:00"), iso("2026-04-02 09:00")),
        lab("ends-at-midnight", iso("2026-03-26 22:00"), iso("2026-03-27 00:00")),
        lab("last-week", iso("2026-03-16 09:00"), iso("2026-03-17 09:00")),
        lab("next-week", iso("2026-03-30 09:00"), iso("2026-03-31 09:00")),
      ]),
      week,
    );
    const got = Object.fromEntries(rows.map((r) => [r.item.lab.name, [r.first, r.last, r.before, r.after]]));
    expect(got).toEqual({
      tuesday: [1, 1, false, false],
      "wed-to-fri": [2, 4, false, false],
      "from-last-week": [0, 1, true, false],
      "into-next-week": [5, 6, false, true],
      "ends-at-midnight": [3, 3, false, false],
    });
  });

  it("runs labs without an end to the week's end, and leaves unscheduled labs out", () => {
    const labs = items([
      lab("forever", iso("2026-03-20 09:00"), null),
      lab("import-no-end", iso("2026-03-26 09:00"), "2199-01-01T00:00:00Z"),
      lab("parked", "2099-01-01T00:00:00Z", "2199-01-01T00:00:00Z"),
      // Parked, then deployed by hand on Tuesday: it runs now.
      lab("deployed-by-hand", "2099-01-01T00:00:00Z", "2199-01-01T00:00:00Z", iso("2026-03-24 10:00")),
    ]);
    const got = Object.fromEntries(weekRows(labs, week).map((r) => [r.item.lab.name, [r.first, r.last, r.before, r.after, r.item.end]]));
    expect(got).toEqual({
      forever: [0, 6, true, true, null],
      "deployed-by-hand": [1, 6, false, true, null],
      "import-no-end": [3, 6, false, true, null],
    });
    expect(unscheduled(labs).map((l) => l.lab.name)).toEqual(["parked"]);
    expect(effectiveStart(labs.find((l) => l.lab.name === "parked")?.lab ?? lab("x", "", null), NOW)).toBeNull();
  });

  it("keeps a lab's days right across the change to summer time", () => {
    // Saturday 22:00 to Sunday 23:30 of the week summer time begins (Sunday has 23 hours).
    const rows = weekRows(items([lab("dst", iso("2026-03-28 22:00"), iso("2026-03-29 23:30"))]), week);
    expect(rows.map((r) => [r.first, r.last])).toEqual([[5, 6]]);
  });
});

describe("the agenda", () => {
  it("lists each lab once, on the day it starts, those running on from before under the first day", () => {
    const labs = items([
      lab("later-today", iso("2026-03-25 15:00"), iso("2026-03-25 18:00")),
      lab("running", iso("2026-03-20 09:00"), iso("2026-03-30 09:00")),
      lab("forever", iso("2026-03-01 09:00"), null),
      lab("friday", iso("2026-03-27 09:00"), iso("2026-03-28 09:00")),
      lab("ended", iso("2026-03-20 09:00"), iso("2026-03-21 09:00")),
      lab("too-far", iso("2026-05-01 09:00"), iso("2026-05-02 09:00")),
      lab("parked", "2099-01-01T00:00:00Z", "2199-01-01T00:00:00Z"),
    ]);
    const today = startOfDay(NOW);
    const days = agenda(labs, today, 28).map((d) => [d.day, d.items.map((i) => i.lab.name)]);
    expect(days).toEqual([
      [today, ["forever", "running", "later-today"]],
      [at("2026-03-27 00:00"), ["friday"]],
    ]);
  });

  it("keeps the same lab id of two servers apart", () => {
    const a = timelineLabs(
      [
        { server: "b", labs: [lab("x", iso("2026-03-25 15:00"), null)] },
        { server: "a", labs: [lab("x", iso("2026-03-25 15:00"), null)] },
      ],
      NOW,
    );
    expect(a.map((l) => l.server)).toEqual(["a", "b"]);
  });
});
