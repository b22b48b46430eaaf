// The terminal's own keys take Ctrl+Shift; the same keys without Shift belong to the shell.

import { describe, expect, it } from "vitest";
import { terminalShortcut } from "./shortcuts";

const keys = (key: string, mods: { ctrl?: boolean; shift?: boolean; alt?: boolean; meta?: boolean } = {}, code = "") => ({
  key,
  code,
  ctrlKey: mods.ctrl ?? false,
  shiftKey: mods.shift ?? false,
  altKey: mods.alt ?? false,
  metaKey: mods.meta ?? false,
});

describe("terminalShortcut", () => {
  it("takes Ctrl+Shift+C, V and F (Shift makes the key upper case)", () => {
    expect(terminalShortcut(keys("C", { ctrl: true, shift: true }))).toBe("copy");
    expect(terminalShortcut(keys("V", { ctrl: true, shift: true }))).toBe("paste");
    expect(terminalShortcut(keys("F", { ctrl: true, shift: true }))).toBe("find");
  });

  it("leaves Ctrl+C, Ctrl+V, Ctrl+F and other combinations to the shell", () => {
    expect(terminalShortcut(keys("c", { ctrl: true }))).toBeNull();
    expect(terminalShortcut(keys("v", { ctrl: true }))).toBeNull();
    expect(terminalShortcut(keys("f", { ctrl: true }))).toBeNull();
    expect(terminalShortcut(keys("V", { ctrl: true, shift: true, alt: true }))).toBeNull();
    expect(terminalShortcut(keys("D", { ctrl: true, shift: true }))).toBeNull();
    expect(terminalShortcut(keys("V", { shift: true }))).toBeNull();
  });

  it("knows the keys by their place on a non-Latin layout", () => {
    expect(terminalShortcut(keys("М", { ctrl: true, shift: true }, "KeyV"))).toBe("paste");
  });
});
