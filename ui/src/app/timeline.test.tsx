// The timeline against the fake bridge: the week and the agenda of the logged-in servers'
// labs, a lab opened from it (on its server), keys, and the reminder setting.

import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { startApp } from "./app.test-util";

function bars(): { name: string; text: string }[] {
  return screen.queryAllByTestId("timeline-lab").map((b) => ({ name: b.getAttribute("data-lab-name") ?? "", text: b.textContent }));
}

async function openSchedule() {
  fireEvent.click(screen.getByTestId("open-schedule"));
  const view = await screen.findByTestId("timeline-week");
  await waitFor(() => {
    expect(bars().length).toBeGreaterThan(0);
  });
  return view;
}

describe("the timeline", () => {
  it("shows this week's labs, the ones without an end running on, and opens one", async () => {
    await startApp();
    await openSchedule();
    const names = bars().map((b) => b.name);
    // Labs running now are on this week's rows, whatever the day.
    expect(names).toEqual(expect.arrayContaining(["Spine Leaf", "Forever"]));
    const forever = bars().find((b) => b.name === "Forever");
    expect(forever?.text).toMatch(/no end$/);
    expect(screen.getByTestId("timeline-range").textContent).toMatch(/–/);
    // In two weeks the labs ending within hours are gone, the one without an end stays.
    fireEvent.click(screen.getByTestId("timeline-next"));
    fireEvent.click(screen.getByTestId("timeline-next"));
    await waitFor(() => {
      expect(bars().map((b) => b.name)).not.toContain("Spine Leaf");
    });
    expect(bars().map((b) => b.name)).not.toContain("Nightly Regression");
    expect(bars().map((b) => b.name)).toContain("Forever");
    fireEvent.click(screen.getByTestId("timeline-today"));

    const spine = screen.getAllByTestId("timeline-lab").find((b) => b.getAttribute("data-lab-name") === "Spine Leaf");
    if (spine === undefined) throw new Error("no Spine Leaf");
    fireEvent.click(spine);
    const view = await screen.findByTestId("lab-open");
    expect(view.getAttribute("data-lab-name")).toBe("Spine Leaf");
    expect(screen.queryByTestId("schedule")).toBeNull();
  });

  it("lists the agenda by day, moves between labs with the arrows and goes back with Esc", async () => {
    await startApp();
    await openSchedule();
    fireEvent.click(screen.getByTestId("timeline-view-agenda"));
    const agenda = await screen.findByTestId("timeline-agenda");
    expect(within(agenda).getByText(/^Today · /)).toBeTruthy();
    const labs = within(agenda).getAllByTestId("timeline-lab");
    expect(labs.length).toBeGreaterThan(2);
    labs[0]?.focus();
    fireEvent.keyDown(labs[0] ?? agenda, { key: "ArrowDown" });
    expect(document.activeElement).toBe(labs[1]);
    fireEvent.keyDown(labs[1] ?? agenda, { key: "End" });
    expect(document.activeElement).toBe(labs.at(-1));
    fireEvent.keyDown(window, { key: "Escape" });
    await waitFor(() => {
      expect(screen.queryByTestId("schedule")).toBeNull();
    });
    expect(screen.getAllByTestId("lab-row").length).toBeGreaterThan(0);
  });

  it("keeps the reminder's lead time on the Rust side", async () => {
    const f = await startApp();
    await openSchedule();
    const select = await screen.findByTestId<HTMLSelectElement>("reminder-lead");
    expect(select.value).toBe("15");
    fireEvent.change(select, { target: { value: "30" } });
    await waitFor(() => {
      expect(select.value).toBe("30");
    });
    fireEvent.change(select, { target: { value: "off" } });
    await waitFor(() => {
      expect(select.value).toBe("off");
    });
    const set = f.calls.filter((c) => c.command === "set_reminder_settings").map((c) => c.args);
    expect(set).toEqual([{ settings: { enabled: true, leadMinutes: 30 } }, { settings: { enabled: false, leadMinutes: 30 } }]);
    expect(await f.reminderSettings()).toEqual({ enabled: false, leadMinutes: 30 });
  });
});
