// The bell with the unread count, and the inbox it opens: every status message, filterable by
// severity and server, with "mark all read", do-not-disturb, "Mute lab" on a lab's messages and
// the notification rules.

import { useEffect, useRef, useState } from "react";
import { Severity } from "../../bindings";
import { formatDayTime, formatFull, severityWord } from "../../lib/format";
import { useStore } from "../../lib/store";
import { ALL_SEVERITIES, inboxServers, unreadCount, visibleItems } from "./inbox";
import type { Notifications } from "./notifications";
import { labRuleFor, withLabRule } from "./rules";
import { DoNotDisturb, RulesPanel, useSaveRules } from "./rules-panel";
import { statusLab } from "./toasts";
import "./rules.css";

export function InboxButton({ notifications, open, onToggle }: { notifications: Notifications; open: boolean; onToggle: () => void }) {
  const count = useStore(notifications.inbox, unreadCount);
  const quiet = useStore(notifications.rules, (s) => s.rules.doNotDisturb);
  return (
    <button
      type="button"
      className="icon-button inbox-button"
      data-testid="inbox-button"
      aria-label={count === 0 ? "Notifications" : `Notifications, ${count} unread`}
      aria-expanded={open}
      onClick={onToggle}
      title={quiet ? "Notifications (do not disturb)" : "Notifications"}
      data-dnd={quiet}
    >
      <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" fill="currentColor">
        <path d="M8 1.5a4.5 4.5 0 0 0-4.5 4.5v2.7L2.2 11a.75.75 0 0 0 .65 1.1h10.3a.75.75 0 0 0 .65-1.1L12.5 8.7V6A4.5 4.5 0 0 0 8 1.5Zm-1.9 11.6a2 2 0 0 0 3.8 0H6.1Z" />
      </svg>
      <span className="inbox-count" data-testid="inbox-count" hidden={count === 0}>
        {count > 99 ? "99+" : count}
      </span>
    </button>
  );
}

export function InboxPanel({ notifications, servers, onClose }: { notifications: Notifications; servers: readonly string[]; onClose: () => void }) {
  const state = useStore(notifications.inbox, (s) => s);
  const rules = useStore(notifications.rules, (s) => s.rules);
  const items = visibleItems(state);
  const unread = unreadCount(state);
  const panel = useRef<HTMLDivElement>(null);
  const [showRules, setShowRules] = useState(false);
  const { save, error } = useSaveRules(notifications);
  const serverChoices = [...new Set([...servers, ...inboxServers(state), ...(state.server === null ? [] : [state.server])])];

  useEffect(() => {
    panel.current?.focus();
  }, []);

  return (
    <div
      ref={panel}
      className="inbox-panel"
      role="dialog"
      aria-label="Notifications"
      tabIndex={-1}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="inbox-header">
        <h2>Notifications</h2>
        <button
          type="button"
          className="button button--small"
          disabled={unread === 0}
          onClick={() => {
            notifications.inbox.dispatch({ type: "markAllRead" });
          }}
        >
          Mark all read
        </button>
        <button
          type="button"
          className={`button button--small${showRules ? " button--pressed" : ""}`}
          data-testid="notify-rules-toggle"
          aria-pressed={showRules}
          onClick={() => {
            setShowRules((v) => !v);
          }}
        >
          Rules
        </button>
        <button type="button" className="icon-button" aria-label="Close notifications" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="inbox-options">
        <DoNotDisturb notifications={notifications} onSave={save} />
        <select
          aria-label="Show messages of"
          data-testid="inbox-filter-server"
          value={state.server ?? ""}
          onChange={(e) => {
            notifications.inbox.dispatch({ type: "filterServer", server: e.target.value === "" ? null : e.target.value });
          }}
        >
          <option value="">All servers</option>
          {serverChoices.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      {error !== null && (
        <p className="form-error" role="alert" data-testid="notify-rules-error">
          {error}
        </p>
      )}
      {showRules && <RulesPanel notifications={notifications} servers={servers} onSave={save} />}
      <div className="inbox-filters" role="group" aria-label="Show severities">
        {ALL_SEVERITIES.map((severity) => {
          const word = severityWord(severity);
          const on = state.shown.includes(severity);
          return (
            <button
              key={severity}
              type="button"
              className={on ? "chip chip--on" : "chip"}
              aria-pressed={on}
              onClick={() => {
                notifications.inbox.dispatch({ type: "toggleSeverity", severity });
              }}
            >
              <span className={`severity-dot severity-dot--${word}`} aria-hidden="true" />
              {Severity[severity]}
            </button>
          );
        })}
      </div>
      <ul className="inbox-list">
        {items.length === 0 && <li className="inbox-empty">{state.items.length === 0 ? "No notifications yet." : "No notifications match these filters."}</li>}
        {items.map((item) => {
          const word = severityWord(item.message.severity);
          const lab = statusLab(item.message);
          const subject = { server: item.server, ...lab };
          const muted = labRuleFor(rules, subject)?.minSeverity === null;
          const labId = lab.labId ?? (lab.labName === null ? null : `name:${lab.labName}`);
          return (
            <li key={`${item.server}/${item.message.id}`} className={item.read ? "inbox-item" : "inbox-item inbox-item--unread"} data-testid="inbox-item" data-severity={word} data-server-name={item.server}>
              <span className={`severity-dot severity-dot--${word}`} aria-label={Severity[item.message.severity]} />
              <div className="inbox-item-text">
                <div className="inbox-item-content">{item.message.content}</div>
                <div className="inbox-item-meta">
                  <time dateTime={item.message.timestamp} title={formatFull(item.message.timestamp)}>
                    {formatDayTime(item.message.timestamp)}
                  </time>
                  {` · ${item.server} · ${item.message.source}`}
                </div>
              </div>
              {labId !== null && (
                <button
                  type="button"
                  className="button button--small button--quiet inbox-mute"
                  data-testid="inbox-mute-lab"
                  aria-pressed={muted}
                  title={muted ? "Let this lab's messages pop up again (as its server)" : "Nothing of this lab pops up any more (the inbox still keeps it)"}
                  onClick={() => {
                    const which = { server: item.server, labId, labName: lab.labName ?? "" };
                    save(withLabRule(rules, labRuleFor(rules, subject) ?? which, muted ? undefined : null));
                  }}
                >
                  {muted ? "Unmute lab" : "Mute lab"}
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
