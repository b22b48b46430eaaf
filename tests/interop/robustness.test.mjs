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

test("large payloads, binary data and garbage get errors", async () => {
  const commands = await lab.connect("/lab-commands");
  // A command over 16 KiB is answered 5422 without being read (it would be 5404 for the id).
  const large = "x".repeat(100 * 1024);
  const reply = await commands.timeout(30_000).emitWithAck("data", JSON.stringify({ labId: large, command: 0 }));
  assert.equal(reply.code, 5422);
  assert.match(reply.message, /larger than 16384 bytes/);
  assert.ok(reply.message.length < 1000, "the error does not echo the payload");
  // A message over the 1 MiB engine limit closes that connection; the server goes on.
  const doomed = await lab.connect("/lab-commands");
  const closed = new Promise((resolve) => doomed.on("disconnect", resolve));
  doomed.emit("data", JSON.stringify({ labId: "x".repeat(10 * 1024 * 1024), command: 0 }));
  const reason = await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error("not closed")), 10_000))]);
  assert.equal(reason, "transport close");
  doomed.close();
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
