// The notifications controller: owns the toast and inbox stores and the notification rules,
// turns status events into an inbox entry and, where the rules allow, a (merged) toast, and
// keeps the inbox saved. The rules are the Rust side's (they govern OS notifications too):
// the app hands them over once read, and `saveRules` keeps changed ones there.

import type { Bridge, NotificationRules, StatusEvent } from "../../lib/bridge";
import type { Notify } from "../../lib/notify";
import { createStore, type Store } from "../../lib/store";
import { INBOX_LIMIT, inboxReducer, loadInbox, saveInbox, type InboxAction, type InboxState } from "./inbox";
import { DEFAULT_RULES, allows } from "./rules";
import { initialToasts, statusLab, statusToast, toastReducer, type ToastAction, type ToastState } from "./toasts";

export interface RulesState {
  rules: NotificationRules;
  /** Whether the Rust side's rules have been read (the defaults until then). */
  loaded: boolean;
}

export type RulesAction = { type: "rules"; rules: NotificationRules };

function rulesReducer(_state: RulesState, action: RulesAction): RulesState {
  return { rules: action.rules, loaded: true };
}

export interface Notifications {
  toasts: Store<ToastState, ToastAction>;
  inbox: Store<InboxState, InboxAction>;
  rules: Store<RulesState, RulesAction>;
  notify: Notify;
  onStatus(event: StatusEvent): void;
  /** Reads the rules in force from the Rust side. */
  loadRules(bridge: Bridge): Promise<void>;
  /** Keeps new rules on the Rust side, then applies what it kept; rejects with the bridge's error. */
  saveRules(bridge: Bridge, rules: NotificationRules): Promise<void>;
  /** The clock the toasts use. */
  now(): number;
}

export function createNotifications(options: {
  storage: Pick<Storage, "getItem" | "setItem"> | null;
  now?: () => number;
  limit?: number;
}): Notifications {
  const now = options.now ?? Date.now;
  const limit = options.limit ?? INBOX_LIMIT;
  const toasts = createStore(toastReducer, initialToasts);
  const inbox = createStore((s: InboxState, a: InboxAction) => inboxReducer(s, a, limit), loadInbox(options.storage, limit));
  const rules = createStore(rulesReducer, { rules: DEFAULT_RULES, loaded: false });
  inbox.subscribe(() => {
    saveInbox(options.storage, inbox.getState(), limit);
  });
  const notify: Notify = (request) => {
    toasts.dispatch({ type: "push", request, now: now() });
  };
  return {
    toasts,
    inbox,
    rules,
    notify,
    now,
    onStatus(event) {
      inbox.dispatch({ type: "add", server: event.server, message: event.message });
      const subject = { server: event.server, ...statusLab(event.message) };
      if (allows(rules.getState().rules, subject, event.message.severity)) notify(statusToast(event.server, event.message));
    },
    async loadRules(bridge) {
      rules.dispatch({ type: "rules", rules: await bridge.notificationRules() });
    },
    async saveRules(bridge, next) {
      rules.dispatch({ type: "rules", rules: await bridge.setNotificationRules({ rules: next }) });
    },
  };
}
