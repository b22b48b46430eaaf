import { describe, expect, it } from "vitest";
import { InstanceState } from "../../bindings";
import { canManage, deployAction, destroyAction, nodeActions, pendingKey } from "./lab-actions";
import { labState } from "./lab-state";
import { NOW, lab, node } from "./fixtures.test-util";

const creator = { id: "alice", isAdmin: false };
const admin = { id: "root", isAdmin: true };
const stranger = { id: "mallory", isAdmin: false };

describe("lab actions", () => {
  it("allow the creator and admins only, saying why not", () => {
    const l = lab("x", InstanceState.Running);
    expect(canManage(l, creator)).toBe(true);
    expect(canManage(l, admin)).toBe(true);
    expect(canManage(l, stranger)).toBe(false);
    expect(canManage(l, null)).toBe(false);
    const d = deployAction(l, InstanceState.Running, stranger, {});
    expect(d.enabled).toBe(false);
    expect(d.reason).toBe("Only the lab's creator (alice@example.org) or an administrator can do this");
    expect(destroyAction(l, stranger, {}).enabled).toBe(false);
  });

  it("deploy on a lab without instance, redeploy with one", () => {
    const inactive = lab("x", InstanceState.Inactive);
    expect(deployAction(inactive, labState(inactive, NOW), creator, {})).toEqual({ enabled: true, reason: null, busy: false, label: "Deploy" });
    const running = lab("y", InstanceState.Running);
    expect(deployAction(running, InstanceState.Running, creator, {}).label).toBe("Redeploy");
    const failed = lab("z", InstanceState.Failed);
    expect(deployAction(failed, InstanceState.Failed, creator, {}).enabled).toBe(true);
  });

  it("deploy is busy while deploying and refused while stopping", () => {
    const deploying = lab("x", InstanceState.Deploying);
    expect(deployAction(deploying, InstanceState.Deploying, creator, {})).toEqual({ enabled: false, reason: null, busy: true, label: "Deploying…" });
    const stopping = lab("y", InstanceState.Stopping);
    const s = deployAction(stopping, InstanceState.Stopping, creator, {});
    expect([s.enabled, s.busy, s.reason]).toEqual([false, false, "The lab is being destroyed"]);
    const inactive = lab("z", InstanceState.Inactive);
    const p = deployAction(inactive, InstanceState.Inactive, creator, { [inactive.id]: "deploy" });
    expect([p.enabled, p.busy, p.label]).toEqual([false, true, "Deploying…"]);
  });

  it("destroy only with an instance, busy while it runs, and possible while deploying", () => {
    expect(destroyAction(lab("x", InstanceState.Inactive), creator, {}).reason).toBe("The lab is not deployed");
    expect(destroyAction(lab("x", InstanceState.Deploying), creator, {}).enabled).toBe(true);
    expect(destroyAction(lab("x", InstanceState.Stopping), creator, {}).enabled).toBe(true); // retry a failed destroy
    const l = lab("y", InstanceState.Running);
    expect(destroyAction(l, admin, { [l.id]: "destroy" })).toEqual({ enabled: false, reason: null, busy: true, label: "Destroying…" });
  });
});

describe("node actions", () => {
  const l = lab("x", InstanceState.Running);

  it("start an exited node, stop or restart a running one", () => {
    const up = nodeActions(l, node("a", "running"), creator, {});
    expect([up.start.enabled, up.stop.enabled, up.restart.enabled]).toEqual([false, true, true]);
    expect(up.start.reason).toBe("The node is not stopped");
    const down = nodeActions(l, node("a", "exited"), creator, {});
    expect([down.start.enabled, down.stop.enabled, down.restart.enabled]).toEqual([true, false, false]);
    const starting = nodeActions(l, node("a", "starting"), creator, {});
    expect([starting.start.enabled, starting.stop.enabled, starting.restart.enabled]).toEqual([false, false, false]);
  });

  it("need canRestart, a running lab and permission", () => {
    expect(nodeActions(l, node("a", "running", false), creator, {}).stop.reason).toBe("This node cannot be started, stopped or restarted");
    const failed = lab("y", InstanceState.Failed);
    expect(nodeActions(failed, node("a", "exited"), creator, {}).start.reason).toBe("The lab is not running");
    expect(nodeActions(l, node("a", "running"), stranger, {}).stop.enabled).toBe(false);
    expect(nodeActions(l, node("a", "running"), admin, {}).stop.enabled).toBe(true);
  });

  it("show the running command and block the others on that node only", () => {
    const pending = { [pendingKey(l.id, "a")]: "stopNode" as const };
    const a = nodeActions(l, node("a", "running"), creator, pending);
    expect([a.stop.busy, a.stop.label, a.restart.enabled]).toEqual([true, "Stopping…", false]);
    expect(nodeActions(l, node("b", "running"), creator, pending).restart.enabled).toBe(true);
  });
});
