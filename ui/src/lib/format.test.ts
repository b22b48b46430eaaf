import { describe, expect, it } from "vitest";
import { count, formatDayTime, formatFull } from "./format";

// Local times (no zone suffix), so the year is the same in every time zone the tests run in.
const NOW = new Date(2026, 4, 10, 12, 0).getTime();

describe("formatDayTime", () => {
  it("leaves the year out this year", () => {
    const text = formatDayTime("2026-06-13T06:00:00", NOW);
    expect(text).toMatch(/13/);
    expect(text).not.toMatch(/2026/);
    expect(text).toBe(new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(2026, 5, 13, 6, 0)));
  });

  it("shows the year of another year, past or future", () => {
    const past = formatDayTime("2025-01-02T00:00:00", NOW);
    expect(past).toMatch(/2025/);
    expect(past).toBe(
      new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }).format(new Date(2025, 0, 2, 0, 0)),
    );
    expect(formatDayTime("2027-12-31T23:59:00", NOW)).toMatch(/2027/);
  });

  it("compares with the current year by default, and passes text that is no date through", () => {
    const thisYear = new Date().getFullYear();
    expect(formatDayTime(`${String(thisYear)}-03-04T05:06:00`)).not.toMatch(String(thisYear));
    expect(formatDayTime(`${String(thisYear - 1)}-03-04T05:06:00`)).toMatch(String(thisYear - 1));
    expect(formatDayTime("soon")).toBe("soon");
  });
});

describe("formatFull", () => {
  it("always has the year (tooltips)", () => {
    expect(formatFull("2026-06-13T06:00:00")).toMatch(/2026/);
  });
});

describe("count", () => {
  it("puts the noun in the singular for one and the plural otherwise, with grouped digits", () => {
    expect(count(1, "lab")).toBe("1 lab");
    expect(count(0, "lab")).toBe("0 labs");
    expect(count(2, "lab")).toBe("2 labs");
    expect(count(1500, "line")).toBe("1,500 lines");
    expect(count(1, "match", "matches")).toBe("1 match");
    expect(count(3, "match", "matches")).toBe("3 matches");
  });
});
