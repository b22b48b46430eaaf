// What this computer still needs to deploy labs (containerlab, Docker, permissions), shown
// above the local server's labs. The report is fetched when the panel appears and on "Check
// again"; the Rust side checks anew on every call. When everything is there, one quiet line
// says what was found.

import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { describeError, useBridge, type PrerequisiteCheck, type PrerequisiteReport } from "../../lib/bridge";

/** While checking again, what the last check said stays on screen (`report` or `message`). */
type Check =
  | { status: "checking"; report: PrerequisiteReport | null; message: string | null }
  | { status: "done"; report: PrerequisiteReport }
  | { status: "failed"; message: string };

/** Text with `backticked` parts as <code> (guidance names shell commands that way). */
export function withCode(text: string): ReactNode[] {
  return text.split(/`([^`]+)`/).map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));
}

/** "containerlab 0.73.0 · Docker engine 27.1.1 · …": the checks that passed, one line. */
export function summary(report: PrerequisiteReport): string {
  return report.checks.map((c) => `${c.title} ${c.detail}`).join(" · ");
}

function CheckRow({ check }: { check: PrerequisiteCheck }) {
  return (
    <li className={check.ok ? "prerequisite prerequisite--ok" : "prerequisite prerequisite--missing"} data-testid={`prerequisite-${check.id}`} data-ok={String(check.ok)}>
      <span className="prerequisite-mark" aria-label={check.ok ? "Found" : "Missing"} role="img">
        {check.ok ? "✓" : "✗"}
      </span>
      <div className="prerequisite-text">
        <div>
          <span className="prerequisite-title">{check.title}</span>
          <span className="prerequisite-detail">{check.detail}</span>
        </div>
        {check.guidance !== null && <div className="prerequisite-guidance">{withCode(check.guidance)}</div>}
      </div>
    </li>
  );
}

export function PrerequisitePanel() {
  const bridge = useBridge();
  const [check, setCheck] = useState<Check>({ status: "checking", report: null, message: null });
  // Only the newest call's answer counts, and none after unmounting.
  const latest = useRef(0);

  // Sets state only when the answer comes (never synchronously in the effect).
  const fetchReport = useCallback(() => {
    latest.current += 1;
    const call = latest.current;
    bridge.localPrerequisites().then(
      (report) => {
        if (latest.current === call) setCheck({ status: "done", report });
      },
      (e: unknown) => {
        if (latest.current === call) setCheck({ status: "failed", message: describeError(e) });
      },
    );
  }, [bridge]);

  useEffect(() => {
    fetchReport();
    return () => {
      latest.current += 1;
    };
  }, [fetchReport]);

  const recheck = () => {
    if (check.status === "checking") return;
    setCheck((c) => (c.status === "failed" ? { status: "checking", report: null, message: c.message } : { status: "checking", report: c.report, message: null }));
    fetchReport();
  };

  const report = check.status === "failed" ? null : check.report;
  const checking = check.status === "checking";
  const message = check.status === "done" ? null : check.message;
  if (report === null && message === null) return null; // the first answer comes quickly
  if (report?.ready === true) {
    return (
      <p className="prerequisites-ok" data-testid="prerequisites-ok" title="This computer can deploy labs">
        <span className="prerequisite-mark" aria-hidden="true">
          ✓
        </span>
        {summary(report)}
      </p>
    );
  }

  return (
    <section className="prerequisites" data-testid="prerequisites" aria-labelledby="prerequisites-heading" aria-busy={checking}>
      <div className="prerequisites-header">
        <h2 id="prerequisites-heading">{message !== null ? "Could not check whether this computer can deploy labs" : "This computer can't deploy labs yet"}</h2>
        {/* aria-disabled, not disabled: a disabled button would drop the keyboard focus. */}
        <button type="button" className="button button--small" data-testid="prerequisites-recheck" aria-disabled={checking} onClick={recheck}>
          {checking ? "Checking…" : "Check again"}
        </button>
      </div>
      {message !== null ? (
        <p className="form-error" role="alert">
          {message}
        </p>
      ) : (
        <ul className="prerequisite-list">
          {report?.checks.map((c) => (
            <CheckRow key={c.id} check={c} />
          ))}
        </ul>
      )}
    </section>
  );
}
