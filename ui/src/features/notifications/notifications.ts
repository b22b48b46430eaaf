// The notifications controller: owns the toast and inbox stores, turns status events into an
// inbox entry and a (merged) toast, and keeps the inbox saved.

import type { StatusEvent } from "../../lib/bridge";
import type { Notify } from "../../lib/notify";
import { createStore, type Store } from "../../lib/store";
import { INBOX_LIMIT, inboxReducer, loadInbox, saveInbox, type InboxAction, type InboxState } from "./inbox";
import { initialToasts, statusToast, toastReducer, type ToastAction, type ToastState } from "./toasts";

export interface Notifications {
  toasts: Store<ToastState, ToastAction>;
  inbox: Store<InboxState, InboxAction>;
  notify: Notify;
  onStatus(event: StatusEvent): void;
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
  inbox.subscribe(() => {
    saveInbox(options.storage, inbox.getState(), limit);
  });
  const notify: Notify = (request) => {
    toasts.dispatch({ type: "push", request, now: now() });
  };
  return {
    toasts,
    inbox,
    notify,
    now,
    onStatus(event) {
      inbox.dispatch({ type: "add", server: event.server, message: event.message });
      notify(statusToast(event.server, event.message));
    },
  };
}
