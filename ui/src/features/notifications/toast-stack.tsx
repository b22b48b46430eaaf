// Toasts, bottom-right. Expired toasts are removed by one timer set for the next expiry.

import { useEffect } from "react";
import { Severity } from "../../bindings";
import { severityWord } from "../../lib/format";
import { useStore } from "../../lib/store";
import type { Notifications } from "./notifications";
import { nextExpiry } from "./toasts";

export function ToastStack({ notifications }: { notifications: Notifications }) {
  const state = useStore(notifications.toasts, (s) => s);

  useEffect(() => {
    const at = nextExpiry(state);
    if (at === null) return;
    const timer = setTimeout(() => {
      notifications.toasts.dispatch({ type: "expire", now: notifications.now() });
    }, Math.max(0, at - notifications.now()) + 20);
    return () => {
      clearTimeout(timer);
    };
  }, [state, notifications]);

  return (
    <div className="toast-stack" aria-live="polite">
      {state.toasts.map((toast) => {
        const word = severityWord(toast.severity);
        const urgent = toast.severity >= Severity.Error;
        return (
          <div key={toast.id} className={`toast toast--${word}`} data-testid="toast" data-severity={word} role={urgent ? "alert" : "status"}>
            <span className={`severity-dot severity-dot--${word}`} aria-hidden="true" />
            <div className="toast-text">
              <div className="toast-title">
                {toast.title}
                {toast.count > 1 && <span className="toast-count" title={`${toast.count} messages`}>{toast.count}</span>}
              </div>
              {toast.body !== undefined && <div className="toast-body">{toast.body}</div>}
            </div>
            <button
              type="button"
              className="icon-button toast-close"
              aria-label="Dismiss"
              onClick={() => {
                notifications.toasts.dispatch({ type: "dismiss", id: toast.id });
              }}
            >
              ×
            </button>
          </div>
        );
      })}
    </div>
  );
}
