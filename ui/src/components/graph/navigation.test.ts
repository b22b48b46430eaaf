import { describe, expect, it } from "vitest";
import { nearestInDirection } from "./navigation";

//      top
// left  c  right   far-right
//     bottom
const positions = {
  c: { x: 0, y: 0 },
  top: { x: 10, y: -100 },
  bottom: { x: -5, y: 80 },
  left: { x: -120, y: 20 },
  right: { x: 90, y: -30 },
  "far-right": { x: 400, y: 0 },
};

describe("nearestInDirection", () => {
  it("moves to the nearest node that way", () => {
    expect(nearestInDirection(positions, "c", "up")).toBe("top");
    expect(nearestInDirection(positions, "c", "down")).toBe("bottom");
    expect(nearestInDirection(positions, "c", "left")).toBe("left");
    expect(nearestInDirection(positions, "c", "right")).toBe("right");
    expect(nearestInDirection(positions, "right", "right")).toBe("far-right");
  });

  it("stays put when nothing is that way, or the node is unknown", () => {
    expect(nearestInDirection(positions, "far-right", "right")).toBeNull();
    expect(nearestInDirection(positions, "nowhere", "left")).toBeNull();
    expect(nearestInDirection({ a: { x: 0, y: 0 } }, "a", "up")).toBeNull();
  });

  it("prefers a node straight ahead over a closer one far off to the side", () => {
    const p = { a: { x: 0, y: 0 }, side: { x: 50, y: 60 }, ahead: { x: 120, y: 0 } };
    expect(nearestInDirection(p, "a", "right")).toBe("ahead");
  });
});
