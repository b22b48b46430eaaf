// A node's kind as an icon: routers, switches, hosts and the outside world, drawn as small SVGs
// (data URLs, which the CSP's img-src allows) in the colour that sits on a state's fill.

export type KindIcon = "router" | "switch" | "host" | "external";

const SWITCHES = new Set(["bridge", "ovs-bridge"]);
const HOSTS = new Set(["linux", "host", "ext-container", "k8s-kind", "generic_vm", "rare"]);
/** Pseudo-nodes of single-ended links: the other end is outside the lab. */
const EXTERNAL = new Set(["external"]);

/** Which icon a kind gets: anything not known to be a switch or a host is a router. */
export function kindIcon(kind: string): KindIcon {
  const k = kind.toLowerCase();
  if (EXTERNAL.has(k)) return "external";
  if (SWITCHES.has(k) || k.endsWith("_switch") || k.includes("ovs")) return "switch";
  if (HOSTS.has(k) || k === "") return "host";
  return "router";
}

/** Each icon as path data (32 × 32, stroked 2 wide), usable in SVG and in a canvas's Path2D. */
const PATHS: Record<KindIcon, readonly string[]> = {
  // A router: a circle with arrows in and out.
  router: ["M5 16a11 11 0 1 0 22 0a11 11 0 1 0 -22 0", "M10 13h9l-3-3M22 19h-9l3 3"],
  // A switch: a box with arrows both ways.
  switch: ["M7 8h18a3 3 0 0 1 3 3v10a3 3 0 0 1 -3 3h-18a3 3 0 0 1 -3 -3v-10a3 3 0 0 1 3 -3z", "M9 14h14l-3-3M23 18H9l3 3"],
  // A host: a screen on a stand.
  host: ["M8 7h16a2 2 0 0 1 2 2v10a2 2 0 0 1 -2 2h-16a2 2 0 0 1 -2 -2v-10a2 2 0 0 1 2 -2z", "M12 26h8M16 21v5"],
  // Outside the lab: a cloud.
  external: ["M10 23a5 5 0 0 1-.6-10 7 7 0 0 1 13.3 1.6A4.3 4.3 0 0 1 22.5 23Z"],
};

export const KIND_ICONS: readonly KindIcon[] = ["router", "switch", "host", "external"];

/** The icon as an SVG data URL, its lines in `colour` (a CSS colour). */
export function kindIconUrl(icon: KindIcon, colour: string): string {
  const paths = PATHS[icon].map((d) => `<path d="${d}" fill="none" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>`).join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32" stroke="${colour.replace(/["<>&]/g, "")}">${paths}</svg>`;
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

const rastered = new Map<string, Readonly<Record<KindIcon, string>> | null>();

/**
 * Every icon drawn once into a bitmap (PNG data URLs, 64 × 64) in `colour`: a canvas draws a
 * bitmap much faster than an SVG, on every frame of a big graph. `null` where there is no
 * canvas (jsdom); then the SVGs do.
 */
export function rasterIcons(colour: string, doc: Document = document): Readonly<Record<KindIcon, string>> | null {
  const known = rastered.get(colour);
  if (known !== undefined) return known;
  let result: Record<KindIcon, string> | null = null;
  try {
    const canvas = doc.createElement("canvas");
    canvas.width = 64;
    canvas.height = 64;
    const context = typeof Path2D === "undefined" ? null : canvas.getContext("2d");
    if (context !== null) {
      const out: Partial<Record<KindIcon, string>> = {};
      for (const icon of KIND_ICONS) {
        context.setTransform(2, 0, 0, 2, 0, 0);
        context.clearRect(0, 0, 32, 32);
        context.strokeStyle = colour;
        context.lineWidth = 2;
        context.lineCap = "round";
        context.lineJoin = "round";
        for (const d of PATHS[icon]) context.stroke(new Path2D(d));
        out[icon] = canvas.toDataURL("image/png");
      }
      result = out as Record<KindIcon, string>;
    }
  } catch {
    result = null;
  }
  rastered.set(colour, result);
  return result;
}
