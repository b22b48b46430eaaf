// The whole app against a fake bridge, for the app-level tests.

import { render, screen } from "@testing-library/react";
import type { FakeBridge, FakeBridgeOptions } from "../lib/bridge/fake";
import { testBridge } from "../lib/bridge/fake.test-util";
import { App } from "./app";

/** Renders the app on a new fake bridge (disposed after the test) once its labs are listed. */
export async function startApp(options: FakeBridgeOptions = {}): Promise<FakeBridge> {
  const fake = testBridge(options);
  render(<App bridge={fake} storage={null} />);
  await screen.findByText("Spine Leaf");
  return fake;
}
