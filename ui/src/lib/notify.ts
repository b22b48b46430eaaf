// How features raise a toast without importing the notifications feature: the app provides a
// `Notify` function through this context.

import { createContext, useContext } from "react";
import { Severity } from "../bindings";

export interface ToastRequest {
  /** Toasts with the same key replace each other instead of piling up. */
  key?: string;
  severity: Severity;
  title: string;
  body?: string;
  /** Overrides the severity's default lifetime; `null` stays until dismissed. */
  durationMs?: number | null;
  /**
   * When what it says happened (ms since the epoch, e.g. a status message's timestamp). A toast
   * merged from several requests shows the newest: one that arrives late with an older time
   * is counted but does not replace the text.
   */
  at?: number;
}

export type Notify = (toast: ToastRequest) => void;

export const NotifyContext = createContext<Notify>(() => undefined);

export function useNotify(): Notify {
  return useContext(NotifyContext);
}

const commandVerbs = {
  deploy: "Deploy",
  destroy: "Destroy",
  startNode: "Start",
  stopNode: "Stop",
  restartNode: "Restart",
} as const;

/**
 * The toast for a failed lab command. The lab view (from the rejected call) and the app (from
 * `antimony://command-result`) both raise it; the shared key makes them one toast.
 */
export function commandFailureToast(args: {
  server: string;
  labId: string;
  labName: string;
  command: keyof typeof commandVerbs;
  node: string | null;
  code: number;
  message: string;
}): ToastRequest {
  const what = args.node === null ? args.labName : `${args.node} (${args.labName})`;
  return {
    key: `command:${args.server}:${args.labId}:${args.command}:${args.node ?? ""}`,
    severity: Severity.Error,
    title: `${commandVerbs[args.command]} ${what} failed`,
    body: args.code >= 0 ? `${args.message} (code ${args.code})` : args.message,
  };
}
