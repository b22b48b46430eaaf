import { describe, expect, it } from "vitest";
import { Severity, type StatusMessage } from "../../bindings";
import { INBOX_STORAGE_KEY, emptyInbox, inboxReducer, inboxServers, loadInbox, saveInbox, unreadCount, visibleItems, type InboxState } from "./inbox";
import { createNotifications } from "./notifications";

function message(id: string, severity = Severity.Info): StatusMessage {
  return { id, source: "Lab Manager", content: `message ${id}`, logContent: `message ${id}`, timestamp: "2025-06-12T22:13:05Z", severity };
}

class FakeStorage {
  data = new Map<string, string>();
  writes = 0;
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.writes += 1;
    this.data.set(key, value);
  }
}

function add(state: InboxState, id: string, severity = Severity.Info, server = "srv"): InboxState {
  return inboxReducer(state, { type: "add", server, message: message(id, severity) });
}

describe("inbox", () => {
  it("counts unread messages and marks them all read", () => {
    let s = add(add(add(emptyInbox, "1"), "2"), "3");
    expect(unreadCount(s)).toBe(3);
    s = inboxReducer(s, { type: "markAllRead" });
    expect(unreadCount(s)).toBe(0);
    s = add(s, "4");
    expect(unreadCount(s)).toBe(1);
    expect(s.items.map((i) => i.message.id)).toEqual(["4", "3", "2", "1"]); // newest first
  });

  it("ignores a message it already has", () => {
    const s = add(add(emptyInbox, "1"), "1");
    expect(s.items).toHaveLength(1);
    expect(add(s, "1", Severity.Info, "other").items).toHaveLength(2);
  });

  it("filters by severity", () => {
    let s = add(add(add(emptyInbox, "ok", Severity.Success), "bad", Severity.Error), "warn", Severity.Warning);
    s = inboxReducer(s, { type: "toggleSeverity", severity: Severity.Success });
    s = inboxReducer(s, { type: "toggleSeverity", severity: Severity.Warning });
    expect(visibleItems(s).map((i) => i.message.id)).toEqual(["bad"]);
    s = inboxReducer(s, { type: "toggleSeverity", severity: Severity.Success });
    expect(visibleItems(s).map((i) => i.message.id)).toEqual(["bad", "ok"]);
    expect(s.shown).toEqual([Severity.Success, Severity.Info, Severity.Error, Severity.Fatal]);
    // the filter hides, it does not mark read
    expect(unreadCount(s)).toBe(3);
  });

  it("keeps only the newest messages", () => {
    let s = emptyInbox;
    for (let i = 0; i < 12; i++) s = inboxReducer(s, { type: "add", server: "srv", message: message(String(i)) }, 10);
    expect(s.items).toHaveLength(10);
    expect(s.items[0]?.message.id).toBe("11");
    expect(s.items[9]?.message.id).toBe("2");
  });

  it("survives a restart through storage", () => {
    const storage = new FakeStorage();
    let s = add(add(emptyInbox, "1", Severity.Error), "2", Severity.Success);
    s = inboxReducer(s, { type: "markAllRead" });
    s = add(s, "3");
    saveInbox(storage, s);
    expect(storage.data.has(INBOX_STORAGE_KEY)).toBe(true);
    const back = loadInbox(storage);
    expect(back.items).toEqual(s.items);
    expect(unreadCount(back)).toBe(1);
  });

  it("filters by server, and keeps the filters across a restart", () => {
    const storage = new FakeStorage();
    let s = emptyInbox;
    s = inboxReducer(s, { type: "add", server: "team", message: message("1", Severity.Error) });
    s = inboxReducer(s, { type: "add", server: "This computer", message: message("2", Severity.Success) });
    s = inboxReducer(s, { type: "add", server: "team", message: message("3", Severity.Success) });
    expect(inboxServers(s)).toEqual(["team", "This computer"]);
    s = inboxReducer(s, { type: "filterServer", server: "team" });
    expect(visibleItems(s).map((i) => i.message.id)).toEqual(["3", "1"]);
    s = inboxReducer(s, { type: "toggleSeverity", severity: Severity.Success });
    expect(visibleItems(s).map((i) => i.message.id)).toEqual(["1"]);
    // the filter hides, it does not mark read
    expect(unreadCount(s)).toBe(3);
    saveInbox(storage, s);
    const back = loadInbox(storage);
    expect(back.server).toBe("team");
    expect(visibleItems(back).map((i) => i.message.id)).toEqual(["1"]);
    const everyServer = inboxReducer(inboxReducer(back, { type: "filterServer", server: null }), { type: "toggleSeverity", severity: Severity.Success });
    expect(visibleItems(everyServer).map((i) => i.message.id)).toEqual(["3", "2", "1"]);
    // Filters saved by an older version (none) or garbled show everything.
    storage.data.set(INBOX_STORAGE_KEY, JSON.stringify({ items: s.items, shown: "x", server: 7 }));
    expect(visibleItems(loadInbox(storage))).toHaveLength(3);
  });

  it("starts empty on missing, corrupt or foreign data, and drops malformed entries", () => {
    const storage = new FakeStorage();
    expect(loadInbox(storage)).toEqual(emptyInbox);
    expect(loadInbox(null)).toEqual(emptyInbox);
    storage.data.set(INBOX_STORAGE_KEY, "{not json");
    expect(loadInbox(storage)).toEqual(emptyInbox);
    storage.data.set(INBOX_STORAGE_KEY, JSON.stringify({ items: [{ server: "s", read: false, message: message("ok") }, { server: 1 }, null] }));
    expect(loadInbox(storage).items.map((i) => i.message.id)).toEqual(["ok"]);
  });

  it("does not fail when storage refuses to write", () => {
    const storage = {
      getItem: () => null,
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
    };
    expect(() => {
      saveInbox(storage, add(emptyInbox, "1"));
    }).not.toThrow();
  });

  it("the notifications controller saves each change and bounds what it saves", () => {
    const storage = new FakeStorage();
    const n = createNotifications({ storage, now: () => 0, limit: 3 });
    for (const id of ["a", "b", "c", "d"]) {
      n.onStatus({ server: "srv", message: message(id) });
    }
    const saved = JSON.parse(storage.getItem(INBOX_STORAGE_KEY) ?? "{}") as { items: { message: { id: string } }[] };
    expect(saved.items.map((i) => i.message.id)).toEqual(["d", "c", "b"]);
    const reopened = createNotifications({ storage, now: () => 0, limit: 3 });
    expect(unreadCount(reopened.inbox.getState())).toBe(3);
    // each status also raised a toast (none of them names a lab, so none merged)
    expect(n.toasts.getState().toasts).toHaveLength(4);
  });
});
