// A popped-out shell's window (`#shell?…`): only its terminal, under a small header (node,
// lab, server, "Back to main window", "Close shell"). The terminal is a view of its own,
// attached on mount and detached on unmount, and when the page goes away.

import { useEffect, useState } from "react";
import { useBridge } from "../../lib/bridge";
import { useStore } from "../../lib/store";
import type { ShellRoute } from "./route";
import { ShellPanel } from "./shell-panel";
import type { Shells } from "./shells";

/** How long "Back to main window" waits for the window to go before saying it could not. */
const CLOSE_GRACE_MS = 1500;

export function ShellWindow({ shells, route }: { shells: Shells; route: ShellRoute }) {
  const bridge = useBridge();
  const [key] = useState(() => shells.adopt(route));
  const entry = useStore(shells.store, (s) => s.entries.find((e) => e.key === key));
  const [labName, setLabName] = useState<string | null>(null);
  const [leaving, setLeaving] = useState(false);
  const [stuck, setStuck] = useState(false);

  useEffect(() => {
    let gone = false;
    bridge.lab({ server: route.server, labId: route.labId }).then(
      (lab) => {
        if (!gone) setLabName(lab.name);
      },
      () => undefined,
    );
    return () => {
      gone = true;
    };
  }, [bridge, route.server, route.labId]);

  useEffect(() => {
    document.title = `${route.node} — ${labName ?? route.labId} — Antimony`;
  }, [route.node, route.labId, labName]);

  // Closed from the title bar: React never unmounts, so detach as the page goes.
  useEffect(() => {
    const onHide = () => {
      shells.detachAll();
    };
    window.addEventListener("pagehide", onHide);
    return () => {
      window.removeEventListener("pagehide", onHide);
    };
  }, [shells]);

  const back = async () => {
    setLeaving(true);
    await shells.detach(key);
    await bridge.closeWindow();
    // Still here: the webview did not let the page close its window.
    setTimeout(() => {
      setStuck(true);
    }, CLOSE_GRACE_MS);
  };

  const closed = entry === undefined || entry.status === "closed";
  return (
    <div className="shell-window" data-testid="shell-window" data-shell-id={route.shellId}>
      <header className="shell-window-header">
        <h1 className="lab-title">{route.node}</h1>
        <span className="lab-meta">
          <span>{labName ?? route.labId}</span>
          <span>{route.server}</span>
        </span>
        <span className="lab-actions">
          <button type="button" className="button" data-testid="shell-window-back" disabled={leaving} onClick={() => void back()} title="Close this window; the shell shows in the main window again">
            Back to main window
          </button>
          <button
            type="button"
            className="button button--danger"
            data-testid="shell-window-close-shell"
            disabled={closed || leaving}
            onClick={() => void shells.close(key, { keep: true })}
          >
            Close shell
          </button>
        </span>
      </header>
      {stuck && <p className="shell-window-notice">This window could not close itself: close it with its title bar. The shell keeps running.</p>}
      {entry !== undefined && entry.status !== "detached" ? (
        <ShellPanel shells={shells} entry={entry} active />
      ) : (
        <p className="empty-state">The shell is detached from this window; it keeps running on the server.</p>
      )}
    </div>
  );
}
