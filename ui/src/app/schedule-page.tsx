// The timeline's page as the app puts it together: the logged-in servers (features/servers)
// and their labs (the app's shared store, lib/all-labs, which the app keeps following and fresh
// while this is open); a lab opens on its server (`onOpenLab` switches to it). Esc goes back,
// `r` fetches the labs again. The top bar's Schedule button opens it.

import { useEffect } from "react";
import type { Servers } from "../features/servers/servers-store";
import { ScheduleView } from "../features/schedule/schedule-view";
import type { AllLabs } from "../lib/all-labs";
import { isTyping } from "../lib/keys";
import { useStore } from "../lib/store";

export function SchedulePage({
  servers,
  allLabs: schedule,
  onOpenLab,
  onClose,
}: {
  servers: Servers;
  allLabs: AllLabs;
  onOpenLab: (server: string, labId: string) => void;
  onClose: () => void;
}) {
  const names = useStore(servers.store, (s) => s.servers.filter((v) => v.loggedIn).map((v) => v.name).join("\n"));

  // Opened: fetch again (the Go server announces no change of a lab's times).
  useEffect(() => {
    void schedule.refreshAll();
  }, [schedule]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || document.querySelector('[aria-modal="true"]') !== null) return;
      if (e.key === "Escape") onClose();
      else if (e.key === "r" && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target)) void schedule.refreshAll();
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [schedule, onClose]);

  return <ScheduleView schedule={schedule} servers={names === "" ? [] : names.split("\n")} onOpen={onOpenLab} />;
}

/** The top bar's way in. */
export function ScheduleButton({ open, onToggle }: { open: boolean; onToggle: () => void }) {
  return (
    <button
      type="button"
      className={`button button--quiet${open ? " button--pressed" : ""}`}
      data-testid="open-schedule"
      aria-pressed={open}
      title="The labs of every server on a timeline (week and agenda)"
      onClick={onToggle}
    >
      Schedule
    </button>
  );
}
