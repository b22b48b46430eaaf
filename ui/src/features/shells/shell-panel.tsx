// A shell's terminal: a TerminalView bound to the shell's entry while it is mounted (attached;
// the backlog repaints it), typing and sizes going to the shell.

import { useCallback, useState } from "react";
import { StatusDot, type DotTone } from "../../components/status-dot";
import type { TerminalScreen, TerminalSize } from "../../components/terminal/engine";
import { TerminalView } from "../../components/terminal/terminal-view";
import type { Shells } from "./shells";
import { shellState, type ShellEntry } from "./shells-store";
import "./shells.css";

const tones: Record<ReturnType<typeof shellState>, DotTone> = { opening: "blue", connected: "green", reconnecting: "amber", closed: "grey" };
const words: Record<ReturnType<typeof shellState>, string> = { opening: "opening…", connected: "connected", reconnecting: "reconnecting…", closed: "closed" };

export function ShellStateDot({ entry, hideLabel = false }: { entry: ShellEntry; hideLabel?: boolean }) {
  const state = shellState(entry);
  const label = state === "closed" && entry.closedReason !== null ? `closed: ${entry.closedReason}` : words[state];
  return <StatusDot tone={tones[state]} label={label} pulse={state === "opening" || state === "reconnecting"} hideLabel={hideLabel} />;
}

export function ShellPanel({ shells, entry, active }: { shells: Shells; entry: ShellEntry; active: boolean }) {
  const { key } = entry;
  const [size, setSize] = useState<TerminalSize | null>(null);
  const connect = useCallback((screen: TerminalScreen) => shells.bind(key, screen), [shells, key]);
  const onData = useCallback(
    (data: string) => {
      shells.input(key, data);
    },
    [shells, key],
  );
  const onResize = useCallback(
    (next: TerminalSize) => {
      setSize(next);
      shells.resize(key, next);
    },
    [shells, key],
  );

  return (
    <section
      className="shell-panel"
      // Only the terminal on screen is `terminal`, as with the log viewers.
      data-testid={active ? "terminal" : "terminal-background"}
      data-shell-id={entry.shellId ?? ""}
      data-node={entry.node}
      data-state={shellState(entry)}
      data-rows={size?.rows}
      data-cols={size?.cols}
      hidden={!active}
    >
      <TerminalView
        label={`Shell on ${entry.node}`}
        active={active}
        connect={connect}
        onData={onData}
        onResize={onResize}
        status={
          <>
            <ShellStateDot entry={entry} />
            {entry.connection === "reconnecting" && entry.connectionMessage !== null && entry.status !== "closed" && (
              <span className="muted shell-note">{entry.connectionMessage}</span>
            )}
            {entry.fixedSize && (
              <span className="muted shell-note" data-testid="terminal-size-fixed" title="This server does not resize shells">
                The terminal stays at the server's size
              </span>
            )}
          </>
        }
      />
    </section>
  );
}
