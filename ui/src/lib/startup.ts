// The moment the app became usable: the current server connected and its labs listed. It is
// a performance mark (`performance.getEntriesByName(DASHBOARD_READY)`), read by
// bench/desktop-footprint to measure the cold start; marked once per page.

export const DASHBOARD_READY = "antimony:dashboard-ready";

/** Marks the dashboard ready, the first time only. */
export function markDashboardReady(): void {
  if (typeof performance === "undefined" || typeof performance.mark !== "function") return;
  if (performance.getEntriesByName(DASHBOARD_READY).length > 0) return;
  performance.mark(DASHBOARD_READY);
}
