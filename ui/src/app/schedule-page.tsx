// The timeline's page as the app puts it together: the logged-in servers (features/servers)
// and their labs (features/schedule), kept fresh by lab updates while it is open; a lab opens on
// its server (switching to it). Esc goes back, `r` fetches the labs again. The top bar's
// Schedule button opens it.

import { useEffect, useState } from "react";
import type { Servers } from "../features/servers/servers-store";
import { createSchedule } from "../features/schedule/schedule-store";
import { ScheduleView } from "../features/schedule/schedule-view";
import { useBridge } from "../lib/bridge";
import { isTyping } from "../lib/keys";
import { useStore } from "../lib/store";

export function SchedulePage({ servers, onOpenLab, onClose }: { servers: Servers; onOpenLab: (server: string, labId: string) => void; onClose: () => void }) {
  const bridge = useBridge();
  const [schedule] = useState(() => createSchedule(bridge));
  const names = useStore(servers.store, (s) => s.servers.filter((v) => v.loggedIn).map((v) => v.name).join("\n"));
  const current = useStore(servers.store, (s) => s.servers.find((v) => v.current)?.name ?? null);

  useEffect(() => {
    const off = bridge.onLabUpdate((e) => {
      schedule.onLabUpdate(e);
    });
    return () => {
      void off.then((f) => {
        f();
      });
    };
  }, [bridge, schedule]);

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

  const open = async (server: string, labId: string) => {
    if (server !== current) await servers.use(server);
    onOpenLab(server, labId);
  };

  return <ScheduleView schedule={schedule} servers={names === "" ? [] : names.split("\n")} onOpen={(server, labId) => void open(server, labId)} />;
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
