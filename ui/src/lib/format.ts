// Dates and words as the UI shows them.

import { Severity } from "../bindings";

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
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

/** "Jun 13, 06:00" */
export function formatDayTime(iso: string): string {
  const d = parse(iso);
  return d === null ? iso : dayTimeFormat.format(d);
}

/** "Jun 13, 2025, 6:00 AM", for tooltips. */
export function formatFull(iso: string): string {
  const d = parse(iso);
  return d === null ? iso : fullFormat.format(d);
}

/** `success`, `info`, `warning`, `error`, `fatal`: the `data-severity` values and CSS modifiers. */
export function severityWord(severity: Severity): string {
  return (Severity[severity] as string | undefined)?.toLowerCase() ?? "info";
}
