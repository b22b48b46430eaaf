import { act, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { BridgeContext, BridgeError, type Bridge } from "../../lib/bridge";
import { missingContainerlab, readyPrerequisites, type FakeBridge } from "../../lib/bridge/fake";
import { PrerequisitePanel, withCode } from "./prerequisites";
import { testBridge } from "../../lib/bridge/fake.test-util";

const newFake = () => testBridge();

function show(bridge: Bridge) {
  render(
    <BridgeContext.Provider value={bridge}>
      <PrerequisitePanel />
    </BridgeContext.Provider>,
  );
}

const checks = (f: FakeBridge) => f.calls.filter((c) => c.command === "local_prerequisites").length;

describe("prerequisite panel", () => {
  it("shows a missing containerlab with its guidance, and the checks that passed", async () => {
    const f = newFake();
    show(f);
    const panel = await screen.findByTestId("prerequisites");
    expect(within(panel).getByRole("heading").textContent).toBe("This computer can't deploy labs yet");
    const containerlab = screen.getByTestId("prerequisite-containerlab");
    expect(containerlab.getAttribute("data-ok")).toBe("false");
    expect(containerlab.textContent).toContain("containerlab was not found on the PATH");
    const code = containerlab.querySelector("code");
    expect(code?.textContent).toBe('bash -c "$(curl -sL https://get.containerlab.dev)"');
    expect(containerlab.textContent).toContain("Install containerlab with bash -c");
    expect(containerlab.textContent).not.toContain("`");
    const docker = screen.getByTestId("prerequisite-docker");
    expect(docker.getAttribute("data-ok")).toBe("true");
    expect(docker.textContent).toContain("Docker engine");
    expect(docker.textContent).toContain("27.1.1");
    expect(screen.getByTestId("prerequisite-permissions").getAttribute("data-ok")).toBe("true");
    expect(checks(f)).toBe(1);
  });

  it("checks again on request, and turns into a one-line summary once ready", async () => {
    const f = newFake();
    show(f);
    await screen.findByTestId("prerequisites");
    // Still missing: the panel stays and says so.
    fireEvent.click(screen.getByTestId("prerequisites-recheck"));
    await waitFor(() => {
      expect(checks(f)).toBe(2);
    });
    await waitFor(() => {
      expect(screen.getByTestId("prerequisites-recheck").getAttribute("aria-disabled")).toBe("false");
    });
    expect(screen.getByTestId("prerequisite-containerlab").getAttribute("data-ok")).toBe("false");

    f.setPrerequisites(readyPrerequisites());
    fireEvent.click(screen.getByTestId("prerequisites-recheck"));
    const ok = await screen.findByTestId("prerequisites-ok");
    expect(checks(f)).toBe(3);
    expect(ok.textContent).toContain("containerlab 0.73.0 · Docker engine 27.1.1");
    expect(screen.queryByTestId("prerequisites")).toBeNull();
  });

  it("shows no panel when the computer is ready", async () => {
    const f = newFake();
    f.setPrerequisites(readyPrerequisites());
    show(f);
    await screen.findByTestId("prerequisites-ok");
    expect(screen.queryByTestId("prerequisites")).toBeNull();
    expect(screen.queryByTestId("prerequisites-recheck")).toBeNull();
  });

  it("shows a failed check as text in the panel, and recovers on Check again", async () => {
    const f = newFake();
    let fail = true;
    show({
      ...f,
      localPrerequisites: () => (fail ? Promise.reject(new BridgeError("unreachable", -1, "the local server is not running")) : f.localPrerequisites()),
    });
    const panel = await screen.findByTestId("prerequisites");
    expect(within(panel).getByRole("alert").textContent).toBe("the local server is not running");
    fail = false;
    const button = screen.getByTestId("prerequisites-recheck");
    button.focus();
    fireEvent.click(button);
    // While it checks again the panel (and the focus on its button) stays.
    expect(screen.getByTestId("prerequisites-recheck").textContent).toBe("Checking…");
    expect(document.activeElement).toBe(screen.getByTestId("prerequisites-recheck"));
    expect(within(screen.getByTestId("prerequisites")).getByRole("alert").textContent).toBe("the local server is not running");
    await screen.findByTestId("prerequisite-containerlab");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows nothing before the first answer, and Checking… while it checks again", async () => {
    const f = newFake();
    const answers: ((r: ReturnType<typeof readyPrerequisites>) => void)[] = [];
    show({ ...f, localPrerequisites: () => new Promise((resolve) => answers.push(resolve)) });
    expect(screen.queryByTestId("prerequisites")).toBeNull(); // nothing before the first answer
    act(() => {
      answers[0]?.(missingContainerlab());
    });
    await screen.findByTestId("prerequisites");
    fireEvent.click(screen.getByTestId("prerequisites-recheck"));
    expect(screen.getByTestId("prerequisites-recheck").textContent).toBe("Checking…");
    await act(async () => {
      answers[1]?.(readyPrerequisites());
      await Promise.resolve();
    });
    expect(screen.getByTestId("prerequisites-ok")).toBeTruthy();
  });
});

describe("withCode", () => {
  it("turns backticked text into code", () => {
    const { container } = render(<p>{withCode("Run `sudo usermod -aG docker $USER`, then log in again, or `newgrp docker`.")}</p>);
    expect([...container.querySelectorAll("code")].map((c) => c.textContent)).toEqual(["sudo usermod -aG docker $USER", "newgrp docker"]);
    expect(container.textContent).toBe("Run sudo usermod -aG docker $USER, then log in again, or newgrp docker.");
  });
});
