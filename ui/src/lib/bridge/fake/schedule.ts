// Rescheduling and deleting labs as antimony-server answers (PROTOCOL.md §4.3 and commit
// 716978c): only the creator or an admin (`api` 403); of a deployed lab only a new end time
// (`api` -1 "modifications to a running lab are not allowed" for a name or start); an end
// before the start is `api` 422; a new start time re-queues the deployment. A server that does
// not say its version is taken for the Go server, which would hang on any change of a deployed
// lab: the Rust side refuses with `unsupported` before sending it, and so does this. Also the
// reminder settings, kept in memory.

import { InstanceState, type LabOut } from "../../../bindings";
import { commands } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type { Bridge, ReminderSettings } from "../types";
import { fakeVersionOf, type FakeServerVersion } from "./about";
import { runCommand } from "./labs";
import { emit, type FakeRuntime, type FakeServer } from "./runtime";

const RUNNING_LAB = "modifications to a running lab are not allowed";
const GO_REFUSAL = "not supported by this server: this server cannot change a deployed lab (it would stop answering); destroy the lab first";

function mayControl(s: FakeServer, lab: LabOut): void {
  const me = s.view.identity;
  if (me?.isAdmin !== true && me?.id !== lab.creator.id) throw new BridgeError("api", 403, "You do not have access to this lab");
}

/** Whether the server says it is antimony-server (rejects with the error asking it gives). */
function saysVersion(rt: FakeRuntime, versions: ReadonlyMap<string, FakeServerVersion>, server: string): boolean {
  const version = fakeVersionOf(rt, versions, server);
  if (version instanceof BridgeError) throw version;
  return version !== null;
}

/** The scheduler: a lab deploys at its (new) start time, if that comes within a day. */
function queueDeploy(rt: FakeRuntime, s: FakeServer, lab: LabOut): void {
  const start = lab.startTime;
  const wait = Math.max(0, Date.parse(start) - Date.now());
  if (wait > 86_400_000) return;
  rt.later(wait, () => {
    if (lab.startTime !== start || lab.instance !== undefined || !s.labs.includes(lab)) return;
    runCommand(rt, s, lab.id, "deploy", undefined).catch(() => undefined);
  });
}

export function scheduleCommands(
  rt: FakeRuntime,
  versions: ReadonlyMap<string, FakeServerVersion>,
): Pick<Bridge, "updateLab" | "deleteLab" | "reminderSettings" | "setReminderSettings"> {
  let reminders: ReminderSettings = { enabled: true, leadMinutes: 15 };
  return {
    updateLab: (args) =>
      rt.answer(commands.updateLab, args, () => {
        const s = rt.loggedIn(args.server);
        const lab = rt.findLab(s, args.labId);
        const ours = lab.instance === undefined || saysVersion(rt, versions, args.server);
        if (!ours) throw new BridgeError("unsupported", -1, GO_REFUSAL);
        mayControl(s, lab);
        const change = args.lab;
        if (lab.instance !== undefined && (change.name !== undefined || change.startTime !== undefined)) {
          throw new BridgeError("api", -1, RUNNING_LAB);
        }
        const start = change.startTime ?? lab.startTime;
        const end = change.indefinite === true ? null : (change.endTime ?? lab.endTime);
        if (end !== null && Date.parse(end) < Date.parse(start)) throw new BridgeError("api", 422, "endTime must not be before startTime");
        // In place: a deploy under way holds this object.
        Object.assign(lab, { name: change.name ?? lab.name, startTime: start, endTime: end });
        if (change.startTime !== undefined) queueDeploy(rt, s, lab);
        // antimony-server announces the change; the Go server is silent (the UI refetches).
        if (saysVersion(rt, versions, args.server)) emit(rt.handlers.labUpdate, { server: args.server, labId: lab.id });
        return null;
      }),

    deleteLab: (args) =>
      rt.answer(commands.deleteLab, args, () => {
        const s = rt.loggedIn(args.server);
        const lab = rt.findLab(s, args.labId);
        mayControl(s, lab);
        if (lab.instance !== undefined && lab.instance.state !== InstanceState.Failed) throw new BridgeError("api", -1, RUNNING_LAB);
        s.labs = s.labs.filter((l) => l.id !== lab.id);
        return null;
      }),

    reminderSettings: () => rt.answer(commands.reminderSettings, undefined, () => ({ ...reminders })),

    setReminderSettings: (args) =>
      rt.answer(commands.setReminderSettings, args, () => {
        const { settings } = args;
        if (!Number.isInteger(settings.leadMinutes) || settings.leadMinutes < 1 || settings.leadMinutes > 1440) {
          throw new BridgeError("io", -1, "the reminder must come 1 to 1440 minutes before the end");
        }
        reminders = { ...settings };
        return { ...reminders };
      }),
  };
}
