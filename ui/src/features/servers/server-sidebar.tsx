// The server list (with a health dot each), "All servers" (the combined lab list), switching,
// removing, adding a server by URL (with the certificate-trust dialog for a certificate no
// trusted authority signed), and export and import of the server profiles.

import { useState, type SubmitEvent } from "react";
import { ConfirmDialog } from "../../components/dialog";
import { StatusDot, type DotTone } from "../../components/status-dot";
import { BridgeError, describeError, type ServerView } from "../../lib/bridge";
import { useStore } from "../../lib/store";
import { healthLabel, type ServerHealth } from "./health";
import { ServerSharing } from "./server-sharing";
import { defaultServerName, healthOf, normalizeUrl, type Servers } from "./servers-store";

export const healthTone: Record<ServerHealth, DotTone> = {
  connected: "green",
  reconnecting: "amber",
  loginNeeded: "blue",
  offline: "grey",
};

interface PendingTrust {
  name: string;
  url: string;
  api?: string;
  fingerprint: string;
}

export function ServerSidebar({
  servers,
  onSwitched,
  onRemoved,
  allServers,
}: {
  servers: Servers;
  /** After a switch, an add or a remove (also when the server clicked was current already). */
  onSwitched: () => void;
  /** After a server is removed (the Rust side dropped its notification rules with it). */
  onRemoved?: (name: string) => void;
  /** The combined lab list's entry: whether it is shown, and how to show it. */
  allServers?: { selected: boolean; onSelect: () => void };
}) {
  const state = useStore(servers.store, (s) => s);
  const [url, setUrl] = useState("");
  const [name, setName] = useState("");
  const [api, setApi] = useState("");
  const [adding, setAdding] = useState(false);
  const [addError, setAddError] = useState<string | null>(null);
  const [trust, setTrust] = useState<PendingTrust | null>(null);
  const [removing, setRemoving] = useState<ServerView | null>(null);
  const [switchError, setSwitchError] = useState<string | null>(null);

  const add = async (args: { name: string; url: string; trustFingerprint?: string; api?: string }) => {
    setAdding(true);
    setAddError(null);
    try {
      await servers.add(args);
      setUrl("");
      setName("");
      setApi("");
      onSwitched();
    } catch (e: unknown) {
      const err = BridgeError.from(e);
      if (err.kind === "certificate" && err.fingerprint !== undefined && args.trustFingerprint === undefined) {
        setTrust({ name: args.name, url: args.url, api: args.api, fingerprint: err.fingerprint });
      } else {
        setAddError(describeError(err));
      }
    } finally {
      setAdding(false);
    }
  };

  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    if (url.trim() === "") return;
    const full = normalizeUrl(url);
    const apiUrl = api.trim() === "" ? undefined : normalizeUrl(api);
    void add({ name: name.trim() === "" ? defaultServerName(full) : name.trim(), url: full, api: apiUrl });
  };

  const switchTo = async (server: ServerView) => {
    if (server.current) {
      onSwitched();
      return;
    }
    setSwitchError(null);
    try {
      await servers.use(server.name);
      onSwitched();
    } catch (e: unknown) {
      setSwitchError(describeError(e));
    }
  };

  return (
    <aside className="sidebar" aria-label="Servers">
      <div className="sidebar-brand">Antimony</div>
      <h2 className="sidebar-heading">Servers</h2>
      {state.loadError !== null && <p className="form-error">{`Cannot read the servers: ${state.loadError}`}</p>}
      <ul className="server-list">
        {allServers !== undefined && state.servers.length > 1 && (
          <li className={allServers.selected ? "server-item server-item--current" : "server-item"}>
            <button
              type="button"
              className="server-switch"
              data-testid="servers-all"
              aria-current={allServers.selected ? "true" : undefined}
              title="The labs of every server in one list"
              onClick={allServers.onSelect}
            >
              <span className="server-all-icon" aria-hidden="true">
                ≡
              </span>
              <span className="server-name">All servers</span>
            </button>
          </li>
        )}
        {state.servers.map((server) => {
          const shownAlone = server.current && allServers?.selected !== true;
          const health = healthOf(state, server);
          return (
            <li key={server.name} className={shownAlone ? "server-item server-item--current" : "server-item"}>
              <button
                type="button"
                className="server-switch"
                data-testid="server-item"
                data-server-name={server.name}
                data-state={health}
                aria-current={shownAlone ? "true" : undefined}
                onClick={() => void switchTo(server)}
                title={`${server.origin} — ${healthLabel[health]}`}
              >
                <StatusDot tone={healthTone[health]} label={healthLabel[health]} hideLabel pulse={health === "reconnecting"} />
                <span className="server-name">{server.name}</span>
                {server.local && <span className="server-tag">local</span>}
              </button>
              <button
                type="button"
                className="icon-button server-remove"
                aria-label={`Remove ${server.name}`}
                title={`Remove ${server.name}`}
                onClick={() => {
                  setRemoving(server);
                }}
              >
                ×
              </button>
            </li>
          );
        })}
        {state.loaded && state.servers.length === 0 && <li className="sidebar-empty">No servers yet. Add one below.</li>}
      </ul>
      {switchError !== null && <p className="form-error">{switchError}</p>}
      <ServerSharing servers={servers} />

      <form className="add-server" onSubmit={submit}>
        <h2 className="sidebar-heading">Add a server</h2>
        <label className="field">
          <span>URL</span>
          <input
            data-testid="server-add-url"
            type="text"
            inputMode="url"
            placeholder="https://antimony.example.net"
            value={url}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => {
              setUrl(e.target.value);
            }}
          />
        </label>
        <label className="field">
          <span>Name</span>
          <input
            data-testid="server-add-name"
            type="text"
            placeholder={url.trim() === "" ? "the host" : defaultServerName(url)}
            value={name}
            autoComplete="off"
            onChange={(e) => {
              setName(e.target.value);
            }}
          />
        </label>
        <details className="add-server-advanced">
          <summary>Advanced</summary>
          <label className="field">
            <span>API URL</span>
            <input
              data-testid="server-add-api"
              type="text"
              inputMode="url"
              placeholder={url.trim() === "" ? "found by itself" : `${normalizeUrl(url)}/api or ${normalizeUrl(url)}`}
              value={api}
              autoComplete="off"
              spellCheck={false}
              title="Where the server's REST API is, when it is neither at the URL with /api nor at the URL itself"
              onChange={(e) => {
                setApi(e.target.value);
              }}
            />
          </label>
        </details>
        {addError !== null && <p className="form-error" role="alert">{addError}</p>}
        <button type="submit" className="button" data-testid="server-add-submit" disabled={adding || url.trim() === ""}>
          {adding ? "Adding…" : "Add server"}
        </button>
      </form>

      {trust !== null && (
        <ConfirmDialog
          title="Trust this certificate?"
          testId="trust-dialog"
          confirmTestId="trust-certificate"
          confirmLabel="Trust"
          onCancel={() => {
            setTrust(null);
          }}
          onConfirm={() => {
            const t = trust;
            setTrust(null);
            void add({ name: t.name, url: t.url, api: t.api, trustFingerprint: t.fingerprint });
          }}
        >
          <p>{`The certificate of ${trust.url} is not signed by an authority this computer trusts.`}</p>
          <p>
            SHA-256 fingerprint: <code className="fingerprint">{trust.fingerprint}</code>
          </p>
          <p>Compare it with the one your administrator gives you.</p>
        </ConfirmDialog>
      )}

      {removing !== null && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          testId="remove-server-dialog"
          confirmTestId="confirm-remove-server"
          confirmLabel="Remove"
          tone="danger"
          onCancel={() => {
            setRemoving(null);
          }}
          onConfirm={() => {
            const s = removing;
            setRemoving(null);
            void servers
              .remove(s.name)
              .then(() => {
                onRemoved?.(s.name);
                onSwitched();
              })
              .catch((e: unknown) => {
                setSwitchError(describeError(e));
              });
          }}
        >
          <p>{`The app forgets ${removing.origin} and the login kept for it. Labs on the server are not touched.`}</p>
        </ConfirmDialog>
      )}
    </aside>
  );
}
