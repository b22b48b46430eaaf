// The quick pre-check of a file to import, for an immediate toast before it is even read. The
// rules themselves (and the lab's name) are antimony-client's: `bridge.checkTopology` applies
// them once the file is read.

/** The largest topology file the app imports: 1 MiB. */
export const MAX_TOPOLOGY_BYTES = 1024 * 1024;

const extensions = [".clab.yml", ".clab.yaml"] as const;

/** Why a file cannot be imported (for an error toast), or `null` when it can. */
export function topologyFileProblem(file: { name: string; size: number }): string | null {
  const name = file.name.toLowerCase();
  if (!extensions.some((ext) => name.endsWith(ext))) {
    return `${file.name} is not a containerlab topology: only ${extensions.join(" and ")} files can be imported.`;
  }
  if (file.size > MAX_TOPOLOGY_BYTES) {
    return `${file.name} is ${formatSize(file.size)}; a topology file can be at most 1 MiB.`;
  }
  return null;
}

function formatSize(bytes: number): string {
  return bytes >= MAX_TOPOLOGY_BYTES ? `${(bytes / MAX_TOPOLOGY_BYTES).toFixed(1)} MiB` : `${String(Math.ceil(bytes / 1024))} KiB`;
}
