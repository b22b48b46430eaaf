// Several servers in one view, against the fake bridge: the combined lab list (a line per
// server, labs of every server with their server, filters), a lab opened from it acting on its
// own server, a server that needs a login not holding the others back, the inbox's server
// filter and "Mute lab", and export and import of the server profiles with the import's report.

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Severity } from "../bindings";
import { BridgeError } from "../lib/bridge";
import type { FakeBridge } from "../lib/bridge/fake";
import { startApp } from "./app.test-util";

const REMOTE = "lab.example.net";
const LOCAL = "This computer";

function rows(): string[] {
  return screen.getAllByTestId("lab-row").map((r) => `${r.getAttribute("data-server") ?? ""}/${r.getAttribute("data-lab-name") ?? ""}`);
}

function serverLine(name: string): HTMLElement {
  const line = screen.getAllByTestId("all-labs-server").find((l) => l.getAttribute("data-server-name") === name);
  if (line === undefined) throw new Error(`no line for ${name}`);
  return line;
}

/** Logs in to This computer (empty credentials) and shows every server's labs. */
async function bothServers(): Promise<FakeBridge> {
  const f = await startApp();
  fireEvent.click(screen.getByTestId("servers-all"));
  await screen.findByTestId("all-labs");
  await waitFor(() => {
    expect(serverLine(LOCAL).getAttribute("data-state")).toBe("loginNeeded");
  });
  // The server that needs a login holds nothing back.
  await waitFor(() => {
    expect(rows()).toContain(`${REMOTE}/Spine Leaf`);
  });
  fireEvent.click(within(serverLine(LOCAL)).getByTestId("all-labs-login"));
  // Its own view logs in by itself (empty credentials); back to every server.
  await waitFor(() => {
    expect(screen.getAllByTestId("server-item").find((i) => i.getAttribute("data-server-name") === LOCAL)?.getAttribute("data-state")).not.toBe("loginNeeded");
  });
  fireEvent.click(screen.getByTestId("servers-all"));
  await waitFor(() => {
    expect(rows()).toContain(`${LOCAL}/scratch`);
  });
  return f;
}

describe("every server in one view", () => {
  it("lists the labs of every server with their server, filters by server, and says how each server is", async () => {
    await bothServers();
    expect(rows()).toContain(`${REMOTE}/EVPN Fabric`);
    expect(serverLine(REMOTE).getAttribute("data-state")).toBe("ready");
    expect(serverLine(LOCAL).textContent).toMatch(/1 lab/);
    // By server first (the sidebar's order: This computer is listed after the remote here).
    const servers = rows().map((r) => r.split("/")[0]);
    expect(servers.indexOf(LOCAL)).toBeGreaterThan(servers.lastIndexOf(REMOTE));
    fireEvent.change(screen.getByTestId("lab-filter-server"), { target: { value: LOCAL } });
    expect(rows()).toEqual([`${LOCAL}/scratch`]);
    fireEvent.change(screen.getByTestId("lab-filter-server"), { target: { value: "" } });
    fireEvent.change(screen.getByTestId("lab-search"), { target: { value: "spine" } });
    expect(rows()).toEqual([`${REMOTE}/Spine Leaf`]);
  });

  it("opens a lab on its own server, where its actions go, and comes back to every server", async () => {
    const f = await bothServers();
    const row = screen.getAllByTestId("lab-row").find((r) => r.getAttribute("data-server") === LOCAL);
    if (row === undefined) throw new Error("no lab of This computer");
    fireEvent.doubleClick(row);
    const view = await screen.findByTestId("lab-open");
    expect(view.getAttribute("data-lab-name")).toBe("scratch");
    fireEvent.click(await screen.findByTestId("action-deploy"));
    await waitFor(() => {
      expect(f.calls.filter((c) => c.command === "lab_command").map((c) => c.args)).toEqual([{ server: LOCAL, labId: row.getAttribute("data-lab-id"), command: "deploy" }]);
    });
    fireEvent.keyDown(window, { key: "Escape" });
    await screen.findByTestId("all-labs");
    // The sidebar's "All servers" is the one shown.
    expect(screen.getByTestId("servers-all").getAttribute("aria-current")).toBe("true");
  });

  it("shows a server that cannot list its labs as such, with the others listed", async () => {
    const f = await startApp();
    const labs = f.labs.bind(f);
    f.labs = (args) => (args.server === "gone" ? Promise.reject(new BridgeError("unreachable", -1, "the server cannot be reached")) : labs(args));
    await f.addServer({ name: "gone", url: "https://gone.example" });
    // Logged in elsewhere (the command line): its session's news makes the app read the servers again.
    await f.login({ server: "gone", username: "admin", password: "admin", savePassword: false });
    fireEvent.click(await screen.findByTestId("servers-all"));
    await waitFor(() => {
      expect(serverLine("gone").getAttribute("data-state")).toBe("error");
    });
    expect(serverLine("gone").textContent).toContain("cannot list the labs: the server cannot be reached");
    expect(rows()).toContain(`${REMOTE}/Spine Leaf`);
    expect(rows().some((r) => r.startsWith("gone/"))).toBe(false);
  });
});

describe("the inbox across servers", () => {
  it("filters by server and mutes a lab's toasts, keeping its messages", async () => {
    const f = await startApp();
    const say = (server: string, id: string, content: string, lab: string) => {
      f.simulateStatus(server, { id, source: "Lab Manager", content, logContent: `20:00:00 ANTIMONY x lab=${lab} `, timestamp: new Date().toISOString(), severity: Severity.Error });
    };
    say(REMOTE, "m1", "Failed to deploy lab 'Broken OSPF' (ospf)", "l-ospf");
    say(LOCAL, "m2", "Failed to deploy lab 'scratch' (scratch)", "l-scratch");
    fireEvent.click(screen.getByTestId("inbox-button"));
    const items = () => screen.getAllByTestId("inbox-item").map((i) => i.getAttribute("data-server-name"));
    expect(items()).toEqual([LOCAL, REMOTE]);
    fireEvent.change(screen.getByTestId("inbox-filter-server"), { target: { value: REMOTE } });
    expect(items()).toEqual([REMOTE]);
    // Toasts of one lab merge: dismiss them, so that a new one would show.
    for (const toast of screen.getAllByTestId("toast")) fireEvent.click(within(toast).getByLabelText("Dismiss"));
    expect(screen.queryAllByTestId("toast")).toHaveLength(0);
    const toastsBefore = 0;
    fireEvent.click(screen.getByTestId("inbox-mute-lab"));
    await waitFor(() => {
      expect(screen.getByTestId("inbox-mute-lab").textContent).toBe("Unmute lab");
    });
    expect(f.calls.filter((c) => c.command === "set_notification_rules").map((c) => c.args)).toEqual([
      { rules: { doNotDisturb: false, minSeverity: Severity.Success, servers: [], labs: [{ server: REMOTE, labId: "l-ospf", labName: "Broken OSPF", minSeverity: null }] } },
    ]);
    say(REMOTE, "m3", "Failed to deploy lab 'Broken OSPF' (ospf)", "l-ospf");
    await waitFor(() => {
      expect(items()).toEqual([REMOTE, REMOTE]);
    });
    expect(screen.queryAllByTestId("toast")).toHaveLength(toastsBefore);
    // Another lab of the same server still pops up.
    say(REMOTE, "m3b", "Failed to deploy lab 'EVPN Fabric' (evpn)", "l-evpn");
    expect((await screen.findAllByTestId("toast")).map((t) => t.textContent)).toEqual([expect.stringContaining("EVPN Fabric")]);
    fireEvent.click(within(screen.getByTestId("toast")).getByLabelText("Dismiss"));
    // Do not disturb: nothing pops up from any server.
    fireEvent.click(screen.getByTestId("notify-dnd"));
    await waitFor(() => {
      expect(screen.getByTestId<HTMLInputElement>("notify-dnd").checked).toBe(true);
    });
    say(LOCAL, "m4", "Failed to deploy lab 'other' (x)", "l-other");
    fireEvent.change(screen.getByTestId("inbox-filter-server"), { target: { value: "" } });
    await waitFor(() => {
      expect(items()).toEqual([LOCAL, REMOTE, REMOTE, LOCAL, REMOTE]);
    });
    expect(screen.queryAllByTestId("toast")).toHaveLength(0);
  });
});

describe("server profiles as a file", () => {
  it("exports the servers through the save dialog", async () => {
    const f = await startApp();
    fireEvent.click(screen.getByTestId("servers-export"));
    await waitFor(() => {
      expect(screen.getByTestId("servers-sharing-status").textContent).toBe("Saved to /home/user/antimony-servers.json");
    });
    const file = JSON.parse(f.files.get("/home/user/antimony-servers.json") ?? "{}") as { antimonyServers: number; servers: { name: string }[] };
    expect(file.antimonyServers).toBe(1);
    expect(file.servers.map((s) => s.name)).toEqual([REMOTE]);
  });

  it("imports a file's servers and says which were left out and why", async () => {
    const f = await startApp();
    const text = JSON.stringify({
      antimonyServers: 1,
      servers: [
        { name: "course", url: "https://course.example.edu" },
        { name: LOCAL, url: "http://127.0.0.1:4000" },
        { name: REMOTE, url: "https://lab.example.net" },
      ],
    });
    f.setOpenFile({ name: "team-servers.json", text });
    fireEvent.click(screen.getByTestId("servers-import"));
    const report = await screen.findByTestId("servers-import-report");
    expect(report.textContent).toContain("team-servers.json");
    expect(within(report).getAllByTestId("servers-import-added").map((i) => i.textContent)).toEqual(["course"]);
    expect(within(report).getAllByTestId("servers-import-skipped").map((i) => i.textContent)).toEqual([`${LOCAL}: a server of this name exists already`, `${REMOTE}: a server of this name exists already`]);
    fireEvent.click(screen.getByTestId("servers-import-done"));
    // The sidebar lists the new server, waiting for a login.
    await waitFor(() => {
      expect(screen.getAllByTestId("server-item").map((i) => i.getAttribute("data-server-name"))).toContain("course");
    });
  });

  it("says when a file is not one of servers, and nothing when the dialog is cancelled", async () => {
    const f = await startApp();
    fireEvent.click(screen.getByTestId("servers-import"));
    await waitFor(() => {
      expect(f.calls.some((c) => c.command === "import_servers")).toBe(true);
    });
    expect(screen.queryByTestId("servers-import-report")).toBeNull();
    expect(screen.queryByTestId("servers-sharing-status")).toBeNull();
    f.setOpenFile({ name: "pair.clab.yml", text: "name: pair\n" });
    fireEvent.click(screen.getByTestId("servers-import"));
    const status = await screen.findByTestId("servers-sharing-status");
    expect(status.textContent).toMatch(/not a file of Antimony servers/);
  });
});
