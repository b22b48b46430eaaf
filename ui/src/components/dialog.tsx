// A modal dialog: a title, a body and buttons. Esc cancels, focus starts on the element marked
// `data-autofocus` (or the first button) and Tab stays inside. Plain elements rather than
// <dialog>, so it behaves the same in WebKitGTK and jsdom.

import { useEffect, useId, useRef, type ReactNode } from "react";

export interface DialogProps {
  title: string;
  children: ReactNode;
  /** The buttons; mark the one to focus first with `data-autofocus`. */
  actions: ReactNode;
  onCancel: () => void;
  testId?: string;
}

const focusable = "button:not([disabled]), input:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex='-1'])";

export function Dialog({ title, children, actions, onCancel, testId }: DialogProps) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const first = box.current?.querySelector<HTMLElement>("[data-autofocus]") ?? box.current?.querySelector<HTMLElement>(focusable);
    first?.focus();
    return () => {
      previous?.focus();
    };
  }, []);

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => { if (e.target === e.currentTarget) onCancel(); }}>
      <div
        ref={box}
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid={testId}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            e.preventDefault();
            e.stopPropagation();
            onCancel();
          } else if (e.key === "Tab") {
            const items = [...(box.current?.querySelectorAll<HTMLElement>(focusable) ?? [])];
            const first = items[0];
            const last = items[items.length - 1];
            if (first === undefined || last === undefined) return;
            if (e.shiftKey && document.activeElement === first) {
              e.preventDefault();
              last.focus();
            } else if (!e.shiftKey && document.activeElement === last) {
              e.preventDefault();
              first.focus();
            }
          }
        }}
      >
        <h2 id={titleId} className="dialog-title">
          {title}
        </h2>
        <div className="dialog-body">{children}</div>
        <div className="dialog-actions">{actions}</div>
      </div>
    </div>
  );
}
