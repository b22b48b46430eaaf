// /lab-commands: error codes, ordering, one deploy at a time, and the connect_error texts.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Lab, until } from "./harness.mjs";

let lab;
before(async () => {
  lab = await Lab.start();
});
after(async () => {
  await lab?.stop();
});

const Deploy = 0, Destroy = 1, StartNode = 2, StopNode = 3, RestartNode = 4, FetchShells = 5, OpenShell = 6, CloseShell = 7;

test("connect_error texts of PROTOCOL.md §3.5", async () => {
  assert.equal(await lab.refusal("/status-messages", { auth: {} }), "Unauthorized");
  assert.equal(await lab.refusal("/lab-updates", { auth: { token: 5 } }), "Unauthorized");
  assert.equal(await lab.refusal("/lab-commands", { auth: { token: "garbage" } }), "Invalid Token");
  assert.equal(await lab.refusal("/no-such-namespace"), "Invalid namespace");
  assert.equal(await lab.refusal("/logs/not-a-uuid"), "Invalid namespace");
  assert.equal(await lab.refusal("/logs/0c6d1f8a-2b7d-11f0-9a3e-0242ac120002"), "Invalid namespace", "unknown lab");
  assert.equal(await lab.refusal("/shell-commands"), null, "the web UI connects to /shell-commands at start-up");
});

test("error codes for bad ids, commands and nodes", async () => {
  const labId = await lab.createLab("Errors");
  const error = (code) => (reply) => reply.code === code;
  assert.ok(error(5404)(await lab.command("not-a-uuid", Deploy)), "malformed id");
  assert.ok(error(5404)(await lab.command("00000000-0000-0000-0000-00000000000", Deploy)), "the admin's 35-character id is no lab id");
  assert.deepEqual(await lab.command("0c6d1f8a-2b7d-11f0-9a3e-0242ac120002", Deploy), { code: 5005, message: "the specified uuid was not found" });
  assert.deepEqual(await lab.command(labId, 9), { code: 5000, message: "the provided lab command was invalid" });
  assert.deepEqual(await lab.command(labId, Destroy), { code: 5003, message: "the specified lab is not running" });
  assert.equal((await lab.command(labId, StopNode)).code, 5006, "a node command without node");
  assert.equal((await lab.command(labId, StartNode, { node: "srl1" })).code, 5003, "no instance yet");
  // Shell commands on a lab that is not deployed (shells.test.mjs has the rest).
  assert.deepEqual(await lab.command(labId, FetchShells), { payload: null });
  assert.equal((await lab.command(labId, OpenShell, { node: "srl1" })).code, 5003);
  assert.equal((await lab.command(labId, CloseShell, { shellId: "x" })).code, 5007);
  for (const shell of [FetchShells, OpenShell, CloseShell]) {
    assert.equal((await lab.command("not-a-uuid", shell, { node: "srl1", shellId: "x" })).code, 5404);
  }
  assert.deepEqual(await lab.command(labId, Deploy), { payload: null });
  assert.deepEqual(await lab.command(labId, RestartNode, { node: "nope" }), { code: 5006, message: "the specified node was not found" });
  assert.deepEqual(await lab.command(labId, RestartNode, { node: "srl1" }), { payload: null });

  // Garbage and wrong types answer 5422; objects are accepted as an extension.
  const commands = await lab.connect("/lab-commands");
  const raw = (arg) => commands.timeout(10_000).emitWithAck("data", arg);
  assert.equal((await raw("{not json")).code, 5422);
  assert.equal((await raw(JSON.stringify({ labId, command: "0" }))).code, 5422);
  assert.equal((await raw(JSON.stringify({ command: 0 }))).code, 5422);
  assert.equal((await raw(42)).code, 5422);
  assert.equal((await raw([labId, 0])).code, 5422);
  assert.deepEqual(await raw({ labId: "0c6d1f8a-2b7d-11f0-9a3e-0242ac120002", command: Deploy }), { code: 5005, message: "the specified uuid was not found" });
  assert.equal((await commands.timeout(10_000).emitWithAck("data")).code, 5422, "no argument at all");
  assert.equal((await commands.timeout(10_000).emitWithAck("other-event", "x")).code, 5422, "unknown events are refused");
  assert.deepEqual(await lab.command(labId, Destroy), { payload: null });
});

test("commands from one socket run in the order they arrived", async () => {
  const labId = await lab.createLab("Ordered");
  const commands = await lab.connect("/lab-commands");
  const send = (command, extra = {}) => commands.timeout(60_000).emitWithAck("data", JSON.stringify({ labId, command, ...extra }));
  // Sent back to back, without waiting: each only works after the one before it.
  const replies = await Promise.all([
    send(Deploy),
    send(StopNode, { node: "leaf-1" }),
    send(StartNode, { node: "leaf-1" }),
    send(StopNode, { node: "srl1" }),
    send(Destroy),
  ]);
  assert.deepEqual(replies, Array(5).fill({ payload: null }));
});

test("concurrent deploys of one lab run one deploy and answer 5002 to the others", async () => {
  const labId = await lab.createLab("Busy");
  const status = await lab.subscribe("/status-messages");
  const sockets = await Promise.all([1, 2, 3, 4, 5].map(() => lab.connect("/lab-commands")));
  const replies = await Promise.all(sockets.map((s) => lab.command(labId, Deploy, {}, s)));
  const codes = replies.map((r) => r.code ?? "ok").sort();
  assert.deepEqual(codes, [5002, 5002, 5002, 5002, "ok"]);
  await until(() => status.data.some((m) => m.payload.content.includes("already being deployed")), 5000, "the refusal message");
  const deployed = await lab.rest("GET", `/labs/${labId}`);
  assert.equal(deployed.instance.state, 1);
  assert.deepEqual(await lab.command(labId, Destroy), { payload: null });
});

test("a command sent without an ack runs, and the server keeps serving", async () => {
  const labId = await lab.createLab("No Ack");
  const commands = await lab.connect("/lab-commands");
  commands.emit("data", JSON.stringify({ labId, command: Deploy }));
  await until(async () => (await lab.rest("GET", `/labs/${labId}`)).instance?.state === 1, 10_000, "the deployment");
  assert.deepEqual(await lab.command(labId, Destroy), { payload: null });
});
