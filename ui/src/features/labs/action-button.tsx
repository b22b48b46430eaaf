import type { ActionState } from "./lab-actions";

/** A button for a lab or node action: disabled with its reason as tooltip, a spinner while busy. */
export function ActionButton({
  action,
  onClick,
  testId,
  variant = "normal",
  small = false,
}: {
  action: ActionState;
  onClick: () => void;
  testId: string;
  variant?: "normal" | "primary" | "danger";
  small?: boolean;
}) {
  const classes = ["button"];
  if (variant !== "normal") classes.push(`button--${variant}`);
  if (small) classes.push("button--small");
  return (
    <span className="action-wrap" title={action.reason ?? undefined}>
      <button type="button" className={classes.join(" ")} data-testid={testId} disabled={!action.enabled} aria-busy={action.busy} onClick={onClick}>
        {action.busy && <span className="spinner" aria-hidden="true" />}
        {action.label}
      </button>
    </span>
  );
}
