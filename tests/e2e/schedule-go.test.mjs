// Scheduling against a Go-like server (tests/fixtures/reference-server: the Go server's wire
// behaviour, which never answers a PATCH of a deployed lab and then hangs every lab request):
// the app offers no change of a deployed lab there and says why, the reminder before its end
// comes without "Extend by 1 hour", and the server still answers afterwards. A lab that is
// not deployed can be rescheduled there.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { Stack, TOPOLOGY, byTestId, until } from "./harness.mjs";

const REFERENCE = path.resolve(import.meta.dirname, "../fixtures/reference-server/server.mjs");
let stack;
let browser;
let reference;
let notifications;
let origin;
let token;
const labs = {};

async function rest(method, route, body) {
  const response = await fetch(`${origin}${route}`, {
    method,
    headers: { cookie: `accessToken=${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5_000),
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json.payload;
}

before(async () => {
  stack = await Stack.start({ servers: false });
  notifications = stack.spawn("/usr/bin/python3", [path.join(import.meta.dirname, "notification-server.py"), "--invoke", "extend"]);
  await until(() => notifications.output().includes("serving"), "the notification server");
  reference = stack.spawn(process.execPath, [REFERENCE, "--port", "0", "--state", path.join(stack.dir, "reference.json"), "--deploy-ms", "300"], {
    env: { ...process.env, SB_NATIVE_USERNAME: "admin", SB_NATIVE_PASSWORD: "admin" },
  });
  const port = await until(() => /\{"port":(\d+)\}/.exec(reference.output())?.[1], "the reference server's port");
  origin = `http://127.0.0.1:${port}`;
  const login = await fetch(`${origin}/users/login/native`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "admin" }),
  });
  token = login.headers.getSetCookie().find((c) => c.startsWith("accessToken=")).split(";")[0].slice("accessToken=".length);
  const collection = (await rest("GET", "/collections")).find((c) => c.name === "fixtures").id;
  const lab = async (name, start, end) => {
    const topology = await rest("POST", "/topologies", { definition: TOPOLOGY.replace("name: pair", `name: ${name}`), syncUrl: "", collectionId: collection });
    return rest("POST", "/labs", { name, startTime: new Date(start).toISOString(), endTime: new Date(end).toISOString(), topologyId: topology });
  };
  const now = Date.now();
  labs.endingEnd = now + 10 * 60_000;
  labs.ending = await lab("go-ending", now - 60_000, labs.endingEnd);
  labs.parked = await lab("go-parked", Date.parse("2099-01-01T00:00:00Z"), Date.parse("2099-01-02T00:00:00Z"));
  fs.writeFileSync(path.join(stack.dir, "servers.toml"), `current = "go"\n\n[[servers]]\nname = "go"\norigin = "${origin}"\nrestBase = "${origin}"\n`);
  browser = await stack.startApp();
});

after(async () => {
  await stack?.stop();
});

async function shown(selector, what = selector, ms = 30_000) {
  return until(async () => {
    const element = await browser.$(selector);
    return (await element.isDisplayed()) ? element : null;
  }, what, ms);
}

async function openLab(name) {
  await browser.keys("Escape");
  const row = await shown(byTestId("lab-row", `[data-lab-name="${name}"]`), `the ${name} row`);
  await (await row.$("button")).click();
  await shown(byTestId("lab-open", `[data-lab-name="${name}"]`), `the ${name} lab`);
}

test("log in to the Go-like server", async () => {
  await (await shown(byTestId("login-username"), "the login form")).setValue("admin");
  await (await browser.$(byTestId("login-password"))).setValue("admin");
  await (await browser.$(byTestId("login-submit"))).click();
  await until(async () => (await (await browser.$(byTestId("lab-row", '[data-lab-name="go-ending"]'))).getAttribute("data-state")) === "running", "the lab to run", 30_000);
});

test("a deployed lab is not offered a change there, and the tooltip says why", async () => {
  await openLab("go-ending");
  const reschedule = await shown(byTestId("action-reschedule"));
  await until(async () => /it would stop answering/.test((await reschedule.getAttribute("title")) ?? ""), "the reason in the tooltip");
  assert.equal(await reschedule.isEnabled(), false);
  const extend = await browser.$(byTestId("action-extend"));
  assert.equal(await extend.isEnabled(), false);
  assert.match(await extend.getAttribute("title"), /cannot change a deployed lab/);
});

test("a lab that is not deployed can be rescheduled there", async () => {
  await openLab("go-parked");
  const reschedule = await shown(byTestId("action-reschedule"));
  await until(async () => reschedule.isEnabled(), "Reschedule… enabled");
});

test("the reminder comes without the extend action, and the server still answers", async () => {
  const reminder = await until(() => notifications.output().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)).find((n) => n.summary?.startsWith("go-ending ends in")), "the reminder", 60_000);
  assert.deepEqual(reminder.actions.map(([key]) => key), ["default"]);
  assert.match(reminder.body, /This server cannot change a running lab\.$/);
  // Nothing was sent that would have hung it: its lab routes answer, the end is unchanged.
  const lab = await rest("GET", `/labs/${labs.ending}`);
  assert.equal(Math.floor(Date.parse(lab.endTime) / 1000), Math.floor(labs.endingEnd / 1000));
});
