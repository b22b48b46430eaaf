// The timeline: the labs of one server or all of them, as a week (a row per lab across the
// days it is on) or an agenda (by the day each starts), the labs that are not scheduled below;
// a lab opens with a click or Enter, ↑/↓ move between labs. The reminder before a lab's end is
// set here too.

import { useEffect, useState, type KeyboardEvent } from "react";
import { Severity } from "../../bindings";
import { BridgeError, useBridge, type ReminderSettings } from "../../lib/bridge";
import { count, formatFull } from "../../lib/format";
import { useNotify } from "../../lib/notify";
import { useStore } from "../../lib/store";
import { useNow } from "../../lib/use-now";
import type { AllLabs } from "../../lib/all-labs";
import { addDays, agenda, startOfDay, startOfWeek, timelineLabs, unscheduled, weekRows, type TimelineLab } from "./timeline";
import "./schedule.css";

const dayName = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
const longDay = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });
const clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const shortDay = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

type Mode = "week" | "agenda";
const ALL = "\u0000all";

/** "14:00 → 17:30", "since Jun 12 → no end": a lab's times, the day left out where it is the row's. */
function span(l: TimelineLab, day: number | null): string {
  const at = (ms: number) => (day !== null && startOfDay(ms) === day ? clock.format(ms) : `${shortDay.format(ms)} ${clock.format(ms)}`);
  const from = l.start === null ? "" : day !== null && l.start < day ? `since ${shortDay.format(l.start)}` : at(l.start);
  const to = l.end === null ? "no end" : at(l.end);
  return `${from} → ${to}`;
}

function tooltip(l: TimelineLab): string {
  const start = l.start === null ? "not scheduled" : formatFull(new Date(l.start).toISOString());
  const end = l.end === null ? "no end (runs until destroyed)" : formatFull(new Date(l.end).toISOString());
  return `${l.lab.name} on ${l.server}\nstarts ${start}\nends ${end}`;
}

/** ↑ / ↓ (and Home / End) between the labs of the timeline. */
function moveBetweenLabs(e: KeyboardEvent<HTMLElement>) {
  const keys: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity };
  const step = keys[e.key];
  if (step === undefined || !(e.target instanceof HTMLElement)) return;
  const all = [...e.currentTarget.querySelectorAll<HTMLElement>("[data-testid=timeline-lab]")];
  const i = all.indexOf(e.target);
  if (i < 0) return;
  const next = step === -Infinity ? all[0] : step === Infinity ? all.at(-1) : all[i + step];
  if (next === undefined) return;
  e.preventDefault();
  next.focus();
}

function LabButton({ l, className, label, onOpen }: { l: TimelineLab; className: string; label: string; onOpen: (server: string, labId: string) => void }) {
  return (
    <button
      type="button"
      className={`${className} tl-tone--${l.tone}`}
      data-testid="timeline-lab"
      data-lab-name={l.lab.name}
      data-server={l.server}
      title={tooltip(l)}
      onClick={() => {
        onOpen(l.server, l.lab.id);
      }}
    >
      {label}
    </button>
  );
}

export function ScheduleView({ schedule, servers, onOpen }: { schedule: AllLabs; servers: readonly string[]; onOpen: (server: string, labId: string) => void }) {
  const state = useStore(schedule.store, (s) => s);
  const now = useNow();
  const [mode, setMode] = useState<Mode>("week");
  const [server, setServer] = useState(ALL);
  const [week, setWeek] = useState(() => startOfWeek(Date.now()));

  const shownServers = server === ALL ? servers : servers.filter((s) => s === server);
  const labs = timelineLabs(shownServers.map((s) => ({ server: s, labs: state.servers[s]?.labs ?? [] })), now);
  const loading = shownServers.some((s) => state.servers[s]?.status === "loading");
  const failed = shownServers.flatMap((s) => {
    const e = state.servers[s];
    return e?.status === "error" ? [`${s}: ${e.error ?? "cannot list the labs"}`] : [];
  });
  const days = Array.from({ length: 7 }, (_, i) => addDays(week, i));
  const today = startOfDay(now);
  const rows = weekRows(labs, week);
  const upcoming = agenda(labs, today, 28);
  const parked = unscheduled(labs);

  return (
    <div className="schedule" data-testid="schedule" aria-busy={loading}>
      <header className="schedule-toolbar">
        <h1 className="schedule-title">Schedule</h1>
        <div className="segmented" role="group" aria-label="View">
          {(["week", "agenda"] as const).map((m) => (
            <button
              key={m}
              type="button"
              className={`button button--small${mode === m ? " button--pressed" : ""}`}
              aria-pressed={mode === m}
              data-testid={`timeline-view-${m}`}
              onClick={() => {
                setMode(m);
              }}
            >
              {m === "week" ? "Week" : "Agenda"}
            </button>
          ))}
        </div>
        {mode === "week" && (
          <div className="schedule-weeks" role="group" aria-label="Week">
            <button type="button" className="button button--small button--quiet" data-testid="timeline-prev" title="Previous week" aria-label="Previous week" onClick={() => { setWeek(addDays(week, -7)); }}>
              ‹
            </button>
            <button type="button" className="button button--small" data-testid="timeline-today" onClick={() => { setWeek(startOfWeek(Date.now())); }}>
              This week
            </button>
            <button type="button" className="button button--small button--quiet" data-testid="timeline-next" title="Next week" aria-label="Next week" onClick={() => { setWeek(addDays(week, 7)); }}>
              ›
            </button>
            <span className="schedule-range" data-testid="timeline-range">{`${dayName.format(week)} – ${dayName.format(addDays(week, 6))}`}</span>
          </div>
        )}
        <span className="toolbar-spacer" />
        <label className="schedule-server">
          <span>Server</span>
          <select
            data-testid="timeline-server"
            value={server}
            onChange={(e) => {
              setServer(e.target.value);
            }}
          >
            <option value={ALL}>All servers</option>
            {servers.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <ReminderSetting />
      </header>

      {failed.length > 0 && (
        <p className="form-error" role="alert">
          {failed.join("; ")}
        </p>
      )}
      {servers.length === 0 && <p className="empty-state">Log in to a server to see its labs here.</p>}

      {mode === "week" ? (
        <div className="tl-week" role="grid" aria-label="Labs this week" data-testid="timeline-week" onKeyDown={moveBetweenLabs}>
          <div className="tl-row tl-head" role="row">
            <span className="tl-name" role="columnheader">
              {count(rows.length, "lab")}
            </span>
            {days.map((d) => (
              <span key={d} role="columnheader" className={`tl-day${d === today ? " tl-day--today" : ""}`}>
                {dayName.format(d)}
              </span>
            ))}
          </div>
          {rows.length === 0 && <p className="empty-state tl-empty">No labs this week.</p>}
          {rows.map((r) => (
            <div key={`${r.item.server}\n${r.item.lab.id}`} className="tl-row" role="row">
              <span className="tl-name" role="rowheader">
                <span className="tl-lab-name">{r.item.lab.name}</span>
                {servers.length > 1 && <span className="tl-server">{r.item.server}</span>}
              </span>
              {days.map((d, i) => (
                <span key={d} className={`tl-cell tl-col-${String(i + 2)}${d === today ? " tl-day--today" : ""}`} aria-hidden="true" />
              ))}
              <LabButton
                l={r.item}
                className={`tl-bar tl-from-${String(r.first + 2)} tl-to-${String(r.last + 3)}${r.before ? " tl-bar--before" : ""}${r.after ? " tl-bar--after" : ""}${r.item.end === null ? " tl-bar--open" : ""}`}
                label={span(r.item, days[r.first] ?? null)}
                onOpen={onOpen}
              />
            </div>
          ))}
        </div>
      ) : (
        <div className="tl-agenda" data-testid="timeline-agenda" onKeyDown={moveBetweenLabs}>
          {upcoming.length === 0 && <p className="empty-state">Nothing scheduled in the next four weeks.</p>}
          {upcoming.map((d) => (
            <section key={d.day} className="tl-agenda-day" aria-label={longDay.format(d.day)}>
              <h2 className="tl-agenda-date">{d.day === today ? `Today · ${longDay.format(d.day)}` : longDay.format(d.day)}</h2>
              <ul>
                {d.items.map((l) => (
                  <li key={`${l.server}\n${l.lab.id}`} className="tl-agenda-item">
                    <span className={`tl-dot tl-tone--${l.tone}`} aria-hidden="true" />
                    <span className="tl-agenda-time">{span(l, d.day)}</span>
                    <LabButton l={l} className="link-button tl-agenda-lab" label={l.lab.name} onOpen={onOpen} />
                    {servers.length > 1 && <span className="tl-server">{l.server}</span>}
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
      )}

      {parked.length > 0 && (
        <section className="tl-unscheduled" aria-label="Not scheduled" onKeyDown={moveBetweenLabs}>
          <h2 className="tl-agenda-date">Not scheduled (deployed by hand)</h2>
          <div className="tl-chips">
            {parked.map((l) => (
              <LabButton key={`${l.server}\n${l.lab.id}`} l={l} className="chip tl-chip" label={servers.length > 1 ? `${l.lab.name} · ${l.server}` : l.lab.name} onOpen={onOpen} />
            ))}
          </div>
        </section>
      )}
    </div>
  );
}

const LEADS = [5, 10, 15, 30, 60, 120] as const;

/** "Remind me 15 min before a lab ends": the app's OS notification, kept on the Rust side. */
function ReminderSetting() {
  const bridge = useBridge();
  const notify = useNotify();
  const [settings, setSettings] = useState<ReminderSettings | null>(null);

  useEffect(() => {
    let live = true;
    bridge.reminderSettings().then(
      (s) => {
        if (live) setSettings(s);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [bridge]);

  const change = async (value: string) => {
    const next: ReminderSettings = value === "off" ? { enabled: false, leadMinutes: settings?.leadMinutes ?? 15 } : { enabled: true, leadMinutes: Number(value) };
    try {
      setSettings(await bridge.setReminderSettings({ settings: next }));
    } catch (e: unknown) {
      notify({ severity: Severity.Error, title: "Could not keep the reminder setting", body: BridgeError.from(e).message });
    }
  };

  if (settings === null) return null;
  const leads: readonly number[] = LEADS.includes(settings.leadMinutes as (typeof LEADS)[number]) ? LEADS : [...LEADS, settings.leadMinutes].sort((a, b) => a - b);
  return (
    <label className="schedule-server" title="An OS notification before a deployed lab's end, with “Extend by 1 hour” where you may">
      <span>Remind me</span>
      <select
        data-testid="reminder-lead"
        value={settings.enabled ? String(settings.leadMinutes) : "off"}
        onChange={(e) => void change(e.target.value)}
      >
        <option value="off">never</option>
        {leads.map((m) => (
          <option key={m} value={String(m)}>
            {m < 60 ? `${String(m)} min before the end` : `${count(m / 60, "hour")} before the end`}
          </option>
        ))}
      </select>
    </label>
  );
}
