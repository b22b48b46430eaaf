// The About dialog against the fake bridge: the app's versions, each server's version (said,
// not said, not reachable), exporting diagnostics (saved, cancelled), and closing.

import { fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { BridgeContext, BridgeError } from "../../lib/bridge";
import { FAKE_APP, type FakeBridge } from "../../lib/bridge/fake";
import { testBridge } from "../../lib/bridge/fake.test-util";
import { AboutDialog } from "./about-dialog";

function show(bridge: FakeBridge, onClose: () => void = () => undefined) {
  render(
    <BridgeContext.Provider value={bridge}>
      <AboutDialog onClose={onClose} />
    </BridgeContext.Provider>,
  );
}

function serverRow(name: string): HTMLElement {
  const row = screen.getAllByTestId("about-server").find((r) => r.getAttribute("data-server-name") === name);
  if (row === undefined) throw new Error(`no row for ${name}`);
  return row;
}

const settled = (name: string) =>
  waitFor(() => {
    expect(serverRow(name).getAttribute("data-version-state")).not.toBe("checking");
  });

describe("about dialog", () => {
  it("shows the app's version, commit, Tauri, webview and system", async () => {
    show(testBridge());
    const dialog = await screen.findByTestId("about-dialog");
    expect(within(dialog).getByRole("heading", { level: 2 }).textContent).toBe("About Antimony");
    expect((await screen.findByTestId("about-version")).textContent).toBe(FAKE_APP.version);
    expect(screen.getByTestId("about-commit").textContent).toBe("4804018a1b-dirty");
    expect(screen.getByTestId("about-tauri").textContent).toBe("2.12.5");
    expect(screen.getByTestId("about-webview").textContent).toBe("WebKitGTK 2.50.1");
    expect(screen.getByTestId("about-os").textContent).toBe("Debian GNU/Linux 12 (bookworm), Linux 6.1.0-18-amd64, x86_64");
  });

  it("lists every server with its URL and version, asking each one", async () => {
    const f = testBridge();
    f.setServerVersion("lab.example.net", null);
    show(f);
    await screen.findByTestId("about-version");
    await settled("This computer");
    await settled("lab.example.net");
    const local = serverRow("This computer");
    expect(local.textContent).toContain("local");
    expect(within(local).getByTestId("about-server-version").textContent).toBe("0.1.0");
    const remote = serverRow("lab.example.net");
    expect(remote.textContent).toContain("https://lab.example.net");
    // A server that does not say (the Go server) is "unknown".
    expect(within(remote).getByTestId("about-server-version").textContent).toBe("unknown");
    const asked = f.calls.filter((c) => c.command === "server_version").map((c) => (c.args as { server: string }).server);
    expect(asked.sort()).toEqual(["This computer", "lab.example.net"]);
  });

  it("says a server cannot be reached, with the reason on hover", async () => {
    const f = testBridge();
    f.setServerVersion("lab.example.net", new BridgeError("unreachable", -1, "lab.example.net did not answer in 5 s"));
    f.setServerVersion("This computer", "0.2.0");
    show(f);
    await screen.findByTestId("about-version");
    await settled("lab.example.net");
    await settled("This computer");
    const cell = within(serverRow("lab.example.net")).getByTestId("about-server-version");
    expect(cell.textContent).toBe("not reachable");
    expect(cell.querySelector("[title]")?.getAttribute("title")).toContain("did not answer in 5 s");
    expect(within(serverRow("This computer")).getByTestId("about-server-version").textContent).toBe("0.2.0");
  });

  it("exports diagnostics and says where the file went", async () => {
    const f = testBridge();
    show(f);
    await screen.findByTestId("about-version");
    fireEvent.click(screen.getByTestId("export-diagnostics"));
    const status = screen.getByTestId("export-diagnostics-status");
    await waitFor(() => {
      expect(status.getAttribute("data-state")).toBe("saved");
    });
    expect(f.calls.filter((c) => c.command === "export_diagnostics")).toHaveLength(1);
    const [path, text] = [...f.files.entries()][0] ?? ["", ""];
    expect(path).toMatch(/^\/home\/user\/antimony-diagnostics-\d{8}-\d{6}\.txt$/);
    expect(status.textContent).toBe(`Saved to ${path}`);
    for (const section of ["Antimony Desktop", "Operating system", "Local lab host (This computer): prerequisites", "Servers", "App log", "Local server log"]) {
      expect(text).toContain(`== ${section} ==`);
    }
    expect(text).toContain("lab.example.net");
    expect(screen.getByTestId("export-diagnostics").textContent).toBe("Export diagnostics…");
  });

  it("writes nothing and says nothing when the save dialog is cancelled", async () => {
    const f = testBridge();
    f.setSaveCancelled(true);
    show(f);
    await screen.findByTestId("about-version");
    fireEvent.click(screen.getByTestId("export-diagnostics"));
    const status = screen.getByTestId("export-diagnostics-status");
    await waitFor(() => {
      expect(status.getAttribute("data-state")).toBe("cancelled");
    });
    expect(f.files.size).toBe(0);
    expect(status.textContent).toBe("");
  });

  it("shows the export failing with the app's message", async () => {
    const f = testBridge();
    vi.spyOn(f, "exportDiagnostics").mockRejectedValue(new BridgeError("io", -1, "writing /home/user/x.txt: Permission denied"));
    show(f);
    await screen.findByTestId("about-version");
    fireEvent.click(screen.getByTestId("export-diagnostics"));
    const status = screen.getByTestId("export-diagnostics-status");
    await waitFor(() => {
      expect(status.getAttribute("data-state")).toBe("failed");
    });
    expect(status.textContent).toContain("Could not export");
    expect(status.textContent).toContain("Permission denied");
  });

  it("closes with Close and with Esc, Close having the focus", async () => {
    const onClose = vi.fn();
    show(testBridge(), onClose);
    const close = await screen.findByRole("button", { name: "Close" });
    expect(document.activeElement).toBe(close);
    fireEvent.click(close);
    expect(onClose).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(screen.getByTestId("about-dialog"), { key: "Escape" });
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});
