// The About dialog in the app: opened from the top bar's (i) button and with F1, closed with
// Esc (which then does not also leave a lab page).

import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { startApp } from "./app.test-util";

describe("about", () => {
  it("opens from the top bar and closes with Esc", async () => {
    await startApp();
    expect(screen.queryByTestId("about-dialog")).toBeNull();
    fireEvent.click(screen.getByTestId("about-button"));
    await screen.findByTestId("about-version");
    fireEvent.keyDown(screen.getByTestId("about-dialog"), { key: "Escape" });
    await waitFor(() => {
      expect(screen.queryByTestId("about-dialog")).toBeNull();
    });
    // Still on the dashboard.
    expect(screen.getByText("Spine Leaf")).toBeTruthy();
  });

  it("opens with F1, and exports diagnostics from there", async () => {
    const fake = await startApp();
    fireEvent.keyDown(window, { key: "F1" });
    await screen.findByTestId("about-version");
    fireEvent.click(screen.getByTestId("export-diagnostics"));
    await waitFor(() => {
      expect(screen.getByTestId("export-diagnostics-status").textContent).toContain("Saved to /home/user/antimony-diagnostics-");
    });
    expect(fake.files.size).toBe(1);
  });
});
