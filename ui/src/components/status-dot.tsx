// A coloured dot with its word: the one way the UI shows a state (lab, node, server).

export type DotTone = "green" | "amber" | "red" | "blue" | "grey";

export function StatusDot({ tone, label, pulse = false, hideLabel = false }: { tone: DotTone; label: string; pulse?: boolean; hideLabel?: boolean }) {
  return (
    <span className={`status status--${tone}`} title={hideLabel ? label : undefined}>
      <span className={pulse ? "status-dot status-dot--pulse" : "status-dot"} aria-hidden="true" />
      {hideLabel ? <span className="visually-hidden">{label}</span> : <span className="status-label">{label}</span>}
    </span>
  );
}
