import { describe, expect, it } from "vitest";
import { kindIcon, kindIconUrl } from "./kinds";

describe("kindIcon", () => {
  it("draws switches, hosts and the outside world as such, anything else as a router", () => {
    expect(kindIcon("bridge")).toBe("switch");
    expect(kindIcon("ovs-bridge")).toBe("switch");
    expect(kindIcon("linux")).toBe("host");
    expect(kindIcon("")).toBe("host");
    expect(kindIcon("external")).toBe("external");
    expect(kindIcon("nokia_srlinux")).toBe("router");
    expect(kindIcon("Cisco_XRd")).toBe("router");
  });

  it("makes an SVG data URL in the colour given, which cannot break out of its attribute", () => {
    const url = kindIconUrl("router", '#fff"><script>');
    expect(url.startsWith("data:image/svg+xml;charset=utf-8,")).toBe(true);
    const svg = decodeURIComponent(url.slice(url.indexOf(",") + 1));
    expect(svg).toContain('stroke="#fffscript"');
    expect(svg).not.toContain("<script");
  });
});
