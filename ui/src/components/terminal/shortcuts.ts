// The terminal's own keys. Everything else goes to the shell: Ctrl+C, Ctrl+V, Ctrl+F, Esc are
// the shell's (^C, ^V, ^F, ESC), so the terminal's keys add Shift, as Linux terminals do.

export type TerminalShortcut = "copy" | "paste" | "find";

type Keys = Pick<KeyboardEvent, "key" | "code" | "ctrlKey" | "shiftKey" | "altKey" | "metaKey">;

/** Ctrl+Shift+C copies the selection, Ctrl+Shift+V pastes, Ctrl+Shift+F searches. */
export function terminalShortcut(e: Keys): TerminalShortcut | null {
  if (!e.ctrlKey || !e.shiftKey || e.altKey || e.metaKey) return null;
  const key = e.key.toLowerCase();
  // `code` too: with a non-Latin layout `key` is another letter.
  if (key === "c" || e.code === "KeyC") return "copy";
  if (key === "v" || e.code === "KeyV") return "paste";
  if (key === "f" || e.code === "KeyF") return "find";
  return null;
}
