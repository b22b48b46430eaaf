import { describe, expect, it } from "vitest";
import { LOG_CAPACITY, LogBuffer, RESTARTED_TEXT, entryText, isMarker, missedText } from "./log-buffer";

function texts(buffer: LogBuffer): string[] {
  const out: string[] = [];
  for (let i = 0; i < buffer.length; i++) {
    const e = buffer.at(i);
    if (e !== undefined) out.push(entryText(e));
  }
  return out;
}

const batch = (lines: string[], missed = 0, restarted = false) => ({ lines, missed, restarted });

describe("LogBuffer", () => {
  it("appends batches in order and counts received lines", () => {
    const b = new LogBuffer();
    b.append(batch(["a", "b"]));
    b.append(batch(["c"]));
    expect(texts(b)).toEqual(["a", "b", "c"]);
    expect(b.received).toBe(3);
    expect(b.length).toBe(3);
    expect(b.dropped).toBe(0);
    expect(b.at(3)).toBeUndefined();
  });

  it("inserts a separator when the stream restarted, keeping the old lines", () => {
    const b = new LogBuffer();
    b.append(batch(["old 1", "old 2"]));
    b.append(batch(["new 1"], 0, true));
    expect(texts(b)).toEqual(["old 1", "old 2", RESTARTED_TEXT, "new 1"]);
    expect(RESTARTED_TEXT).toBe("— log restarted —");
    const marker = b.at(2);
    expect(marker !== undefined && isMarker(marker)).toBe(true);
    expect(b.received).toBe(3);
  });

  it("inserts a marker for lines trimmed on the server", () => {
    const b = new LogBuffer();
    b.append(batch(["x"], 1234));
    expect(texts(b)).toEqual(["— 1,234 earlier lines were trimmed on the server —", "x"]);
    expect(missedText(1)).toBe("— 1 earlier line was trimmed on the server —");
  });

  it("puts the restart separator before the missed marker of the same batch", () => {
    const b = new LogBuffer();
    b.append(batch(["y"], 5, true));
    expect(texts(b)).toEqual([RESTARTED_TEXT, missedText(5), "y"]);
  });

  it("keeps only the newest entries and counts the dropped ones", () => {
    const b = new LogBuffer(5);
    b.append(batch(["1", "2", "3"]));
    b.append(batch(["4", "5", "6", "7"]));
    expect(texts(b)).toEqual(["3", "4", "5", "6", "7"]);
    expect(b.dropped).toBe(2);
    expect(b.received).toBe(7);
    expect(b.firstSeq).toBe(2);
    expect(b.toText()).toBe("— 2 older lines were dropped —\n3\n4\n5\n6\n7\n");
    const one = new LogBuffer(2);
    one.append(batch(["a", "b", "c"]));
    expect(one.toText()).toBe("— 1 older line was dropped —\nb\nc\n");
  });

  it("bounds memory at 200,000 lines by default", () => {
    const b = new LogBuffer();
    expect(b.capacity).toBe(LOG_CAPACITY);
    expect(LOG_CAPACITY).toBe(200_000);
    const chunk = Array.from({ length: 1000 }, (_, i) => `line ${i}`);
    for (let i = 0; i < 250; i++) b.append(batch(chunk));
    expect(b.length).toBe(200_000);
    expect(b.dropped).toBe(50_000);
    expect(b.received).toBe(250_000);
    expect(b.at(0)).toBe("line 0");
    expect(b.at(199_999)).toBe("line 999");
  });

  it("grows its version on every change", () => {
    const b = new LogBuffer();
    const v0 = b.version;
    b.append(batch(["a"]));
    expect(b.version).toBeGreaterThan(v0);
    const v1 = b.version;
    b.setQuery("a");
    expect(b.version).toBeGreaterThan(v1);
  });

  it("exports held entries as plain text without escapes", () => {
    const b = new LogBuffer();
    b.append(batch(["\u001b[31mred\u001b[0m line"], 0, true));
    expect(b.toText()).toBe(`${RESTARTED_TEXT}\nred line\n`);
    expect(new LogBuffer().toText()).toBe("");
  });
});

describe("LogBuffer search", () => {
  function filled(): LogBuffer {
    const b = new LogBuffer();
    b.append(batch(["boot", "ERROR one", "ok", "\u001b[31mError\u001b[0m two", "ok", "error three"]));
    return b;
  }

  it("finds matches case-insensitively, ignoring escapes, the first one current", () => {
    const b = filled();
    b.setQuery("error");
    expect(b.matchCount).toBe(3);
    expect(b.currentMatch).toBe(0);
    expect(b.currentMatchIndex).toBe(1);
  });

  it("does not match escape sequences themselves", () => {
    const b = filled();
    b.setQuery("[31m");
    expect(b.matchCount).toBe(0);
    expect(b.currentMatchIndex).toBe(-1);
    expect(b.next()).toBe(-1);
    expect(b.previous()).toBe(-1);
  });

  it("steps to the next and previous match, wrapping around", () => {
    const b = filled();
    b.setQuery("error");
    expect(b.next()).toBe(3);
    expect(b.next()).toBe(5);
    expect(b.next()).toBe(1); // wraps to the first
    expect(b.previous()).toBe(5); // wraps to the last
    expect(b.previous()).toBe(3);
    expect(b.currentMatch).toBe(1);
  });

  it("keeps matching lines that arrive after the query", () => {
    const b = filled();
    b.setQuery("error");
    b.append(batch(["late error"]));
    expect(b.matchCount).toBe(4);
    expect(b.currentMatch).toBe(0);
    b.previous();
    expect(b.currentMatchIndex).toBe(6);
  });

  it("never matches markers", () => {
    const b = new LogBuffer();
    b.append(batch(["x"], 3, true));
    b.setQuery("log restarted");
    expect(b.matchCount).toBe(0);
    b.setQuery("trimmed");
    expect(b.matchCount).toBe(0);
  });

  it("forgets matches of dropped lines and moves the current match to a held one", () => {
    const b = new LogBuffer(4);
    b.append(batch(["hit 1", "miss", "hit 2", "miss"]));
    b.setQuery("hit");
    expect(b.matchCount).toBe(2);
    expect(b.currentMatchIndex).toBe(0);
    b.append(batch(["miss"])); // drops "hit 1"
    expect(b.matchCount).toBe(1);
    expect(b.currentMatch).toBe(0);
    expect(b.currentMatchIndex).toBe(1); // "hit 2" is now second
    expect(b.at(b.currentMatchIndex)).toBe("hit 2");
    b.append(batch(["miss", "miss"])); // drops "hit 2"
    expect(b.matchCount).toBe(0);
    expect(b.currentMatch).toBe(-1);
  });

  it("stays consistent over many drops with a long-running query", () => {
    const b = new LogBuffer(100);
    b.setQuery("x");
    for (let i = 0; i < 5000; i++) b.append(batch([i % 2 === 0 ? `x ${i}` : `y ${i}`]));
    expect(b.matchCount).toBe(50);
    expect(b.currentMatch).toBe(0);
    expect(b.at(b.currentMatchIndex)).toBe("x 4900");
    expect(b.at(b.previous())).toBe("x 4998");
  });

  it("clears the matches with an empty query", () => {
    const b = filled();
    b.setQuery("error");
    b.setQuery("");
    expect(b.matchCount).toBe(0);
    expect(b.query).toBe("");
  });
});
