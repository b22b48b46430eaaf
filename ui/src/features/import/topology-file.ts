// Which files can be imported as a topology, and the lab name a containerlab file gives, as
// plain functions.

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

/** The file name without `.clab.yml` / `.clab.yaml`. */
export function baseName(fileName: string): string {
  const lower = fileName.toLowerCase();
  const ext = extensions.find((e) => lower.endsWith(e));
  return ext === undefined ? fileName : fileName.slice(0, -ext.length);
}

/**
 * The topology's top-level `name:` (a line parse, not YAML: quotes and a trailing comment are
 * dropped), else the file's name without its extension.
 */
export function labNameOf(definition: string, fileName: string): string {
  for (const line of definition.split(/\r?\n/)) {
    const m = /^name:[ \t]*(.*)$/.exec(line);
    if (m === null) continue;
    let value = (m[1] ?? "").trim();
    const quoted = /^(["'])(.*)\1/.exec(value);
    value = quoted !== null ? (quoted[2] ?? "") : value.replace(/\s+#.*$/, "").trim();
    if (value !== "") return value;
  }
  return baseName(fileName);
}
