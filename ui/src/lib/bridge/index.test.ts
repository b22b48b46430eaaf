// createBridge outside Tauri: the fake in Vite's dev mode (vitest runs with DEV set), a clear
// error in a production build.

import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { createBridge, insideTauri } from ".";
import type { FakeBridge } from "./fake";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("createBridge outside Tauri", () => {
  it("loads the fake in dev mode", async () => {
    expect(insideTauri()).toBe(false);
    const bridge = await createBridge();
    onTestFinished(() => {
      (bridge as Partial<FakeBridge>).dispose?.();
    });
    expect("kind" in bridge && bridge.kind === "fake").toBe(true);
    expect((await bridge.listServers()).map((s) => s.name)).toEqual(["lab.example.net", "This computer"]);
  });

  it("rejects in a production build, saying it runs inside the app", async () => {
    vi.stubEnv("DEV", false);
    await expect(createBridge()).rejects.toThrow("runs inside the Antimony Desktop app");
  });
});
