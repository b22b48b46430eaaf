// The lab view's scheduling: "Reschedule…" (a dialog for the start and end, or no end, with
// +15 min, +1 h, +1 day for the end) and "+1 h" at once, enabled by `scheduleRights`, with the reason as a
// tooltip where they are not (another user's lab, a deployed lab on a Go server).

import { useState } from "react";
import { Severity, type LabOut } from "../../bindings";
import { Dialog } from "../../components/dialog";
import { BridgeError, type Identity } from "../../lib/bridge";
import { fromLocalInput, toLocalInput } from "../../lib/lab-times";
import { useNotify } from "../../lib/notify";
import { useServerKind } from "../../lib/server-version";
import { EXTENSIONS, GO_SERVER_REASON, scheduleChange, scheduleForm, scheduleRights, extendChange, type ScheduleForm } from "./lab-schedule";
import type { Labs } from "./labs-store";
import "./lab-schedule.css";

/** The time an extension counts from (when the end has passed). */
const clock = () => Date.now();

/** What a failed change tells the user: the Go server's refusal in words, else the server's message. */
function failure(e: unknown): string {
  const err = BridgeError.from(e);
  if (err.kind === "unsupported") return GO_SERVER_REASON;
  return err.message;
}

export function LabScheduleControls({ lab, labs, server, identity, now }: { lab: LabOut; labs: Labs; server: string; identity: Identity | null; now: number }) {
  const kind = useServerKind(server);
  const notify = useNotify();
  const [open, setOpen] = useState(false);
  const [extending, setExtending] = useState<number | null>(null);
  const rights = scheduleRights(lab, identity, kind, now);

  const extend = async (minutes: number) => {
    setExtending(minutes);
    try {
      await labs.update(lab.id, extendChange(lab, minutes, clock()));
    } catch (e: unknown) {
      notify({ key: `schedule:${lab.id}`, severity: Severity.Error, title: `Could not extend ${lab.name}`, body: failure(e) });
    } finally {
      setExtending(null);
    }
  };

  return (
    <>
      <span className="lab-schedule" role="group" aria-label="Schedule">
        <button
          type="button"
          className="button button--small"
          data-testid="action-reschedule"
          disabled={rights.reschedule !== null}
          title={rights.reschedule ?? (rights.endOnly ? "Change when the lab ends" : "Change when the lab starts and ends")}
          onClick={() => {
            setOpen(true);
          }}
        >
          Reschedule…
        </button>
        <button
          type="button"
          className="button button--small button--quiet"
          data-testid="action-extend"
          data-minutes={60}
          disabled={rights.extend !== null || extending !== null}
          aria-busy={extending === 60}
          title={rights.extend ?? "Extend by 1 hour (Reschedule… for more)"}
          onClick={() => void extend(60)}
        >
          +1 h
        </button>
      </span>
      {open && (
        <RescheduleDialog
          lab={lab}
          endOnly={rights.endOnly}
          now={now}
          onSave={async (change) => {
            await labs.update(lab.id, change);
          }}
          onClose={() => {
            setOpen(false);
          }}
        />
      )}
    </>
  );
}

export function RescheduleDialog({
  lab,
  endOnly,
  now,
  onSave,
  onClose,
}: {
  lab: LabOut;
  endOnly: boolean;
  now: number;
  onSave: (change: NonNullable<ReturnType<typeof scheduleChange>["change"]>) => Promise<void>;
  onClose: () => void;
}) {
  const [form, setForm] = useState<ScheduleForm>(() => scheduleForm(lab, now));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const result = scheduleChange(lab, form, endOnly, now);
  const unchanged = result.change !== null && Object.keys(result.change).length === 0;

  const save = async () => {
    if (result.change === null) {
      setError(result.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onSave(result.change);
      onClose();
    } catch (e: unknown) {
      setError(failure(e));
      setBusy(false);
    }
  };

  const set = (patch: Partial<ScheduleForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setError(null);
  };

  return (
    <Dialog
      title={`Reschedule ${lab.name}`}
      testId="schedule-dialog"
      onCancel={() => {
        if (!busy) onClose();
      }}
      actions={
        <>
          <button type="button" className="button" disabled={busy} onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="button button--primary"
            data-testid="schedule-save"
            disabled={busy || unchanged}
            aria-busy={busy}
            onClick={() => void save()}
          >
            {busy ? "Saving…" : "Save"}
          </button>
        </>
      }
    >
      <form
        className="schedule-form"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label className="field">
          <span>Starts</span>
          <input
            type="datetime-local"
            data-testid="schedule-start"
            value={form.start}
            disabled={endOnly || busy}
            data-autofocus={endOnly ? undefined : true}
            onChange={(e) => {
              set({ start: e.target.value });
            }}
          />
        </label>
        {endOnly ? (
          <p className="hint schedule-hint">The lab is deployed: only its end can change. A new start would deploy it again; destroy it first for that.</p>
        ) : form.start === "" ? (
          <p className="hint schedule-hint">Not scheduled: the lab deploys only when you deploy it. Give a start time to have the server deploy it then.</p>
        ) : (
          <p className="hint schedule-hint">The server deploys the lab at its start time (a time past means now).</p>
        )}
        <label className="field">
          <span>Ends</span>
          <input
            type="datetime-local"
            data-testid="schedule-end"
            value={form.end}
            disabled={form.noEnd || busy}
            data-autofocus={endOnly ? true : undefined}
            onChange={(e) => {
              set({ end: e.target.value });
            }}
          />
        </label>
        <div className="schedule-adds" role="group" aria-label="Move the end">
          {EXTENSIONS.map((x) => (
            <button
              key={x.minutes}
              type="button"
              className="button button--small button--quiet"
              data-testid="schedule-add"
              data-minutes={x.minutes}
              title={`${x.title} from the end in the field (or from now)`}
              disabled={busy}
              onClick={() => {
                const end = fromLocalInput(form.end);
                const base = Math.max(end ?? now, now);
                set({ end: toLocalInput(base + x.minutes * 60_000), noEnd: false });
              }}
            >
              {x.label}
            </button>
          ))}
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="schedule-no-end"
            checked={form.noEnd}
            disabled={busy}
            onChange={(e) => {
              set({ noEnd: e.target.checked });
            }}
          />
          <span>No end: runs until destroyed</span>
        </label>
        {(error ?? (result.change === null && !busy ? result.error : null)) !== null && (
          <p className="form-error" role="alert" data-testid="schedule-error">
            {error ?? result.error}
          </p>
        )}
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}
