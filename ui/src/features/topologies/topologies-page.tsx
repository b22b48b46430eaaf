// A server's topologies: its collections, each with its topologies, on the left; the topology
// picked (or a new one) in the editor on the right. Collections are created (admins), renamed,
// opened or closed to members and deleted here where the user may. The app loads this page
// as a script of its own (it brings the editor's parts; CodeMirror is another, loaded when an
// editor first opens).

import { useState } from "react";
import type { CollectionOut, TopologyOut } from "../../bindings";
import { ConfirmDialog, Dialog } from "../../components/dialog";
import { describeError, useBridge, type Identity } from "../../lib/bridge";
import { canCreateCollection, canCreateTopology, canEditCollection } from "./permissions";
import { nameOf, TopologyEditor } from "./topology-editor";
import { useTopologyData } from "./use-topology-data";
import "./topologies.css";

type Picked = { kind: "topology"; id: string } | { kind: "new"; collectionId: string | null } | null;

export interface TopologiesPageProps {
  server: string;
  identity: Identity | null;
  /** A topology to open first (from a lab's "Edit topology"). */
  initialTopologyId?: string | null;
  onLabCreated: (labId: string) => void;
}

interface CollectionForm {
  collection: CollectionOut | null;
  name: string;
  publicWrite: boolean;
  publicDeploy: boolean;
}

export default function TopologiesPage({ server, identity, initialTopologyId = null, onLabCreated }: TopologiesPageProps) {
  const bridge = useBridge();
  const data = useTopologyData(bridge, server);
  const [picked, setPicked] = useState<Picked>(initialTopologyId === null ? null : { kind: "topology", id: initialTopologyId });
  const [form, setForm] = useState<CollectionForm | null>(null);
  const [deleting, setDeleting] = useState<CollectionOut | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const topology = picked?.kind === "topology" ? data.topologies.find((t) => t.id === picked.id) : undefined;
  const createRule = canCreateCollection(identity);
  const byCollection = (c: CollectionOut): TopologyOut[] =>
    data.topologies.filter((t) => t.collectionId === c.id).sort((a, b) => (nameOf(a.definition) ?? "").localeCompare(nameOf(b.definition) ?? ""));

  const submitCollection = async () => {
    if (form === null) return;
    setBusy(true);
    setError(null);
    try {
      const { collection, name, publicWrite, publicDeploy } = form;
      if (collection === null) await bridge.createCollection({ server, collection: { name: name.trim(), publicWrite, publicDeploy } });
      else await bridge.updateCollection({ server, collectionId: collection.id, collection: { name: name.trim(), publicWrite, publicDeploy } });
      setForm(null);
      await data.reload();
    } catch (e: unknown) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  let pane;
  if (data.status === "loading") pane = <p className="empty-state">Loading the topologies…</p>;
  else if (data.status === "failed") pane = <p className="empty-state" role="alert">The topologies could not be loaded: {data.error}</p>;
  else if (picked?.kind === "new" || topology !== undefined) {
    pane = (
      <TopologyEditor
        key={topology?.id ?? "new"}
        bridge={bridge}
        server={server}
        identity={identity}
        topology={topology ?? null}
        collections={data.collections}
        initialCollectionId={picked?.kind === "new" ? picked.collectionId : null}
        schema={data.schema}
        devices={data.devices}
        onSaved={async (id) => {
          await data.reload();
          setPicked({ kind: "topology", id });
        }}
        onDeleted={async () => {
          setPicked(null);
          await data.reload();
        }}
        onLabCreated={onLabCreated}
      />
    );
  } else pane = <p className="empty-state">{picked?.kind === "topology" ? "This topology no longer exists, or you no longer have access to it." : "Pick a topology, or make a new one."}</p>;

  return (
    <div className="topologies" data-testid="topologies" data-server={server}>
      <aside className="topology-tree" aria-label="Collections and topologies">
        <header className="topology-tree-header">
          <h1>Topologies</h1>
          <button
            type="button"
            className="button button--primary"
            data-testid="topology-new"
            disabled={data.collections.every((c) => canCreateTopology(identity, c) !== null)}
            title={data.collections.every((c) => canCreateTopology(identity, c) !== null) ? "No collection takes new topologies from you" : "A new topology"}
            onClick={() => {
              setPicked({ kind: "new", collectionId: data.collections.find((c) => canCreateTopology(identity, c) === null)?.id ?? null });
            }}
          >
            New topology
          </button>
        </header>
        {data.collections.map((c) => {
          const editRule = canEditCollection(identity, c);
          return (
            <section key={c.id} className="topology-collection-group" data-testid="collection" data-collection-name={c.name}>
              <div className="topology-collection-row">
                <h2 className="topology-collection-name">{c.name}</h2>
                <span className="muted" title="Whether members may add topologies / create labs">
                  {c.publicWrite ? "writable" : "read-only"} · {c.publicDeploy ? "deployable" : "no labs"}
                </span>
                <span className="toolbar-spacer" />
                <button
                  type="button"
                  className="button button--quiet"
                  data-testid="collection-new-topology"
                  disabled={canCreateTopology(identity, c) !== null}
                  title={canCreateTopology(identity, c) ?? `A new topology in ${c.name}`}
                  aria-label={`New topology in ${c.name}`}
                  onClick={() => { setPicked({ kind: "new", collectionId: c.id }); }}
                >
                  +
                </button>
                <button type="button" className="button button--quiet" data-testid="collection-edit" disabled={editRule !== null} title={editRule ?? `Rename ${c.name} or change who may use it`} onClick={() => { setError(null); setForm({ collection: c, name: c.name, publicWrite: c.publicWrite, publicDeploy: c.publicDeploy }); }}>
                  Edit
                </button>
                <button type="button" className="button button--quiet" data-testid="collection-delete" disabled={editRule !== null} title={editRule ?? `Delete ${c.name}`} onClick={() => { setError(null); setDeleting(c); }}>
                  Delete
                </button>
              </div>
              <ul className="topology-list">
                {byCollection(c).map((t) => {
                  const name = nameOf(t.definition) ?? "(no name)";
                  return (
                    <li key={t.id}>
                      <button
                        type="button"
                        className={`topology-item${topology?.id === t.id ? " topology-item--open" : ""}`}
                        data-testid="topology-item"
                        data-topology-name={name}
                        aria-current={topology?.id === t.id || undefined}
                        onClick={() => { setPicked({ kind: "topology", id: t.id }); }}
                      >
                        <span>{name}</span>
                        <span className="muted">{t.bindFiles.length > 0 ? `${String(t.bindFiles.length)} file${t.bindFiles.length === 1 ? "" : "s"} · ` : ""}{t.creator.name}</span>
                      </button>
                    </li>
                  );
                })}
                {byCollection(c).length === 0 && <li className="muted topology-list-empty">No topologies</li>}
              </ul>
            </section>
          );
        })}
        <button type="button" className="button" data-testid="collection-new" disabled={createRule !== null} title={createRule ?? "A new collection"} onClick={() => { setError(null); setForm({ collection: null, name: "", publicWrite: true, publicDeploy: true }); }}>
          New collection…
        </button>
        {error !== null && form === null && <p className="form-error" role="alert" data-testid="collection-error">{error}</p>}
      </aside>
      <section className="topology-pane">{pane}</section>

      {form !== null && (
        <Dialog
          title={form.collection === null ? "New collection" : `Edit ${form.collection.name}`}
          testId="collection-dialog"
          onCancel={() => { if (!busy) setForm(null); }}
          actions={
            <>
              <button type="button" className="button" disabled={busy} onClick={() => { setForm(null); }}>
                Cancel
              </button>
              <button type="button" className="button button--primary" data-testid="collection-save" disabled={busy || form.name.trim() === ""} onClick={() => void submitCollection()}>
                {form.collection === null ? "Create" : "Save"}
              </button>
            </>
          }
        >
          <label className="field">
            Name (members are the users of the OpenID group of this name)
            <input data-testid="collection-name" data-autofocus value={form.name} onChange={(e) => { setForm({ ...form, name: e.target.value }); }} />
          </label>
          <label><input type="checkbox" data-testid="collection-public-write" checked={form.publicWrite} onChange={(e) => { setForm({ ...form, publicWrite: e.target.checked }); }} /> Members may add and change topologies</label>
          <label><input type="checkbox" data-testid="collection-public-deploy" checked={form.publicDeploy} onChange={(e) => { setForm({ ...form, publicDeploy: e.target.checked }); }} /> Members may create labs</label>
          {error !== null && <p className="form-error" role="alert" data-testid="collection-error">{error}</p>}
        </Dialog>
      )}
      {deleting !== null && (
        <ConfirmDialog
          title={`Delete ${deleting.name}?`}
          confirmLabel="Delete"
          tone="danger"
          testId="collection-delete-dialog"
          confirmTestId="collection-delete-confirm"
          busy={busy}
          onCancel={() => { setDeleting(null); }}
          onConfirm={() => {
            const c = deleting;
            setBusy(true);
            bridge
              .deleteCollection({ server, collectionId: c.id })
              .then(() => data.reload(), (e: unknown) => { setError(describeError(e)); })
              .finally(() => {
                setBusy(false);
                setDeleting(null);
              });
          }}
        >
          <p>Its {byCollection(deleting).length === 1 ? "topology" : `${String(byCollection(deleting).length)} topologies`} will no longer be listed.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
