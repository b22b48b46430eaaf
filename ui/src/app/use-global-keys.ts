// App-wide shortcuts: Esc (close the inbox, else back to the dashboard), r (refresh) and F1
// (the About dialog).
// `/` belongs to the dashboard, Ctrl+F and `/` in a lab to its log viewer, Esc in a dialog to
// the dialog (it stops the event before it reaches the window; none of these act while a
// dialog is open).

import { useEffect, useRef } from "react";
import { isTyping } from "../lib/keys";

export interface GlobalKeys {
  onEscape: () => void;
  onRefresh: () => void;
  onAbout: () => void;
}

export function useGlobalKeys(keys: GlobalKeys): void {
  const latest = useRef(keys);
  useEffect(() => {
    latest.current = keys;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      // A dialog owns the keys, also when the focus slipped out of it (a busy dialog
      // disables its buttons): Esc must not leave the page behind it.
      if (document.querySelector('[aria-modal="true"]') !== null) return;
      if (e.key === "Escape") {
        latest.current.onEscape();
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "F1") {
        e.preventDefault();
        latest.current.onAbout();
        return;
      }
      if (isTyping(e.target)) return;
      if (e.key === "r") {
        e.preventDefault();
        latest.current.onRefresh();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, []);
}
