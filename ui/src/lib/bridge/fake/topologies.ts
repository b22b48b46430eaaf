// Topologies, bind files, collections, the schema, devices and new labs, answered as
// antimony-server answers them (server/src/http/topologies.rs, collections.rs, labs.rs):
// 404 code -1 for an unknown id, 403 for what PROTOCOL.md §3.7 does not allow, 400 code 3003
// for a definition that is not YAML ("… at line N column M") or does not match the bundled
// schema ("/pointer: message; …", checked with the app's own validator), 3001 for a name the
// collection has already, 4002 for a bind-file path the server refuses, 4001 for one the
// topology has already, 2001 for a collection name in use.
//
// A server's topologies are made from its labs the first time they are asked for (one per
// collection and name; labs of the same topology share it).

import { parseDocument } from "yaml";
import schemaJson from "../../../../../server/assets/clab.schema.json";
import type { BindFileOut, CollectionOut, DeviceConfig, LabOut, TopologyOut, UserOut } from "../../../bindings";
import { commands } from "../../../bindings/desktop";
import { validate } from "../../json-schema";
import { BridgeError } from "../error";
import type { Bridge } from "../types";
import { newId } from "./ids";
import { runCommand } from "./labs";
import { emit, type FakeRuntime, type FakeServer } from "./runtime";
import { ADMIN, ALICE, BOB } from "./seed";
import { topologyName } from "./topology";

const store = new WeakMap<FakeServer, TopologyOut[]>();

const DEVICES: DeviceConfig[] = [
  { kind: "nokia_srlinux", name: "Nokia SR Linux", interfacePattern: "e1-$", interfaceStart: 1 },
  { kind: "arista_ceos", name: "Arista cEOS", interfacePattern: "eth$", interfaceStart: 1 },
  { kind: "cisco_xrd", name: "Cisco XRd", interfacePattern: "Gi0-0-0-$", interfaceStart: 0 },
  { kind: "juniper_crpd", name: "Juniper cRPD", interfacePattern: "eth$", interfaceStart: 1 },
  { kind: "linux", name: "Linux", interfacePattern: "eth$", interfaceStart: 1 },
];

const notFound = () => new BridgeError("api", -1, "the specified uuid was not found");
const forbidden = (what: string) => new BridgeError("api", 403, what);

function topologiesOf(s: FakeServer): TopologyOut[] {
  let list = store.get(s);
  if (list !== undefined) return list;
  list = [];
  for (const lab of s.labs) {
    const name = topologyName(lab.topologyDefinition) ?? lab.name;
    const same = list.find((t) => t.collectionId === lab.collectionId && topologyName(t.definition) === name);
    if (same !== undefined) {
      lab.topologyId = same.id;
      continue;
    }
    list.push({ id: lab.topologyId, definition: lab.topologyDefinition, syncUrl: "", collectionId: lab.collectionId, creator: lab.creator, bindFiles: [], lastDeployFailed: false });
  }
  store.set(s, list);
  return list;
}

function me(s: FakeServer): { user: UserOut; admin: boolean } {
  const identity = s.view.identity;
  const user = [ADMIN, ALICE, BOB].find((u) => u.id === identity?.id) ?? { id: identity?.id ?? ADMIN.id, name: s.view.user ?? "Admin" };
  return { user, admin: identity?.isAdmin === true };
}

function collectionOf(s: FakeServer, id: string): CollectionOut {
  const c = s.collections.find((x) => x.id === id);
  if (c === undefined) throw notFound();
  return c;
}

function topologyOf(s: FakeServer, id: string): TopologyOut {
  const t = topologiesOf(s).find((x) => x.id === id);
  if (t === undefined) throw notFound();
  return t;
}

const invalid = (detail: string) => new BridgeError("api", 3003, `the topology provided were invalid: ${detail}`);

/** `TopologyValidator::check`: YAML, then the schema (five problems at most), then the name. */
export function checkDefinition(definition: string): string {
  const doc = parseDocument(definition, { prettyErrors: false });
  const error = doc.errors[0];
  if (error !== undefined) {
    const at = error.linePos?.[0];
    throw invalid(`not valid YAML: ${error.message.split("\n")[0] ?? ""}${at === undefined ? "" : ` at line ${String(at.line)} column ${String(at.col)}`}`);
  }
  const value: unknown = doc.toJS({ mapAsMap: true, maxAliasCount: 100 });
  const problems = validate(schemaJson, value, 5).map((p) => {
    const pointer = p.path.map((step) => `/${String(step).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
    return pointer === "" ? p.message : `${pointer}: ${p.message}`;
  });
  if (problems.length > 0) throw invalid(`does not match the containerlab schema: ${problems.join("; ")}`);
  const name = value instanceof Map ? (value as Map<unknown, unknown>).get("name") : undefined;
  if (typeof name !== "string") throw invalid("does not match the containerlab schema: `name` must be a string");
  return name;
}

function nameTaken(s: FakeServer, collectionId: string, name: string, except?: string): boolean {
  return topologiesOf(s).some((t) => t.id !== except && t.collectionId === collectionId && topologyName(t.definition) === name);
}

function canWrite(s: FakeServer, collection: CollectionOut): void {
  if (!me(s).admin && !collection.publicWrite) throw forbidden("write access to the provided collection is not granted");
}

function owned(s: FakeServer, topology: TopologyOut, what: string): void {
  const { user, admin } = me(s);
  if (!admin && topology.creator.id !== user.id) throw forbidden(`write access to the provided ${what} is not granted`);
}

/** `BindFilePath::parse` (server/src/files.rs). */
function checkPath(path: string): void {
  const segments = path.split("/");
  const bad =
    path === "" ||
    new TextEncoder().encode(path).length > 1024 ||
    /[\0\\]/.test(path) ||
    path.startsWith("/") ||
    path.endsWith("/") ||
    segments.some((x) => x === "" || x === "." || x === "..") ||
    path === "topology.clab.yaml";
  if (bad) throw new BridgeError("api", 4002, "the provided bind file path was invalid: it must be relative, stay inside the topology's directory and not be topology.clab.yaml");
}

function fileOf(topology: TopologyOut, fileId: string): BindFileOut {
  const file = topology.bindFiles.find((f) => f.id === fileId);
  if (file === undefined) throw notFound();
  return file;
}

type TopologyCommands =
  | "topologies"
  | "createTopology"
  | "updateTopology"
  | "deleteTopology"
  | "createBindFile"
  | "updateBindFile"
  | "deleteBindFile"
  | "createCollection"
  | "updateCollection"
  | "deleteCollection"
  | "clabSchema"
  | "devices"
  | "createLab";

export function topologyCommands(rt: FakeRuntime): Pick<Bridge, TopologyCommands> {
  const server = (name: string) => rt.loggedIn(name);
  return {
    topologies: (args) => rt.answer(commands.topologies, args, () => structuredClone(topologiesOf(server(args.server)))),

    createTopology: (args) =>
      rt.answer(commands.createTopology, args, () => {
        const s = server(args.server);
        const collection = collectionOf(s, args.topology.collectionId);
        canWrite(s, collection);
        const name = checkDefinition(args.topology.definition);
        if (nameTaken(s, collection.id, name)) throw new BridgeError("api", 3001, "a topology with that name already exists in that collection");
        const id = newId();
        topologiesOf(s).push({ id, definition: args.topology.definition, syncUrl: args.topology.syncUrl, collectionId: collection.id, creator: me(s).user, bindFiles: [], lastDeployFailed: false });
        return id;
      }),

    updateTopology: (args) =>
      rt.answer(commands.updateTopology, args, () => {
        const s = server(args.server);
        const topology = topologyOf(s, args.topologyId);
        const { user, admin } = me(s);
        const current = collectionOf(s, topology.collectionId);
        if (!admin && (topology.creator.id !== user.id || !current.publicWrite)) throw forbidden("write access to the provided topology is not granted");
        const target = args.topology.collectionId === undefined ? current : collectionOf(s, args.topology.collectionId);
        if (args.topology.collectionId !== undefined) canWrite(s, target);
        const definition = args.topology.definition ?? topology.definition;
        const name = checkDefinition(definition);
        if (nameTaken(s, target.id, name, topology.id)) throw new BridgeError("api", 3001, "a topology with that name already exists in that collection");
        topology.definition = definition;
        topology.collectionId = target.id;
        if (args.topology.syncUrl !== undefined) topology.syncUrl = args.topology.syncUrl;
        return null;
      }),

    deleteTopology: (args) =>
      rt.answer(commands.deleteTopology, args, () => {
        const s = server(args.server);
        const topology = topologyOf(s, args.topologyId);
        owned(s, topology, "topology");
        const list = topologiesOf(s);
        list.splice(list.indexOf(topology), 1);
        return null;
      }),

    createBindFile: (args) =>
      rt.answer(commands.createBindFile, args, () => {
        const s = server(args.server);
        const topology = topologyOf(s, args.topologyId);
        owned(s, topology, "file");
        checkPath(args.file.filePath);
        if (topology.bindFiles.some((f) => f.filePath === args.file.filePath)) throw new BridgeError("api", 4001, "a file with that path already exists for that topology");
        const id = newId();
        topology.bindFiles.push({ id, filePath: args.file.filePath, content: args.file.content, topologyId: topology.id });
        return id;
      }),

    updateBindFile: (args) =>
      rt.answer(commands.updateBindFile, args, () => {
        const s = server(args.server);
        const topology = topologiesOf(s).find((t) => t.bindFiles.some((f) => f.id === args.fileId));
        if (topology === undefined) throw notFound();
        owned(s, topology, "file");
        const file = fileOf(topology, args.fileId);
        const path = args.file.filePath;
        if (path !== undefined && path !== file.filePath) {
          checkPath(path);
          if (topology.bindFiles.some((f) => f.filePath === path)) throw new BridgeError("api", 4001, "a file with that path already exists for that topology");
          file.filePath = path;
        }
        if (args.file.content !== undefined) file.content = args.file.content;
        return null;
      }),

    deleteBindFile: (args) =>
      rt.answer(commands.deleteBindFile, args, () => {
        const s = server(args.server);
        const topology = topologiesOf(s).find((t) => t.bindFiles.some((f) => f.id === args.fileId));
        if (topology === undefined) throw notFound();
        owned(s, topology, "file");
        topology.bindFiles = topology.bindFiles.filter((f) => f.id !== args.fileId);
        return null;
      }),

    createCollection: (args) =>
      rt.answer(commands.createCollection, args, () => {
        const s = server(args.server);
        if (!me(s).admin) throw forbidden("permission to create collections is not granted");
        if (s.collections.some((c) => c.name === args.collection.name)) throw new BridgeError("api", 2001, "a collection with that name already exists");
        const id = newId();
        s.collections.push({ id, name: args.collection.name, publicWrite: args.collection.publicWrite, publicDeploy: args.collection.publicDeploy, creator: me(s).user });
        return id;
      }),

    updateCollection: (args) =>
      rt.answer(commands.updateCollection, args, () => {
        const s = server(args.server);
        const collection = collectionOf(s, args.collectionId);
        const { user, admin } = me(s);
        if (!admin && collection.creator.id !== user.id) throw forbidden("write access to the provided collection is not granted");
        const { name, publicWrite, publicDeploy } = args.collection;
        if (name !== undefined && name !== collection.name && s.collections.some((c) => c.name === name)) throw new BridgeError("api", 2001, "a collection with that name already exists");
        if (name !== undefined) collection.name = name;
        if (publicWrite !== undefined) collection.publicWrite = publicWrite;
        if (publicDeploy !== undefined) collection.publicDeploy = publicDeploy;
        return null;
      }),

    deleteCollection: (args) =>
      rt.answer(commands.deleteCollection, args, () => {
        const s = server(args.server);
        const collection = collectionOf(s, args.collectionId);
        const { user, admin } = me(s);
        if (!admin && collection.creator.id !== user.id) throw forbidden("write access to the provided collection is not granted");
        s.collections.splice(s.collections.indexOf(collection), 1);
        store.set(s, topologiesOf(s).filter((t) => t.collectionId !== collection.id));
        return null;
      }),

    clabSchema: (args) => rt.answer(commands.clabSchema, args, () => structuredClone(schemaJson) as unknown),
    devices: (args) => rt.answer(commands.devices, args, () => structuredClone(DEVICES)),

    createLab: async (args) => {
      const { s, lab } = await rt.answer(commands.createLab, args, () => {
        const s = server(args.server);
        const topology = topologyOf(s, args.lab.topologyId);
        const collection = collectionOf(s, topology.collectionId);
        if (!me(s).admin && !collection.publicDeploy) throw forbidden("deploy access to the provided collection is not granted");
        const lab: LabOut = {
          id: newId(),
          name: args.lab.name,
          startTime: args.lab.startTime,
          endTime: args.lab.endTime,
          topologyId: topology.id,
          collectionId: collection.id,
          creator: me(s).user,
          topologyDefinition: topology.definition,
        };
        s.labs.push(lab);
        emit(rt.handlers.labUpdate, { server: s.view.name, labId: lab.id });
        return { s, lab };
      });
      // The scheduler deploys a lab whose start has come.
      if (Date.parse(lab.startTime) <= Date.now()) rt.later(rt.stepMs, () => { void runCommand(rt, s, lab.id, "deploy", undefined).catch(() => undefined); });
      return lab.id;
    },
  };
}
