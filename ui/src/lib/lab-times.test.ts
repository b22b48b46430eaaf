import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { endOf, fromLocalInput, neverEnds, notScheduled, startOf, toLocalInput } from "./lab-times";

const NOW = Date.parse("2026-06-13T12:00:00Z");

describe("placeholder times", () => {
  it("reads the import's 2099 start and 2199 end as not scheduled and no end", () => {
    const parked = { startTime: "2099-01-01T00:00:00Z", endTime: "2199-01-01T00:00:00Z", instance: undefined };
    expect(notScheduled(parked, NOW)).toBe(true);
    expect(neverEnds(parked, NOW)).toBe(true);
    expect(startOf(parked, NOW)).toBeNull();
    expect(endOf(parked, NOW)).toBeNull();
    expect(endOf({ endTime: null }, NOW)).toBeNull();
    const week = { startTime: "2026-06-13T10:00:00Z", endTime: "2026-06-20T10:00:00Z", instance: undefined };
    expect(startOf(week, NOW)).toBe(Date.parse("2026-06-13T10:00:00Z"));
    expect(endOf(week, NOW)).toBe(Date.parse("2026-06-20T10:00:00Z"));
  });
});

// The process's time zone, which Node reads anew on each date operation (no Node types here).
const env = (globalThis as unknown as { process: { env: Record<string, string | undefined> } }).process.env;

describe("datetime-local values", () => {
  const saved = env.TZ;
  beforeEach(() => {
    env.TZ = "Europe/Berlin";
  });
  afterEach(() => {
    if (saved === undefined) delete env.TZ;
    else env.TZ = saved;
  });

  it("are local times, both ways, across a daylight saving change", () => {
    // 01:30 UTC on 29 March 2026 is 03:30 in Berlin (summer time began at 01:00 UTC).
    expect(toLocalInput(Date.parse("2026-03-29T01:30:00Z"))).toBe("2026-03-29T03:30");
    expect(toLocalInput(Date.parse("2026-03-28T23:30:00Z"))).toBe("2026-03-29T00:30");
    expect(fromLocalInput("2026-03-29T03:30")).toBe(Date.parse("2026-03-29T01:30:00Z"));
    expect(fromLocalInput("2026-01-10T08:00")).toBe(Date.parse("2026-01-10T07:00:00Z"));
    expect(fromLocalInput("2026-01-10T08:00:30")).toBe(Date.parse("2026-01-10T07:00:30Z"));
  });

  it("refuse what is not a date", () => {
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("tomorrow")).toBeNull();
    expect(fromLocalInput("2026-02-31T10:00")).toBeNull();
    expect(fromLocalInput("2026-13-01T10:00")).toBeNull();
  });
});
