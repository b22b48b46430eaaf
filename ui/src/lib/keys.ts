// Keyboard helpers shared by the shortcuts of the app, the dashboard and the log viewer.

/** Whether a key event comes from a field the user types in (shortcuts leave those alone). */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  // Events from inside a shadow root (the topology editor's) name its host: look inside.
  const inner = target.shadowRoot?.activeElement;
  if (inner !== null && inner !== undefined) return isTyping(inner);
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
