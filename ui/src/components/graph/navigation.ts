// Moving between a graph's nodes with the arrow keys: to the nearest node in that direction.

import type { Positions } from "./model";

export type Direction = "left" | "right" | "up" | "down";

export const arrowDirections: Readonly<Record<string, Direction>> = {
  ArrowLeft: "left",
  ArrowRight: "right",
  ArrowUp: "up",
  ArrowDown: "down",
};

/**
 * The node nearest to `from` in `direction` (distance along it, plus twice the distance across
 * it, so a node straight ahead wins over a closer one off to the side), or `null` when none is
 * that way.
 */
export function nearestInDirection(positions: Positions, from: string, direction: Direction): string | null {
  const origin = positions[from];
  if (origin === undefined) return null;
  let best: string | null = null;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const [id, p] of Object.entries(positions)) {
    if (id === from) continue;
    const dx = p.x - origin.x;
    const dy = p.y - origin.y;
    const along = direction === "left" ? -dx : direction === "right" ? dx : direction === "up" ? -dy : dy;
    const across = direction === "left" || direction === "right" ? Math.abs(dy) : Math.abs(dx);
    // Ahead, and within 60° either side of the direction (ties across the axis go to both).
    if (along <= 0 || across > along * 1.8) continue;
    const score = along + 2 * across;
    if (score < bestScore || (score === bestScore && best !== null && id < best)) {
      best = id;
      bestScore = score;
    }
  }
  return best;
}
