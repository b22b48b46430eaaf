// A server's health, derived from the per-namespace connection events of its session.

import { namespace } from "../../bindings";
import type { ConnectionState } from "../../lib/bridge";

/** The `data-state` values of `server-health`. */
export type ServerHealth = "connected" | "reconnecting" | "loginNeeded" | "offline";

/** The namespaces whose connections make a session usable. */
export const SESSION_NAMESPACES = [namespace.STATUS_MESSAGES, namespace.LAB_UPDATES, namespace.LAB_COMMANDS] as const;

/**
 * - `loginNeeded`: not logged in, or any namespace said a login is needed;
 * - `connected`: the three session namespaces are connected;
 * - `reconnecting`: one of them is in trouble or was refused;
 * - `offline`: logged in, but the session is not up yet (nothing heard, nothing failing).
 */
export function deriveHealth(states: Readonly<Record<string, ConnectionState>> | undefined, loggedIn: boolean): ServerHealth {
  const all = states ?? {};
  if (!loggedIn || Object.values(all).includes("loginNeeded")) return "loginNeeded";
  const session = SESSION_NAMESPACES.map((ns) => all[ns]);
  if (session.every((s) => s === "connected")) return "connected";
  if (session.some((s) => s === "trouble" || s === "refused")) return "reconnecting";
  return "offline";
}

export const healthLabel: Record<ServerHealth, string> = {
  connected: "Connected",
  reconnecting: "Reconnecting…",
  loginNeeded: "Login needed",
  offline: "Connecting…",
};
