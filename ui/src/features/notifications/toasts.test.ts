import { describe, expect, it } from "vitest";
import { Severity, type StatusMessage } from "../../bindings";
import { MAX_TOASTS, initialToasts, nextExpiry, statusSubject, statusToast, toastReducer, type ToastState } from "./toasts";

const LAB = "0c6d1f8a-2b7d-11f0-9a3e-0242ac120002";

function message(severity: Severity, content: string, details = ` lab=${LAB} topo=spine-leaf `): StatusMessage {
  return {
    id: `${content}-${severity}`,
    source: "Lab Manager",
    content,
    logContent: `22:13:05 ANTIMONY ${content}${details}`,
    timestamp: "2025-06-12T22:13:05+02:00",
    severity,
  };
}

function push(state: ToastState, server: string, m: StatusMessage, now: number): ToastState {
  return toastReducer(state, { type: "push", request: statusToast(server, m), now });
}

describe("toasts", () => {
  it("merges a deploying lab's messages into one updating toast", () => {
    let s = initialToasts;
    s = push(s, "srv", message(Severity.Info, "Deploying lab 'Spine Leaf' (spine-leaf)"), 0);
    s = push(s, "srv", message(Severity.Success, "Successfully deployed 'Spine Leaf' (spine-leaf)"), 1000);
    expect(s.toasts).toHaveLength(1);
    const [t] = s.toasts;
    expect(t?.title).toBe("Successfully deployed 'Spine Leaf' (spine-leaf)");
    expect(t?.severity).toBe(Severity.Success);
    expect(t?.count).toBe(2);
    expect(t?.expiresAt).toBe(7000); // the lifetime restarts with the newest message
  });

  it("shows the latest message's text once several are merged", () => {
    let s = initialToasts;
    const at = (iso: string, m: StatusMessage): StatusMessage => ({ ...m, timestamp: iso });
    s = push(s, "srv", at("2025-06-12T22:13:05Z", message(Severity.Info, "Deploying lab 'A' (t)")), 0);
    s = push(s, "srv", at("2025-06-12T22:13:09Z", message(Severity.Warning, "Lab 'A' (t): a node is slow to start")), 10);
    s = push(s, "srv", at("2025-06-12T22:13:20Z", message(Severity.Success, "Successfully deployed 'A' (t)")), 20);
    expect(s.toasts).toHaveLength(1);
    expect(s.toasts[0]).toMatchObject({ title: "Successfully deployed 'A' (t)", body: "srv", severity: Severity.Success, count: 3, updatedAt: 20 });
    // A request without a body replaces the body too, rather than keeping the first one's.
    s = toastReducer(s, { type: "push", request: { key: s.toasts[0]?.key ?? "", severity: Severity.Info, title: "Done" }, now: 30 });
    expect(s.toasts[0]).toMatchObject({ title: "Done", body: undefined, count: 4 });
  });

  it("counts a message delivered late without letting it replace a newer one", () => {
    let s = initialToasts;
    const at = (iso: string, m: StatusMessage): StatusMessage => ({ ...m, timestamp: iso });
    s = push(s, "srv", at("2025-06-12T22:13:05Z", message(Severity.Info, "Deploying lab 'A' (t)")), 0);
    s = push(s, "srv", at("2025-06-12T22:13:20Z", message(Severity.Success, "Successfully deployed 'A' (t)")), 10);
    // The "Deploying" message of a second, older run arrives last (a replay after a reconnect).
    s = push(s, "srv", at("2025-06-12T22:13:01Z", message(Severity.Info, "Deploying lab 'A' (t) again")), 20);
    expect(s.toasts[0]).toMatchObject({ title: "Successfully deployed 'A' (t)", severity: Severity.Success, count: 3, expiresAt: 6010 }); // nor restart its lifetime
    // Messages with the same time go by arrival.
    s = push(s, "srv", at("2025-06-12T22:13:20Z", message(Severity.Error, "Failed to deploy lab 'A' (t)")), 30);
    expect(s.toasts[0]).toMatchObject({ title: "Failed to deploy lab 'A' (t)", severity: Severity.Error, count: 4, expiresAt: null });
  });

  it("keeps the toasts of different labs and servers apart", () => {
    let s = initialToasts;
    s = push(s, "srv", message(Severity.Info, "Deploying lab 'A' (t)", " lab=aaaa "), 0);
    s = push(s, "srv", message(Severity.Info, "Deploying lab 'B' (t)", " lab=bbbb "), 0);
    s = push(s, "other", message(Severity.Info, "Deploying lab 'A' (t)", " lab=aaaa "), 0);
    expect(s.toasts.map((t) => t.key)).toEqual(["status:srv:lab:aaaa", "status:srv:lab:bbbb", "status:other:lab:aaaa"]);
  });

  it("finds the lab from lab=, id= or labId=, else from the content", () => {
    expect(statusSubject(message(Severity.Info, "x", " lab=L1 instance=i "))).toBe("lab:L1");
    expect(statusSubject(message(Severity.Info, "x", " id=L2 instance=i "))).toBe("lab:L2");
    expect(statusSubject(message(Severity.Info, "x", " nodeId=n labId=L3 "))).toBe("lab:L3");
    // no details: logContent equals content
    const quoted = message(Severity.Error, "Failed to deploy lab 'Spine Leaf' (spine-leaf)", "");
    expect(statusSubject(quoted)).toBe("lab-name:Spine Leaf");
    const destroyed = message(Severity.Success, "Successfully destroyed lab spine", "");
    expect(statusSubject(destroyed)).toBe("lab-name:spine");
    const failed = message(Severity.Error, "Failed to destroy lab spine: exit 1", "");
    expect(statusSubject(failed)).toBe("lab-name:spine");
    expect(statusSubject(message(Severity.Info, "Server restarted", ""))).toBeNull();
  });

  it("does not merge messages that name no lab", () => {
    let s = initialToasts;
    s = push(s, "srv", { ...message(Severity.Info, "Hello", ""), id: "1" }, 0);
    s = push(s, "srv", { ...message(Severity.Info, "Hello", ""), id: "2" }, 0);
    expect(s.toasts).toHaveLength(2);
  });

  it("auto-dismisses success and info after 6 s, warnings later, never errors", () => {
    let s = initialToasts;
    const req = (severity: Severity, key: string) => ({ type: "push" as const, request: { key, severity, title: key }, now: 0 });
    s = toastReducer(s, req(Severity.Success, "s"));
    s = toastReducer(s, req(Severity.Info, "i"));
    s = toastReducer(s, req(Severity.Warning, "w"));
    s = toastReducer(s, req(Severity.Error, "e"));
    s = toastReducer(s, req(Severity.Fatal, "f"));
    expect(nextExpiry(s)).toBe(6000);
    s = toastReducer(s, { type: "expire", now: 5999 });
    expect(s.toasts.map((t) => t.key)).toEqual(["s", "i", "w", "e", "f"]);
    s = toastReducer(s, { type: "expire", now: 6000 });
    expect(s.toasts.map((t) => t.key)).toEqual(["w", "e", "f"]);
    s = toastReducer(s, { type: "expire", now: 3_600_000 });
    expect(s.toasts.map((t) => t.key)).toEqual(["e", "f"]);
    expect(nextExpiry(s)).toBeNull();
    s = toastReducer(s, { type: "dismiss", id: s.toasts[0]?.id ?? -1 });
    expect(s.toasts.map((t) => t.key)).toEqual(["f"]);
  });

  it("an error merged into a lab's toast makes it stay", () => {
    let s = initialToasts;
    s = push(s, "srv", message(Severity.Info, "Deploying lab 'A' (t)"), 0);
    s = push(s, "srv", message(Severity.Error, "Failed to deploy lab 'A' (t)"), 10);
    s = toastReducer(s, { type: "expire", now: 1_000_000 });
    expect(s.toasts).toHaveLength(1);
    expect(s.toasts[0]?.severity).toBe(Severity.Error);
  });

  it("does not count the same text twice", () => {
    let s = initialToasts;
    const req = { key: "command:x", severity: Severity.Error, title: "Deploy A failed", body: "boom (code 5001)" };
    s = toastReducer(s, { type: "push", request: req, now: 0 });
    s = toastReducer(s, { type: "push", request: req, now: 5 });
    expect(s.toasts).toHaveLength(1);
    expect(s.toasts[0]?.count).toBe(1);
  });

  it("honours an explicit duration", () => {
    let s = toastReducer(initialToasts, { type: "push", request: { severity: Severity.Info, title: "Copied", durationMs: 1500 }, now: 100 });
    expect(nextExpiry(s)).toBe(1600);
    s = toastReducer(s, { type: "push", request: { severity: Severity.Info, title: "sticky", durationMs: null }, now: 100 });
    expect(s.toasts[1]?.expiresAt).toBeNull();
  });

  it("shows at most MAX_TOASTS, dropping the oldest", () => {
    let s = initialToasts;
    for (let i = 0; i < MAX_TOASTS + 2; i++) {
      s = toastReducer(s, { type: "push", request: { severity: Severity.Error, title: `t${i}` }, now: i });
    }
    expect(s.toasts).toHaveLength(MAX_TOASTS);
    expect(s.toasts[0]?.title).toBe("t2");
  });
});
