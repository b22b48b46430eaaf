// The topologies page on the fake bridge (which answers as antimony-server does), with a
// textarea for CodeMirror and a recording graph engine: browsing, permissions, the editor's
// and the server's problems at their lines, saving, bind files, collections and new labs.

import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { createFakeGraphEngines, FakeGraphs } from "../../components/graph/fake-engine.test-util";
import { BridgeContext, type Identity } from "../../lib/bridge";
import type { FakeBridge } from "../../lib/bridge/fake";
import { testBridge } from "../../lib/bridge/fake.test-util";
import { ALICE } from "../../lib/bridge/fake/seed";
import { createFakeYamlEditors, FakeYamlEditors } from "./editor/fake-engine.test-util";
import TopologiesPage from "./topologies-page";
import { SETTLE_MS } from "./topology-editor";

const SERVER = "lab.example.net";
const alice: Identity = { id: ALICE.id, isAdmin: false };

function start(identity: Identity = alice, bridge: FakeBridge = testBridge()) {
  const editors = createFakeYamlEditors();
  const graphs = createFakeGraphEngines();
  const onLabCreated = vi.fn<(labId: string) => void>();
  render(
    <BridgeContext.Provider value={bridge}>
      <FakeGraphs engines={graphs}>
        <FakeYamlEditors loader={editors.loader}>
          <TopologiesPage server={SERVER} identity={identity} onLabCreated={onLabCreated} />
        </FakeYamlEditors>
      </FakeGraphs>
    </BridgeContext.Provider>,
  );
  return { bridge, editors, graphs, onLabCreated };
}

async function open(name: string) {
  fireEvent.click(await screen.findByRole("button", { name: new RegExp(`^${name}`) }));
  await waitFor(() => { expect(screen.getByTestId("topology-title").textContent).toBe(name); });
}

/** Lets the editor's pause pass, so the text is checked. */
async function settle() {
  await act(async () => {
    await new Promise((r) => setTimeout(r, SETTLE_MS + 50));
  });
}

const problems = () => screen.queryAllByTestId("topology-problem").map((li) => ({ line: li.dataset.line, source: li.dataset.source, text: li.textContent }));

const BAD = "name: pair\ntopology:\n  nodes:\n    a:\n      kind: linux\n      colour: red\n    b: {kind: linux}\n  links:\n    - endpoints: [\"a:eth1\", \"b:eth1\"]\n";

describe("the topologies page", () => {
  it("lists collections with their topologies, and disables what a member may not do", async () => {
    start();
    await waitFor(() => { expect(screen.getAllByTestId("collection").length).toBe(3); });
    const netops = screen.getAllByTestId("collection").find((c) => c.dataset.collectionName === "netops");
    expect(netops).toBeDefined();
    const names = within(netops as HTMLElement).getAllByTestId("topology-item").map((b) => b.dataset.topologyName);
    expect(names).toEqual(["evpn", "spine-leaf"]);
    expect(screen.getByTestId<HTMLButtonElement>("collection-new").disabled).toBe(true);
    expect(within(netops as HTMLElement).getByTestId<HTMLButtonElement>("collection-edit").disabled).toBe(true);

    // EVPN is the admin's: read-only for alice, with the reason.
    await open("evpn");
    expect(screen.getByTestId("topology-readonly").textContent).toMatch(/Only its creator \(Admin\)/);
    expect(screen.getByTestId<HTMLButtonElement>("topology-delete").disabled).toBe(true);
    expect(screen.getByTestId<HTMLButtonElement>("bind-file-add").disabled).toBe(true);
  });

  it("shows the editor's problem at its line, the server's refusal at the same line, and saves once fixed", async () => {
    const { bridge, editors } = start();
    await waitFor(() => { expect(screen.getAllByTestId("collection").length).toBe(3); });
    fireEvent.click(screen.getByTestId("topology-new"));
    await waitFor(() => { expect(editors.made.length).toBe(1); });
    act(() => { editors.last().type(BAD); });
    await settle();
    expect(problems()).toEqual([{ line: "6", source: "editor", text: expect.stringMatching(/topology\.nodes\.a: Additional properties are not allowed \('colour' was unexpected\)/) as string }]);
    expect(editors.last().problems[0]?.from).toBe(BAD.indexOf("colour"));
    // The preview draws what the text defines.
    expect(screen.getByTestId("topology-preview")).toBeTruthy();

    fireEvent.click(screen.getByTestId("topology-save"));
    await waitFor(() => { expect(problems().some((p) => p.source === "server")).toBe(true); });
    const refused = problems().find((p) => p.source === "server");
    expect(refused).toEqual({ line: "6", source: "server", text: expect.stringMatching(/\/topology\/nodes\/a: Additional properties/) as string });
    expect(screen.getByTestId("topology-status").textContent).toMatch(/refused.*code 3003/);

    // A problem's line puts the editor there.
    fireEvent.click(within(screen.getAllByTestId("topology-problem")[0] as HTMLElement).getByRole("button"));
    expect(editors.last().lines).toEqual([6]);

    act(() => { editors.last().type(BAD.replace("      colour: red\n", "")); });
    await settle();
    expect(problems()).toEqual([]);
    fireEvent.click(screen.getByTestId("topology-save"));
    await waitFor(() => { expect(screen.getAllByTestId("topology-item").map((b) => b.dataset.topologyName)).toContain("pair"); });
    const created = bridge.calls.filter((c) => c.command === "create_topology");
    expect(created).toHaveLength(2);
    expect((await bridge.topologies({ server: SERVER })).find((t) => t.definition.startsWith("name: pair"))?.creator.id).toBe(ALICE.id);
  });

  it("puts a taken name's refusal (3001) at the name's line", async () => {
    const { editors } = start();
    await open("spine-leaf");
    const text = editors.last().textarea.value;
    fireEvent.change(screen.getByTestId("topology-collection"), { target: { value: (await testBridgeCollections()).netops } });
    act(() => { editors.last().type(`# a comment first\n${text.replace(/^name: .*$/m, "name: evpn")}`); });
    fireEvent.click(screen.getByTestId("topology-save"));
    await waitFor(() => { expect(problems()).toContainEqual({ line: "2", source: "server", text: expect.stringMatching(/already exists/) as string }); });
  });

  it("adds, renames and deletes bind files, refusing paths the server refuses", async () => {
    const { bridge } = start();
    await open("spine-leaf");
    fireEvent.click(screen.getByTestId("bind-file-add"));
    const path = screen.getByTestId("bind-file-path");
    for (const bad of ["../etc/passwd", "/abs", "a//b", "topology.clab.yaml", "dir/"]) {
      fireEvent.change(path, { target: { value: bad } });
      expect(screen.getByTestId("bind-file-path-problem")).toBeTruthy();
      expect(screen.getByTestId<HTMLButtonElement>("bind-file-save").disabled).toBe(true);
    }
    fireEvent.change(path, { target: { value: "configs/srl1.cfg" } });
    fireEvent.change(screen.getByTestId("bind-file-content"), { target: { value: "set / system name host-name srl1" } });
    expect(screen.queryByTestId("bind-file-path-problem")).toBeNull();
    fireEvent.click(screen.getByTestId("bind-file-save"));
    await waitFor(() => { expect(screen.getAllByTestId("bind-file").map((b) => b.dataset.path)).toEqual(["configs/srl1.cfg"]); });

    // A second file may not take the first one's path.
    fireEvent.click(screen.getByTestId("bind-file-add"));
    fireEvent.change(screen.getByTestId("bind-file-path"), { target: { value: "configs/srl1.cfg" } });
    expect(screen.getByTestId("bind-file-path-problem").textContent).toMatch(/already/);

    // Rename the first.
    fireEvent.click(screen.getAllByTestId("bind-file")[0] as HTMLElement);
    fireEvent.change(screen.getByTestId("bind-file-path"), { target: { value: "configs/spine1.cfg" } });
    fireEvent.click(screen.getByTestId("bind-file-save"));
    await waitFor(() => { expect(screen.getAllByTestId("bind-file").map((b) => b.dataset.path)).toEqual(["configs/spine1.cfg"]); });
    expect(bridge.calls.filter((c) => c.command === "update_bind_file").map((c) => c.args)).toEqual([expect.objectContaining({ file: { filePath: "configs/spine1.cfg" } })]);

    fireEvent.click(screen.getAllByTestId("bind-file")[0] as HTMLElement);
    fireEvent.click(screen.getByTestId("bind-file-delete"));
    await waitFor(() => { expect(screen.queryAllByTestId("bind-file")).toEqual([]); });
  });

  it("shows the server's 403 when it refuses what the page allowed", async () => {
    const bridge = testBridge();
    // The page thinks alice is an admin; the server knows better.
    start({ id: ALICE.id, isAdmin: true }, bridge);
    await open("evpn");
    fireEvent.click(screen.getByTestId("topology-delete"));
    fireEvent.click(screen.getByTestId("topology-delete-confirm"));
    await waitFor(() => { expect(screen.getByTestId("topology-status").textContent).toMatch(/write access to the provided topology is not granted \(code 403\)/); });
  });

  it("creates a lab that starts now and ends at a time", async () => {
    const { bridge, onLabCreated } = start();
    await open("spine-leaf");
    fireEvent.click(screen.getByTestId("topology-create-lab"));
    fireEvent.change(screen.getByTestId("create-lab-name"), { target: { value: "My lab" } });
    fireEvent.click(screen.getByTestId("create-lab-confirm"));
    await waitFor(() => { expect(onLabCreated).toHaveBeenCalledTimes(1); });
    const call = bridge.calls.find((c) => c.command === "create_lab")?.args as { lab: { name: string; startTime: string; endTime: string } };
    expect(call.lab.name).toBe("My lab");
    expect(Date.parse(call.lab.startTime)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(call.lab.endTime) - Date.parse(call.lab.startTime)).toBeGreaterThan(3.9 * 3_600_000);
    const labs = await bridge.labs({ server: SERVER });
    expect(labs.find((l) => l.name === "My lab")?.topologyDefinition).toMatch(/^name: spine-leaf/);
  });

  it("offers the schema's keys and the server's kinds while typing", async () => {
    const { editors } = start();
    await open("spine-leaf");
    await waitFor(() => { expect(editors.made.length).toBe(1); });
    // The schema arrives with the page; wait for its keys.
    const text = "name: x\ntopology:\n  nodes:\n    r1:\n      ki";
    act(() => { editors.last().type(text); });
    await waitFor(() => { expect(editors.last().complete(text.length)?.options.map((o) => o.label)).toContain("kind"); });
    const withKind = "name: x\ntopology:\n  nodes:\n    r1:\n      kind: no";
    act(() => { editors.last().type(withKind); });
    expect(editors.last().complete(withKind.length)?.options.map((o) => o.label)).toContain("nokia_srlinux");
  });
});

/** The fake's collections by name (ids are made per bridge; this reads the page's select). */
function testBridgeCollections(): Promise<Record<string, string>> {
  const select = screen.getByTestId<HTMLSelectElement>("topology-collection");
  return Promise.resolve(Object.fromEntries([...select.options].map((o) => [o.textContent, o.value])));
}
