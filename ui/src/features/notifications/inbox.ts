// The inbox: every status message of every server, newest first, with read state and filters
// by severity and by server. Kept in localStorage across restarts (items and filters), bounded
// to the newest `INBOX_LIMIT`.

import { Severity, type StatusMessage } from "../../bindings";

export const INBOX_LIMIT = 500;
export const INBOX_STORAGE_KEY = "antimony.inbox.v1";
export const ALL_SEVERITIES: readonly Severity[] = [
  Severity.Success,
  Severity.Info,
  Severity.Warning,
  Severity.Error,
  Severity.Fatal,
];

export interface InboxItem {
  server: string;
  message: StatusMessage;
  read: boolean;
}

export interface InboxState {
  /** Newest first. */
  items: InboxItem[];
  /** Severities shown. */
  shown: Severity[];
  /** The one server shown; `null` shows every server. */
  server: string | null;
}

export type InboxAction =
  | { type: "add"; server: string; message: StatusMessage }
  | { type: "markAllRead" }
  | { type: "toggleSeverity"; severity: Severity }
  | { type: "filterServer"; server: string | null }
  | { type: "clear" };

export const emptyInbox: InboxState = { items: [], shown: [...ALL_SEVERITIES], server: null };

export function inboxReducer(state: InboxState, action: InboxAction, limit = INBOX_LIMIT): InboxState {
  switch (action.type) {
    case "add": {
      if (state.items.some((i) => i.message.id === action.message.id && i.server === action.server)) return state;
      const item: InboxItem = { server: action.server, message: action.message, read: false };
      return { ...state, items: [item, ...state.items].slice(0, limit) };
    }
    case "markAllRead":
      return state.items.every((i) => i.read) ? state : { ...state, items: state.items.map((i) => (i.read ? i : { ...i, read: true })) };
    case "toggleSeverity": {
      const shown = state.shown.includes(action.severity)
        ? state.shown.filter((s) => s !== action.severity)
        : ALL_SEVERITIES.filter((s) => s === action.severity || state.shown.includes(s));
      return { ...state, shown };
    }
    case "filterServer":
      return state.server === action.server ? state : { ...state, server: action.server };
    case "clear":
      return state.items.length === 0 ? state : { ...state, items: [] };
  }
}

export function unreadCount(state: InboxState): number {
  let n = 0;
  for (const i of state.items) if (!i.read) n += 1;
  return n;
}

export function visibleItems(state: InboxState): InboxItem[] {
  return state.items.filter((i) => state.shown.includes(i.message.severity) && (state.server === null || i.server === state.server));
}

/** The servers the inbox has messages of, by name. */
export function inboxServers(state: InboxState): string[] {
  return [...new Set(state.items.map((i) => i.server))].sort((a, b) => a.localeCompare(b));
}

type KeyValueStorage = Pick<Storage, "getItem" | "setItem">;

function isItem(x: unknown): x is InboxItem {
  if (typeof x !== "object" || x === null) return false;
  const i = x as Record<string, unknown>;
  const m = i.message as Record<string, unknown> | null | undefined;
  return (
    typeof i.server === "string" &&
    typeof i.read === "boolean" &&
    typeof m === "object" &&
    m !== null &&
    typeof m.id === "string" &&
    typeof m.content === "string" &&
    typeof m.timestamp === "string" &&
    typeof m.severity === "number"
  );
}

/** The saved inbox; anything unreadable starts an empty one (and unreadable filters show everything). */
export function loadInbox(storage: KeyValueStorage | null, limit = INBOX_LIMIT): InboxState {
  try {
    const raw = storage?.getItem(INBOX_STORAGE_KEY);
    if (raw === null || raw === undefined) return emptyInbox;
    const parsed = JSON.parse(raw) as { items?: unknown; shown?: unknown; server?: unknown } | null;
    const items = parsed?.items;
    if (!Array.isArray(items)) return emptyInbox;
    const shown = Array.isArray(parsed?.shown) ? ALL_SEVERITIES.filter((s) => (parsed.shown as unknown[]).includes(s)) : emptyInbox.shown;
    const server = typeof parsed?.server === "string" ? parsed.server : null;
    return { items: items.filter(isItem).slice(0, limit), shown, server };
  } catch {
    return emptyInbox;
  }
}

/** Saves the items and the filters; a full or missing storage is not an error worth a toast. */
export function saveInbox(storage: KeyValueStorage | null, state: InboxState, limit = INBOX_LIMIT): void {
  try {
    storage?.setItem(INBOX_STORAGE_KEY, JSON.stringify({ items: state.items.slice(0, limit), shown: state.shown, server: state.server }));
  } catch {
    // Quota exceeded or storage disabled: the inbox still works for this session.
  }
}
