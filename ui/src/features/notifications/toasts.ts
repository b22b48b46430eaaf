// Toasts: what is on screen bottom-right. A toast with the key of one already shown replaces
// it (so a deploying lab's messages update one toast instead of piling up); success and info
// toasts go away by themselves, warnings a little later, errors stay until dismissed.

import { Severity, type StatusMessage } from "../../bindings";
import type { ToastRequest } from "../../lib/notify";

export interface Toast {
  id: number;
  key: string;
  severity: Severity;
  title: string;
  body: string | undefined;
  /** Messages merged into this toast. */
  count: number;
  updatedAt: number;
  /** When the message shown happened (`ToastRequest.at`), if known. */
  at: number | null;
  /** When it goes away by itself; `null` stays until dismissed. */
  expiresAt: number | null;
}

export interface ToastState {
  toasts: Toast[];
  nextId: number;
}

export type ToastAction =
  | { type: "push"; request: ToastRequest; now: number }
  | { type: "dismiss"; id: number }
  | { type: "expire"; now: number };

/** At most this many toasts at once; the oldest goes first. */
export const MAX_TOASTS = 5;

export function defaultLifetime(severity: Severity): number | null {
  switch (severity) {
    case Severity.Success:
    case Severity.Info:
      return 6_000;
    case Severity.Warning:
      return 12_000;
    case Severity.Error:
    case Severity.Fatal:
      return null;
  }
}

export const initialToasts: ToastState = { toasts: [], nextId: 1 };

export function toastReducer(state: ToastState, action: ToastAction): ToastState {
  switch (action.type) {
    case "push": {
      const { request, now } = action;
      const lifetime = request.durationMs === undefined ? defaultLifetime(request.severity) : request.durationMs;
      const expiresAt = lifetime === null ? null : now + lifetime;
      const key = request.key ?? `toast:${state.nextId}`;
      const existing = state.toasts.find((t) => t.key === key);
      if (existing !== undefined) {
        // The same text again (a failure seen by two paths) is not another message.
        const count = existing.title === request.title && existing.body === request.body ? existing.count : existing.count + 1;
        // A message older than the one shown (delivered late) is counted, not shown.
        if (request.at !== undefined && existing.at !== null && request.at < existing.at) {
          return count === existing.count ? state : { ...state, toasts: state.toasts.map((t) => (t === existing ? { ...existing, count } : t)) };
        }
        // Otherwise the toast shows the newest message: its text, severity and lifetime.
        const merged: Toast = {
          ...existing,
          severity: request.severity,
          title: request.title,
          body: request.body,
          count,
          updatedAt: now,
          at: request.at ?? existing.at,
          expiresAt,
        };
        return { ...state, toasts: state.toasts.map((t) => (t === existing ? merged : t)) };
      }
      const toast: Toast = {
        id: state.nextId,
        key,
        severity: request.severity,
        title: request.title,
        body: request.body,
        count: 1,
        updatedAt: now,
        at: request.at ?? null,
        expiresAt,
      };
      return { toasts: [...state.toasts, toast].slice(-MAX_TOASTS), nextId: state.nextId + 1 };
    }
    case "dismiss": {
      const toasts = state.toasts.filter((t) => t.id !== action.id);
      return toasts.length === state.toasts.length ? state : { ...state, toasts };
    }
    case "expire": {
      const toasts = state.toasts.filter((t) => t.expiresAt === null || t.expiresAt > action.now);
      return toasts.length === state.toasts.length ? state : { ...state, toasts };
    }
  }
}

/** When the next toast expires, or `null` if none will. */
export function nextExpiry(state: ToastState): number | null {
  let next: number | null = null;
  for (const t of state.toasts) if (t.expiresAt !== null && (next === null || t.expiresAt < next)) next = t.expiresAt;
  return next;
}

/**
 * What a status message is about, to merge the messages of one lab: the lab id from
 * `logContent` (`lab=`, `id=` or `labId=`), else the lab name from `content`, else nothing.
 */
export function statusSubject(message: StatusMessage): string | null {
  const id = /(?:^|\s)(?:lab|labId|id)=(\S+)/.exec(message.logContent)?.[1];
  if (id !== undefined) return `lab:${id}`;
  const quoted = /'([^']+)'/.exec(message.content)?.[1];
  if (quoted !== undefined) return `lab-name:${quoted}`;
  const named = /\blab (\S+)/.exec(message.content)?.[1];
  if (named !== undefined) return `lab-name:${named.replace(/:$/, "")}`;
  return null;
}

/** The lab a status message is about: its id (antimony-server says it), else its name. */
export function statusLab(message: StatusMessage): { labId: string | null; labName: string | null } {
  const subject = statusSubject(message);
  if (subject?.startsWith("lab:") === true) return { labId: subject.slice(4), labName: /'([^']+)'/.exec(message.content)?.[1] ?? null };
  if (subject?.startsWith("lab-name:") === true) return { labId: null, labName: subject.slice(9) };
  return { labId: null, labName: null };
}

export function statusToast(server: string, message: StatusMessage): ToastRequest {
  const subject = statusSubject(message);
  const at = Date.parse(message.timestamp);
  const request: ToastRequest = {
    key: subject === null ? `status:${message.id}` : `status:${server}:${subject}`,
    severity: message.severity,
    title: message.content,
    body: server,
  };
  return Number.isNaN(at) ? request : { ...request, at };
}
