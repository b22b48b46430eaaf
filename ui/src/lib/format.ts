// Dates and words as the UI shows them.

import { Severity } from "../bindings";

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const yearDayTimeFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function parse(iso: string): Date | null {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "14:03:22" */
export function formatTime(iso: string): string {
  const d = parse(iso);
  return d === null ? iso : timeFormat.format(d);
}

/** "Jun 13, 06:00" this year, "Jan 2, 2025, 00:00" in another (in the local time zone). */
export function formatDayTime(iso: string, now: number = Date.now()): string {
  const d = parse(iso);
  if (d === null) return iso;
  return d.getFullYear() === new Date(now).getFullYear() ? dayTimeFormat.format(d) : yearDayTimeFormat.format(d);
}

/** "Jun 13, 2025, 6:00 AM", always with the year: for tooltips. */
export function formatFull(iso: string): string {
  const d = parse(iso);
  return d === null ? iso : fullFormat.format(d);
}

/** `success`, `info`, `warning`, `error`, `fatal`: the `data-severity` values and CSS modifiers. */
export function severityWord(severity: Severity): string {
  return (Severity[severity] as string | undefined)?.toLowerCase() ?? "info";
}

/** A count with its noun: "1 lab", "2 labs", "0 labs", "1,500 lines" (`many` for irregular plurals). */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}
