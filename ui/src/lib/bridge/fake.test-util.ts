// Fake bridges for tests: without delays or chatter unless asked, each disposed (its timers
// stopped) after the test that made it.

import { afterEach } from "vitest";
import { createFakeBridge, type FakeBridge, type FakeBridgeOptions } from "./fake";

const made: FakeBridge[] = [];

afterEach(() => {
  for (const fake of made.splice(0)) fake.dispose();
});

/** A fake bridge that answers at once (`options` override), disposed after this test. */
export function testBridge(options: FakeBridgeOptions = {}): FakeBridge {
  const fake = createFakeBridge({ latencyMs: 0, stepMs: 0, chatterMs: 0, ...options });
  made.push(fake);
  return fake;
}
