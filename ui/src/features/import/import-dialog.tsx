// The import confirmation: the file, the lab it makes, the server it goes to, and "Deploy
// now". It stays open with the server's message when the import fails.

import { useState } from "react";
import { ConfirmDialog } from "../../components/dialog";
import type { ImportedLab } from "../../lib/bridge";
import { useStore } from "../../lib/store";
import type { ImportDraft, Imports } from "./imports-store";

export function ImportDialog({ imports, onImported }: { imports: Imports; onImported: (server: string, lab: ImportedLab) => void }) {
  const draft = useStore(imports.store, (s) => s.draft);
  // A new file starts with a fresh form.
  return draft === null ? null : <DraftDialog key={draft.id} imports={imports} draft={draft} onImported={onImported} />;
}

function DraftDialog({ imports, draft, onImported }: { imports: Imports; draft: ImportDraft; onImported: (server: string, lab: ImportedLab) => void }) {
  const state = useStore(imports.store, (s) => s);
  const [deploy, setDeploy] = useState(true);

  const confirm = async () => {
    const lab = await imports.confirm(deploy);
    if (lab !== null) onImported(draft.server, lab);
  };

  return (
    <ConfirmDialog
      title="Import a topology"
      testId="import-dialog"
      confirmTestId="import-confirm"
      confirmLabel="Import"
      busyLabel="Importing…"
      busy={state.busy}
      focus="confirm"
      onCancel={() => {
        imports.cancel();
      }}
      onConfirm={() => void confirm()}
    >
      <dl className="import-facts">
        <dt>File</dt>
        <dd className="mono" data-testid="import-file-name">
          {draft.fileName}
        </dd>
        <dt>Lab</dt>
        <dd data-testid="import-lab-name">{draft.labName}</dd>
        <dt>Server</dt>
        <dd data-testid="import-server">{draft.server}</dd>
      </dl>
      <label className="checkbox">
        <input
          type="checkbox"
          data-testid="import-deploy"
          checked={deploy}
          disabled={state.busy}
          onChange={(e) => {
            setDeploy(e.target.checked);
          }}
        />
        Deploy now
      </label>
      <p className="hint">{deploy ? "The lab goes into the collection “local” and is deployed right away; its page shows the progress." : "The lab goes into the collection “local”; deploy it from its page when you want."}</p>
      {state.error !== null && (
        <p className="form-error" role="alert" data-testid="import-error">
          {state.error}
        </p>
      )}
    </ConfirmDialog>
  );
}
