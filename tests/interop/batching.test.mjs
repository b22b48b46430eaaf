// Batched log lines (antimony-server's extension, asked for with `auth.logBatch: true`):
// socket.io-client without the flag gets one `data` event per line, as the official web UI
// expects; with it, `lines` arrays, in order, nothing lost or repeated, across a reconnect in
// the middle of a flood and a backlog trimmed while away.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import test from "node:test";
import { Lab, until } from "./harness.mjs";

const Deploy = 0;
const LINES = 20_000;

/** The flood's line numbers, from `… INFO line <n> t=…`, in the order received. */
function numbers(lines) {
  return lines.flatMap((l) => {
    const m = / line (\d+) t=/.exec(l);
    return m ? [Number(m[1])] : [];
  });
}

/** A flooding lab whose fake containerlab waits for the gate file before writing. */
async function floodingLab(backlog) {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? "/tmp", "antimony-batch-"));
  const gate = path.join(dir, "go");
  const lab = await Lab.start({
    env: { FAKE_CLAB_LINES: String(LINES), FAKE_CLAB_GATE: gate, FAKE_CLAB_RATE: "40000" },
    config: `streaming:\n  clabLogBacklog: ${backlog}\n`,
  });
  const labId = await lab.createLab("Flood");
  const deployed = lab.command(labId, Deploy);
  await until(async () => (await lab.rest("GET", `/labs/${labId}`)).instance, 10_000, "an instance");
  return { lab, labId, open: () => fs.writeFileSync(gate, ""), deployed, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

test("without the flag every line is its own data event; with it, lines arrays in order", async () => {
  const { lab, labId, open, deployed, cleanup } = await floodingLab(2 * LINES);
  try {
    const plain = await lab.subscribe(`/logs/${labId}`);
    const batched = await lab.subscribe(`/logs/${labId}`, { auth: { token: lab.token, logBatch: true } });
    const arrays = [];
    batched.socket.on("lines", (lines) => arrays.push(lines));
    await until(() => plain.backlog && batched.backlog, 5000, "the backlogs");
    open();
    assert.deepEqual(await deployed, { payload: null });
    // Both have it all once each holds the deploy's last status line (batches may trail a
    // little: a few lines wait up to 2 ms for company).
    const done = (lines) => lines.some((l) => l.includes("Successfully deployed lab"));
    await until(() => done(plain.data) && done(arrays.flat()), 60_000, "the flood and the deploy's end");
    assert.ok(plain.data.every((l) => typeof l === "string"), "data events carry one line each");
    const flood = numbers(plain.data);
    assert.ok(flood.every((n, i) => i === 0 || n === flood[i - 1] + 1), "consecutive lines");
    assert.equal(batched.data.length, 0, "a client that asked gets no single-line data events");
    assert.ok(arrays.every((a) => Array.isArray(a) && a.length > 0 && a.length <= 256 && a.every((l) => typeof l === "string")));
    assert.ok(arrays.length < LINES / 4, `batches formed (${arrays.length} events for ${LINES} lines)`);
    // The same lines in the same order both ways.
    assert.deepEqual(arrays.flat(), plain.data);
  } finally {
    await lab.stop();
    cleanup();
  }
});

test("a reconnect mid-flood and a trimmed backlog lose nothing and repeat nothing", async () => {
  const keep = 5000;
  const { lab, labId, open, deployed, cleanup } = await floodingLab(keep);
  try {
    // Everything seen, as the Rust client reconciles it: the backlog's marker says how many
    // lines were trimmed; lines already seen are skipped by position.
    const seen = [];
    let missed = 0;
    const take = (backlog) => {
      let trimmed = 0;
      let lines = backlog;
      const marker = /^\[antimony\] (\d+) earlier line/.exec(lines[0] ?? "");
      if (marker) {
        trimmed = Number(marker[1]);
        lines = lines.slice(1);
      }
      const delivered = seen.length + missed;
      if (delivered < trimmed) {
        missed += trimmed - delivered;
        seen.push(...lines);
      } else {
        seen.push(...lines.slice(delivered - trimmed));
      }
    };
    const auth = { token: lab.token, logBatch: true };
    const first = lab.socket(`/logs/${labId}`, { auth });
    first.on("backlog", take);
    let firstCount = 0;
    first.on("lines", (lines) => {
      seen.push(...lines);
      firstCount += lines.length;
    });
    await until(() => first.connected, 5000, "the first connection");
    open();
    await until(() => firstCount >= 2000, 30_000, "some of the flood");
    first.close(); // in the middle of the flood, likely mid-batch
    // Away until the flood is over: the backlog (5000 lines) has trimmed lines never seen.
    assert.deepEqual(await deployed, { payload: null });
    const second = lab.socket(`/logs/${labId}`, { auth });
    let backlogTaken = false;
    second.on("backlog", (b) => {
      take(b);
      backlogTaken = true;
    });
    second.on("lines", (lines) => seen.push(...lines));
    await until(() => backlogTaken, 5000, "the second backlog");
    const flood = numbers(seen);
    assert.ok(missed > 0, "lines were trimmed while away");
    // Nothing repeated: strictly increasing line numbers; nothing lost: the gap is `missed`.
    for (let i = 1; i < flood.length; i++) assert.ok(flood[i] > flood[i - 1], `line ${flood[i]} after ${flood[i - 1]}`);
    assert.equal(flood.length + missed, LINES, "every flood line seen or counted as trimmed");
  } finally {
    await lab.stop();
    cleanup();
  }
});
