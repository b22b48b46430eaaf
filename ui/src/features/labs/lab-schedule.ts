// Rescheduling and extending a lab: who may (the lab's creator or an admin, PROTOCOL.md §3.7),
// what may change (a deployed lab only its end, and only on antimony-server: the Go server
// hangs for good on any change of a deployed lab, §4.3), and the change a form asks for, with
// the placeholder times ("not scheduled", "no end") never shown as dates.

import { InstanceState, type LabInPartial, type LabOut } from "../../bindings";
import type { Identity } from "../../lib/bridge";
import { endOf, fromLocalInput, neverEnds, startOf, toLocalInput } from "../../lib/lab-times";
import type { ServerKind } from "../../lib/server-version";
import { canManage } from "./lab-actions";

/** What the user may change of a lab's schedule, and why not. */
export interface ScheduleRights {
  /** The Reschedule dialog: `null` when allowed, else why not (a tooltip). */
  reschedule: string | null;
  /** Only the end may change (the lab is deployed). */
  endOnly: boolean;
  /** The quick extensions: `null` when allowed, else why not. */
  extend: string | null;
}

/** The quick extensions offered in the lab view, in minutes. */
export const EXTENSIONS: readonly { minutes: number; label: string; title: string }[] = [
  { minutes: 15, label: "+15 min", title: "Extend by 15 minutes" },
  { minutes: 60, label: "+1 h", title: "Extend by 1 hour" },
  { minutes: 1440, label: "+1 day", title: "Extend by 1 day" },
];

export const GO_SERVER_REASON =
  "This server cannot change a deployed lab: it would stop answering until it is restarted. Destroy the lab first, or ask for antimony-server.";

export function scheduleRights(lab: LabOut, identity: Identity | null, kind: ServerKind, now: number): ScheduleRights {
  const deployed = lab.instance !== undefined;
  let reason: string | null = null;
  if (!canManage(lab, identity)) reason = `Only the lab's creator (${lab.creator.name}) or an administrator can reschedule it`;
  else if (lab.instance?.state === InstanceState.Stopping) reason = "The lab is being destroyed";
  else if (deployed && kind === "go") reason = GO_SERVER_REASON;
  else if (deployed && kind === "unknown") reason = "Asking the server what it can change…";
  const extend = reason ?? (endOf(lab, now) === null ? "The lab has no end to extend" : null);
  return { reschedule: reason, endOnly: deployed, extend };
}

/** The change that extends a lab's end by `minutes` (from now if the end has passed). */
export function extendChange(lab: LabOut, minutes: number, now: number): LabInPartial {
  const end = endOf(lab, now) ?? now;
  return { endTime: new Date(Math.max(end, now) + minutes * 60_000).toISOString() };
}

/** The Reschedule dialog's fields: `datetime-local` values (local time), empty when there is none. */
export interface ScheduleForm {
  start: string;
  end: string;
  /** The lab runs until destroyed. */
  noEnd: boolean;
}

export function scheduleForm(lab: LabOut, now: number): ScheduleForm {
  const start = startOf(lab, now);
  const end = endOf(lab, now);
  return { start: start === null ? "" : toLocalInput(start), end: end === null ? "" : toLocalInput(end), noEnd: neverEnds(lab, now) };
}

/** A form's change, or why it cannot be sent; `change` is `{}` when nothing changed. */
export type ScheduleResult = { change: LabInPartial; error: null } | { change: null; error: string };

function fail(error: string): ScheduleResult {
  return { change: null, error };
}

/** What the form asks to change; only what differs from the lab, only the end when `endOnly`. */
export function scheduleChange(lab: LabOut, form: ScheduleForm, endOnly: boolean, now: number): ScheduleResult {
  const before = scheduleForm(lab, now);
  const change: LabInPartial = {};

  let start = startOf(lab, now);
  if (!endOnly && form.start !== before.start) {
    if (form.start.trim() === "") return fail("Give a start time");
    const parsed = fromLocalInput(form.start);
    if (parsed === null) return fail("The start time is not a valid date");
    start = parsed;
    change.startTime = new Date(parsed).toISOString();
  }

  if (form.noEnd) {
    if (!before.noEnd) change.indefinite = true;
  } else if (form.noEnd !== before.noEnd || form.end !== before.end) {
    if (form.end.trim() === "") return fail("Give an end time, or choose “No end”");
    const end = fromLocalInput(form.end);
    if (end === null) return fail("The end time is not a valid date");
    // A parked lab keeps its far-off start: an end before it is refused (422).
    if (start === null) return fail("Give a start time too: the lab is not scheduled");
    if (end < start) return fail("The end must not be before the start");
    if (end <= now) return fail("The end time has passed: choose a later one (or destroy the lab)");
    change.endTime = new Date(end).toISOString();
  }
  // A new start after an end that stays.
  if (change.startTime !== undefined && change.endTime === undefined && !form.noEnd) {
    const end = endOf(lab, now);
    if (end !== null && start !== null && end < start) return fail("The end must not be before the start");
  }
  return { change, error: null };
}
