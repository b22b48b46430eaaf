import { afterEach, describe, expect, it, vi } from "vitest";
import { Severity } from "../../bindings";
import { BridgeError, type ImportedLab } from "../../lib/bridge";
import { createFakeBridge, type FakeBridge } from "../../lib/bridge/fake";
import type { ToastRequest } from "../../lib/notify";
import { createImports } from "./imports-store";

let fake: FakeBridge | null = null;
afterEach(() => {
  fake?.dispose();
  fake = null;
});

const TOPOLOGY = "name: pair\ntopology:\n  nodes:\n    a:\n      kind: linux\n    b:\n      kind: linux\n";

function setup() {
  fake = createFakeBridge({ latencyMs: 0, stepMs: 0, chatterMs: 0 });
  const toasts: ToastRequest[] = [];
  const imports = createImports(fake, (t) => toasts.push(t));
  return { f: fake, imports, toasts };
}

describe("imports", () => {
  it("refuses a file of another kind with an error toast and no dialog", async () => {
    const { imports, toasts } = setup();
    await imports.importFile(new File(["x"], "pair.yaml"), "lab.example.net");
    expect(imports.store.getState().draft).toBeNull();
    expect(toasts).toEqual([
      { key: "import:pair.yaml", severity: Severity.Error, title: "Cannot import pair.yaml", body: "pair.yaml is not a containerlab topology: only .clab.yml and .clab.yaml files can be imported." },
    ]);
  });

  it("reads the file into a draft, and imports exactly its text with the deploy flag", async () => {
    const { f, imports, toasts } = setup();
    await imports.importFile(new File([TOPOLOGY], "pair.clab.yml"), "lab.example.net");
    expect(imports.store.getState().draft).toMatchObject({ server: "lab.example.net", fileName: "pair.clab.yml", labName: "pair", definition: TOPOLOGY });
    const lab = await imports.confirm(false);
    expect(lab).toMatchObject({ labName: "pair", collection: "local" });
    expect(f.calls.filter((c) => c.command === "import_topology").map((c) => c.args)).toEqual([
      { server: "lab.example.net", fileName: "pair.clab.yml", definition: TOPOLOGY, deploy: false },
    ]);
    expect(imports.store.getState().draft).toBeNull();
    expect(toasts.at(-1)).toMatchObject({ severity: Severity.Success, title: "Imported pair into local", body: "lab.example.net" });
  });

  it("names the lab as checkTopology does, and refuses the file with an error toast when it rejects", async () => {
    const { f, imports, toasts } = setup();
    vi.spyOn(f, "checkTopology").mockResolvedValueOnce({ labName: "from the bridge" });
    await imports.importFile(new File([TOPOLOGY], "pair.clab.yml"), "lab.example.net");
    expect(imports.store.getState().draft?.labName).toBe("from the bridge");
    imports.cancel();
    vi.spyOn(f, "checkTopology").mockRejectedValueOnce(new BridgeError("io", -1, "pair.clab.yml is bigger than 1 MiB"));
    await imports.importFile(new File([TOPOLOGY], "pair.clab.yml"), "lab.example.net");
    expect(imports.store.getState().draft).toBeNull();
    expect(toasts).toEqual([{ key: "import:pair.clab.yml", severity: Severity.Error, title: "Cannot import pair.clab.yml", body: "pair.clab.yml is bigger than 1 MiB" }]);
  });

  it("keeps the draft with the server's message when the import fails, and lets it be tried again", async () => {
    const { f, imports } = setup();
    await imports.importFile(new File(["topology: {}\n"], "nameless.clab.yml"), "lab.example.net");
    expect(await imports.confirm(true)).toBeNull();
    const state = imports.store.getState();
    expect(state.draft?.fileName).toBe("nameless.clab.yml");
    expect(state.error).toMatch(/\(code 3003\)$/);
    expect(state.busy).toBe(false);
    expect(await imports.confirm(true)).toBeNull();
    expect(f.calls.filter((c) => c.command === "import_topology")).toHaveLength(2);
  });

  it("does not close, nor take another file, while an import runs", async () => {
    const { imports, toasts } = setup();
    await imports.importFile(new File([TOPOLOGY], "pair.clab.yml"), "lab.example.net");
    const running: Promise<ImportedLab | null> = imports.confirm(true);
    expect(imports.store.getState().busy).toBe(true);
    imports.cancel();
    expect(imports.store.getState().draft?.fileName).toBe("pair.clab.yml");
    await imports.importFile(new File([TOPOLOGY], "other.clab.yml"), "lab.example.net");
    expect(toasts.at(-1)).toMatchObject({ severity: Severity.Warning, title: "Cannot import other.clab.yml", body: "Another import is still running." });
    expect(imports.store.getState().draft?.fileName).toBe("pair.clab.yml");
    expect(await running).not.toBeNull();
    expect(imports.store.getState().draft).toBeNull();
  });
});
