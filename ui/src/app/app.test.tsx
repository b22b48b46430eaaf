// The app against the fake bridge: the dashboard's search, filters, sorting and keys, opening a
// lab, the destroy confirmation, permissions, adding a server whose certificate needs trust,
// and the local server (its prerequisites, no Log out).

import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Severity } from "../bindings";
import { DASHBOARD_READY } from "../lib/startup";
import { startApp } from "./app.test-util";

const start = () => startApp();

function labNames(): string[] {
  return screen.queryAllByTestId("lab-row").map((r) => r.getAttribute("data-lab-name") ?? "");
}

async function openLab(name: string) {
  const row = screen.getAllByTestId("lab-row").find((r) => r.getAttribute("data-lab-name") === name);
  if (row === undefined) throw new Error(`no row for ${name}`);
  fireEvent.doubleClick(row);
  return screen.findByTestId("lab-open");
}

describe("dashboard", () => {
  it("lists the labs with their state, sorted by name", async () => {
    await start();
    expect(labNames()).toEqual(["BGP Playground", "Broken OSPF", "EVPN Fabric", "Forever", "Nightly Regression", "Spine Leaf"]);
    const states = Object.fromEntries(screen.getAllByTestId("lab-row").map((r) => [r.getAttribute("data-lab-name") ?? "", r.getAttribute("data-state")] as const));
    expect(states).toEqual({
      "BGP Playground": "deploying",
      "Broken OSPF": "failed",
      "EVPN Fabric": "running",
      Forever: "inactive",
      "Nightly Regression": "scheduled",
      "Spine Leaf": "running",
    });
  });

  it("filters by search, state and collection, and says when nothing matches", async () => {
    await start();
    const search = screen.getByTestId("lab-search");
    fireEvent.change(search, { target: { value: "spine" } });
    expect(labNames()).toEqual(["Spine Leaf"]);
    fireEvent.change(search, { target: { value: "" } });

    fireEvent.change(screen.getByTestId("lab-filter-state"), { target: { value: "1" } }); // Running
    expect(labNames()).toEqual(["EVPN Fabric", "Spine Leaf"]);

    const collection = screen.getByTestId("lab-filter-collection");
    const training = within(collection).getByText<HTMLOptionElement>("training");
    fireEvent.change(collection, { target: { value: training.value } });
    expect(labNames()).toEqual([]);
    expect(screen.getByText("No labs match these filters.")).toBeTruthy();

    fireEvent.click(screen.getByText("Clear filters"));
    expect(labNames()).toHaveLength(6);
  });

  it("sorts by state when its header is clicked, and reverses on a second click", async () => {
    await start();
    fireEvent.click(screen.getByRole("button", { name: /^State/ }));
    expect(labNames()).toEqual(["EVPN Fabric", "Spine Leaf", "BGP Playground", "Broken OSPF", "Nightly Regression", "Forever"]);
    fireEvent.click(screen.getByRole("button", { name: /^State/ }));
    expect(labNames()[0]).toBe("Forever");
  });

  it("moves a visible selection with the arrows and j/k, and opens it with Enter", async () => {
    await start();
    const selected = () => screen.getAllByTestId("lab-row").filter((r) => r.getAttribute("aria-selected") === "true").map((r) => r.getAttribute("data-lab-name"));
    expect(selected()).toEqual([]);
    fireEvent.keyDown(document.body, { key: "ArrowDown" });
    expect(selected()).toEqual(["BGP Playground"]);
    expect(document.activeElement?.getAttribute("data-lab-name")).toBe("BGP Playground");
    expect(document.activeElement?.className).toBe("is-selected");
    fireEvent.keyDown(document.body, { key: "j" });
    fireEvent.keyDown(document.body, { key: "j" });
    expect(selected()).toEqual(["EVPN Fabric"]);
    fireEvent.keyDown(document.body, { key: "k" });
    expect(selected()).toEqual(["Broken OSPF"]);
    // On the focused row itself, too.
    fireEvent.keyDown(document.activeElement ?? document.body, { key: "ArrowDown" });
    expect(selected()).toEqual(["EVPN Fabric"]);
    fireEvent.keyDown(document.activeElement ?? document.body, { key: "ArrowUp" });
    expect(selected()).toEqual(["Broken OSPF"]);

    // Typing in a field moves nothing.
    const search = screen.getByTestId("lab-search");
    fireEvent.keyDown(search, { key: "j" });
    fireEvent.keyDown(search, { key: "k" });
    expect(selected()).toEqual(["Broken OSPF"]);

    fireEvent.keyDown(document.body, { key: "Enter" });
    const view = await screen.findByTestId("lab-open");
    expect(view.getAttribute("data-lab-name")).toBe("Broken OSPF");
  });

  it("leaves the arrows alone while a dialog is open", async () => {
    await start();
    fireEvent.click(screen.getAllByLabelText(/^Remove /)[0] ?? document.body);
    const dialog = await screen.findByTestId("remove-server-dialog");
    fireEvent.keyDown(within(dialog).getByText("Cancel"), { key: "ArrowDown" });
    fireEvent.keyDown(document.body, { key: "j" });
    expect(screen.getAllByTestId("lab-row").some((r) => r.getAttribute("aria-selected") === "true")).toBe(false);
    // The remove-server confirmation (a ConfirmDialog) still removes.
    expect(dialog.textContent).toContain("Remove lab.example.net?");
    fireEvent.click(screen.getByTestId("confirm-remove-server"));
    await waitFor(() => {
      expect(screen.getAllByTestId("server-item").map((i) => i.getAttribute("data-server-name"))).toEqual(["This computer"]);
    });
  });

  it("focuses the search on / and opens the first match on Enter", async () => {
    await start();
    fireEvent.keyDown(document.body, { key: "/" });
    const search = screen.getByTestId("lab-search");
    expect(document.activeElement).toBe(search);
    fireEvent.change(search, { target: { value: "forever" } });
    fireEvent.keyDown(search, { key: "Enter" });
    const view = await screen.findByTestId("lab-open");
    expect(view.getAttribute("data-lab-name")).toBe("Forever");
    // Esc goes back
    fireEvent.keyDown(document.body, { key: "Escape" });
    await screen.findByTestId("lab-search");
  });

  it("follows lab updates live", async () => {
    const f = await start();
    const lab = (await f.labs({ server: "lab.example.net" })).find((l) => l.name === "Spine Leaf");
    if (lab === undefined) throw new Error("fixture");
    await act(async () => {
      await f.labCommand({ server: "lab.example.net", labId: lab.id, command: "destroy" });
    });
    await waitFor(() => {
      const row = screen.getAllByTestId("lab-row").find((r) => r.getAttribute("data-lab-name") === "Spine Leaf");
      expect(row?.getAttribute("data-state")).toBe("inactive");
    });
  });
});

describe("lab view", () => {
  it("destroys only after the confirmation names the lab", async () => {
    const f = await start();
    const view = await openLab("Spine Leaf");
    expect(view.getAttribute("data-state")).toBe("running");
    expect(screen.getAllByTestId("node-row").map((r) => r.getAttribute("data-node-name"))).toEqual(["spine1", "leaf1", "leaf2", "client1"]);

    fireEvent.click(screen.getByTestId("action-destroy"));
    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText("Destroy Spine Leaf?")).toBeTruthy();
    // Esc closes the dialog and stays in the lab
    // Esc with the focus outside the dialog (a busy dialog disables its buttons) does not
    // leave the page behind it.
    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(screen.getByRole("dialog")).toBeTruthy();
    expect(screen.getByTestId("lab-open")).toBeTruthy();
    fireEvent.keyDown(within(dialog).getByText("Cancel"), { key: "Escape" });
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(screen.getByTestId("lab-open")).toBeTruthy();
    expect(f.calls.some((c) => c.command === "lab_command")).toBe(false);

    fireEvent.click(screen.getByTestId("action-destroy"));
    fireEvent.click(await screen.findByTestId("confirm-destroy"));
    await waitFor(() => {
      expect(screen.getByTestId("lab-open").getAttribute("data-state")).toBe("inactive");
    });
    const commands = f.calls.filter((c) => c.command === "lab_command").map((c) => c.args);
    expect(commands).toEqual([{ server: "lab.example.net", labId: view.getAttribute("data-lab-id"), command: "destroy" }]);
    expect(screen.getByTestId<HTMLButtonElement>("action-destroy").disabled).toBe(true);
    expect(screen.getByTestId("action-deploy").textContent).toBe("Deploy");
  });

  it("shows one log view at a time: the lab log, then a node's log from its tab", async () => {
    await start();
    const view = await openLab("Spine Leaf");
    const labId = view.getAttribute("data-lab-id") ?? "";
    await waitFor(() => {
      expect(Number(screen.getByTestId("log-view").getAttribute("data-line-count"))).toBeGreaterThan(5);
    });
    expect(screen.getByTestId("log-view").getAttribute("data-stream")).toBe(`/logs/${labId}`);
    expect(screen.getAllByTestId("log-line").some((l) => l.textContent.includes("Adding host entries path=/etc/hosts"))).toBe(true);
    const tab = screen.getAllByTestId("log-tab").find((t) => t.textContent === "leaf1");
    if (tab === undefined) throw new Error("no leaf1 tab");
    fireEvent.click(tab);
    const views = screen.getAllByTestId("log-view");
    expect(views).toHaveLength(1);
    expect(views[0]?.getAttribute("data-stream")?.split("/")).toHaveLength(4);
    await waitFor(() => {
      expect(screen.getAllByTestId("log-line").map((l) => l.textContent)).toContain(
        `clab-spine-leaf-${/spine-leaf-(\d+)/.exec(screen.getByTestId("lab-open").textContent)?.[1] ?? ""}-leaf1 booting`,
      );
    });
  });

  it("disables actions on a lab the user may not manage, with the reason", async () => {
    await start();
    await openLab("EVPN Fabric"); // created by Admin; alice is no admin
    const destroy = screen.getByTestId<HTMLButtonElement>("action-destroy");
    expect(destroy.disabled).toBe(true);
    expect(destroy.parentElement?.getAttribute("title")).toBe("Only the lab's creator (Admin) or an administrator can do this");
    for (const b of screen.getAllByTestId("node-stop")) expect((b as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows progress while deploying, and node actions follow the node state", async () => {
    await start();
    await openLab("BGP Playground"); // deploying: the deploy button shows progress
    const deploy = screen.getByTestId<HTMLButtonElement>("action-deploy");
    expect(deploy.disabled).toBe(true);
    expect(deploy.textContent).toBe("Deploying…");
    fireEvent.click(screen.getByText("← Labs"));
    await openLab("Spine Leaf");
    const stop = screen.getAllByTestId("node-stop")[0];
    if (stop === undefined) throw new Error("no stop button");
    fireEvent.click(stop);
    await waitFor(() => {
      expect(screen.getAllByTestId("node-row")[0]?.getAttribute("data-state")).toBe("exited");
    });
    expect((screen.getAllByTestId("node-stop")[0] as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getAllByTestId("node-start")[0] as HTMLButtonElement).disabled).toBe(false);
  });

  it("shows the server's message and code in an error toast when a command fails", async () => {
    const f = await start();
    act(() => {
      f.simulateConnection("lab.example.net", "loginNeeded");
    });
    fireEvent.change(await screen.findByTestId("login-username"), { target: { value: "admin" } });
    fireEvent.change(screen.getByTestId("login-password"), { target: { value: "admin" } });
    fireEvent.click(screen.getByTestId("login-submit"));
    await screen.findByText("Broken OSPF");
    await openLab("Broken OSPF");
    const deploy = screen.getByTestId<HTMLButtonElement>("action-deploy");
    expect(deploy.textContent).toBe("Redeploy");
    fireEvent.click(deploy);
    await waitFor(() => {
      const errors = screen.getAllByTestId("toast").filter((t) => t.getAttribute("data-severity") === "error");
      expect(errors.map((t) => t.textContent)).toContain("Deploy Broken OSPF failedcontainerlab redeploy failed: exit status 1 (code 5001)×");
    });
    // The lab's updates are read at most every 100 ms: the failed state comes with the next read.
    await waitFor(() => {
      expect(screen.getByTestId("lab-open").getAttribute("data-state")).toBe("failed");
    });
  });
});

describe("servers", () => {
  it("asks to trust an unknown certificate, then adds and switches to the server", async () => {
    const f = await start();
    fireEvent.change(screen.getByTestId("server-add-url"), { target: { value: "self-signed.example" } });
    fireEvent.click(screen.getByTestId("server-add-submit"));
    const dialog = await screen.findByRole("dialog");
    expect(dialog.textContent).toContain("The certificate of https://self-signed.example is not signed by an authority this computer trusts.");
    expect(dialog.textContent).toMatch(/SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
    fireEvent.click(screen.getByTestId("trust-certificate"));
    await screen.findByTestId("login-username");
    const health = screen.getByTestId("server-health");
    expect(health.getAttribute("data-server-name")).toBe("self-signed.example");
    expect(health.getAttribute("data-state")).toBe("loginNeeded");
    const adds = f.calls.filter((c) => c.command === "add_server").map((c) => c.args as { trustFingerprint?: string });
    expect(adds).toHaveLength(2);
    expect(adds[0]?.trustFingerprint).toBeUndefined();
    expect(adds[1]?.trustFingerprint).toMatch(/^5E:1F/);
  });

  it("passes an API URL given under Advanced, and keeps it through the certificate question", async () => {
    const f = await start();
    fireEvent.change(screen.getByTestId("server-add-url"), { target: { value: "self-signed.example:8443" } });
    fireEvent.change(screen.getByTestId("server-add-api"), { target: { value: "self-signed.example:8443/backend" } });
    fireEvent.click(screen.getByTestId("server-add-submit"));
    await screen.findByRole("dialog");
    fireEvent.click(screen.getByTestId("trust-certificate"));
    await screen.findByTestId("login-username");
    const adds = f.calls.filter((c) => c.command === "add_server").map((c) => c.args as { api?: string });
    expect(adds.map((a) => a.api)).toEqual(["https://self-signed.example:8443/backend", "https://self-signed.example:8443/backend"]);
    const added = (await f.listServers()).find((s) => s.name === "self-signed.example:8443");
    expect(added?.restBase).toBe("https://self-signed.example:8443/backend");
  });

  it("logs in, shows the health, and shows the banner while reconnecting", async () => {
    const f = await start();
    await waitFor(() => {
      expect(screen.getByTestId("server-health").getAttribute("data-state")).toBe("connected");
    });
    act(() => {
      f.simulateConnection("lab.example.net", "trouble");
    });
    expect(screen.getByTestId("server-health").getAttribute("data-state")).toBe("reconnecting");
    expect(screen.getByText("Reconnecting to lab.example.net…")).toBeTruthy();
    act(() => {
      f.simulateConnection("lab.example.net", "loginNeeded");
    });
    fireEvent.change(await screen.findByTestId("login-username"), { target: { value: "admin" } });
    fireEvent.change(screen.getByTestId("login-password"), { target: { value: "admin" } });
    fireEvent.click(screen.getByTestId("login-submit"));
    await screen.findByTestId("lab-search");
    await waitFor(() => {
      expect(screen.getByTestId("server-health").getAttribute("data-state")).toBe("connected");
    });
    expect(screen.queryByText("Reconnecting to lab.example.net…")).toBeNull();
  });

  it("marks the moment the dashboard is usable once: connected, labs listed", async () => {
    performance.clearMarks(DASHBOARD_READY);
    await start();
    await waitFor(() => {
      expect(performance.getEntriesByName(DASHBOARD_READY)).toHaveLength(1);
    });
    fireEvent.click(screen.getByText("This computer"));
    await screen.findByText("scratch");
    expect(performance.getEntriesByName(DASHBOARD_READY)).toHaveLength(1);
  });

  it("logs in by itself where the server allows empty credentials", async () => {
    const f = await start();
    fireEvent.click(screen.getByText("This computer"));
    await screen.findByText("scratch");
    expect(f.calls.filter((c) => c.command === "login").map((c) => c.args)).toEqual([
      { server: "This computer", username: "", password: "", savePassword: false },
    ]);
  });

  it("shows what this computer lacks above the local server's labs, and offers no Log out there", async () => {
    const f = await start();
    // A remote server: no prerequisites, and Log out.
    expect(screen.queryByTestId("prerequisites")).toBeNull();
    expect(screen.getByTestId("logout")).toBeTruthy();
    expect(f.calls.some((c) => c.command === "local_prerequisites")).toBe(false);

    fireEvent.click(screen.getByText("This computer"));
    const panel = await screen.findByTestId("prerequisites");
    expect(panel.textContent).toContain("This computer can't deploy labs yet");
    expect(screen.getByTestId("prerequisite-containerlab").getAttribute("data-ok")).toBe("false");
    await screen.findByText("scratch");
    expect(screen.queryByTestId("logout")).toBeNull();
    expect(screen.getByTestId("import-topology")).toBeTruthy();

    // Back to the remote server and again: the local one is checked anew.
    fireEvent.click(screen.getByText("lab.example.net"));
    await screen.findByText("Spine Leaf");
    expect(screen.queryByTestId("prerequisites")).toBeNull();
    fireEvent.click(screen.getByText("This computer"));
    await screen.findByTestId("prerequisites");
    expect(f.calls.filter((c) => c.command === "local_prerequisites")).toHaveLength(2);
  });
});

describe("notifications", () => {
  it("counts unread status messages on the bell and lists them in the inbox", async () => {
    const f = await start();
    const count = screen.getByTestId("inbox-count");
    expect(count.hidden).toBe(true);
    act(() => {
      f.simulateStatus("lab.example.net", {
        id: "m1",
        source: "Lab Manager",
        content: "Failed to deploy lab 'X' (x)",
        logContent: "10:00:00 ANTIMONY Failed to deploy lab lab=abc ",
        timestamp: new Date().toISOString(),
        severity: Severity.Error,
      });
    });
    expect(count.hidden).toBe(false);
    expect(count.textContent).toBe("1");
    const toast = screen.getByTestId("toast");
    expect(toast.getAttribute("data-severity")).toBe("error");
    fireEvent.click(screen.getByTestId("inbox-button"));
    const panel = screen.getByRole("dialog", { name: "Notifications" });
    expect(within(panel).getByText("Failed to deploy lab 'X' (x)")).toBeTruthy();
    fireEvent.click(within(panel).getByText("Mark all read"));
    expect(count.hidden).toBe(true);
  });

  it("forgets a removed server's notification rules and its labs' rules", async () => {
    const f = await start();
    const lab = (server: string, labId: string) => ({ server, labId, labName: labId, minSeverity: null });
    await f.setNotificationRules({
      rules: {
        doNotDisturb: false,
        minSeverity: Severity.Success,
        servers: [{ server: "lab.example.net", minSeverity: null }],
        labs: [lab("lab.example.net", "muted"), lab("This computer", "kept")],
      },
    });
    fireEvent.click(screen.getAllByLabelText(/^Remove /)[0] ?? document.body);
    fireEvent.click(await screen.findByTestId("confirm-remove-server"));
    // The app reads the rules again: only the other server's lab rule is left.
    fireEvent.click(screen.getByTestId("inbox-button"));
    fireEvent.click(screen.getByTestId("notify-rules-toggle"));
    await waitFor(() => {
      expect(screen.getAllByTestId("notify-lab-rule").map((r) => `${r.getAttribute("data-server-name") ?? ""}/${r.getAttribute("data-lab-id") ?? ""}`)).toEqual(["This computer/kept"]);
    });
    const kept = await f.notificationRules();
    expect(kept.servers).toEqual([]);
    expect(kept.labs.map((r) => r.labId)).toEqual(["kept"]);
  });
});
