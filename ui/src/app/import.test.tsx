// Importing a .clab.yml into the app against the fake bridge: from the button's file chooser
// and by dropping it on the window, the checks on the file, the dialog, and opening the lab.

import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { BridgeError } from "../lib/bridge";
import { startApp } from "./app.test-util";

const start = () => startApp();

const TOPOLOGY = "name: ring\ntopology:\n  nodes:\n    r1:\n      kind: nokia_srlinux\n    r2:\n      kind: nokia_srlinux\n  links:\n    - endpoints: [r1:e1-1, r2:e1-1]\n";

function chooseFile(file: File) {
  fireEvent.change(screen.getByTestId("import-file-input"), { target: { files: [file] } });
}

function appRoot(): HTMLElement {
  const root = document.querySelector<HTMLElement>(".app");
  if (root === null) throw new Error("no app root");
  return root;
}

function errorToasts(): string[] {
  return screen
    .queryAllByTestId("toast")
    .filter((t) => t.getAttribute("data-severity") === "error")
    .map((t) => t.textContent);
}

describe("import a topology", () => {
  it("opens the file chooser from the dashboard", async () => {
    await start();
    const input = screen.getByTestId<HTMLInputElement>("import-file-input");
    expect(input.type).toBe("file");
    expect(input.accept).toBe(".yml,.yaml");
    let clicked = 0;
    input.addEventListener("click", (e) => {
      e.preventDefault();
      clicked += 1;
    });
    fireEvent.click(screen.getByTestId("import-topology"));
    expect(clicked).toBe(1);
  });

  it("refuses a file without the .clab.yml extension, or over 1 MiB, with an error toast", async () => {
    const f = await start();
    chooseFile(new File(["name: x\n"], "notes.yml"));
    await waitFor(() => {
      expect(errorToasts()).toEqual(["Cannot import notes.ymlnotes.yml is not a containerlab topology: only .clab.yml and .clab.yaml files can be imported.×"]);
    });
    chooseFile(new File(["#".repeat(1024 * 1024 + 1)], "big.clab.yml"));
    await waitFor(() => {
      expect(errorToasts()).toHaveLength(2);
    });
    expect(errorToasts()[1]).toContain("big.clab.yml is 1.0 MiB; a topology file can be at most 1 MiB.");
    expect(screen.queryByTestId("import-dialog")).toBeNull();
    expect(f.calls.some((c) => c.command === "import_topology")).toBe(false);
    // The quick pre-check refused them before the bridge was asked.
    expect(f.calls.some((c) => c.command === "check_topology")).toBe(false);
  });

  it("names the lab as the bridge's checkTopology does (the Rust rule)", async () => {
    const f = await start();
    const quoted = 'name: "my ring" # quoted\ntopology: {}\n';
    chooseFile(new File([quoted], "ring.clab.yml"));
    expect((await screen.findByTestId("import-lab-name")).textContent).toBe("my ring");
    expect(f.calls.filter((c) => c.command === "check_topology").map((c) => c.args)).toEqual([
      { fileName: "ring.clab.yml", definition: quoted },
    ]);
    fireEvent.click(screen.getByText("Cancel"));

    // Whatever the bridge answers is the name shown.
    const check = vi.spyOn(f, "checkTopology").mockResolvedValue({ labName: "Ring from Rust" });
    chooseFile(new File([TOPOLOGY], "ring.clab.yml"));
    const dialog = await screen.findByTestId("import-dialog");
    expect(within(dialog).getByTestId("import-lab-name").textContent).toBe("Ring from Rust");
    expect(check).toHaveBeenCalledWith({ fileName: "ring.clab.yml", definition: TOPOLOGY });
  });

  it("shows a rejected check as an error toast naming the file, and opens no dialog", async () => {
    const f = await start();
    vi.spyOn(f, "checkTopology").mockRejectedValue(new BridgeError("io", -1, "ring.clab.yml is bigger than 1 MiB"));
    chooseFile(new File([TOPOLOGY], "ring.clab.yml"));
    await waitFor(() => {
      expect(errorToasts()).toEqual(["Cannot import ring.clab.ymlring.clab.yml is bigger than 1 MiB×"]);
    });
    expect(screen.queryByTestId("import-dialog")).toBeNull();
    expect(f.calls.some((c) => c.command === "import_topology")).toBe(false);
  });

  it("asks, imports the file's text, deploys it and opens the new lab", async () => {
    const f = await start();
    chooseFile(new File([TOPOLOGY], "ring.clab.yml"));
    const dialog = await screen.findByTestId("import-dialog");
    expect(within(dialog).getByTestId("import-file-name").textContent).toBe("ring.clab.yml");
    expect(within(dialog).getByTestId("import-lab-name").textContent).toBe("ring");
    expect(within(dialog).getByTestId("import-server").textContent).toBe("lab.example.net");
    expect(within(dialog).getByTestId<HTMLInputElement>("import-deploy").checked).toBe(true);
    expect(document.activeElement).toBe(screen.getByTestId("import-confirm"));

    fireEvent.click(screen.getByTestId("import-confirm"));
    const view = await screen.findByTestId("lab-open");
    expect(view.getAttribute("data-lab-name")).toBe("ring");
    expect(screen.queryByTestId("import-dialog")).toBeNull();
    const imports = f.calls.filter((c) => c.command === "import_topology").map((c) => c.args);
    expect(imports).toEqual([{ server: "lab.example.net", fileName: "ring.clab.yml", definition: TOPOLOGY, deploy: true }]);
    await waitFor(() => {
      expect(screen.getByTestId("lab-open").getAttribute("data-state")).toBe("running");
    });
    expect(screen.getAllByTestId("node-row").map((r) => r.getAttribute("data-node-name"))).toEqual(["r1", "r2"]);
    const success = screen.getAllByTestId("toast").find((t) => t.getAttribute("data-severity") === "success" && t.textContent.startsWith("Imported"));
    expect(success?.textContent).toContain("Imported ring into local");
    // The lab went into the collection "local", made for it.
    const lab = await f.lab({ server: "lab.example.net", labId: view.getAttribute("data-lab-id") ?? "" });
    const collections = await f.collections({ server: "lab.example.net" });
    expect(collections.find((c) => c.id === lab.collectionId)?.name).toBe("local");
  });

  it("imports without deploying when Deploy now is unchecked", async () => {
    const f = await start();
    chooseFile(new File([TOPOLOGY], "ring.clab.yaml"));
    fireEvent.click(await screen.findByTestId("import-deploy"));
    fireEvent.click(screen.getByTestId("import-confirm"));
    const view = await screen.findByTestId("lab-open");
    // Not deployed: it starts in 2099 (how the antimony client parks a lab), so it is inactive,
    // not scheduled.
    expect(view.getAttribute("data-state")).toBe("inactive");
    // Its nodes show from the topology, greyed, until it is deployed.
    expect(screen.getAllByTestId("node-row").map((r) => [r.getAttribute("data-node-name"), r.getAttribute("data-deployed"), r.getAttribute("data-state")])).toEqual([
      ["r1", "false", "not deployed"],
      ["r2", "false", "not deployed"],
    ]);
    expect(screen.getByTestId("lab-times").textContent).toBe("not scheduled");
    expect((f.calls.find((c) => c.command === "import_topology")?.args as { deploy: boolean }).deploy).toBe(false);
    expect(f.calls.some((c) => c.command === "lab_command")).toBe(false);
  });

  it("shows progress, and keeps the dialog open with the server's message when the import fails", async () => {
    await startApp({ latencyMs: 5 });
    chooseFile(new File(["hello: world\n"], "odd.clab.yml"));
    await screen.findByTestId("import-dialog");
    expect(screen.getByTestId("import-lab-name").textContent).toBe("odd");
    fireEvent.click(screen.getByTestId("import-confirm"));
    const confirm = screen.getByTestId<HTMLButtonElement>("import-confirm");
    expect(confirm.disabled).toBe(true);
    expect(confirm.textContent).toBe("Importing…");
    const error = await screen.findByTestId("import-error");
    expect(error.textContent).toBe('odd.clab.yml is not a valid containerlab topology: it needs a top-level "name" and "topology" (code 3003)');
    expect(screen.getByTestId("import-dialog")).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>("import-confirm").disabled).toBe(false);
    expect(screen.queryByTestId("lab-open")).toBeNull();
    fireEvent.click(screen.getByText("Cancel"));
    expect(screen.queryByTestId("import-dialog")).toBeNull();
  });

  it("opens the new lab at once; a deploy that fails afterwards is an error toast", async () => {
    await start();
    chooseFile(new File([TOPOLOGY.replace("name: ring", "name: broken-ring")], "broken.clab.yml"));
    fireEvent.click(await screen.findByTestId("import-confirm"));
    await waitFor(() => {
      expect(screen.queryByTestId("import-dialog")).toBeNull();
    });
    expect((await screen.findByTestId("lab-open")).getAttribute("data-lab-name")).toBe("broken-ring");
    await waitFor(() => {
      const failed = screen.queryAllByTestId("toast").find((t) => t.getAttribute("data-severity") === "error");
      expect(failed?.textContent).toContain("broken-ring");
    });
  });
});

describe("drop a file on the window", () => {
  const files = (list: File[] = []) => ({ dataTransfer: { types: ["Files"], files: list, dropEffect: "none" } });

  it("shows where a dragged file goes, without flickering over children", async () => {
    await start();
    const root = appRoot();
    const child = screen.getByTestId("lab-search");
    fireEvent.dragEnter(root, files());
    expect(screen.getByTestId("drop-overlay").textContent).toBe("Drop a .clab.yml to import it into lab.example.net");
    // Crossing into a child: enter fires on it before leave fires on the parent.
    fireEvent.dragEnter(child, files());
    fireEvent.dragLeave(root, files());
    expect(screen.getByTestId("drop-overlay")).toBeTruthy();
    fireEvent.dragLeave(child, files());
    expect(screen.queryByTestId("drop-overlay")).toBeNull();
  });

  it("ignores drags that carry no files", async () => {
    await start();
    fireEvent.dragEnter(appRoot(), { dataTransfer: { types: ["text/plain"], files: [] } });
    expect(screen.queryByTestId("drop-overlay")).toBeNull();
  });

  it("refuses a dropped link, which would otherwise replace the app, but lets text into fields", async () => {
    await start();
    const link = () => ({ dataTransfer: { types: ["text/uri-list"], files: [], dropEffect: "copy" } });
    // fireEvent returns false when the default action was prevented.
    expect(fireEvent.dragOver(appRoot(), link())).toBe(false);
    expect(fireEvent.drop(appRoot(), link())).toBe(false);
    expect(fireEvent.drop(screen.getByTestId("lab-search"), link())).toBe(true);
    expect(screen.queryByTestId("import-dialog")).toBeNull();
  });

  it("imports a dropped file into the current server", async () => {
    const f = await start();
    const root = appRoot();
    fireEvent.dragEnter(root, files());
    const over = files();
    fireEvent.dragOver(root, over);
    expect(over.dataTransfer.dropEffect).toBe("copy");
    fireEvent.drop(root, files([new File([TOPOLOGY], "ring.clab.yml")]));
    expect(screen.queryByTestId("drop-overlay")).toBeNull();
    await screen.findByTestId("import-dialog");
    fireEvent.click(screen.getByTestId("import-confirm"));
    await screen.findByTestId("lab-open");
    expect(f.calls.filter((c) => c.command === "import_topology").map((c) => (c.args as { server: string; definition: string }).definition)).toEqual([TOPOLOGY]);
  });

  it("refuses a dropped file of another kind with an error toast naming it", async () => {
    await start();
    fireEvent.drop(appRoot(), files([new File(["{}"], "topology.json")]));
    await waitFor(() => {
      expect(errorToasts()[0]).toContain("topology.json is not a containerlab topology: only .clab.yml and .clab.yaml files can be imported.");
    });
    expect(screen.queryByTestId("import-dialog")).toBeNull();
  });

  it("refuses drops while no server is logged in", async () => {
    const f = await start();
    act(() => {
      f.simulateConnection("lab.example.net", "loginNeeded");
    });
    await screen.findByTestId("login-username");
    fireEvent.dragEnter(appRoot(), files());
    expect(screen.getByTestId("drop-overlay").textContent).toBe("Log in to a server to import a topology");
    fireEvent.drop(appRoot(), files([new File([TOPOLOGY], "ring.clab.yml")]));
    await act(async () => {
      await Promise.resolve();
    });
    expect(screen.queryByTestId("import-dialog")).toBeNull();
  });
});
