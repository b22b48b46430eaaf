// Importing a containerlab topology file: a quick check of its name and size, then it is read
// and `check_topology` (antimony-client's rules) accepts it and names its lab, a dialog asks to
// confirm (and whether to deploy now), then `import_topology` makes the lab. The state is a
// small reducer the tests drive directly; the dialog reads it.

import { Severity } from "../../bindings";
import { BridgeError, describeError, type Bridge, type ImportedLab } from "../../lib/bridge";
import type { Notify } from "../../lib/notify";
import { createStore, type Store } from "../../lib/store";
import { topologyFileProblem } from "./topology-file";

/** A file read and waiting for the user's confirmation. */
export interface ImportDraft {
  /** Tells drafts apart (the dialog starts over for a new one). */
  id: number;
  server: string;
  fileName: string;
  /** The lab's name, as `checkTopology` gives it. */
  labName: string;
  definition: string;
}

export interface ImportState {
  draft: ImportDraft | null;
  busy: boolean;
  error: string | null;
}

export type ImportAction =
  | { type: "opened"; draft: ImportDraft }
  | { type: "started" }
  | { type: "failed"; message: string }
  | { type: "closed" };

export const initialImport: ImportState = { draft: null, busy: false, error: null };

export function importReducer(state: ImportState, action: ImportAction): ImportState {
  switch (action.type) {
    case "opened":
      return { draft: action.draft, busy: false, error: null };
    case "started":
      return state.draft === null ? state : { ...state, busy: true, error: null };
    case "failed":
      return { ...state, busy: false, error: action.message };
    case "closed":
      return initialImport;
  }
}

export interface Imports {
  store: Store<ImportState, ImportAction>;
  /**
   * Checks a file (name ends in .clab.yml or .clab.yaml, at most 1 MiB), reads it, has the
   * bridge check it and name its lab (`checkTopology`), and opens the dialog for `server`. A
   * file that cannot be imported (either check) gets an error toast instead.
   */
  importFile(file: File, server: string): Promise<void>;
  /** Imports the open draft. Resolves the lab made, or `null` when it failed (the dialog says why). */
  confirm(deploy: boolean): Promise<ImportedLab | null>;
  /** Closes the dialog (not while an import runs). */
  cancel(): void;
}

export function createImports(bridge: Bridge, notify: Notify): Imports {
  const store = createStore(importReducer, initialImport);
  let nextId = 1;

  const cannot = (fileName: string, body: string) => {
    notify({ key: `import:${fileName}`, severity: Severity.Error, title: `Cannot import ${fileName}`, body });
  };

  return {
    store,
    async importFile(file, server) {
      if (store.getState().busy) {
        notify({ key: "import:busy", severity: Severity.Warning, title: `Cannot import ${file.name}`, body: "Another import is still running." });
        return;
      }
      const problem = topologyFileProblem(file);
      if (problem !== null) {
        cannot(file.name, problem);
        return;
      }
      let definition: string;
      try {
        definition = await file.text();
      } catch (e: unknown) {
        cannot(file.name, `The file could not be read: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      let labName: string;
      try {
        labName = (await bridge.checkTopology({ fileName: file.name, definition })).labName;
      } catch (e: unknown) {
        cannot(file.name, describeError(e));
        return;
      }
      if (store.getState().busy) return;
      const draft: ImportDraft = { id: nextId++, server, fileName: file.name, labName, definition };
      store.dispatch({ type: "opened", draft });
    },
    async confirm(deploy) {
      const { draft, busy } = store.getState();
      if (draft === null || busy) return null;
      store.dispatch({ type: "started" });
      try {
        const lab = await bridge.importTopology({ server: draft.server, fileName: draft.fileName, definition: draft.definition, deploy });
        if (store.getState().draft?.id === draft.id) store.dispatch({ type: "closed" });
        notify({ key: `import:${draft.fileName}`, severity: Severity.Success, title: `Imported ${lab.labName} into ${lab.collection}`, body: draft.server });
        return lab;
      } catch (e: unknown) {
        const message = describeError(BridgeError.from(e));
        if (store.getState().draft?.id === draft.id) store.dispatch({ type: "failed", message });
        return null;
      }
    },
    cancel() {
      if (!store.getState().busy) store.dispatch({ type: "closed" });
    },
  };
}
