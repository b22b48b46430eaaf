// When a lab starts and ends, as every feature reads it: the placeholder times clients park
// labs with (the import's 2099 start and 2199 end) stand for "not scheduled" and "no end", and
// never show as years. Also the conversions of the schedule's date fields.

import { InstanceState, type LabOut } from "../bindings";

/** Times further ahead than this (50 years) are placeholders, not schedules. */
export const PARKED_AFTER_MS = 50 * 365 * 86_400_000;

/**
 * A lab's state: the instance's, or for a lab without one scheduled (it ends in the future and
 * starts later than two minutes ago) or inactive (PROTOCOL.md §6.1).
 */
export function labState(lab: LabOut, now: number): InstanceState {
  if (lab.instance !== undefined) return lab.instance.state;
  const start = Date.parse(lab.startTime);
  const end = lab.endTime === null ? Number.POSITIVE_INFINITY : Date.parse(lab.endTime);
  // A start decades ahead is how clients park a lab they deploy by hand (servers queue every
  // lab for its start time): not scheduled.
  if (start - now > PARKED_AFTER_MS) return InstanceState.Inactive;
  return end > now && start > now - 2 * 60_000 ? InstanceState.Scheduled : InstanceState.Inactive;
}

/**
 * Whether a lab is not scheduled: not deployed, and its start is decades ahead (the import parks
 * such labs in 2099).
 */
export function notScheduled(lab: Pick<LabOut, "instance" | "startTime">, now: number): boolean {
  return lab.instance === undefined && Date.parse(lab.startTime) - now > PARKED_AFTER_MS;
}

/** Whether a lab never ends: no end time, or one decades ahead (the import's 2199). */
export function neverEnds(lab: Pick<LabOut, "endTime">, now: number): boolean {
  return lab.endTime === null || Date.parse(lab.endTime) - now > PARKED_AFTER_MS;
}

/** The lab's real end in ms, `null` when it never ends. */
export function endOf(lab: Pick<LabOut, "endTime">, now: number): number | null {
  return neverEnds(lab, now) || lab.endTime === null ? null : Date.parse(lab.endTime);
}

/** The lab's real start in ms, `null` when it is not scheduled. */
export function startOf(lab: Pick<LabOut, "instance" | "startTime">, now: number): number | null {
  return notScheduled(lab, now) ? null : Date.parse(lab.startTime);
}

const pad = (n: number) => String(n).padStart(2, "0");

/** A time as an `<input type="datetime-local">` value, in the local time zone ("2026-06-13T06:00"). */
export function toLocalInput(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** An `<input type="datetime-local">` value (local time) in ms; `null` when empty or invalid. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (m === null) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number | undefined];
  const date = new Date(y, mo - 1, d, h, mi, Number.isNaN(s) ? 0 : (s ?? 0));
  // 2026-02-31 rolls over: refuse it rather than mean March.
  if (date.getMonth() !== mo - 1 || date.getDate() !== d) return null;
  return date.getTime();
}
