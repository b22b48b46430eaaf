// A topology's bind files: listed by path; one at a time open below the list, where its path
// (a rename) and content are changed and saved, or it is deleted; "Add file" opens an empty
// one. Paths the server would refuse are refused here first (`bind-path.ts`), and the
// server's own refusal (4001, 4002, 403) is shown when it comes.

import { useState } from "react";
import type { BindFileOut, TopologyOut } from "../../bindings";
import { describeError, type Bridge } from "../../lib/bridge";
import { bindPathProblem } from "./bind-path";
import type { Permission } from "./permissions";

type Open = { file: BindFileOut | null; path: string; content: string };

export function BindFiles({ bridge, server, topology, rule, onChanged }: { bridge: Bridge; server: string; topology: TopologyOut; rule: Permission; onChanged: () => Promise<void> }) {
  const [open, setOpen] = useState<Open | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const others = topology.bindFiles.filter((f) => f.id !== open?.file?.id).map((f) => f.filePath);
  const pathProblem = open === null ? null : bindPathProblem(open.path, others);
  const changed = open !== null && (open.file === null || open.file.filePath !== open.path || open.file.content !== open.content);

  const run = async (action: () => Promise<unknown>, after: Open | null) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      setOpen(after);
      await onChanged();
    } catch (e: unknown) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const save = () => {
    if (open === null) return;
    const { file, path, content } = open;
    void run(async () => {
      if (file === null) {
        await bridge.createBindFile({ server, topologyId: topology.id, file: { filePath: path, content } });
      } else {
        await bridge.updateBindFile({
          server,
          topologyId: topology.id,
          fileId: file.id,
          file: { ...(path === file.filePath ? {} : { filePath: path }), ...(content === file.content ? {} : { content }) },
        });
      }
    }, null);
  };

  return (
    <section className="bind-files" data-testid="bind-files" aria-label="Bind files">
      <header className="bind-files-header">
        <h3>Bind files</h3>
        <span className="muted">files beside the topology, mounted into its nodes with <code>binds:</code></span>
        <span className="toolbar-spacer" />
        <button type="button" className="button" data-testid="bind-file-add" disabled={rule !== null || busy} title={rule ?? undefined} onClick={() => { setError(null); setOpen({ file: null, path: "", content: "" }); }}>
          Add file
        </button>
      </header>
      {topology.bindFiles.length === 0 ? (
        <p className="muted">No bind files.</p>
      ) : (
        <ul className="bind-file-list">
          {topology.bindFiles.map((f) => (
            <li key={f.id}>
              <button
                type="button"
                className={`bind-file-item${open?.file?.id === f.id ? " bind-file-item--open" : ""}`}
                data-testid="bind-file"
                data-path={f.filePath}
                onClick={() => { setError(null); setOpen({ file: f, path: f.filePath, content: f.content }); }}
              >
                <span className="mono">{f.filePath}</span> <span className="muted">{f.content.length.toLocaleString("en-US")} characters</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {open !== null && (
        <div className="bind-file-form" data-testid="bind-file-form">
          <label className="field">
            Path (relative to the topology's directory)
            <input
              className="mono"
              data-testid="bind-file-path"
              value={open.path}
              readOnly={rule !== null}
              aria-invalid={pathProblem !== null}
              onChange={(e) => { setOpen({ ...open, path: e.target.value }); }}
            />
          </label>
          {pathProblem !== null && open.path !== "" && <p className="form-error" data-testid="bind-file-path-problem">{pathProblem}</p>}
          <label className="field">
            Content
            <textarea className="mono" rows={8} data-testid="bind-file-content" value={open.content} readOnly={rule !== null} onChange={(e) => { setOpen({ ...open, content: e.target.value }); }} />
          </label>
          <div className="bind-file-actions">
            <button type="button" className="button button--primary" data-testid="bind-file-save" disabled={rule !== null || busy || pathProblem !== null || !changed} title={rule ?? pathProblem ?? undefined} onClick={save}>
              {open.file === null ? "Add" : "Save"}
            </button>
            <button type="button" className="button" onClick={() => { setOpen(null); setError(null); }}>
              Close
            </button>
            {open.file !== null && (
              <button
                type="button"
                className="button button--danger"
                data-testid="bind-file-delete"
                disabled={rule !== null || busy}
                title={rule ?? undefined}
                onClick={() => {
                  const file = open.file;
                  if (file !== null) void run(() => bridge.deleteBindFile({ server, topologyId: topology.id, fileId: file.id }), null);
                }}
              >
                Delete
              </button>
            )}
          </div>
        </div>
      )}
      {error !== null && <p className="form-error" role="alert" data-testid="bind-file-error">{error}</p>}
    </section>
  );
}
