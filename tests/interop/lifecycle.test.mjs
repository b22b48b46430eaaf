// The full lab cycle through the real socket.io-client: deploy, logs, stop and start a node,
// destroy; with the status messages and lab updates that go with it.
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

const Deploy = 0, Destroy = 1, StartNode = 2, StopNode = 3;

test("deploy, watch logs, stop and start a node, destroy", async () => {
  const labId = await lab.createLab();
  const status = await lab.subscribe("/status-messages");
  const updates = await lab.subscribe("/lab-updates");

  assert.equal(await lab.refusal(`/logs/${labId}`), "Invalid namespace", "no log namespace before the first deploy");

  assert.deepEqual(await lab.command(labId, Deploy), { payload: null });
  const deployed = await lab.rest("GET", `/labs/${labId}`);
  assert.equal(deployed.instance.state, 1, "running");
  assert.match(deployed.instanceName, /^spine-leaf-\d{13}$/);
  const nodes = deployed.instance.nodes;
  assert.deepEqual(nodes.map((n) => n.name), ["leaf-1", "srl1"], "node names keep their dashes");
  for (const node of nodes) {
    assert.equal(node.state, "running");
    assert.equal(node.containerId.length, 12);
    assert.equal(node.containerName, `clab-${deployed.instanceName}-${node.name}`);
    assert.equal(node.containnerName, node.containerName);
    assert.equal(node.canRestart, true);
  }

  const messages = () => status.data.map((m) => `${m.payload.severity} ${m.payload.content}`);
  await until(() => messages().includes("0 Successfully deployed 'Spine Leaf' (spine-leaf)"), 5000, "the success message");
  assert.ok(messages().includes("1 Deploying lab 'Spine Leaf' (spine-leaf)"), messages().join("\n"));
  assert.equal(status.data[0].payload.source, "Lab Manager");
  await until(() => updates.data.some((u) => u.payload.labId === labId), 5000, "a lab update");

  // The lab log: its backlog holds containerlab's output and the status lines.
  const labLog = await lab.subscribe(`/logs/${labId}`);
  await until(() => labLog.backlog, 5000, "the lab log backlog");
  const backlog = labLog.backlog.join("\n");
  assert.match(backlog, /INFO Creating container name=srl1/);
  assert.match(backlog, /ANTIMONY Deploying lab/);
  assert.match(backlog, /clab-spine-leaf-\d+-leaf-1/, "containerlab's stdout summary");

  // A node log, by container id.
  const leaf = nodes.find((n) => n.name === "leaf-1");
  const nodeLog = await lab.subscribe(`/logs/${labId}/${leaf.containerId}`);
  await until(() => nodeLog.backlog?.length >= 2, 5000, "the node log backlog");
  assert.deepEqual(nodeLog.backlog.slice(0, 2), [`${leaf.containerName} booting`, `${leaf.containerName} ready`]);
  assert.equal(await lab.refusal(`/logs/${labId}/000000000000`), "Invalid namespace", "a container of no instance");

  // Stop the node: its state changes and its log shows the shutdown.
  assert.deepEqual(await lab.command(labId, StopNode, { node: "leaf-1" }), { payload: null });
  let current = await lab.rest("GET", `/labs/${labId}`);
  assert.equal(current.instance.nodes.find((n) => n.name === "leaf-1").state, "exited");
  await until(() => nodeLog.data.some((l) => l.includes("SIGTERM")), 5000, "the shutdown line");
  assert.ok(messages().includes("0 Node leaf-1 is stopping"));
  assert.deepEqual(await lab.command(labId, StopNode, { node: "leaf-1" }), { code: 5000, message: "node is already stopped" });

  assert.deepEqual(await lab.command(labId, StartNode, { node: "leaf-1" }), { payload: null });
  current = await lab.rest("GET", `/labs/${labId}`);
  assert.equal(current.instance.nodes.find((n) => n.name === "leaf-1").state, "running");
  assert.deepEqual(await lab.command(labId, StartNode, { node: "leaf-1" }), { code: 5000, message: "node is already running" });
  // What the container printed while it was down and starting is in its log, once.
  await until(() => nodeLog.data.filter((l) => l.endsWith(" ready")).length >= 1, 10_000, "the restart lines");
  await new Promise((r) => setTimeout(r, 500));
  assert.deepEqual([...nodeLog.backlog, ...nodeLog.data], [
    `${leaf.containerName} booting`,
    `${leaf.containerName} ready`,
    `${leaf.containerName} received SIGTERM, shutting down`,
    `${leaf.containerName} booting`,
    `${leaf.containerName} ready`,
  ]);

  // Destroy: the instance goes, the log namespaces close, and stay closed.
  assert.deepEqual(await lab.command(labId, Destroy), { payload: null });
  await until(() => labLog.disconnected && nodeLog.disconnected, 5000, "the log namespaces to close");
  current = await lab.rest("GET", `/labs/${labId}`);
  assert.equal(current.instance, undefined);
  assert.ok(current.instanceName, "the instance name is kept");
  await until(() => messages().includes("0 Successfully destroyed lab Spine Leaf"), 5000, "the destroy message");
  assert.ok(messages().includes("1 Destroying lab Spine Leaf (spine-leaf)"));
  assert.equal(await lab.refusal(`/logs/${labId}`), "Invalid namespace");
  assert.deepEqual(await lab.command(labId, Destroy), { code: 5003, message: "the specified lab is not running" });
});
