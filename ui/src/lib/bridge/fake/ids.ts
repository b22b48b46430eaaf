// Ids and times for the fake's labs, nodes, collections and status messages: UUID-shaped and
// container-id-shaped, unique within the page (one counter for every fake bridge).

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0").slice(-width);
}

let idCounter = 0;

/** A fresh UUID-shaped id. */
export function newId(): string {
  idCounter += 1;
  const t = Date.now();
  return `${hex(t, 8)}-${hex(idCounter, 4)}-4${hex(t >> 8, 3)}-a${hex(idCounter * 7, 3)}-${hex(t * 31 + idCounter, 12)}`;
}

/** A fresh 12-digit Docker container id. */
export function containerId(): string {
  idCounter += 1;
  return hex(Date.now() * 1000 + idCounter * 2654435761, 12);
}

/** Now plus `offsetMs`, as an ISO 8601 string. */
export function iso(offsetMs: number): string {
  return new Date(Date.now() + offsetMs).toISOString();
}

export const HOUR = 3_600_000;
