// The lines of one log stream, as the viewer holds them: a ring of the newest `capacity`
// entries (log lines and the markers the viewer inserts), with an incremental text search.
//
// It only ever appends what `antimony://logs` delivers: the Rust side guarantees each line
// arrives exactly once and in order, across reconnects, so the buffer never deduplicates.
// Entries are numbered by a sequence number that never changes, so matches and the current
// match survive the oldest entries being dropped.

import { stripAnsi } from "./ansi";

/** The newest lines a viewer keeps. */
export const LOG_CAPACITY = 200_000;

export interface LogMarker {
  readonly marker: "restarted" | "missed";
  readonly text: string;
}

export type LogEntry = string | LogMarker;

export interface LogBatch {
  lines: readonly string[];
  missed: number;
  restarted: boolean;
}

export const RESTARTED_TEXT = "— log restarted —";

export function missedText(missed: number): string {
  return missed === 1
    ? "— 1 earlier line was trimmed on the server —"
    : `— ${missed.toLocaleString("en-US")} earlier lines were trimmed on the server —`;
}

export function isMarker(entry: LogEntry): entry is LogMarker {
  return typeof entry !== "string";
}

/** The text of an entry without escapes, as search and export see it. */
export function entryText(entry: LogEntry): string {
  return isMarker(entry) ? entry.text : stripAnsi(entry);
}

export class LogBuffer {
  readonly capacity: number;
  private ring: LogEntry[] = [];
  private head = 0;
  private size = 0;
  private nextSeq = 0;
  private droppedCount = 0;
  private receivedCount = 0;
  private changeCount = 0;

  private needle = "";
  /** Sequence numbers of matching lines; those before `matchStart` have been dropped. */
  private matches: number[] = [];
  private matchStart = 0;
  /** Index into `matches` of the current match, or -1. */
  private current = -1;

  constructor(capacity = LOG_CAPACITY) {
    if (capacity < 1) throw new RangeError("capacity must be at least 1");
    this.capacity = capacity;
  }

  /** Entries held (lines and markers). */
  get length(): number {
    return this.size;
  }

  /** Sequence number of the oldest entry held. */
  get firstSeq(): number {
    return this.nextSeq - this.size;
  }

  /** Entries dropped from the front to stay within `capacity`. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Log lines received in total (markers not counted), dropped ones included. */
  get received(): number {
    return this.receivedCount;
  }

  /** Grows on every change; a view re-renders when it differs from what it drew. */
  get version(): number {
    return this.changeCount;
  }

  /** The entry at `index` (0 = oldest held). */
  at(index: number): LogEntry | undefined {
    if (index < 0 || index >= this.size) return undefined;
    return this.ring[(this.head + index) % this.capacity];
  }

  /** Appends one `antimony://logs` batch: its markers first, then its lines. */
  append(batch: LogBatch): void {
    if (batch.restarted) this.push({ marker: "restarted", text: RESTARTED_TEXT });
    if (batch.missed > 0) this.push({ marker: "missed", text: missedText(batch.missed) });
    for (const line of batch.lines) {
      this.push(line);
      this.receivedCount += 1;
    }
    this.trimMatches();
    this.changeCount += 1;
  }

  private push(entry: LogEntry): void {
    const seq = this.nextSeq;
    this.nextSeq += 1;
    if (this.size < this.capacity) {
      this.ring[(this.head + this.size) % this.capacity] = entry;
      this.size += 1;
    } else {
      this.ring[this.head] = entry;
      this.head = (this.head + 1) % this.capacity;
      this.droppedCount += 1;
    }
    if (this.needle !== "" && typeof entry === "string" && this.lineMatches(entry)) this.matches.push(seq);
  }

  private lineMatches(line: string): boolean {
    return stripAnsi(line).toLowerCase().includes(this.needle);
  }

  /** Forgets matches of dropped lines and keeps the array from growing without bound. */
  private trimMatches(): void {
    const first = this.firstSeq;
    const before = this.matchStart;
    while (this.matchStart < this.matches.length && (this.matches[this.matchStart] ?? 0) < first) this.matchStart += 1;
    // A current match that was dropped, or none yet: the oldest held match becomes current.
    if (this.current < this.matchStart) {
      this.current = this.matchStart < this.matches.length ? this.matchStart : -1;
    }
    if (this.matchStart !== before && this.matchStart > 1024 && this.matchStart * 2 > this.matches.length) {
      this.matches = this.matches.slice(this.matchStart);
      if (this.current >= 0) this.current -= this.matchStart;
      this.matchStart = 0;
    }
  }

  // ---- search -------------------------------------------------------------------------

  get query(): string {
    return this.needle;
  }

  /** Searches the held lines (case-insensitive, escapes ignored); the first match becomes current. */
  setQuery(query: string): void {
    const needle = query.toLowerCase();
    if (needle === this.needle) return;
    this.needle = needle;
    this.matches = [];
    this.matchStart = 0;
    this.current = -1;
    if (needle !== "") {
      const first = this.firstSeq;
      for (let i = 0; i < this.size; i++) {
        const entry = this.ring[(this.head + i) % this.capacity];
        if (typeof entry === "string" && this.lineMatches(entry)) this.matches.push(first + i);
      }
      if (this.matches.length > 0) this.current = 0;
    }
    this.changeCount += 1;
  }

  get matchCount(): number {
    return this.matches.length - this.matchStart;
  }

  /** 0-based position of the current match among the matches, or -1. */
  get currentMatch(): number {
    return this.current < 0 ? -1 : this.current - this.matchStart;
  }

  /** Index (as for `at`) of the line of the current match, or -1. */
  get currentMatchIndex(): number {
    if (this.current < 0) return -1;
    return (this.matches[this.current] ?? this.firstSeq - 1) - this.firstSeq;
  }

  /** Moves to the next match, wrapping around; returns its index (as for `at`) or -1. */
  next(): number {
    if (this.matchCount === 0) return -1;
    this.current = this.current < this.matchStart || this.current + 1 >= this.matches.length ? this.matchStart : this.current + 1;
    this.changeCount += 1;
    return this.currentMatchIndex;
  }

  /** Moves to the previous match, wrapping around; returns its index (as for `at`) or -1. */
  previous(): number {
    if (this.matchCount === 0) return -1;
    this.current = this.current <= this.matchStart ? this.matches.length - 1 : this.current - 1;
    this.changeCount += 1;
    return this.currentMatchIndex;
  }

  // ---- export -------------------------------------------------------------------------

  /** Every held entry as plain text, one per line (markers included, escapes removed). */
  toText(): string {
    const parts: string[] = [];
    if (this.droppedCount > 0) parts.push(this.droppedCount === 1 ? "— 1 older line was dropped —" : `— ${this.droppedCount.toLocaleString("en-US")} older lines were dropped —`);
    for (let i = 0; i < this.size; i++) {
      const entry = this.ring[(this.head + i) % this.capacity];
      if (entry !== undefined) parts.push(entryText(entry));
    }
    return parts.length === 0 ? "" : `${parts.join("\n")}\n`;
  }
}
