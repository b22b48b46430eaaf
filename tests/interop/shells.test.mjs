// Shells with the real socket.io-client, used the way the official web UI uses it
// (`io('/shells/<id>', {transports: ['websocket'], auth: {token}})`, a one-argument `backlog`
// handler, `emit('data', keystrokes)`), against antimony-server and the fake Docker engine's
// exec (a small bash: prompt `<container>:~# `, `echo`, `stty size`, `exit`, …).
// Covers the shell commands and every error code, `/shells/<id>`, `/shell-commands`, every
// way a shell closes, and the UI's reload.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";

import { Lab, until } from "./harness.mjs";

const StartNode = 2, StopNode = 3, FetchShells = 5, OpenShell = 6, CloseShell = 7, Deploy = 0;
const UNKNOWN_LAB = "0c6d1f8a-2b7d-11f0-9a3e-0242ac120002";

/** Resolves like `promise`, or rejects after `ms`. */
function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits for the socket's namespace CONNECT, or rejects with its connect_error. */
function connected(socket, what = "connecting") {
  if (socket.connected) return Promise.resolve(socket);
  return within(
    new Promise((resolve, reject) => {
      socket.once("connect", () => resolve(socket));
      socket.once("connect_error", reject);
    }),
    10_000,
    what,
  );
}

/** What a terminal shows, fed as the web UI feeds xterm: every backlog chunk, then every
 * `data` chunk. The backlog handler takes ONE argument, as the UI's does. */
function terminal(socket) {
  const view = { socket, text: "", backlogs: [], closed: [] };
  socket.on("backlog", (chunks) => {
    view.backlogs.push(chunks);
    for (const chunk of chunks) view.text += chunk;
  });
  socket.on("data", (chunk) => (view.text += chunk));
  socket.on("closed", (event) => view.closed.push(event));
  return view;
}

/** Waits until the terminal shows `text`. */
const shows = (view, text, ms = 10_000) => until(() => view.text.includes(text), ms, `${JSON.stringify(text)} on the terminal (it shows ${JSON.stringify(view.text.slice(-200))})`);

/** Asserts that no ack comes within `ms`. */
const noAck = (socket, ms, ...args) => assert.rejects(socket.timeout(ms).emitWithAck(...args), /timed out/i, `no ack for ${args[0]}`);

describe("shells", () => {
  let lab;
  let labId;
  let member; // in the lab's collection's group: may see the lab and open shells
  let outsider; // in no group
  const opened = new Set();

  /** OpenShell (by the admin, or on `socket`): the new shell's id. */
  async function openShell(node = "srl1", socket) {
    const reply = await lab.command(labId, OpenShell, { node }, socket);
    assert.equal(typeof reply.payload, "string", `OpenShell answered ${JSON.stringify(reply)}`);
    opened.add(reply.payload);
    return reply.payload;
  }

  /** Connects to a shell as the web UI does, and waits for its prompt. */
  async function attach(id, token = lab.token) {
    const view = terminal(lab.uiSocket(`/shells/${id}`, token));
    await connected(view.socket, `/shells/${id}`);
    await until(() => /:~# $/.test(view.text), 10_000, "the prompt");
    return view;
  }

  before(async () => {
    lab = await Lab.start({ config: "shell:\n  userLimit: 2\n" });
    labId = await lab.createLab("Shells");
    assert.deepEqual(await lab.command(labId, Deploy), { payload: null });
    member = await lab.user({ name: "member", groups: ["netlab"] });
    outsider = await lab.user({ name: "outsider" });
  });
  afterEach(async () => {
    // Whatever a test left open (also after a failure), so the limit of 2 holds for the next.
    for (const shellId of opened) await lab.command(labId, CloseShell, { shellId });
    opened.clear();
  });
  after(async () => {
    await lab?.stop();
  });

  test("OpenShell answers a shell id; FetchShells answers null, then [{id, node}]", async () => {
    assert.deepEqual(await lab.command(labId, FetchShells), { payload: null }, "none yet: null, as the Go server");
    const id = await openShell("srl1");
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(await lab.command(labId, FetchShells), { payload: [{ id, node: "srl1" }] });
    const other = await openShell("leaf-1");
    const shells = (await lab.command(labId, FetchShells)).payload;
    assert.deepEqual(
      shells.sort((a, b) => a.node.localeCompare(b.node)),
      [{ id: other, node: "leaf-1" }, { id, node: "srl1" }],
      "node names as in the lab (leaf-1 is not mangled)",
    );
    assert.deepEqual(await lab.command(labId, FetchShells, {}, await lab.connect("/lab-commands", { auth: { token: member.token } })), { payload: null }, "only the caller's own shells");
    assert.deepEqual(await lab.command(labId, CloseShell, { shellId: id }), { payload: null });
    assert.deepEqual(await lab.command(labId, FetchShells), { payload: [{ id: other, node: "leaf-1" }] });
  });

  test("the web UI's way: connect, type `echo hi\\r`, see hi; input is not acked", async () => {
    const id = await openShell();
    const socket = lab.uiSocket(`/shells/${id}`);
    const view = terminal(socket);
    await connected(socket);
    await until(() => view.backlogs.length === 1, 10_000, "the backlog");
    assert.ok(Array.isArray(view.backlogs[0]) && view.backlogs[0].every((chunk) => typeof chunk === "string"), "the backlog is an array of strings");
    await until(() => /:~# $/.test(view.text), 10_000, "the prompt");
    socket.emit("data", "echo hi\r");
    await shows(view, "echo hi\r\nhi\r\n");
    await until(() => /hi\r\n[^\r\n]*:~# $/.test(view.text), 10_000, "the next prompt");
    // Successful input is never acked, not even when the client asks for one.
    await noAck(socket, 500, "data", "echo quiet\r");
    await shows(view, "quiet\r\n");
    // Keystrokes one at a time, as xterm sends them (an erase too), come out in order.
    const word = Array.from({ length: 300 }, (_, i) => "abcdefghijklmnopqrstuvwxyz"[i % 26]).join("");
    for (const key of ["e", "c", "h", "o", " ", ..."x\u007f", ...word, "\r"]) socket.emit("data", key);
    await shows(view, `\r\n${word}\r\n`);
  });

  test("a one-argument backlog handler still works: the second argument is an extension", async () => {
    const id = await openShell();
    const first = await attach(id);
    first.socket.emit("data", "echo marker\r");
    await shows(first, "marker\r\n");
    await until(() => /marker\r\n[^\r\n]*:~# $/.test(first.text), 10_000, "the prompt after marker");

    const socket = lab.uiSocket(`/shells/${id}`);
    const args = [];
    socket.on("backlog", (...all) => args.push(all));
    const view = terminal(socket); // the UI's handler, next to the one that sees everything
    await connected(socket);
    await until(() => args.length === 1, 10_000, "the backlog");
    const [chunks, position] = args[0];
    assert.equal(args[0].length, 2, "antimony-server adds {start, end}");
    assert.ok(chunks.every((chunk) => typeof chunk === "string"));
    assert.deepEqual(Object.keys(position).sort(), ["end", "start"]);
    assert.equal(position.start, 0, "nothing trimmed yet");
    assert.equal(position.end - position.start, Buffer.byteLength(chunks.join("")), "byte positions of the backlog");
    assert.equal(view.text, first.text, "the UI's one-argument handler repaints the same screen");
    socket.emit("data", "echo second\r");
    await shows(view, "second\r\n");
    await shows(first, "second\r\n", 5_000);
  });

  test("resize (extension) is acked and `stty size` follows; bad sizes get 5422", async () => {
    const id = await openShell();
    const view = await attach(id);
    view.socket.emit("data", "stty size\r");
    await shows(view, "stty size\r\n25 130\r\n");
    assert.deepEqual(await view.socket.timeout(5_000).emitWithAck("resize", { rows: 40, cols: 100 }), { payload: null });
    view.socket.emit("data", "stty size\r");
    await shows(view, "stty size\r\n40 100\r\n");
    for (const bad of [{ rows: 0, cols: 80 }, { rows: 1001, cols: 80 }, { rows: 24 }, "24x80", { rows: "24", cols: "80" }]) {
      const reply = await view.socket.timeout(5_000).emitWithAck("resize", bad);
      assert.equal(reply.code, 5422, `${JSON.stringify(bad)}: ${JSON.stringify(reply)}`);
    }
    assert.deepEqual(await view.socket.timeout(5_000).emitWithAck("resize", { rows: 1000, cols: 1 }), { payload: null }, "the limits themselves are fine");
    // Input that is not a string is refused when an ack is asked for.
    for (const bad of [42, { keys: "ls" }, null]) assert.equal((await view.socket.timeout(5_000).emitWithAck("data", bad)).code, 5422, JSON.stringify(bad));
  });

  test("every error code of the shell commands", async () => {
    const idle = await lab.createLab("Shells Idle");
    const code = async (command, extra, on, id = labId) => (await lab.command(id, command, extra, on)).code;
    assert.equal(await code(OpenShell, {}), 5422, "OpenShell without node");
    assert.equal(await code(CloseShell, {}), 5422, "CloseShell without shellId");
    assert.equal(await code(OpenShell, { node: "nope" }), 5006);
    assert.equal(await code(OpenShell, { node: "srl1" }, undefined, idle), 5003, "the lab is not deployed");
    assert.equal(await code(OpenShell, { node: "srl1" }, undefined, "not-a-uuid"), 5404);
    assert.equal(await code(FetchShells, {}, undefined, "not-a-uuid"), 5404);
    assert.deepEqual(await lab.command(UNKNOWN_LAB, OpenShell, { node: "srl1" }), { code: 5005, message: "the specified uuid was not found" });
    assert.equal(await code(FetchShells, {}, undefined, UNKNOWN_LAB), 5005);
    assert.deepEqual(await lab.command(labId, CloseShell, { shellId: "9a6b7c1e-2b7d-11f0-9a3e-0242ac120002" }), { code: 5007, message: "the provided shell id does not exist" });

    // Another user: not in the lab's collection (5403 for everything), or in it (may open
    // their own shells, never close someone else's).
    const theirs = await lab.connect("/lab-commands", { auth: { token: outsider.token } });
    const members = await lab.connect("/lab-commands", { auth: { token: member.token } });
    const mine = await openShell("srl1");
    assert.equal(await code(OpenShell, { node: "srl1" }, theirs), 5403);
    assert.equal(await code(FetchShells, {}, theirs), 5403);
    assert.equal(await code(CloseShell, { shellId: mine }, theirs), 5403);
    assert.equal(await code(CloseShell, { shellId: mine }, members), 5403);

    // The per-user limit (shell.userLimit: 2 in this server's config).
    await openShell("leaf-1");
    assert.deepEqual(await lab.command(labId, OpenShell, { node: "srl1" }), { code: 5008, message: "user shell limit reached" });
    const membersShell = await openShell("srl1", members);
    assert.deepEqual(await lab.command(labId, FetchShells, {}, members), { payload: [{ id: membersShell, node: "srl1" }] }, "other users have their own limit");
    assert.deepEqual(await lab.command(labId, CloseShell, { shellId: membersShell }), { payload: null }, "an admin may close anyone's shell");
    assert.deepEqual(await lab.command(labId, CloseShell, { shellId: mine }), { payload: null });
    assert.equal(await code(CloseShell, { shellId: mine }), 5007, "a closed shell");
    await openShell("srl1");
    assert.equal(await code(OpenShell, { node: "srl1" }), 5008, "the limit counts open shells only");
  });

  test("connect errors: No Access for other users, Invalid namespace for unknown shells; a closed shell shows its last screen", async () => {
    const mine = await openShell("srl1");
    for (const user of [member, outsider]) {
      assert.equal(await lab.refusal(`/shells/${mine}`, { auth: { token: user.token } }), "No Access", user.name);
    }
    assert.equal(await lab.refusal(`/shells/${mine}`, { auth: {} }), "Unauthorized");
    assert.equal(await lab.refusal(`/shells/${mine}`, { auth: { token: "garbage" } }), "Invalid Token");
    assert.equal(await lab.refusal("/shells/9a6b7c1e-2b7d-11f0-9a3e-0242ac120002"), "Invalid namespace");
    assert.equal(await lab.refusal("/shells/not-a-shell"), "Invalid namespace");
    assert.equal(await lab.refusal("/shells"), "Invalid namespace");

    // The owner, and (unlike the Go server) an admin, may join a member's shell.
    const members = await lab.connect("/lab-commands", { auth: { token: member.token } });
    const theirs = await openShell("leaf-1", members);
    const owner = await attach(theirs, member.token);
    const admin = await attach(theirs);
    admin.socket.emit("data", "echo from the admin\r");
    await shows(owner, "from the admin\r\n");

    const before = await attach(mine);
    before.socket.emit("data", "echo last screen\r");
    await shows(before, "last screen\r\n");
    assert.deepEqual(await lab.command(labId, CloseShell, { shellId: mine }), { payload: null });
    // As on the Go server, the web UI may reopen a closed shell's tab: it gets the last
    // screen (and, as an extension, `closed`), not an endless `Invalid namespace`.
    const reopened = await attach(mine);
    await shows(reopened, "last screen\r\n");
    await until(() => reopened.closed.length === 1, 10_000, "the closed event");
    assert.deepEqual(reopened.closed, [{ reason: "shell was closed by the user" }]);
  });

  test("/shell-commands: the Close notice is {payload}-wrapped, goes to the owner only; then `closed`, and input gets 5007", async () => {
    const adminNotices = [];
    const memberNotices = [];
    const adminSocket = lab.uiSocket("/shell-commands");
    adminSocket.on("data", (notice) => adminNotices.push(notice));
    const memberSocket = lab.uiSocket("/shell-commands", member.token);
    memberSocket.on("data", (notice) => memberNotices.push(notice));
    await connected(adminSocket);
    await connected(memberSocket);

    const id = await openShell("srl1");
    const view = await attach(id);
    assert.deepEqual(await lab.command(labId, CloseShell, { shellId: id }), { payload: null });
    await until(() => adminNotices.length === 1, 10_000, "the Close notice");
    assert.deepEqual(adminNotices[0], { payload: { labId, node: "srl1", shellId: id, command: 1, message: "shell was closed by the user" } });
    await until(() => view.closed.length === 1, 10_000, "the closed event");
    assert.deepEqual(view.closed, [{ reason: "shell was closed by the user" }]);
    assert.equal(view.socket.connected, true, "the socket stays connected");
    assert.deepEqual(await view.socket.timeout(5_000).emitWithAck("data", "echo late\r"), { code: 5007, message: "the provided shell id does not exist" });
    assert.equal((await view.socket.timeout(5_000).emitWithAck("resize", { rows: 30, cols: 90 })).code, 5007, "resize too");
    view.socket.emit("data", "echo unacked\r"); // nothing to answer; the server must just go on

    // The member's own notice reaches the member, and the admin's never did.
    const members = await lab.connect("/lab-commands", { auth: { token: member.token } });
    const theirs = await openShell("leaf-1", members);
    assert.deepEqual(await lab.command(labId, CloseShell, { shellId: theirs }, members), { payload: null });
    await until(() => memberNotices.length === 1, 10_000, "the member's notice");
    assert.deepEqual(memberNotices, [{ payload: { labId, node: "leaf-1", shellId: theirs, command: 1, message: "shell was closed by the user" } }], "no notice about the admin's shell");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(adminNotices.length, 1, "the admin gets no notice about the member's shell");

    // The remote side ends: `exit`.
    const exits = await openShell("leaf-1");
    const exiting = await attach(exits);
    exiting.socket.emit("data", "exit\r");
    await until(() => adminNotices.length === 2, 10_000, "the exit notice");
    assert.deepEqual(adminNotices[1], { payload: { labId, node: "leaf-1", shellId: exits, command: 1, message: "User closed the shell" } });
    await until(() => exiting.closed.length === 1, 10_000, "closed after exit");
    assert.deepEqual(exiting.closed, [{ reason: "User closed the shell" }]);
    assert.equal((await exiting.socket.timeout(5_000).emitWithAck("data", "ls\r")).code, 5007);
    assert.deepEqual(await lab.command(labId, FetchShells), { payload: null });
  });

  test("the official web UI flow: OpenShell, connect, reload; the backlog repaints the screen", async () => {
    // The page: its sockets, each opened as the UI opens them.
    const page = () => ({ commands: lab.uiSocket("/lab-commands"), notices: lab.uiSocket("/shell-commands") });
    const send = (socket, command, extra = {}) => socket.timeout(30_000).emitWithAck("data", JSON.stringify({ labId, command, ...extra }));
    let { commands, notices } = page();
    await connected(commands);
    await connected(notices);
    const reply = await send(commands, OpenShell, { node: "srl1" });
    const id = reply.payload;
    assert.equal(typeof id, "string", JSON.stringify(reply));
    opened.add(id);
    const shown = await attach(id);
    shown.socket.emit("data", "echo before the reload\r");
    await shows(shown, "before the reload\r\n");
    shown.socket.emit("data", "seq 3\r");
    await until(() => /3\r\n[^\r\n]*:~# $/.test(shown.text), 10_000, "seq 3 and the prompt");

    // Reload: every socket goes, new ones come.
    for (const socket of [commands, notices, shown.socket]) socket.close();
    ({ commands, notices } = page());
    await connected(commands);
    await connected(notices);
    assert.deepEqual(await send(commands, FetchShells), { payload: [{ id, node: "srl1" }] }, "the shell is still there after the reload");
    const repainted = await attach(id);
    assert.equal(repainted.text, shown.text, "the backlog repaints exactly the screen before the reload");
    repainted.socket.emit("data", "echo after the reload\r");
    await shows(repainted, "after the reload\r\n");
    assert.deepEqual(await send(commands, CloseShell, { shellId: id }), { payload: null }, "the owner closes it from the new connection (the Go server answers 5403)");
    await until(() => repainted.closed.length === 1, 10_000, "closed");
  });

  test("stopping a node closes its shells with its reason; the others go on", async () => {
    const notices = [];
    const noticeSocket = lab.uiSocket("/shell-commands");
    noticeSocket.on("data", (notice) => notices.push(notice.payload));
    await connected(noticeSocket);
    const onSrl1 = await openShell("srl1");
    const onLeaf = await openShell("leaf-1");
    const stopped = await attach(onSrl1);
    const going = await attach(onLeaf);
    assert.deepEqual(await lab.command(labId, StopNode, { node: "srl1" }), { payload: null });
    await until(() => notices.length === 1, 10_000, "the stop notice");
    assert.deepEqual(notices, [{ labId, node: "srl1", shellId: onSrl1, command: 1, message: "the shell's node has been stopped" }]);
    await until(() => stopped.closed.length === 1, 10_000, "closed");
    assert.deepEqual(stopped.closed, [{ reason: "the shell's node has been stopped" }]);
    going.socket.emit("data", "echo still here\r");
    await shows(going, "still here\r\n");
    assert.deepEqual(await lab.command(labId, FetchShells), { payload: [{ id: onLeaf, node: "leaf-1" }] });
    assert.deepEqual(await lab.command(labId, StartNode, { node: "srl1" }), { payload: null });
  });
});

describe("idle shells", () => {
  let lab;
  before(async () => {
    lab = await Lab.start({ config: "shell:\n  timeout: 2\n" });
  });
  after(async () => {
    await lab?.stop();
  });

  test("a shell without input closes after shell.timeout: `shell was inactive for too long`", async () => {
    const labId = await lab.createLab("Idle");
    assert.deepEqual(await lab.command(labId, Deploy), { payload: null });
    const notices = [];
    const noticeSocket = lab.uiSocket("/shell-commands");
    noticeSocket.on("data", (notice) => notices.push(notice.payload));
    await connected(noticeSocket);
    const idle = (await lab.command(labId, OpenShell, { node: "srl1" })).payload;
    const busy = (await lab.command(labId, OpenShell, { node: "leaf-1" })).payload;
    const view = terminal(lab.uiSocket(`/shells/${busy}`));
    await connected(view.socket);
    const started = Date.now();
    const typing = setInterval(() => view.socket.emit("data", "echo alive\r"), 500);
    try {
      await until(() => notices.length >= 1, 10_000, "the idle notice");
    } finally {
      clearInterval(typing);
    }
    assert.ok(Date.now() - started >= 1_500, "not before the timeout");
    assert.deepEqual(notices[0], { labId, node: "srl1", shellId: idle, command: 1, message: "shell was inactive for too long" });
    assert.deepEqual(await lab.command(labId, FetchShells), { payload: [{ id: busy, node: "leaf-1" }] }, "input keeps a shell open");
    await shows(view, "alive\r\n");
    assert.deepEqual(await lab.command(labId, CloseShell, { shellId: busy }), { payload: null });
  });
});
