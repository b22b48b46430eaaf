// The whole app against a fake bridge, for the app-level tests.

import { render, screen } from "@testing-library/react";
import { createFakeGraphEngines, FakeGraphs, type FakeGraphEngines } from "../components/graph/fake-engine.test-util";
import { createFakeEngines, FakeTerminals, type FakeEngines } from "../components/terminal/fake-engine.test-util";
import type { FakeBridge, FakeBridgeOptions } from "../lib/bridge/fake";
import { testBridge } from "../lib/bridge/fake.test-util";
import { App } from "./app";

/**
 * Renders the app on a new fake bridge (disposed after the test) once its labs are listed;
 * terminals get recording engines (`engines`), never xterm, and graphs too (`graphs`), never
 * cytoscape.
 */
export async function startApp(
  options: FakeBridgeOptions = {},
  engines: FakeEngines = createFakeEngines(),
  graphs: FakeGraphEngines = createFakeGraphEngines(),
): Promise<FakeBridge> {
  const fake = testBridge(options);
  render(
    <FakeGraphs engines={graphs}>
      <FakeTerminals engines={engines}>
        <App bridge={fake} storage={null} />
      </FakeTerminals>
    </FakeGraphs>,
  );
  await screen.findByText("Spine Leaf");
  return fake;
}
