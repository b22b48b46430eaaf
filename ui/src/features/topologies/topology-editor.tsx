// One topology in the editor: its YAML (checked against the server's schema as it is typed,
// problems underlined at their lines and listed under it), a graph of it beside (the last text
// that could be read, a moment after typing stops), its collection, its bind files, and Save,
// Rename, Delete and Create lab. The YAML is the source of truth: the name is its `name:`. On
// save the server's own refusal is shown at its lines too; what the user may not do is
// disabled, with the reason as its tooltip.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { CollectionOut, DeviceConfig, TopologyOut } from "../../bindings";
import { ConfirmDialog } from "../../components/dialog";
import { describeError, type Bridge, type Identity } from "../../lib/bridge";
import { BindFiles } from "./bind-files";
import { checkRefusal, checkText, completeAt } from "./check";
import { CreateLabDialog } from "./create-lab-dialog";
import type { EditorProblem } from "./editor/engine";
import { YamlEditor, type YamlEditorHandle } from "./editor/yaml-editor";
import { canCreateLab, canCreateTopology, canEditTopology, canOwnTopology } from "./permissions";
import { TopologyPreview } from "./preview";
import type { Problem } from "./server-problems";
import { lineOfPath } from "./yaml-source";

/** How long typing must pause before the text is checked and drawn again. */
export const SETTLE_MS = 300;

/** A new topology's text. */
export const NEW_TOPOLOGY = `name: new-topology
topology:
  nodes:
    node1:
      kind: linux
      image: alpine:3
    node2:
      kind: linux
      image: alpine:3
  links:
    - endpoints: ["node1:eth1", "node2:eth1"]
`;

function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => {
      setSettled(value);
    }, ms);
    return () => {
      clearTimeout(timer);
    };
  }, [value, ms]);
  return settled;
}

/** The topology's name in the text (its top-level `name:`), or `null`. */
export function nameOf(text: string): string | null {
  const m = /^name:[ \t]*(["']?)(.*?)\1[ \t]*(?:#.*)?$/m.exec(text);
  const name = m?.[2]?.trim();
  return name === undefined || name === "" ? null : name;
}

/** The text with its top-level `name:` set to `name` (added first when there is none). */
export function withName(text: string, name: string): string {
  const value = /^[\w.-]+$/.test(name) ? name : JSON.stringify(name);
  return /^name:.*$/m.test(text) ? text.replace(/^name:.*$/m, `name: ${value}`) : `name: ${value}\n${text}`;
}

export interface TopologyEditorProps {
  bridge: Bridge;
  server: string;
  identity: Identity | null;
  /** `null`: a new topology, not saved yet. */
  topology: TopologyOut | null;
  collections: readonly CollectionOut[];
  /** The collection a new topology goes into. */
  initialCollectionId: string | null;
  schema: unknown;
  devices: readonly DeviceConfig[];
  onSaved: (topologyId: string) => Promise<void>;
  onDeleted: () => Promise<void>;
  onLabCreated: (labId: string) => void;
}

export function TopologyEditor({ bridge, server, identity, topology, collections, initialCollectionId, schema, devices, onSaved, onDeleted, onLabCreated }: TopologyEditorProps) {
  const savedText = topology?.definition ?? NEW_TOPOLOGY;
  const [text, setText] = useState(savedText);
  const [collectionId, setCollectionId] = useState(topology?.collectionId ?? initialCollectionId ?? collections[0]?.id ?? "");
  const [saving, setSaving] = useState(false);
  const [status, setStatus] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<{ text: string; problems: Problem[]; marks: EditorProblem[] } | null>(null);
  const [dialog, setDialog] = useState<"delete" | "rename" | "lab" | null>(null);
  const [renameTo, setRenameTo] = useState("");
  const editor = useRef<YamlEditorHandle>(null);

  const settled = useSettled(text, SETTLE_MS);
  const checked = useMemo(() => checkText(settled, schema), [settled, schema]);
  // The graph keeps the last text that could be read while the YAML is broken.
  const [drawn, setDrawn] = useState(savedText);
  if (checked.doc !== null && settled !== drawn) setDrawn(settled);

  const collection = collections.find((c) => c.id === (topology?.collectionId ?? collectionId));
  const target = collections.find((c) => c.id === collectionId);
  const editRule = topology === null ? canCreateTopology(identity, target) : canEditTopology(identity, topology, collection);
  const moveRule = topology !== null && collectionId !== topology.collectionId ? canCreateTopology(identity, target) : null;
  const ownRule = topology === null ? "Save the topology first" : canOwnTopology(identity, topology);
  const labRule = topology === null ? "Save the topology first" : canCreateLab(identity, collection);
  const dirty = text !== savedText || (topology !== null && collectionId !== topology.collectionId);

  // The server's problems stay while the text is the one it refused.
  const serverShown = refusal !== null && refusal.text === text ? refusal : null;
  const problems: Problem[] = useMemo(() => [...(serverShown?.problems ?? []), ...(settled === text ? checked.problems : [])], [serverShown, checked, settled, text]);
  const marks = useMemo(() => [...(serverShown?.marks ?? []), ...(settled === text ? checked.marks : [])], [serverShown, checked, settled, text]);
  const complete = useCallback((value: string, offset: number) => completeAt(value, offset, schema, devices), [schema, devices]);

  const save = async (definition = text) => {
    setSaving(true);
    setStatus(null);
    try {
      if (topology === null) {
        const id = await bridge.createTopology({ server, topology: { definition, syncUrl: "", collectionId } });
        setRefusal(null);
        await onSaved(id);
      } else {
        await bridge.updateTopology({
          server,
          topologyId: topology.id,
          topology: { definition, ...(collectionId === topology.collectionId ? {} : { collectionId }) },
        });
        setRefusal(null);
        setStatus("Saved");
        await onSaved(topology.id);
      }
    } catch (e: unknown) {
      const own = checkText(definition, schema);
      const found = checkRefusal(e, definition, own);
      setRefusal({ text: definition, ...found });
      setStatus(`The server refused the topology: ${describeError(e)}`);
    } finally {
      setSaving(false);
    }
  };

  const name = nameOf(text) ?? "(no name)";
  const nameLine = checked.doc === null ? 1 : lineOfPath(checked.doc, settled, ["name"]);

  return (
    <div className="topology-editor" data-testid="topology-editor" data-topology-id={topology?.id ?? ""} data-dirty={dirty}>
      <header className="topology-editor-header">
        <h2 className="topology-title" data-testid="topology-title">{name}</h2>
        <label className="topology-collection">
          Collection{" "}
          <select
            data-testid="topology-collection"
            value={collectionId}
            disabled={editRule !== null && topology !== null}
            onChange={(e) => {
              setCollectionId(e.target.value);
            }}
          >
            {collections.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <span className="toolbar-spacer" />
        <button
          type="button"
          className="button button--primary"
          data-testid="topology-save"
          disabled={saving || !dirty || editRule !== null || moveRule !== null}
          aria-busy={saving || undefined}
          title={editRule ?? moveRule ?? undefined}
          onClick={() => void save()}
        >
          {saving ? "Saving…" : topology === null ? "Create" : "Save"}
        </button>
        <button
          type="button"
          className="button"
          data-testid="topology-rename"
          disabled={editRule !== null}
          title={editRule ?? "Change the topology's name (its name: line)"}
          onClick={() => {
            setRenameTo(nameOf(text) ?? "");
            setDialog("rename");
          }}
        >
          Rename…
        </button>
        <button type="button" className="button" data-testid="topology-create-lab" disabled={labRule !== null || dirty} title={labRule ?? (dirty ? "Save the topology first" : undefined)} onClick={() => { setDialog("lab"); }}>
          Create lab…
        </button>
        <button type="button" className="button button--danger" data-testid="topology-delete" disabled={ownRule !== null} title={ownRule ?? undefined} onClick={() => { setDialog("delete"); }}>
          Delete
        </button>
      </header>
      {editRule !== null && topology !== null && <p className="topology-readonly" data-testid="topology-readonly">{editRule}: the topology is shown read-only.</p>}
      <div className="topology-work">
        <div className="topology-text">
          <YamlEditor ref={editor} text={text} onChange={setText} problems={marks} readOnly={editRule !== null && topology !== null} complete={complete} label={`YAML of ${name}`} />
          <div className="topology-status" role="status" data-testid="topology-status">
            {saving ? "Saving…" : (status ?? (dirty ? "Unsaved changes" : topology === null ? "Not created yet" : "Saved"))}
            {schema === null && " · the server gives no schema: only the YAML is checked"}
          </div>
          <ul className="topology-problems" data-testid="topology-problems" aria-label="Problems">
            {problems.map((p, i) => (
              <li key={`${p.source}-${String(i)}`} data-testid="topology-problem" data-line={p.line ?? ""} data-source={p.source} className={`topology-problem topology-problem--${p.source}`}>
                <button
                  type="button"
                  className="link-button"
                  disabled={p.line === null}
                  onClick={() => {
                    if (p.line !== null) editor.current?.goToLine(p.line);
                  }}
                >
                  {p.line === null ? "—" : `Line ${String(p.line)}`}
                </button>{" "}
                <span className="topology-problem-source">{p.source === "server" ? "server" : "schema"}</span> {p.message}
              </li>
            ))}
          </ul>
        </div>
        <div className="topology-preview" data-testid="topology-preview">
          <TopologyPreview
            definition={drawn}
            storageKey={`preview/${server}/${topology?.id ?? "new"}`}
            onNode={(node) => {
              if (checked.doc !== null) editor.current?.goToLine(lineOfPath(checked.doc, settled, ["topology", "nodes", node]));
            }}
          />
        </div>
      </div>
      {topology !== null && <BindFiles bridge={bridge} server={server} topology={topology} rule={ownRule} onChanged={() => onSaved(topology.id)} />}

      {dialog === "delete" && topology !== null && (
        <ConfirmDialog
          title={`Delete ${name}?`}
          confirmLabel="Delete"
          tone="danger"
          testId="topology-delete-dialog"
          confirmTestId="topology-delete-confirm"
          onCancel={() => { setDialog(null); }}
          onConfirm={() => {
            setDialog(null);
            bridge.deleteTopology({ server, topologyId: topology.id }).then(onDeleted, (e: unknown) => { setStatus(`Could not delete: ${describeError(e)}`); });
          }}
        >
          <p>Its bind files go with it. Labs made from it keep their copy of the YAML.</p>
        </ConfirmDialog>
      )}
      {dialog === "rename" && (
        <ConfirmDialog
          title="Rename the topology"
          confirmLabel={topology === null ? "Rename" : "Rename and save"}
          testId="topology-rename-dialog"
          confirmTestId="topology-rename-confirm"
          focus="confirm"
          onCancel={() => { setDialog(null); }}
          onConfirm={() => {
            setDialog(null);
            const renamed = withName(text, renameTo.trim());
            setText(renamed);
            if (topology !== null) void save(renamed);
          }}
        >
          <label className="field">
            New name (the YAML's <code>name:</code>, line {nameLine})
            <input data-testid="topology-rename-input" value={renameTo} onChange={(e) => { setRenameTo(e.target.value); }} />
          </label>
        </ConfirmDialog>
      )}
      {dialog === "lab" && topology !== null && (
        <CreateLabDialog
          bridge={bridge}
          server={server}
          topology={topology}
          topologyName={name}
          collectionName={collection?.name ?? ""}
          onCancel={() => { setDialog(null); }}
          onCreated={(labId) => {
            setDialog(null);
            onLabCreated(labId);
          }}
        />
      )}
    </div>
  );
}
