// Which bind-file paths a server takes. antimony-server's rule is the source of truth:
// `BindFilePath::parse` in server/src/files.rs (relative, not empty, at most 1024 bytes, no NUL
// or backslash, no leading or trailing `/`, no empty, `.` or `..` segment, and not the
// definition's own file `topology.clab.yaml`), and a path the topology has already is refused
// (`create_bind_file`/`update_bind_file` in server/src/http/topologies.rs: 400 code 4001). The
// Go server takes more (it does not check paths); the editor refuses what either refuses.

/** The definition's file in a topology's directory (`DEFINITION_FILE`). */
export const DEFINITION_FILE = "topology.clab.yaml";
/** `MAX_PATH_LEN`, in bytes of UTF-8. */
export const MAX_PATH_BYTES = 1024;

/** Why a bind file cannot have this path, or `null`. `others`: the paths of the topology's other files. */
export function bindPathProblem(path: string, others: readonly string[] = []): string | null {
  if (path === "") return "A path is needed";
  if (new TextEncoder().encode(path).length > MAX_PATH_BYTES) return `The path is longer than ${String(MAX_PATH_BYTES)} bytes`;
  if (path.includes("\0")) return "The path cannot contain a NUL character";
  if (path.includes("\\")) return "Use / between directories, not \\";
  if (path.startsWith("/")) return "The path must be relative to the topology's directory (no leading /)";
  if (path.endsWith("/")) return "The path must name a file, not a directory (no trailing /)";
  const segments = path.split("/");
  if (segments.some((s) => s === "")) return "The path cannot contain an empty segment (//)";
  if (segments.some((s) => s === "..")) return "The path cannot leave the topology's directory (..)";
  if (segments.some((s) => s === ".")) return "The path cannot contain a . segment";
  if (path === DEFINITION_FILE) return `${DEFINITION_FILE} is the topology's own definition`;
  if (others.includes(path)) return "The topology has a file with this path already";
  return null;
}
