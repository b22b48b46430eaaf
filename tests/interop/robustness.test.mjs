// Inputs that crash or wedge the Go server: each gets a clear answer and the server goes on.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { Lab } from "./harness.mjs";

let lab;
before(async () => {
  lab = await Lab.start();
});
after(async () => {
  await lab?.stop();
});

async function stillServing() {
  const reply = await lab.command("0c6d1f8a-2b7d-11f0-9a3e-0242ac120002", 0);
  assert.equal(reply.code, 5005);
  assert.ok(Array.isArray(await lab.rest("GET", "/labs?limit=10&offset=0")));
}

test("emitting on output-only namespaces is refused with 5422", async () => {
  for (const namespace of ["/status-messages", "/lab-updates", "/shell-commands"]) {
    const socket = await lab.connect(namespace);
    socket.emit("data", JSON.stringify({ labId: "x", command: 0 }));
    socket.emit("data");
    const reply = await socket.timeout(5000).emitWithAck("data", "{}");
    assert.equal(reply.code, 5422, namespace);
    assert.equal((await socket.timeout(5000).emitWithAck("other-event", 1, 2, 3)).code, 5422);
  }
  await stillServing();
});

test("a 10 MB payload, binary data and garbage get errors", async () => {
  const commands = await lab.connect("/lab-commands");
  const big = "x".repeat(10 * 1024 * 1024);
  const reply = await commands.timeout(30_000).emitWithAck("data", JSON.stringify({ labId: big, command: 0 }));
  assert.equal(reply.code, 5404);
  assert.ok(reply.message.length < 1000, "the error does not echo the payload");
  assert.equal((await commands.timeout(10_000).emitWithAck("data", Buffer.from([1, 2, 3]))).code, 5422);
  assert.equal((await commands.timeout(10_000).emitWithAck("data", "\u0000\uffff")).code, 5422);
  await stillServing();
});

test("many sockets connecting and dropping leave the server serving", async () => {
  const sockets = await Promise.all(Array.from({ length: 50 }, () => lab.connect("/lab-updates")));
  for (const s of sockets) s.close();
  const refused = await Promise.all(Array.from({ length: 20 }, () => lab.refusal("/logs/0c6d1f8a-2b7d-11f0-9a3e-0242ac120002")));
  assert.deepEqual(new Set(refused), new Set(["Invalid namespace"]));
  await stillServing();
});
