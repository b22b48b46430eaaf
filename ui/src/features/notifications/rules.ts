// Notification rules, as the Rust side applies them to OS notifications
// (src-tauri/src/notify_rules.rs; both are checked against tests/fixtures/notification-rules.json):
// do-not-disturb over everything, then the rule of the lab, else of its server, else the
// default least severity. Only what pops up is ruled: the inbox keeps every message.

import { Severity } from "../../bindings";
import type { LabRule, NotificationRules } from "../../lib/bridge";

export const DEFAULT_RULES: NotificationRules = { doNotDisturb: false, minSeverity: Severity.Success, servers: [], labs: [] };

/** What a message is about: its server, and its lab by id or (the Go server's messages) by name. */
export interface RuleSubject {
  server: string;
  labId: string | null;
  labName: string | null;
}

/** The rule of a lab, if there is one. */
export function labRuleFor(rules: NotificationRules, subject: RuleSubject): LabRule | undefined {
  return rules.labs.find((r) => r.server === subject.server && (subject.labId !== null ? r.labId === subject.labId : subject.labName !== null && r.labName === subject.labName));
}

/** Whether a message of `severity` about `subject` pops up. */
export function allows(rules: NotificationRules, subject: RuleSubject, severity: Severity): boolean {
  if (rules.doNotDisturb) return false;
  const lab = labRuleFor(rules, subject);
  const min = lab !== undefined ? lab.minSeverity : (rules.servers.find((r) => r.server === subject.server) ?? { minSeverity: rules.minSeverity }).minSeverity;
  return min !== null && severity >= min;
}

/** The choices a rule offers, from everything to nothing. */
export const LEVELS: readonly { min: Severity | null; label: string }[] = [
  { min: Severity.Success, label: "Everything" },
  { min: Severity.Warning, label: "Warnings and errors" },
  { min: Severity.Error, label: "Errors only" },
  { min: null, label: "Nothing" },
];

/** A server's own rule (`undefined`: follow the default). */
export function withServerRule(rules: NotificationRules, server: string, min: Severity | null | undefined): NotificationRules {
  const others = rules.servers.filter((r) => r.server !== server);
  return { ...rules, servers: min === undefined ? others : [...others, { server, minSeverity: min }] };
}

/** A lab's own rule (`undefined`: follow its server). */
export function withLabRule(rules: NotificationRules, lab: { server: string; labId: string; labName: string }, min: Severity | null | undefined): NotificationRules {
  const others = rules.labs.filter((r) => !(r.server === lab.server && r.labId === lab.labId));
  return { ...rules, labs: min === undefined ? others : [...others, { ...lab, minSeverity: min }] };
}

/** A server gone: its rules go too. */
export function withoutServer(rules: NotificationRules, server: string): NotificationRules {
  return { ...rules, servers: rules.servers.filter((r) => r.server !== server), labs: rules.labs.filter((r) => r.server !== server) };
}
