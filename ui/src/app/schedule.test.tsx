// Rescheduling and extending from the lab view, against the fake bridge answering as
// antimony-server does, or as a Go-like server (one that does not say its version).

import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { LabInPartial } from "../bindings";
import type { FakeBridge } from "../lib/bridge/fake";
import { formatFull } from "../lib/format";
import { toLocalInput } from "../lib/lab-times";
import { startApp } from "./app.test-util";

const SERVER = "lab.example.net";

async function openLab(name: string) {
  const row = screen.getAllByTestId("lab-row").find((r) => r.getAttribute("data-lab-name") === name);
  if (row === undefined) throw new Error(`no row for ${name}`);
  fireEvent.doubleClick(row);
  return screen.findByTestId("lab-open");
}

function extendButton(minutes: number): HTMLButtonElement {
  const button = screen.getAllByTestId<HTMLButtonElement>("action-extend").find((b) => b.getAttribute("data-minutes") === String(minutes));
  if (button === undefined) throw new Error(`no +${String(minutes)} button`);
  return button;
}

function updates(f: FakeBridge): LabInPartial[] {
  return f.calls.filter((c) => c.command === "update_lab").map((c) => (c.args as { lab: LabInPartial }).lab);
}

async function labEnd(f: FakeBridge, labId: string): Promise<string | null> {
  return (await f.lab({ server: SERVER, labId })).endTime;
}

describe("rescheduling in the lab view", () => {
  it("offers nothing for a deployed lab on a Go-like server, and says why", async () => {
    const f = await startApp();
    f.setServerVersion(SERVER, null);
    await openLab("Spine Leaf");
    const reschedule = screen.getByTestId<HTMLButtonElement>("action-reschedule");
    await waitFor(() => {
      expect(reschedule.title).toMatch(/cannot change a deployed lab: it would stop answering/);
    });
    expect(reschedule.disabled).toBe(true);
    expect(extendButton(60).disabled).toBe(true);
    expect(extendButton(60).title).toMatch(/cannot change a deployed lab/);
    expect(updates(f)).toEqual([]);
  });

  it("extends a running lab by an hour on antimony-server and shows the new end", async () => {
    const f = await startApp();
    f.setServerVersion(SERVER, "0.1.0");
    const view = await openLab("Spine Leaf");
    const labId = view.getAttribute("data-lab-id") ?? "";
    const before = await labEnd(f, labId);
    if (before === null) throw new Error("the seed lab has an end");
    await waitFor(() => {
      expect(extendButton(60).disabled).toBe(false);
    });
    fireEvent.click(extendButton(60));
    const after = new Date(Date.parse(before) + 3_600_000).toISOString();
    await waitFor(() => {
      expect(screen.getByTestId("lab-times").textContent).toBe(`ends ${formatFull(after)}`);
    });
    expect(updates(f)).toEqual([{ endTime: after }]);
    expect(await labEnd(f, labId)).toBe(after);
  });

  it("changes only the end of a deployed lab in the dialog", async () => {
    const f = await startApp();
    f.setServerVersion(SERVER, "0.1.0");
    const view = await openLab("Spine Leaf");
    const labId = view.getAttribute("data-lab-id") ?? "";
    await waitFor(() => {
      expect(screen.getByTestId<HTMLButtonElement>("action-reschedule").disabled).toBe(false);
    });
    fireEvent.click(screen.getByTestId("action-reschedule"));
    const dialog = await screen.findByTestId("schedule-dialog");
    expect(screen.getByTestId<HTMLInputElement>("schedule-start").disabled).toBe(true);
    expect(dialog.textContent).toMatch(/only its end can change/);
    // Saving nothing is not offered.
    expect(screen.getByTestId<HTMLButtonElement>("schedule-save").disabled).toBe(true);
    const end = new Date(Date.now() + 30 * 3_600_000);
    end.setSeconds(0, 0);
    fireEvent.change(screen.getByTestId("schedule-end"), { target: { value: toLocalInput(end.getTime()) } });
    fireEvent.click(screen.getByTestId("schedule-save"));
    await waitFor(() => {
      expect(screen.queryByTestId("schedule-dialog")).toBeNull();
    });
    expect(updates(f)).toEqual([{ endTime: end.toISOString() }]);
    expect(await labEnd(f, labId)).toBe(end.toISOString());
    expect(screen.getByTestId("lab-times").textContent).toBe(`ends ${formatFull(end.toISOString())}`);
  });

  it("moves the end by a day from the dialog's quick buttons", async () => {
    const f = await startApp();
    f.setServerVersion(SERVER, "0.1.0");
    const view = await openLab("Spine Leaf");
    const labId = view.getAttribute("data-lab-id") ?? "";
    const before = Date.parse((await labEnd(f, labId)) ?? "");
    await waitFor(() => {
      expect(screen.getByTestId<HTMLButtonElement>("action-reschedule").disabled).toBe(false);
    });
    fireEvent.click(screen.getByTestId("action-reschedule"));
    await screen.findByTestId("schedule-dialog");
    const day = screen.getAllByTestId("schedule-add").find((b) => b.getAttribute("data-minutes") === "1440");
    if (day === undefined) throw new Error("no +1 day");
    fireEvent.click(day);
    // The field shows minutes: the seconds of the old end are dropped.
    const expected = toLocalInput(before + 86_400_000);
    expect(screen.getByTestId<HTMLInputElement>("schedule-end").value).toBe(expected);
    fireEvent.click(screen.getByTestId("schedule-save"));
    await waitFor(() => {
      expect(screen.queryByTestId("schedule-dialog")).toBeNull();
    });
    expect(toLocalInput(Date.parse((await labEnd(f, labId)) ?? ""))).toBe(expected);
  });

  it("schedules a lab that never ended, refusing an end before its start", async () => {
    const f = await startApp();
    const view = await openLab("Forever");
    const labId = view.getAttribute("data-lab-id") ?? "";
    expect(screen.getByTestId("lab-times").textContent).toBe("no end");
    fireEvent.click(screen.getByTestId("action-reschedule"));
    await screen.findByTestId("schedule-dialog");
    expect(screen.getByTestId<HTMLInputElement>("schedule-no-end").checked).toBe(true);
    expect(screen.getByTestId<HTMLInputElement>("schedule-end").value).toBe("");
    const start = new Date(Date.now() + 2 * 3_600_000);
    start.setSeconds(0, 0);
    const end = new Date(start.getTime() + 3 * 3_600_000);
    fireEvent.change(screen.getByTestId("schedule-start"), { target: { value: toLocalInput(start.getTime()) } });
    fireEvent.click(screen.getByTestId("schedule-no-end"));
    fireEvent.change(screen.getByTestId("schedule-end"), { target: { value: toLocalInput(start.getTime() - 3_600_000) } });
    expect(screen.getByTestId("schedule-error").textContent).toMatch(/end must not be before the start/);
    fireEvent.click(screen.getByTestId("schedule-save"));
    expect(updates(f)).toEqual([]);
    fireEvent.change(screen.getByTestId("schedule-end"), { target: { value: toLocalInput(end.getTime()) } });
    expect(screen.queryByTestId("schedule-error")).toBeNull();
    fireEvent.click(screen.getByTestId("schedule-save"));
    await waitFor(() => {
      expect(screen.queryByTestId("schedule-dialog")).toBeNull();
    });
    expect(updates(f)).toEqual([{ startTime: start.toISOString(), endTime: end.toISOString() }]);
    const lab = await f.lab({ server: SERVER, labId });
    expect([lab.startTime, lab.endTime]).toEqual([start.toISOString(), end.toISOString()]);
    await waitFor(() => {
      expect(screen.getByTestId("lab-open").getAttribute("data-state")).toBe("scheduled");
    });
    expect(screen.getByTestId("lab-starts").textContent).toBe(`starts ${formatFull(start.toISOString())}`);
  });

  it("shows the server's refusal in the dialog", async () => {
    const f = await startApp();
    f.setServerVersion(SERVER, "0.1.0");
    await openLab("Spine Leaf");
    await waitFor(() => {
      expect(screen.getByTestId<HTMLButtonElement>("action-reschedule").disabled).toBe(false);
    });
    fireEvent.click(screen.getByTestId("action-reschedule"));
    await screen.findByTestId("schedule-dialog");
    // The server turns out to be Go-like after all: the Rust side refuses before sending.
    f.setServerVersion(SERVER, null);
    fireEvent.click(screen.getByTestId("schedule-no-end"));
    fireEvent.click(screen.getByTestId("schedule-save"));
    const error = await screen.findByTestId("schedule-error");
    expect(error.textContent).toMatch(/cannot change a deployed lab/);
    expect(screen.getByTestId("schedule-dialog")).toBeTruthy();
  });

  it("leaves other users' labs alone", async () => {
    const f = await startApp();
    await openLab("Nightly Regression");
    const reschedule = screen.getByTestId<HTMLButtonElement>("action-reschedule");
    expect(reschedule.disabled).toBe(true);
    expect(reschedule.title).toMatch(/Only the lab's creator \(Admin\) or an administrator/);
    // The fake answers as the server would anyway.
    const labId = screen.getByTestId("lab-open").getAttribute("data-lab-id") ?? "";
    await expect(f.updateLab({ server: SERVER, labId, lab: { indefinite: true } })).rejects.toMatchObject({ kind: "api", code: 403 });
  });
});
