// A lab of a topology: its name, when it starts (now, or at a time) and ends (at a time, or
// never). Servers need all four of name, start, end and topology (POST /labs), so a lab
// without an end is created with one and then told it has none (`updateLab` with
// `indefinite`). A start in the past is "now": the server deploys it at once.

import { useState } from "react";
import type { TopologyOut } from "../../bindings";
import { Dialog } from "../../components/dialog";
import { describeError, type Bridge } from "../../lib/bridge";

/** A `datetime-local` value for a time, in local time. */
export function localInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export interface LabTimes {
  start: "now" | "at";
  startAt: string;
  end: "at" | "never";
  endAt: string;
}

/** The times to send, or why they cannot be: a start in the past is allowed (it means now), an end must follow the start. */
export function labTimes(times: LabTimes, now: number): { startTime: string; endTime: string; indefinite: boolean } | string {
  const start = times.start === "now" ? now : Date.parse(times.startAt);
  if (!Number.isFinite(start)) return "Choose when the lab starts";
  if (times.end === "never") return { startTime: new Date(start).toISOString(), endTime: new Date(start + 24 * 3_600_000).toISOString(), indefinite: true };
  const end = Date.parse(times.endAt);
  if (!Number.isFinite(end)) return "Choose when the lab ends";
  if (end <= Math.max(start, now)) return "The end must be after the start (and in the future)";
  return { startTime: new Date(start).toISOString(), endTime: new Date(end).toISOString(), indefinite: false };
}

export function CreateLabDialog({
  bridge,
  server,
  topology,
  topologyName,
  collectionName,
  onCancel,
  onCreated,
}: {
  bridge: Bridge;
  server: string;
  topology: TopologyOut;
  topologyName: string;
  collectionName: string;
  onCancel: () => void;
  onCreated: (labId: string) => void;
}) {
  const [name, setName] = useState(topologyName);
  const [times, setTimes] = useState<LabTimes>(() => {
    const now = Date.now();
    return { start: "now", startAt: localInput(now + 3_600_000), end: "at", endAt: localInput(now + 4 * 3_600_000) };
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const checkedTimes = labTimes(times, now);
  const problem = name.trim() === "" ? "The lab needs a name" : typeof checkedTimes === "string" ? checkedTimes : null;

  const create = async () => {
    const at = Date.now();
    setNow(at);
    const sent = labTimes(times, at);
    if (typeof sent === "string" || problem !== null) return;
    setBusy(true);
    setError(null);
    try {
      const labId = await bridge.createLab({ server, lab: { name: name.trim(), startTime: sent.startTime, endTime: sent.endTime, topologyId: topology.id } });
      if (sent.indefinite) {
        try {
          await bridge.updateLab({ server, labId, lab: { indefinite: true } });
        } catch (e: unknown) {
          setError(`The lab was created, but with an end a day after its start: ${describeError(e)}`);
          setBusy(false);
          onCreated(labId);
          return;
        }
      }
      onCreated(labId);
    } catch (e: unknown) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={`Create a lab of ${topologyName}`}
      testId="create-lab-dialog"
      onCancel={() => { if (!busy) onCancel(); }}
      actions={
        <>
          <button type="button" className="button" disabled={busy} onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className="button button--primary" data-testid="create-lab-confirm" disabled={busy || problem !== null} title={problem ?? undefined} aria-busy={busy || undefined} onClick={() => void create()}>
            {busy ? "Creating…" : times.start === "now" ? "Create and deploy" : "Create"}
          </button>
        </>
      }
    >
      <label className="field">
        Name
        <input data-testid="create-lab-name" data-autofocus value={name} onChange={(e) => { setName(e.target.value); }} />
      </label>
      <p className="muted">In {collectionName}, from {topologyName}.</p>
      <fieldset className="field-group">
        <legend>Starts</legend>
        <label><input type="radio" name="start" data-testid="create-lab-start-now" checked={times.start === "now"} onChange={() => { setTimes({ ...times, start: "now" }); }} /> Now (deploys at once)</label>
        <label>
          <input type="radio" name="start" data-testid="create-lab-start-at" checked={times.start === "at"} onChange={() => { setTimes({ ...times, start: "at" }); }} /> At{" "}
          <input type="datetime-local" data-testid="create-lab-start-time" value={times.startAt} disabled={times.start !== "at"} onChange={(e) => { setTimes({ ...times, startAt: e.target.value }); }} />
        </label>
      </fieldset>
      <fieldset className="field-group">
        <legend>Ends</legend>
        <label>
          <input type="radio" name="end" data-testid="create-lab-end-at" checked={times.end === "at"} onChange={() => { setTimes({ ...times, end: "at" }); }} /> At{" "}
          <input type="datetime-local" data-testid="create-lab-end-time" value={times.endAt} disabled={times.end !== "at"} onChange={(e) => { setTimes({ ...times, endAt: e.target.value }); }} />
        </label>
        <label><input type="radio" name="end" data-testid="create-lab-end-never" checked={times.end === "never"} onChange={() => { setTimes({ ...times, end: "never" }); }} /> Never (runs until destroyed)</label>
      </fieldset>
      {problem !== null && <p className="form-error" data-testid="create-lab-problem">{problem}</p>}
      {error !== null && <p className="form-error" role="alert" data-testid="create-lab-error">{error}</p>}
    </Dialog>
  );
}
