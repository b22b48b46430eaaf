// The About dialog: the app's version and the commit it was built from, the Tauri and webview
// versions, the OS, every server with its version (each asked on its own: antimony-server says
// it, the Go server does not), and "Export diagnostics…", which saves a report to attach to a
// bug report (the Rust side asks where and leaves every secret out).

import { useEffect, useRef, useState } from "react";
import { Dialog } from "../../components/dialog";
import { describeError, useBridge, type About, type AboutServer } from "../../lib/bridge";
import "./about.css";

type Load = { status: "loading" } | { status: "done"; about: About } | { status: "failed"; message: string };

type Version = { status: "checking" } | { status: "known"; version: string } | { status: "unknown" } | { status: "failed"; message: string };

type Export = { status: "idle" } | { status: "busy" } | { status: "saved"; path: string } | { status: "cancelled" } | { status: "failed"; message: string };

/** Whether the component is still mounted: an answer that comes later is dropped. */
function useLive(): () => boolean {
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  return () => mounted.current;
}

function ServerRow({ server }: { server: AboutServer }) {
  const bridge = useBridge();
  const [version, setVersion] = useState<Version>({ status: "checking" });
  useEffect(() => {
    let live = true;
    bridge.serverVersion({ server: server.name }).then(
      (v) => {
        if (live) setVersion(v === null ? { status: "unknown" } : { status: "known", version: v });
      },
      (e: unknown) => {
        if (live) setVersion({ status: "failed", message: describeError(e) });
      },
    );
    return () => {
      live = false;
    };
  }, [bridge, server.name]);

  let shown;
  switch (version.status) {
    case "checking":
      shown = <span className="muted">checking…</span>;
      break;
    case "known":
      shown = version.version;
      break;
    case "unknown":
      shown = (
        <span className="muted" title="This server does not report its version (the Go server does not).">
          unknown
        </span>
      );
      break;
    case "failed":
      shown = (
        <span className="muted" title={version.message}>
          not reachable
        </span>
      );
      break;
  }
  return (
    <tr data-testid="about-server" data-server-name={server.name} data-version-state={version.status}>
      <td>
        {server.name}
        {server.local && <span className="server-tag about-local-tag">local</span>}
      </td>
      <td className="mono about-url">{server.origin}</td>
      <td className="about-server-version" data-testid="about-server-version">
        {shown}
      </td>
    </tr>
  );
}

export function AboutDialog({ onClose }: { onClose: () => void }) {
  const bridge = useBridge();
  const live = useLive();
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [exporting, setExporting] = useState<Export>({ status: "idle" });

  useEffect(() => {
    let current = true;
    bridge.about().then(
      (about) => {
        if (current) setLoad({ status: "done", about });
      },
      (e: unknown) => {
        if (current) setLoad({ status: "failed", message: describeError(e) });
      },
    );
    return () => {
      current = false;
    };
  }, [bridge]);

  const exportDiagnostics = async () => {
    setExporting({ status: "busy" });
    try {
      const path = await bridge.exportDiagnostics();
      if (live()) setExporting(path === null ? { status: "cancelled" } : { status: "saved", path });
    } catch (e: unknown) {
      if (live()) setExporting({ status: "failed", message: describeError(e) });
    }
  };

  const busy = exporting.status === "busy";
  return (
    <Dialog
      title="About Antimony"
      testId="about-dialog"
      onCancel={onClose}
      actions={
        <>
          <button type="button" className="button" data-testid="export-diagnostics" disabled={busy} aria-busy={busy || undefined} onClick={() => void exportDiagnostics()}>
            {busy ? "Exporting…" : "Export diagnostics…"}
          </button>
          <button type="button" className="button button--primary" data-autofocus onClick={onClose}>
            Close
          </button>
        </>
      }
    >
      {load.status === "loading" && <p className="muted">Loading…</p>}
      {load.status === "failed" && <p className="form-error">{`Cannot tell: ${load.message}`}</p>}
      {load.status === "done" && (
        <>
          <p className="about-tagline">Antimony Desktop: run and watch containerlab labs.</p>
          <dl className="about-facts">
            <dt>Version</dt>
            <dd data-testid="about-version">{load.about.version}</dd>
            <dt>Commit</dt>
            <dd className="mono" data-testid="about-commit">
              {load.about.commit}
            </dd>
            <dt>Tauri</dt>
            <dd data-testid="about-tauri">{load.about.tauri}</dd>
            <dt>Webview</dt>
            <dd data-testid="about-webview">{load.about.webview ?? "unknown"}</dd>
            <dt>System</dt>
            <dd data-testid="about-os">{load.about.os}</dd>
          </dl>
          <h3 className="about-heading">Servers</h3>
          {load.about.servers.length === 0 ? (
            <p className="muted">No servers.</p>
          ) : (
            <div className="about-servers-scroll">
              <table className="about-servers">
                <thead>
                  <tr>
                    <th>Server</th>
                    <th>URL</th>
                    <th>Version</th>
                  </tr>
                </thead>
                <tbody>
                  {load.about.servers.map((server) => (
                    <ServerRow key={server.name} server={server} />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
      <p className="hint about-diagnostics-hint">
        Diagnostics: one text file for a bug report with these versions, this computer's prerequisites, the servers and the app's recent log. Passwords and tokens are left out.
      </p>
      <p className="about-export-status" data-testid="export-diagnostics-status" data-state={exporting.status} role="status">
        {exporting.status === "saved" && (
          <>
            Saved to <span className="mono">{exporting.path}</span>
          </>
        )}
        {exporting.status === "failed" && <span className="form-error">{`Could not export: ${exporting.message}`}</span>}
      </p>
    </Dialog>
  );
}
