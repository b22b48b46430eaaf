// The notification rules, in the inbox: do-not-disturb, what pops up by default and per
// server, and the labs with a rule of their own. Every change is kept by the Rust side (OS
// notifications obey the same rules); a refusal is shown where it happened.

import { useState } from "react";
import type { Severity } from "../../bindings";
import { describeError, useBridge, type NotificationRules } from "../../lib/bridge";
import { useStore } from "../../lib/store";
import type { Notifications } from "./notifications";
import { LEVELS, withLabRule, withServerRule } from "./rules";

const FOLLOW = "follow";

function levelValue(min: Severity | null): string {
  return min === null ? "none" : String(min);
}

function parseLevel(value: string): Severity | null {
  return LEVELS.find((l) => levelValue(l.min) === value)?.min ?? null;
}

function LevelOptions() {
  return LEVELS.map((l) => (
    <option key={levelValue(l.min)} value={levelValue(l.min)}>
      {l.label}
    </option>
  ));
}

/** Saves rules through the notifications controller, with the error it may give. */
export function useSaveRules(notifications: Notifications): { save: (rules: NotificationRules) => void; error: string | null } {
  const bridge = useBridge();
  const [error, setError] = useState<string | null>(null);
  const save = (rules: NotificationRules) => {
    setError(null);
    notifications.saveRules(bridge, rules).catch((e: unknown) => {
      setError(describeError(e));
    });
  };
  return { save, error };
}

/** The do-not-disturb switch (also in the inbox's header). */
export function DoNotDisturb({ notifications, onSave }: { notifications: Notifications; onSave: (rules: NotificationRules) => void }) {
  const rules = useStore(notifications.rules, (s) => s.rules);
  return (
    <label className="notify-dnd" title="Nothing pops up, in the window or from the OS; the inbox still keeps every message">
      <input
        type="checkbox"
        data-testid="notify-dnd"
        checked={rules.doNotDisturb}
        onChange={(e) => {
          onSave({ ...rules, doNotDisturb: e.target.checked });
        }}
      />
      Do not disturb
    </label>
  );
}

export function RulesPanel({ notifications, servers, onSave }: { notifications: Notifications; servers: readonly string[]; onSave: (rules: NotificationRules) => void }) {
  const rules = useStore(notifications.rules, (s) => s.rules);
  return (
    <section className="notify-rules" data-testid="notify-rules" aria-label="Notification rules">
      <p className="muted notify-rules-note">What pops up, in the window and from the OS. A lab’s rule comes before its server’s, a server’s before the default; the inbox keeps every message.</p>
      <label className="notify-rule">
        <span>Default</span>
        <select
          data-testid="notify-default"
          value={levelValue(rules.minSeverity)}
          onChange={(e) => {
            onSave({ ...rules, minSeverity: parseLevel(e.target.value) });
          }}
        >
          <LevelOptions />
        </select>
      </label>
      {servers.map((server) => {
        const own = rules.servers.find((r) => r.server === server);
        return (
          <label key={server} className="notify-rule">
            <span className="notify-rule-name">{server}</span>
            <select
              data-testid="notify-server"
              data-server-name={server}
              value={own === undefined ? FOLLOW : levelValue(own.minSeverity)}
              onChange={(e) => {
                onSave(withServerRule(rules, server, e.target.value === FOLLOW ? undefined : parseLevel(e.target.value)));
              }}
            >
              <option value={FOLLOW}>As the default</option>
              <LevelOptions />
            </select>
          </label>
        );
      })}
      {rules.labs.length > 0 && <h3 className="notify-rules-heading">Labs</h3>}
      {rules.labs.map((lab) => (
        <div key={`${lab.server}\n${lab.labId}`} className="notify-rule" data-testid="notify-lab-rule" data-lab-id={lab.labId} data-server-name={lab.server}>
          <span className="notify-rule-name">{`${lab.labName === "" ? lab.labId : lab.labName} on ${lab.server}`}</span>
          <select
            aria-label={`Notifications of ${lab.labName}`}
            value={levelValue(lab.minSeverity)}
            onChange={(e) => {
              onSave(withLabRule(rules, lab, parseLevel(e.target.value)));
            }}
          >
            <LevelOptions />
          </select>
          <button
            type="button"
            className="icon-button"
            aria-label={`Remove the rule of ${lab.labName}`}
            title="As its server"
            onClick={() => {
              onSave(withLabRule(rules, lab, undefined));
            }}
          >
            ×
          </button>
        </div>
      ))}
    </section>
  );
}
