// Export and import of server profiles as a file a team hands out (names, addresses, REST
// bases, pinned certificates; never a login or password). The Rust side asks where with the
// native dialogs; the import's report (what was added, what was left out and why) is shown.

import { useState } from "react";
import { Dialog } from "../../components/dialog";
import { describeError, useBridge, type ServersImported } from "../../lib/bridge";
import type { Servers } from "./servers-store";
import "./server-sharing.css";

export function ServerSharing({ servers }: { servers: Servers }) {
  const bridge = useBridge();
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ text: string; error: boolean } | null>(null);
  const [report, setReport] = useState<ServersImported | null>(null);

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setStatus(null);
    try {
      await work();
    } catch (e: unknown) {
      setStatus({ text: describeError(e), error: true });
    } finally {
      setBusy(false);
    }
  };

  const exportServers = () =>
    run(async () => {
      const path = await bridge.exportServers();
      if (path !== null) setStatus({ text: `Saved to ${path}`, error: false });
    });

  const importServers = () =>
    run(async () => {
      const imported = await bridge.importServers();
      if (imported === null) return;
      await servers.load();
      setReport(imported);
    });

  return (
    <div className="server-sharing">
      <div className="server-sharing-buttons">
        <button type="button" className="button button--small" data-testid="servers-export" disabled={busy} title="Save these servers to a file to hand out (no logins or passwords)" onClick={() => void exportServers()}>
          Export…
        </button>
        <button type="button" className="button button--small" data-testid="servers-import" disabled={busy} title="Add the servers of a file someone handed out" onClick={() => void importServers()}>
          Import…
        </button>
      </div>
      {status !== null && (
        <p className={status.error ? "form-error" : "muted server-sharing-status"} data-testid="servers-sharing-status" role={status.error ? "alert" : "status"}>
          {status.text}
        </p>
      )}
      {report !== null && (
        <Dialog
          title={`Servers from ${report.file === "" ? "the file" : report.file}`}
          testId="servers-import-report"
          onCancel={() => {
            setReport(null);
          }}
          actions={
            <button
              type="button"
              className="button button--primary"
              data-testid="servers-import-done"
              onClick={() => {
                setReport(null);
              }}
            >
              OK
            </button>
          }
        >
          {report.added.length === 0 ? (
            <p>No server was added.</p>
          ) : (
            <>
              <p>{report.added.length === 1 ? "Added one server; log in to it to see its labs:" : `Added ${report.added.length} servers; log in to each to see its labs:`}</p>
              <ul className="import-report-list">
                {report.added.map((name) => (
                  <li key={name} data-testid="servers-import-added">
                    {name}
                  </li>
                ))}
              </ul>
            </>
          )}
          {report.skipped.length > 0 && (
            <>
              <p>Left out:</p>
              <ul className="import-report-list">
                {report.skipped.map((s, i) => (
                  <li key={`${s.name}\n${String(i)}`} data-testid="servers-import-skipped" data-server-name={s.name}>
                    <strong>{s.name === "" ? "(no name)" : s.name}</strong>
                    {`: ${s.reason}`}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Dialog>
      )}
    </div>
  );
}
