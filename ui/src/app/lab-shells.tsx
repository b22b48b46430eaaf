// The lab view's shells: the shells feature's tabs, terminals and "not attached" list, put in
// the slot the lab view leaves for them (features never import each other; they meet here).

import { useMemo, type ComponentProps } from "react";
import { LabView, type LabShells } from "../features/labs/lab-view";
import { ShellPanel } from "../features/shells/shell-panel";
import { OtherShells, ShellTab } from "../features/shells/shell-tabs";
import type { Shells } from "../features/shells/shells";
import { labShells } from "../features/shells/shells-store";
import { useStore } from "../lib/store";

export function useLabShells(shells: Shells, server: string, labId: string): LabShells {
  const entries = useStore(shells.store, (s) => s.entries);
  return useMemo(() => {
    const mine = labShells({ entries }, server, labId);
    const shown = mine.filter((e) => e.status === "tab" || e.status === "closed");
    return {
      open: (node) => {
        shells.open(server, labId, node);
      },
      openAll: (nodes) => {
        shells.openAll(server, labId, nodes);
      },
      tabs: shown.map((entry) => ({
        key: entry.key,
        renderTab: (props) => <ShellTab shells={shells} entry={entry} {...props} />,
        renderPanel: (active) => <ShellPanel key={entry.key} shells={shells} entry={entry} active={active} />,
      })),
      others: <OtherShells shells={shells} entries={mine} />,
    };
  }, [entries, shells, server, labId]);
}

/** The lab view with its shells. */
export function LabWithShells({ shells, ...props }: Omit<ComponentProps<typeof LabView>, "shells"> & { shells: Shells }) {
  const slot = useLabShells(shells, props.server, props.labId);
  return <LabView {...props} shells={slot} />;
}
