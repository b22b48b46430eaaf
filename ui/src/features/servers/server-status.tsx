// The current server's health in the top bar (`server-health`), its user with "Log out", and
// the banner shown while the session reconnects.

import { StatusDot } from "../../components/status-dot";
import { describeError } from "../../lib/bridge";
import { useStore } from "../../lib/store";
import { healthLabel } from "./health";
import { healthTone } from "./server-sidebar";
import { currentServer, healthOf, type Servers } from "./servers-store";

export function ServerStatus({ servers, onError }: { servers: Servers; onError: (message: string) => void }) {
  const state = useStore(servers.store, (s) => s);
  const server = currentServer(state);
  if (server === null) return null;
  const health = healthOf(state, server);
  const who = server.user ?? server.identity?.id ?? null;
  return (
    <div className="server-status">
      <span data-testid="server-health" data-state={health} data-server-name={server.name} title={server.origin}>
        <StatusDot tone={healthTone[health]} label={`${server.name}: ${healthLabel[health]}`} pulse={health === "reconnecting"} />
      </span>
      {server.loggedIn && (
        <>
          {who !== null && <span className="server-user" title={server.identity?.isAdmin === true ? "Administrator" : undefined}>{who}{server.identity?.isAdmin === true && who !== "admin" ? " (admin)" : ""}</span>}
          {/* The local server has no login to leave: the Rust side refuses to log out of it. */}
          {!server.local && (
            <button
              type="button"
              className="button button--small"
              data-testid="logout"
              onClick={() => {
                servers.logout(server.name).catch((e: unknown) => {
                  onError(describeError(e));
                });
              }}
            >
              Log out
            </button>
          )}
        </>
      )}
    </div>
  );
}

export function ReconnectBanner({ servers }: { servers: Servers }) {
  const state = useStore(servers.store, (s) => s);
  const server = currentServer(state);
  if (server === null || healthOf(state, server) !== "reconnecting") return null;
  const reason = state.connectionMessages[server.name] ?? null;
  return (
    <div className="banner" role="status" data-testid="reconnect-banner" title={reason ?? undefined}>
      {`Reconnecting to ${server.name}…`}
      {reason !== null && <span className="banner-reason">{reason}</span>}
    </div>
  );
}
