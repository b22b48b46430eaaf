// The route of a shell's own window: the app opens `index.html#shell?server=…&lab=…&shell=…
// &node=…` (values percent-encoded) for a popped-out shell; that page shows only its terminal.

export interface ShellRoute {
  server: string;
  labId: string;
  shellId: string;
  node: string;
}

const PREFIX = "#shell?";

/** The shell a `location.hash` names, or `null` for any other page (the main window). */
export function parseShellRoute(hash: string): ShellRoute | null {
  if (!hash.startsWith(PREFIX)) return null;
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(hash.slice(PREFIX.length));
  } catch {
    return null;
  }
  const server = params.get("server");
  const labId = params.get("lab");
  const shellId = params.get("shell");
  const node = params.get("node");
  if (server === null || labId === null || shellId === null || node === null || server === "" || shellId === "") return null;
  return { server, labId, shellId, node };
}

/** The hash of a shell's window (as the app builds it; for tests and the dev server). */
export function shellRouteHash(route: ShellRoute): string {
  const e = encodeURIComponent;
  return `${PREFIX}server=${e(route.server)}&lab=${e(route.labId)}&shell=${e(route.shellId)}&node=${e(route.node)}`;
}
