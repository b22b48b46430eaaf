// Modal dialogs: `Dialog` (a title, a body and buttons) and `ConfirmDialog` (Cancel and one
// confirm button). Esc cancels, focus starts on the element marked `data-autofocus` (or the
// first button) and Tab stays inside. Plain elements rather than <dialog>, so it behaves the
// same in WebKitGTK and jsdom.

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

export interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  /** The confirm button's text ("Destroy Spine Leaf", "Trust", …). */
  confirmLabel: string;
  onConfirm: () => void;
  /** Cancel, Esc and a click beside the dialog; ignored while `busy`. */
  onCancel: () => void;
  /** `danger` for what cannot be undone. */
  tone?: "primary" | "danger";
  testId?: string;
  confirmTestId?: string;
  cancelLabel?: string;
  /** Which button has the focus first: Cancel (the default, the safe choice) or the confirm button. */
  focus?: "cancel" | "confirm";
  /** Something runs: the confirm button is disabled and says `busyLabel`, cancelling is not offered. */
  busy?: boolean;
  busyLabel?: string;
  /** Hides the confirm button (only Cancel is left, e.g. labelled "Close"). */
  hideConfirm?: boolean;
}

/** A question with Cancel and one confirm button: the shape of every confirmation in the app. */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  onConfirm,
  onCancel,
  tone = "primary",
  testId,
  confirmTestId,
  cancelLabel = "Cancel",
  focus = "cancel",
  busy = false,
  busyLabel,
  hideConfirm = false,
}: ConfirmDialogProps) {
  const cancel = () => {
    if (!busy) onCancel();
  };
  return (
    <Dialog
      title={title}
      testId={testId}
      onCancel={cancel}
      actions={
        <>
          <button type="button" className="button" data-autofocus={focus === "cancel" || hideConfirm ? true : undefined} disabled={busy} onClick={cancel}>
            {cancelLabel}
          </button>
          {!hideConfirm && (
            <button
              type="button"
              className={`button button--${tone}`}
              data-testid={confirmTestId}
              data-autofocus={focus === "confirm" ? true : undefined}
              disabled={busy}
              aria-busy={busy || undefined}
              onClick={onConfirm}
            >
              {busy ? (busyLabel ?? confirmLabel) : confirmLabel}
            </button>
          )}
        </>
      }
    >
      {children}
    </Dialog>
  );
}
