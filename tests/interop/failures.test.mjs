// containerlab failing, a slow deploy cancelled by destroy, a trimmed backlog, and recovery
// after the server is killed: each with its own server and fake containerlab settings.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Lab, until } from "./harness.mjs";

const Deploy = 0, Destroy = 1;

test("a failing deploy answers 5001, marks the lab failed and says why", async () => {
  const lab = await Lab.start({ env: { FAKE_CLAB_FAIL: "deploy" } });
  try {
    const labId = await lab.createLab("Broken");
    const status = await lab.subscribe("/status-messages");
    const reply = await lab.command(labId, Deploy);
    assert.equal(reply.code, 5001);
    assert.match(reply.message, /containerlab deploy failed/);
    const failed = await lab.rest("GET", `/labs/${labId}`);
    assert.equal(failed.instance.state, 3);
    await until(() => status.data.some((m) => m.payload.severity === 3 && m.payload.content === "Failed to deploy lab 'Broken' (broken)"), 5000, "the error message");
    const topologies = await lab.rest("GET", "/topologies");
    assert.equal(topologies[0].lastDeployFailed, true);
    const log = await lab.subscribe(`/logs/${labId}`);
    await until(() => log.backlog, 5000, "the backlog");
    assert.ok(log.backlog.some((l) => l.includes("pull access denied")), "containerlab's error output is in the lab log");
    // A failed lab may be deleted.
    await lab.rest("DELETE", `/labs/${labId}`);
  } finally {
    await lab.stop();
  }
});

test("a missing containerlab is a clear error and the server keeps running", async () => {
  const lab = await Lab.start({ env: { PATH: "/usr/bin:/bin" } });
  try {
    const labId = await lab.createLab("Nowhere");
    const reply = await lab.command(labId, Deploy);
    assert.equal(reply.code, 5001);
    assert.match(reply.message, /containerlab is not available/);
    assert.equal((await lab.rest("GET", `/labs/${labId}`)).instance.state, 3);
  } finally {
    await lab.stop();
  }
});

test("destroy cancels a slow deploy", async () => {
  const lab = await Lab.start({ env: { FAKE_CLAB_DELAY_MS: "200", FAKE_CLAB_LINES: "100" } });
  try {
    const labId = await lab.createLab("Slow");
    const status = await lab.subscribe("/status-messages");
    const deploying = lab.command(labId, Deploy);
    await until(async () => (await lab.rest("GET", `/labs/${labId}`)).instance?.state === 0, 10_000, "deploying");
    await assert.rejects(lab.rest("DELETE", `/labs/${labId}`), /500 .*modifications to a running lab are not allowed/, "no DELETE while deploying");
    const destroyer = await lab.connect("/lab-commands");
    const destroyed = lab.command(labId, Destroy, {}, destroyer);
    const deployReply = await deploying;
    assert.equal(deployReply.code, 5001);
    assert.match(deployReply.message, /cancelled/);
    assert.deepEqual(await destroyed, { payload: null });
    assert.ok(status.data.some((m) => m.payload.content === "Cancelling deployment of lab 'Slow' (slow)"));
    assert.equal((await lab.rest("GET", `/labs/${labId}`)).instance, undefined);
  } finally {
    await lab.stop();
  }
});

test("a trimmed backlog starts with a marker line", async () => {
  const lab = await Lab.start({ env: { FAKE_CLAB_LINES: "300" }, config: "streaming:\n  clabLogBacklog: 50\n" });
  try {
    const labId = await lab.createLab("Chatty");
    assert.deepEqual(await lab.command(labId, Deploy), { payload: null });
    const log = await lab.subscribe(`/logs/${labId}`);
    await until(() => log.backlog, 5000, "the backlog");
    assert.equal(log.backlog.length, 51);
    assert.match(log.backlog[0], /^\[antimony\] \d+ earlier lines of this log were trimmed/);
  } finally {
    await lab.stop();
  }
});

test("labs come back running and recovered after the server is killed", async () => {
  const lab = await Lab.start();
  try {
    const labId = await lab.createLab("Survivor");
    assert.deepEqual(await lab.command(labId, Deploy), { payload: null });
    const before = await lab.rest("GET", `/labs/${labId}`);
    await lab.crashAndRestart();
    const after = await until(async () => {
      const current = await lab.rest("GET", `/labs/${labId}`);
      return current.instance ? current : null;
    }, 10_000, "the recovered instance");
    assert.equal(after.instance.state, 1);
    assert.equal(after.instance.recovered, true);
    assert.deepEqual(after.instance.nodes.map((n) => n.containerId), before.instance.nodes.map((n) => n.containerId));
    const leaf = after.instance.nodes.find((n) => n.name === "leaf-1");
    const nodeLog = await lab.subscribe(`/logs/${labId}/${leaf.containerId}`);
    await until(() => nodeLog.backlog?.length >= 2, 5000, "the node log");
    assert.equal(nodeLog.backlog[0], `${leaf.containerName} booting`, "node logs resume from the start");
    const labLog = await lab.subscribe(`/logs/${labId}`);
    await until(() => labLog.backlog, 5000, "the lab log");
    assert.deepEqual(labLog.backlog, [], "a recovered lab's log starts empty");
    assert.deepEqual(await lab.command(labId, Destroy), { payload: null });
  } finally {
    await lab.stop();
  }
});

test("the scheduler deploys at the start time and destroys at the end time", async () => {
  const lab = await Lab.start();
  try {
    await lab.createLab("Placeholder");
    const topologies = await lab.rest("GET", "/topologies");
    const start = new Date(Date.now() + 500).toISOString();
    const end = new Date(Date.now() + 3000).toISOString();
    const labId = await lab.rest("POST", "/labs", { name: "Timed", startTime: start, endTime: end, topologyId: topologies[0].id });
    await until(async () => (await lab.rest("GET", `/labs/${labId}`)).instance?.state === 1, 10_000, "the scheduled deployment");
    await until(async () => !(await lab.rest("GET", `/labs/${labId}`)).instance, 15_000, "the scheduled destruction");
  } finally {
    await lab.stop();
  }
});
