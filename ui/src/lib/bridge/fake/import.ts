// `check_topology` and `import_topology`: a file is checked (extension, size) and named by
// antimony-client's rules (see `./topology`), then imported as a topology and an unscheduled lab
// in the collection "local" (made if missing), then, with `deploy`, the Deploy command once the
// call has answered, as the app does.

import type { LabOut } from "../../../bindings";
import { commands, type ImportedLab, type TopologyCheck } from "../../../bindings/desktop";
import { BridgeError } from "../error";
import type { Bridge } from "../types";
import { HOUR, newId } from "./ids";
import { runCommand } from "./labs";
import { emit, type FakeRuntime, type FakeServer } from "./runtime";
import { ADMIN, ALICE, BOB, collection } from "./seed";
import { baseName, isTopologyFile, MAX_TOPOLOGY_BYTES, topologyName } from "./topology";

/**
 * `TopologyFile::new` of antimony-client's `import` module (the source of truth; the app runs
 * it): the lab name of a file that can be imported; rejects `io` with the Rust messages.
 */
function checkFile(fileName: string, definition: string): TopologyCheck {
  if (!isTopologyFile(fileName)) {
    throw new BridgeError("io", -1, `${fileName} is not a containerlab file (.clab.yml or .clab.yaml)`);
  }
  if (new TextEncoder().encode(definition).length > MAX_TOPOLOGY_BYTES) {
    throw new BridgeError("io", -1, `${fileName} is bigger than 1 MiB`);
  }
  return { labName: topologyName(definition) ?? baseName(fileName) };
}

/** `import_topology` without the deploy: a topology and an unscheduled lab in "local". */
function importLab(
  rt: FakeRuntime,
  args: { server: string; fileName: string; definition: string; deploy: boolean },
): { s: FakeServer; lab: LabOut; imported: ImportedLab } {
  const { labName } = checkFile(args.fileName, args.definition);
  const s = rt.loggedIn(args.server);
  // The server's validation, roughly: containerlab needs a name and a topology.
  if (topologyName(args.definition) === undefined || !/^topology:/m.test(args.definition)) {
    throw new BridgeError("api", 3003, `${args.fileName} is not a valid containerlab topology: it needs a top-level "name" and "topology"`);
  }
  const identity = s.view.identity;
  const creator = [ADMIN, ALICE, BOB].find((u) => u.id === identity?.id) ?? { id: identity?.id ?? ADMIN.id, name: s.view.user ?? "Admin" };
  let local = s.collections.find((c) => c.name === "local");
  if (local === undefined) {
    local = collection("local", creator);
    s.collections.push(local);
  }
  // Like the antimony client's import: an unscheduled lab starts far ahead (2099), one about
  // to be deployed a minute ahead (the Deploy command takes it off the server's queue); both
  // may run a week.
  const start = args.deploy ? Date.now() + 60_000 : Date.UTC(2099, 0, 1);
  const lab: LabOut = {
    id: newId(),
    name: labName,
    startTime: new Date(start).toISOString(),
    endTime: new Date(start + 168 * HOUR).toISOString(),
    topologyId: newId(),
    collectionId: local.id,
    creator,
    topologyDefinition: args.definition,
  };
  s.labs.push(lab);
  emit(rt.handlers.labUpdate, { server: s.view.name, labId: lab.id });
  return { s, lab, imported: { labId: lab.id, labName: lab.name, collection: local.name } };
}

export function importCommands(rt: FakeRuntime): Pick<Bridge, "checkTopology" | "importTopology"> {
  return {
    checkTopology: (args) => rt.answer(commands.checkTopology, args, () => checkFile(args.fileName, args.definition)),

    importTopology: async (args) => {
      const { s, lab, imported } = await rt.answer(commands.importTopology, args, () => importLab(rt, args));
      // Like the app: the deploy starts after the import answers; its outcome is a
      // command-result event (and a toast), as for any deploy.
      if (args.deploy) void runCommand(rt, s, lab.id, "deploy", undefined).catch(() => undefined);
      return imported;
    },
  };
}
