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

const PATHS: Record<KindIcon, string> = {
  // A router: a circle with arrows in and out.
  router:
    '<circle cx="16" cy="16" r="11" fill="none" stroke-width="2"/>' +
    '<path d="M10 13h9l-3-3M22 19h-9l3 3" fill="none" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>',
  // A switch: a box with arrows both ways.
  switch:
    '<rect x="4" y="8" width="24" height="16" rx="3" fill="none" stroke-width="2"/>' +
    '<path d="M9 14h14l-3-3M23 18H9l3 3" fill="none" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>',
  // A host: a screen on a stand.
  host:
    '<rect x="6" y="7" width="20" height="14" rx="2" fill="none" stroke-width="2"/>' +
    '<path d="M12 26h8M16 21v5" fill="none" stroke-width="2" stroke-linecap="round"/>',
  // Outside the lab: a cloud.
  external: '<path d="M10 23a5 5 0 0 1-.6-10 7 7 0 0 1 13.3 1.6A4.3 4.3 0 0 1 22.5 23Z" fill="none" stroke-width="2" stroke-linejoin="round"/>',
};

/** The icon as a data URL, its lines in `colour` (a CSS colour). */
export function kindIconUrl(icon: KindIcon, colour: string): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32" stroke="${colour.replace(/["<>&]/g, "")}">${PATHS[icon]}</svg>`;
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
