// The timeline's arithmetic: labs of several servers placed on local calendar days (a day is
// midnight to midnight in the local time zone, 23 or 25 hours around a daylight saving change),
// a week's rows (one per lab, spanning the days it is on), and an agenda (each lab once, on the
// day it starts, or on the first day shown when it started earlier). Labs that are not
// scheduled, and those that never end, are told apart by the placeholder rules of
// lib/lab-times (never shown as their 2099 or 2199).

import { InstanceState, type LabOut } from "../../bindings";
import { endOf, labState, startOf } from "../../lib/lab-times";

export type TimelineTone = "running" | "deploying" | "failed" | "scheduled" | "inactive";

/** A lab as the timeline shows it. */
export interface TimelineLab {
  server: string;
  lab: LabOut;
  /** Its start in ms, `null` when not scheduled. */
  start: number | null;
  /** Its end in ms, `null` when it never ends. */
  end: number | null;
  tone: TimelineTone;
}

export function tone(state: InstanceState): TimelineTone {
  switch (state) {
    case InstanceState.Running:
      return "running";
    case InstanceState.Deploying:
    case InstanceState.Stopping:
      return "deploying";
    case InstanceState.Failed:
      return "failed";
    case InstanceState.Scheduled:
      return "scheduled";
    case InstanceState.Inactive:
      return "inactive";
  }
}

/**
 * When a lab started, as the timeline places it: a deployed lab since its deployment if that
 * came first (a lab parked in 2099 and deployed by hand runs now); otherwise its start, `null`
 * when not scheduled.
 */
export function effectiveStart(lab: LabOut, now: number): number | null {
  const start = startOf(lab, now);
  const deployed = lab.instance === undefined ? Number.NaN : Date.parse(lab.instance.deployed);
  if (Number.isNaN(deployed)) return start;
  return start === null ? deployed : Math.min(start, deployed);
}

/** Every lab of every server, sorted by start (unscheduled last), then name. */
export function timelineLabs(servers: readonly { server: string; labs: readonly LabOut[] }[], now: number): TimelineLab[] {
  const all = servers.flatMap(({ server, labs }) =>
    labs.map((lab) => ({ server, lab, start: effectiveStart(lab, now), end: endOf(lab, now), tone: tone(labState(lab, now)) })),
  );
  return all.sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity) || a.lab.name.localeCompare(b.lab.name) || a.server.localeCompare(b.server));
}

/** Local midnight of the day `ms` falls on. */
export function startOfDay(ms: number): number {
  const d = new Date(ms);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** Local midnight `n` days after the day of `dayStart` (calendar days, not 24-hour steps). */
export function addDays(dayStart: number, n: number): number {
  const d = new Date(dayStart);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate() + n).getTime();
}

/** Local midnight of the Monday of the week `ms` falls in. */
export function startOfWeek(ms: number): number {
  const day = startOfDay(ms);
  const weekday = (new Date(day).getDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(day, -weekday);
}

/** Whether a lab is on the timeline between `from` and `to` (ms): scheduled, and not ended before `from`. */
function overlaps(l: TimelineLab, from: number, to: number): boolean {
  if (l.start === null) return false;
  return l.start < to && (l.end === null || l.end > from);
}

/** A lab's row in a week: the days it spans (0 = Monday … 6 = Sunday, inclusive). */
export interface WeekRow {
  item: TimelineLab;
  first: number;
  last: number;
  /** It started before the week. */
  before: boolean;
  /** It goes on after the week (or never ends). */
  after: boolean;
}

/** The rows of the week starting at `weekStart` (a local Monday midnight). */
export function weekRows(labs: readonly TimelineLab[], weekStart: number): WeekRow[] {
  const days = Array.from({ length: 8 }, (_, i) => addDays(weekStart, i));
  const weekEnd = days[7] ?? weekStart;
  const dayOf = (ms: number) => {
    let i = 0;
    while (i < 6 && ms >= (days[i + 1] ?? Infinity)) i += 1;
    return i;
  };
  return labs
    .filter((l) => overlaps(l, weekStart, weekEnd))
    .map((item) => {
      const start = item.start ?? weekStart;
      const before = start < weekStart;
      const after = item.end === null || item.end > weekEnd;
      // An end at midnight sharp ends on the day before.
      const last = after ? 6 : dayOf((item.end ?? weekEnd) - 1);
      return { item, first: before ? 0 : dayOf(start), last: Math.max(last, before ? 0 : dayOf(start)), before, after };
    });
}

/** One day of the agenda: the labs starting that day (the first day also those running on from before). */
export interface AgendaDay {
  day: number;
  items: TimelineLab[];
}

/** The agenda of `days` days from `from` (a local midnight); days without labs are left out. */
export function agenda(labs: readonly TimelineLab[], from: number, days: number): AgendaDay[] {
  const to = addDays(from, days);
  const byDay = new Map<number, TimelineLab[]>();
  for (const l of labs) {
    if (!overlaps(l, from, to) || l.start === null) continue;
    const day = l.start < from ? from : startOfDay(l.start);
    const list = byDay.get(day) ?? [];
    list.push(l);
    byDay.set(day, list);
  }
  return [...byDay.entries()].sort(([a], [b]) => a - b).map(([day, items]) => ({ day, items }));
}

/** The labs that are not scheduled (deployed by hand only). */
export function unscheduled(labs: readonly TimelineLab[]): TimelineLab[] {
  return labs.filter((l) => l.start === null);
}
