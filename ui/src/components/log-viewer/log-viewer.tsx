// A live log: subscribes to one stream, appends every `antimony://logs` batch to a LogBuffer
// and draws only the rows in view (fixed row height). Batches are appended as they come and
// the view re-renders at most once per animation frame, so tens of thousands of lines per
// second do not jank the UI. Positions are set through the CSSOM (`element.style.x = …`),
// never through style attributes, which the app's CSP blocks.

import { Fragment, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { logsNamespace, Severity } from "../../bindings";
import { describeError, useBridge, type Unlisten } from "../../lib/bridge";
import { useNotify } from "../../lib/notify";
import { count } from "../../lib/format";
import { isTyping } from "../../lib/keys";
import { parseAnsi } from "./ansi";
import { LogBuffer, isMarker } from "./log-buffer";
import "./log-viewer.css";

/** Row height in px; must match `--log-row-height` in log-viewer.css. */
export const LOG_ROW_HEIGHT = 18;
/** Rows drawn beyond the viewport: few while following (nothing below to scroll to). */
const OVERSCAN = 20;
const OVERSCAN_FOLLOWING = 4;

export interface LogViewerProps {
  server: string;
  labId: string;
  /** A node log; absent for the lab log. */
  containerId?: string;
  /** Names the log in the export file name and for screen readers. */
  name: string;
  /** Only the visible viewer draws and takes Ctrl+F. */
  active: boolean;
  /** Buffer size, for tests. */
  capacity?: number;
}

function highlight(text: string, needle: string, current: boolean): ReactNode {
  if (needle === "") return text;
  const lower = text.toLowerCase();
  const parts: ReactNode[] = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, from)) {
    if (at > from) parts.push(text.slice(from, at));
    parts.push(
      <mark key={at} className={current ? "log-mark log-mark--current" : "log-mark"}>
        {text.slice(at, at + needle.length)}
      </mark>,
    );
    from = at + needle.length;
  }
  if (parts.length === 0) return text;
  if (from < text.length) parts.push(text.slice(from));
  return parts;
}

function LogLine({ line, needle, current }: { line: string; needle: string; current: boolean }) {
  const spans = parseAnsi(line);
  return (
    <>
      {spans.map((span, i) => {
        const content = highlight(span.text, needle, current);
        if (span.fg === null && !span.bold) return <Fragment key={i}>{content}</Fragment>;
        const cls = `${span.fg === null ? "" : `ansi-fg-${span.fg}`}${span.bold ? " ansi-bold" : ""}`.trim();
        return (
          <span key={i} className={cls}>
            {content}
          </span>
        );
      })}
    </>
  );
}

export function LogViewer({ server, labId, containerId, name, active, capacity }: LogViewerProps) {
  const bridge = useBridge();
  const notify = useNotify();
  const stream = logsNamespace(labId, containerId);
  const [buffer] = useState(() => new LogBuffer(capacity));
  const [, setVersion] = useState(0);
  // Where the view is, as the sequence number (with fraction) of its top row: it stays on the
  // same lines while the oldest ones are dropped. Only used while paused.
  const [view, setView] = useState({ topSeq: 0, height: 0 });
  const [follow, setFollow] = useState(true);
  const [query, setQuery] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);

  const scrollerRef = useRef<HTMLDivElement>(null);
  const spacerRef = useRef<HTMLDivElement>(null);
  const windowRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const frame = useRef<number | null>(null);
  const activeRef = useRef(active);
  const dirty = useRef(false);
  /** `buffer.firstSeq` as last drawn, which the DOM's scroll position refers to. */
  const drawnFirstSeq = useRef(0);
  const seqAt = (el: HTMLElement) => drawnFirstSeq.current + el.scrollTop / LOG_ROW_HEIGHT;

  // ---- drawing, at most once per frame ------------------------------------------------
  const redraw = useCallback(() => {
    if (!activeRef.current) {
      dirty.current = true;
      return;
    }
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      setVersion(buffer.version);
    });
  }, [buffer]);

  useEffect(() => {
    activeRef.current = active;
    if (active && dirty.current) {
      dirty.current = false;
      setVersion(buffer.version);
    }
  }, [active, buffer]);

  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
    },
    [],
  );

  // ---- subscription ---------------------------------------------------------------------
  useEffect(() => {
    let disposed = false;
    // A function, so the checks after each await read the current value.
    const gone = () => disposed;
    let unlisten: Unlisten | null = null;
    let subscribed: string | null = null;
    void (async () => {
      // Listen before subscribing, so the backlog that follows the subscription is not missed.
      const off = await bridge.onLogs((event) => {
        if (event.server !== server || (event.stream !== stream && event.stream !== subscribed)) return;
        buffer.append(event);
        redraw();
      });
      if (gone()) {
        off();
        return;
      }
      unlisten = off;
      try {
        const { stream: id } = await bridge.subscribeLogs(
          containerId === undefined ? { server, labId } : { server, labId, containerId },
        );
        if (gone()) void bridge.unsubscribeLogs({ server, stream: id }).catch(() => undefined);
        else subscribed = id;
      } catch (e: unknown) {
        if (!gone()) setError(describeError(e));
      }
    })();
    return () => {
      disposed = true;
      unlisten?.();
      if (subscribed !== null) void bridge.unsubscribeLogs({ server, stream: subscribed }).catch(() => undefined);
    };
  }, [bridge, server, labId, containerId, stream, buffer, redraw]);

  // ---- viewport size ------------------------------------------------------------------
  useEffect(() => {
    const el = scrollerRef.current;
    if (el === null) return;
    const measure = () => {
      setView({ topSeq: drawnFirstSeq.current + el.scrollTop / LOG_ROW_HEIGHT, height: el.clientHeight });
    };
    measure();
    if (typeof ResizeObserver === "undefined") {
      window.addEventListener("resize", measure);
      return () => {
        window.removeEventListener("resize", measure);
      };
    }
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      observer.disconnect();
    };
  }, []);

  // ---- which rows are drawn -----------------------------------------------------------
  const total = buffer.length;
  const firstSeq = buffer.firstSeq;
  const inView = Math.ceil(view.height / LOG_ROW_HEIGHT) + 1;
  const topRow = Math.max(0, view.topSeq - firstSeq);
  const top = follow ? Math.max(0, total - inView) : Math.floor(topRow);
  const overscan = follow ? OVERSCAN_FOLLOWING : OVERSCAN;
  const first = Math.max(0, Math.min(top, total - inView) - overscan);
  const last = Math.min(total, top + inView + overscan);

  useLayoutEffect(() => {
    const el = scrollerRef.current;
    const spacer = spacerRef.current;
    const win = windowRef.current;
    if (el === null || spacer === null || win === null) return;
    spacer.style.height = `${total * LOG_ROW_HEIGHT}px`;
    win.style.transform = `translateY(${first * LOG_ROW_HEIGHT}px)`;
    drawnFirstSeq.current = firstSeq;
    if (follow) {
      el.scrollTop = el.scrollHeight;
    } else {
      // Keep the same lines in view, also when older ones were dropped from the front.
      const wanted = topRow * LOG_ROW_HEIGHT;
      if (Math.abs(el.scrollTop - wanted) >= 1) el.scrollTop = wanted;
    }
  });

  // ---- follow and pause ---------------------------------------------------------------
  const pause = useCallback(() => {
    const el = scrollerRef.current;
    if (el !== null) setView({ topSeq: seqAt(el), height: el.clientHeight });
    setFollow(false);
  }, []);

  const resume = useCallback(() => {
    setFollow(true);
  }, []);

  const onScroll = () => {
    const el = scrollerRef.current;
    if (el === null) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - LOG_ROW_HEIGHT;
    if (follow && atBottom) return; // our own scroll to the bottom: nothing to redraw
    if (!atBottom && follow) setFollow(false);
    else if (atBottom && !follow && el.scrollHeight > el.clientHeight) setFollow(true);
    setView({ topSeq: seqAt(el), height: el.clientHeight });
  };

  const scrollToIndex = (index: number) => {
    const el = scrollerRef.current;
    if (index < 0 || el === null) return;
    setFollow(false);
    const rows = el.clientHeight / LOG_ROW_HEIGHT;
    const row = Math.max(0, Math.min(index - rows / 2 + 0.5, buffer.length - rows));
    el.scrollTop = row * LOG_ROW_HEIGHT;
    setView({ topSeq: buffer.firstSeq + row, height: el.clientHeight });
  };

  // ---- search -------------------------------------------------------------------------
  // Searching 200,000 lines takes ~100 ms: wait for a pause in typing on big logs.
  const searchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const applyQuery = (value: string) => {
    if (searchTimer.current !== null) clearTimeout(searchTimer.current);
    searchTimer.current = null;
    if (value === buffer.query) return;
    buffer.setQuery(value);
    setVersion(buffer.version);
    if (buffer.matchCount > 0) scrollToIndex(buffer.currentMatchIndex);
  };

  const onQuery = (value: string) => {
    setQuery(value);
    if (searchTimer.current !== null) clearTimeout(searchTimer.current);
    if (buffer.length < 20_000) applyQuery(value);
    else
      searchTimer.current = setTimeout(() => {
        applyQuery(value);
      }, 150);
  };

  useEffect(
    () => () => {
      if (searchTimer.current !== null) clearTimeout(searchTimer.current);
    },
    [],
  );

  const step = (backwards: boolean) => {
    applyQuery(query);
    const index = backwards ? buffer.previous() : buffer.next();
    setVersion(buffer.version);
    scrollToIndex(index);
  };

  const onSearchKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === "Enter") {
      e.preventDefault();
      step(e.shiftKey);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      scrollerRef.current?.focus();
    }
  };

  useEffect(() => {
    if (!active) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      const find = (e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === "f";
      const slash = e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !isTyping(e.target);
      if (find || slash) {
        e.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
    };
  }, [active]);

  const onViewerKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.target === searchRef.current) return;
    if (e.key === "End") {
      e.preventDefault();
      resume();
    } else if (e.key === "Home" || e.key === "PageUp" || e.key === "ArrowUp") {
      pause();
    }
  };

  // ---- export -------------------------------------------------------------------------
  const exportLog = async () => {
    setExporting(true);
    try {
      const safe = name.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "") || "log";
      const path = await bridge.exportLog({ suggestedName: `${safe}.log`, contents: buffer.toText() });
      if (path === null) return;
      notify({ key: `export:${stream}`, severity: Severity.Success, title: "Log exported", body: path });
    } catch (e: unknown) {
      notify({ key: `export:${stream}`, severity: Severity.Error, title: "Could not export the log", body: describeError(e) });
    } finally {
      setExporting(false);
    }
  };

  // ---- rows ---------------------------------------------------------------------------
  const needle = buffer.query;
  const currentIndex = buffer.currentMatchIndex;
  const rows: ReactNode[] = [];
  // A viewer in a background tab keeps its lines but draws none.
  for (let i = first; active && i < last; i++) {
    const entry = buffer.at(i);
    if (entry === undefined) continue;
    const key = firstSeq + i;
    if (isMarker(entry)) {
      rows.push(
        <div key={key} className="log-line log-line--marker" data-testid="log-line" data-marker={entry.marker}>
          {entry.text}
        </div>,
      );
    } else {
      const current = i === currentIndex;
      rows.push(
        <div key={key} className={current ? "log-line log-line--current" : "log-line"} data-testid="log-line">
          <LogLine line={entry} needle={needle} current={current} />
        </div>,
      );
    }
  }

  const matchLabel =
    query === "" ? "" : buffer.matchCount === 0 ? "No matches" : `${buffer.currentMatch + 1} of ${buffer.matchCount.toLocaleString()}`;

  return (
    <section
      className="log-viewer"
      // Only the viewer on screen is `log-view`, so tests find the one the user sees.
      data-testid={active ? "log-view" : "log-view-background"}
      data-stream={stream}
      data-line-count={buffer.received}
      hidden={!active}
      aria-label={name}
      onKeyDown={onViewerKey}
    >
      <div className="log-toolbar">
        <input
          ref={searchRef}
          className="log-search"
          type="search"
          placeholder="Search log (Ctrl+F)"
          aria-label={`Search ${name}`}
          value={query}
          onChange={(e) => {
            onQuery(e.target.value);
          }}
          onKeyDown={onSearchKey}
        />
        <span className="log-match-count" aria-live="polite">
          {matchLabel}
        </span>
        <button type="button" className="button button--small" onClick={() => { step(true); }} disabled={buffer.matchCount === 0} title="Previous match (Shift+Enter)">
          ↑
        </button>
        <button type="button" className="button button--small" onClick={() => { step(false); }} disabled={buffer.matchCount === 0} title="Next match (Enter)">
          ↓
        </button>
        <span className="log-toolbar-spacer" />
        <span className="log-count">{count(buffer.received, "line")}</span>
        <button
          type="button"
          className={follow ? "button button--small button--pressed" : "button button--small"}
          aria-pressed={follow}
          onClick={follow ? pause : resume}
          title={follow ? "Following new lines; scroll up to pause" : "Follow new lines (End)"}
        >
          {follow ? "Following" : "Follow"}
        </button>
        <button type="button" className="button button--small" onClick={() => void exportLog()} disabled={exporting}>
          {exporting ? "Exporting…" : "Export…"}
        </button>
      </div>
      {buffer.dropped > 0 && (
        <div className="log-notice">{`${buffer.dropped === 1 ? "1 older line was" : `${buffer.dropped.toLocaleString("en-US")} older lines were`} dropped; the newest ${buffer.capacity.toLocaleString("en-US")} are kept.`}</div>
      )}
      {error !== null && <div className="log-notice log-notice--error">{`Cannot follow this log: ${error}`}</div>}
      <div
        ref={scrollerRef}
        className="log-scroller"
        tabIndex={0}
        role="log"
        aria-label={`${name} lines`}
        onScroll={onScroll}
        onWheel={(e) => {
          if (e.deltaY < 0) pause();
        }}
      >
        <div ref={spacerRef} className="log-spacer">
          <div ref={windowRef} className="log-window">
            {rows}
          </div>
        </div>
        {total === 0 && error === null && <div className="log-empty">No log lines yet.</div>}
      </div>
    </section>
  );
}
