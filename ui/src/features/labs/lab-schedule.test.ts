import { describe, expect, it } from "vitest";
import { InstanceState } from "../../bindings";
import { toLocalInput } from "../../lib/lab-times";
import { lab, NOW } from "./fixtures.test-util";
import { extendChange, GO_SERVER_REASON, scheduleChange, scheduleForm, scheduleRights } from "./lab-schedule";

const H = 3_600_000;
const ALICE = { id: "alice", isAdmin: false };
const BOB = { id: "bob", isAdmin: false };
const ROOT = { id: "root", isAdmin: true };
const at = (ms: number) => new Date(NOW + ms).toISOString();
const local = (ms: number) => toLocalInput(NOW + ms);

describe("who may reschedule what", () => {
  it("lets the creator and admins, not others or nobody", () => {
    const running = lab("r", InstanceState.Running);
    expect(scheduleRights(running, ALICE, "antimony", NOW).reschedule).toBeNull();
    expect(scheduleRights(running, ROOT, "antimony", NOW).reschedule).toBeNull();
    expect(scheduleRights(running, BOB, "antimony", NOW).reschedule).toMatch(/creator \(alice@example.org\) or an administrator/);
    expect(scheduleRights(running, null, "antimony", NOW).extend).toMatch(/creator/);
  });

  it("changes only the end of a deployed lab, and nothing of it on a Go server", () => {
    const running = lab("r", InstanceState.Running);
    expect(scheduleRights(running, ALICE, "antimony", NOW)).toEqual({ reschedule: null, endOnly: true, extend: null });
    const go = scheduleRights(running, ALICE, "go", NOW);
    expect(go.reschedule).toBe(GO_SERVER_REASON);
    expect(go.extend).toBe(GO_SERVER_REASON);
    // Until the server has said what it is, nothing is offered for a deployed lab.
    expect(scheduleRights(running, ALICE, "unknown", NOW).reschedule).toMatch(/Asking/);
    // A lab without an instance changes anywhere, start included.
    const scheduled = lab("s", InstanceState.Scheduled);
    expect(scheduleRights(scheduled, ALICE, "go", NOW)).toEqual({ reschedule: null, endOnly: false, extend: null });
    expect(scheduleRights(lab("x", InstanceState.Stopping), ALICE, "antimony", NOW).reschedule).toMatch(/being destroyed/);
  });

  it("offers no extension to a lab that never ends (none, or the import's placeholder)", () => {
    expect(scheduleRights(lab("f", InstanceState.Running, { endTime: null }), ALICE, "antimony", NOW).extend).toMatch(/no end/);
    expect(scheduleRights(lab("f", InstanceState.Running, { endTime: "2199-01-01T00:00:00Z" }), ALICE, "antimony", NOW).extend).toMatch(/no end/);
  });
});

describe("extending", () => {
  it("adds to the end, or to now when the end has passed", () => {
    const running = lab("r", InstanceState.Running, { endTime: at(10 * 60_000) });
    expect(extendChange(running, 60, NOW)).toEqual({ endTime: at(70 * 60_000) });
    expect(extendChange(running, 1440, NOW)).toEqual({ endTime: at(10 * 60_000 + 24 * H) });
    const late = lab("r", InstanceState.Running, { endTime: at(-5 * 60_000) });
    expect(extendChange(late, 15, NOW)).toEqual({ endTime: at(15 * 60_000) });
  });
});

describe("the reschedule form", () => {
  it("shows placeholders as empty fields and No end, never as years", () => {
    const parked = lab("p", InstanceState.Inactive, { startTime: "2099-01-01T00:00:00Z", endTime: "2199-01-01T00:00:00Z" });
    expect(scheduleForm(parked, NOW)).toEqual({ start: "", end: "", noEnd: true });
    const forever = lab("f", InstanceState.Running, { endTime: null });
    expect(scheduleForm(forever, NOW).noEnd).toBe(true);
    const week = lab("w", InstanceState.Scheduled, { startTime: at(H), endTime: at(7 * 24 * H) });
    expect(scheduleForm(week, NOW)).toEqual({ start: local(H), end: local(7 * 24 * H), noEnd: false });
  });

  it("sends only what changed", () => {
    const scheduled = lab("s", InstanceState.Scheduled, { startTime: at(H), endTime: at(5 * H) });
    const form = scheduleForm(scheduled, NOW);
    expect(scheduleChange(scheduled, form, false, NOW)).toEqual({ change: {}, error: null });
    expect(scheduleChange(scheduled, { ...form, start: local(2 * H) }, false, NOW)).toEqual({ change: { startTime: at(2 * H) }, error: null });
    expect(scheduleChange(scheduled, { ...form, end: local(9 * H) }, false, NOW)).toEqual({ change: { endTime: at(9 * H) }, error: null });
    expect(scheduleChange(scheduled, { ...form, noEnd: true }, false, NOW)).toEqual({ change: { indefinite: true }, error: null });
  });

  it("refuses an end before the start, a passed end, and an end for a lab with no start", () => {
    const scheduled = lab("s", InstanceState.Scheduled, { startTime: at(H), endTime: at(5 * H) });
    const form = scheduleForm(scheduled, NOW);
    expect(scheduleChange(scheduled, { ...form, end: local(30 * 60_000) }, false, NOW).error).toMatch(/before the start/);
    // A later start past the end that stays.
    expect(scheduleChange(scheduled, { ...form, start: local(6 * H) }, false, NOW).error).toMatch(/before the start/);
    expect(scheduleChange(scheduled, { ...form, start: "" }, false, NOW).error).toMatch(/start time/);
    expect(scheduleChange(scheduled, { ...form, end: "" }, false, NOW).error).toMatch(/No end/);
    expect(scheduleChange(scheduled, { ...form, end: "2026-02-31T10:00" }, false, NOW).error).toMatch(/not a valid date/);
    const running = lab("r", InstanceState.Running);
    expect(scheduleChange(running, { ...scheduleForm(running, NOW), end: local(-H) }, true, NOW).error).toMatch(/passed/);
    const parked = lab("p", InstanceState.Inactive, { startTime: "2099-01-01T00:00:00Z", endTime: "2199-01-01T00:00:00Z" });
    expect(scheduleChange(parked, { start: "", end: local(H), noEnd: false }, false, NOW).error).toMatch(/not scheduled/);
    expect(scheduleChange(parked, { start: local(0), end: local(H), noEnd: false }, false, NOW)).toEqual({ change: { startTime: at(0), endTime: at(H) }, error: null });
  });

  it("ignores a start typed into a deployed lab's form", () => {
    const running = lab("r", InstanceState.Running);
    const form = { ...scheduleForm(running, NOW), start: local(3 * H), end: local(8 * H) };
    expect(scheduleChange(running, form, true, NOW)).toEqual({ change: { endTime: at(8 * H) }, error: null });
  });
});
