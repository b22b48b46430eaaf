// The rules as the webview applies them to toasts, against the cases the Rust side is tested
// with for OS notifications (tests/fixtures/notification-rules.json), and the controller: the
// inbox keeps what the rules hold back.

import { describe, expect, it } from "vitest";
import cases from "../../../../tests/fixtures/notification-rules.json";
import { Severity, type StatusMessage } from "../../bindings";
import type { NotificationRules } from "../../lib/bridge";
import { testBridge } from "../../lib/bridge/fake.test-util";
import { createNotifications } from "./notifications";
import { DEFAULT_RULES, allows, withLabRule, withServerRule, withoutServer } from "./rules";

interface Case {
  name: string;
  rules: Partial<Omit<NotificationRules, "minSeverity">> & { minSeverity?: number | null };
  server: string;
  labId: string | null;
  labName: string | null;
  severity: number;
  shown: boolean;
}

/** A severity of the JSON cases (a number, as serde writes it). */
function severity(n: number | null): Severity | null {
  return [Severity.Success, Severity.Info, Severity.Warning, Severity.Error, Severity.Fatal].find((s) => s === n) ?? null;
}

function message(id: string, severity: Severity, content: string, logContent = content): StatusMessage {
  return { id, source: "Lab Manager", content, logContent, timestamp: "2025-06-12T20:00:00Z", severity };
}

describe("notification rules", () => {
  it("decide the shared cases as the Rust side does", () => {
    const all: Case[] = cases;
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const c of all) {
      // Missing fields take the defaults, as serde's `default` does.
      const { minSeverity, ...rest } = c.rules;
      const rules: NotificationRules = { ...DEFAULT_RULES, ...rest, ...(minSeverity === undefined ? {} : { minSeverity: severity(minSeverity) }) };
      expect(allows(rules, { server: c.server, labId: c.labId, labName: c.labName }, severity(c.severity) ?? Severity.Fatal), c.name).toBe(c.shown);
    }
  });

  it("keep one rule per server and lab, and drop a server's rules with it", () => {
    let rules = withServerRule(DEFAULT_RULES, "team", Severity.Error);
    rules = withServerRule(rules, "team", null);
    expect(rules.servers).toEqual([{ server: "team", minSeverity: null }]);
    rules = withLabRule(rules, { server: "team", labId: "l1", labName: "pair" }, Severity.Warning);
    rules = withLabRule(rules, { server: "team", labId: "l1", labName: "pair" }, null);
    expect(rules.labs).toEqual([{ server: "team", labId: "l1", labName: "pair", minSeverity: null }]);
    expect(withServerRule(rules, "team", undefined).servers).toEqual([]);
    expect(withLabRule(rules, { server: "team", labId: "l1", labName: "" }, undefined).labs).toEqual([]);
    const gone = withoutServer(rules, "team");
    expect([gone.servers, gone.labs]).toEqual([[], []]);
  });

  it("hold back toasts, never inbox entries", async () => {
    const bridge = testBridge();
    const n = createNotifications({ storage: null, now: () => 0 });
    await n.saveRules(bridge, withLabRule(withServerRule(DEFAULT_RULES, "quiet", null), { server: "team", labId: "l1", labName: "pair" }, null));
    n.onStatus({ server: "quiet", message: message("1", Severity.Error, "Failed to deploy lab 'x' (x)") });
    // antimony-server names the lab's id; the Go server only its name.
    n.onStatus({ server: "team", message: message("2", Severity.Error, "Failed to deploy lab 'pair' (t)", "20:00:00 ANTIMONY Failed lab=l1 ") });
    n.onStatus({ server: "team", message: message("3", Severity.Success, "Successfully deployed 'pair' (t)") });
    n.onStatus({ server: "team", message: message("4", Severity.Success, "Successfully deployed 'other' (t)", "20:00:00 ANTIMONY ok lab=l2 ") });
    expect(n.inbox.getState().items.map((i) => i.message.id)).toEqual(["4", "3", "2", "1"]);
    expect(n.toasts.getState().toasts.map((t) => t.title)).toEqual(["Successfully deployed 'other' (t)"]);

    await n.saveRules(bridge, { ...n.rules.getState().rules, doNotDisturb: true });
    n.onStatus({ server: "team", message: message("5", Severity.Fatal, "Server on fire") });
    expect(n.toasts.getState().toasts).toHaveLength(1);
    expect(n.inbox.getState().items).toHaveLength(5);
  });

  it("are read from and kept by the Rust side, which refuses two rules of one server", async () => {
    const bridge = testBridge();
    const n = createNotifications({ storage: null });
    expect(n.rules.getState().loaded).toBe(false);
    await n.saveRules(bridge, { ...DEFAULT_RULES, minSeverity: Severity.Warning });
    const again = createNotifications({ storage: null });
    await again.loadRules(bridge);
    expect(again.rules.getState()).toEqual({ loaded: true, rules: { ...DEFAULT_RULES, minSeverity: Severity.Warning } });
    const twice: NotificationRules = { ...DEFAULT_RULES, servers: [{ server: "a", minSeverity: null }, { server: "a", minSeverity: Severity.Success }] };
    await expect(n.saveRules(bridge, twice)).rejects.toMatchObject({ kind: "io" });
    expect(n.rules.getState().rules.servers).toEqual([]);
    expect(bridge.calls.map((c) => c.command)).toEqual(["set_notification_rules", "notification_rules", "set_notification_rules"]);
  });
});
