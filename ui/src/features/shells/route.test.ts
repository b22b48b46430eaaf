// The route of a shell's own window, as the app's pop_out_shell writes it.

import { describe, expect, it } from "vitest";
import { parseShellRoute, shellRouteHash } from "./route";

describe("shell window route", () => {
  it("reads the app's percent-encoded parameters", () => {
    // As src-tauri's pop_out_shell encodes them: everything but letters, digits, - _ . as %XX.
    expect(parseShellRoute("#shell?server=This%20computer&lab=7d1e2f3a-2b7d&shell=0a1b-2c3d&node=leaf%2F1")).toEqual({
      server: "This computer",
      labId: "7d1e2f3a-2b7d",
      shellId: "0a1b-2c3d",
      node: "leaf/1",
    });
  });

  it("is null for the main window and for an incomplete route", () => {
    expect(parseShellRoute("")).toBeNull();
    expect(parseShellRoute("#/labs")).toBeNull();
    expect(parseShellRoute("#shell?server=a&lab=b&node=c")).toBeNull();
    expect(parseShellRoute("#shell?server=&lab=b&shell=s&node=c")).toBeNull();
  });

  it("reads back the hash it makes", () => {
    const route = { server: "lab.example.net", labId: "l 1", shellId: "s&1", node: "r1+r2" };
    expect(parseShellRoute(shellRouteHash(route))).toEqual(route);
  });
});
