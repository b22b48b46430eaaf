// Scheduling through the real webview, against antimony-server with the fake containerlab:
// reschedule a lab that is not deployed (start and end) and see the new times; extend a running
// lab by an hour; the reminder before a lab's end as an OS notification on the session bus (a
// notification server of our own, tests/e2e/notification-server.py, that clicks "Extend by 1
// hour"), after which the server has the lab's end an hour later; the timeline's week and
// agenda views, and a lab opened from it.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { Stack, TOPOLOGY, byTestId, until } from "./harness.mjs";

const HOUR = 3_600_000;
let stack;
let browser;
let notifications;
const labs = {};

/** The notification server's lines, parsed. */
function notified() {
  return notifications
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
}

/** A lab of its own topology (named `name`), starting and ending at the times given (ms). */
async function createLab(name, start, end) {
  if (!stack.collection) stack.collection = await stack.rest("POST", "/collections", { name: "netlab", publicWrite: true, publicDeploy: true });
  const definition = TOPOLOGY.replace("name: pair", `name: ${name}`);
  const topology = await stack.rest("POST", "/topologies", { definition, syncUrl: "", collectionId: stack.collection });
  return stack.rest("POST", "/labs", { name, startTime: new Date(start).toISOString(), endTime: new Date(end).toISOString(), topologyId: topology });
}

before(async () => {
  stack = await Stack.start();
  // The desktop's notification server, clicking "Extend by 1 hour" on what offers it.
  notifications = stack.spawn("/usr/bin/python3", [path.join(import.meta.dirname, "notification-server.py"), "--invoke", "extend"]);
  await until(() => notifications.output().includes("serving"), "the notification server");
  const now = Date.now();
  labs.parked = await createLab("parked", Date.parse("2099-01-01T00:00:00Z"), Date.parse("2099-01-02T00:00:00Z"));
  // Deployed at once (a start in the past), ending in 3 hours: extended from the lab view.
  labs.running = await createLab("running", now - 60_000, now + 3 * HOUR);
  // Deployed at once, ending in 10 minutes: inside the reminder's 15 minutes.
  // For the timeline: a running lab that never ends, and two scheduled ones in the coming days.
  labs.forever = await createLab("soak", now - 60_000, now + 2 * HOUR);
  // No end (antimony-server takes that for a deployed lab too; not while it is being deployed).
  await until(async () => (await stack.rest("PATCH", `/labs/${labs.forever}`, { indefinite: true })) === null, "soak without an end");
  const tomorrow = new Date(now + 24 * HOUR);
  tomorrow.setHours(9, 0, 0, 0);
  labs.training = await createLab("training", tomorrow.getTime(), tomorrow.getTime() + 2 * 24 * HOUR + 8 * HOUR);
  labs.demo = await createLab("demo", tomorrow.getTime() + 24 * HOUR + 4 * HOUR, tomorrow.getTime() + 24 * HOUR + 7 * HOUR);
  labs.endingEnd = now + 10 * 60_000;
  labs.ending = await createLab("ending", now - 60_000, labs.endingEnd);
  stack.writeProfiles();
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

const attribute = async (selector, name) => (await browser.$(selector)).getAttribute(name);
const text = async (selector) => (await browser.$(selector)).getProperty("textContent");

async function openLab(name) {
  await browser.keys("Escape");
  const row = await shown(byTestId("lab-row", `[data-lab-name="${name}"]`), `the ${name} row`);
  await (await row.$("button")).click();
  await shown(byTestId("lab-open", `[data-lab-name="${name}"]`), `the ${name} lab`);
}

/** Types a value into a `datetime-local` field as React sees it (WebDriver cannot type dates). */
async function setDate(testId, ms) {
  await browser.execute(
    (id, at) => {
      const input = document.querySelector(`[data-testid="${id}"]`);
      const d = new Date(at);
      const pad = (n) => String(n).padStart(2, "0");
      const value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set.call(input, value);
      input.dispatchEvent(new Event("input", { bubbles: true }));
    },
    testId,
    ms,
  );
}

const minute = (ms) => Math.floor(ms / 60_000) * 60_000;

test("log in and see the labs", async () => {
  const username = await shown(byTestId("login-username"), "the login form");
  await username.setValue("admin");
  await (await browser.$(byTestId("login-password"))).setValue("admin");
  await (await browser.$(byTestId("login-submit"))).click();
  await shown(byTestId("lab-row", '[data-lab-name="parked"]'), "the parked lab");
  await until(async () => (await attribute(byTestId("lab-row", '[data-lab-name="running"]'), "data-state")) === "running", "the running lab to run", 60_000);
});

test("reschedule a lab that is not deployed and see its new times", async () => {
  await openLab("parked");
  assert.equal(await text(byTestId("lab-times")), "not scheduled");
  await (await shown(byTestId("action-reschedule"))).click();
  await shown(byTestId("schedule-dialog"), "the reschedule dialog");
  const start = minute(Date.now() + 2 * HOUR);
  const end = start + 3 * HOUR;
  await setDate("schedule-start", start);
  await (await browser.$(byTestId("schedule-no-end"))).click();
  await setDate("schedule-end", end);
  await (await browser.$(byTestId("schedule-save"))).click();
  await until(async () => !(await (await browser.$(byTestId("schedule-dialog"))).isExisting()), "the dialog to close");
  const lab = await stack.rest("GET", `/labs/${labs.parked}`);
  assert.equal(Date.parse(lab.startTime), start);
  assert.equal(Date.parse(lab.endTime), end);
  await until(async () => (await attribute(byTestId("lab-open"), "data-state")) === "scheduled", "the lab to be scheduled");
  assert.match(await text(byTestId("lab-starts")), /^starts /);
  assert.match(await text(byTestId("lab-times")), /^ends /);
  assert.doesNotMatch(await text(byTestId("lab-times")), /2099|2199/);
  await stack.screenshot("reschedule");
});

test("extend a running lab by an hour", async () => {
  await openLab("running");
  const before = Date.parse((await stack.rest("GET", `/labs/${labs.running}`)).endTime);
  const shownBefore = await text(byTestId("lab-times"));
  const extend = await shown(byTestId("action-extend", '[data-minutes="60"]'), "+1 h");
  await until(async () => extend.isEnabled(), "+1 h to be enabled (antimony-server takes a new end for a deployed lab)");
  await extend.click();
  await until(async () => Date.parse((await stack.rest("GET", `/labs/${labs.running}`)).endTime) === before + HOUR, "the end an hour later on the server");
  await until(async () => (await text(byTestId("lab-times"))) !== shownBefore, "the new end in the lab view");
  assert.equal((await stack.rest("GET", `/labs/${labs.running}`)).instance?.state, 1, "still running");
});

test("a reminder before the end, whose action extends the lab by an hour", async () => {
  // The reminder may have come already: it comes as soon as the app reads the labs.
  const before = labs.endingEnd;
  const reminder = await until(() => notified().find((n) => n.summary?.startsWith("ending ends in")), "the reminder", 60_000);
  assert.match(reminder.summary, /^ending ends in (9|10) minutes$/);
  assert.match(reminder.body, /^on lab:/);
  assert.deepEqual(
    reminder.actions.map(([key]) => key),
    ["extend", "default"],
  );
  assert.equal(reminder.actions[0][1], "Extend by 1 hour");
  // The notification server clicks it; the app extends the lab.
  await until(async () => Date.parse((await stack.rest("GET", `/labs/${labs.ending}`)).endTime) === before + HOUR, "the end an hour later on the server", 30_000);
  await until(() => notified().some((n) => n.summary === "ending runs an hour longer"), "the confirmation");
  // Once per end time: no second reminder for the old end, none yet for the new one.
  assert.equal(notified().filter((n) => n.summary?.startsWith("ending ends in")).length, 1);
  // The running lab (3 hours left) is not reminded of.
  assert.ok(!notified().some((n) => n.summary?.startsWith("running ends")));
});

test("the timeline shows the week's labs and opens one", async () => {
  await browser.keys("Escape");
  await (await shown(byTestId("open-schedule"), "the Schedule button")).click();
  await shown(byTestId("timeline-week"), "the week view");
  const bar = (name) => byTestId("timeline-lab", `[data-lab-name="${name}"]`);
  await shown(bar("running"), "the running lab's row");
  await shown(bar("ending"), "the ending lab's row");
  // Rescheduled above to start in two hours: on the timeline now (unless that is next week).
  const parkedStart = Date.parse((await stack.rest("GET", `/labs/${labs.parked}`)).startTime);
  const monday = new Date();
  monday.setHours(0, 0, 0, 0);
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  if (parkedStart < monday.getTime() + 7 * 24 * HOUR) await shown(bar("parked"), "the rescheduled lab's row");
  assert.match(await text(bar("running")), /→/);
  const soak = await text(bar("soak"));
  assert.match(soak, /no end$/, "a lab without an end runs on to the week's end");
  // The week with tomorrow in it: the next one on a Sunday.
  if (new Date().getDay() === 0) {
    await (await browser.$(byTestId("timeline-next"))).click();
    await shown(bar("demo"), "the demo lab next week");
  }
  await shown(bar("training"), "the training lab");
  await stack.screenshot("timeline-week");
  if (new Date().getDay() === 0) await (await browser.$(byTestId("timeline-today"))).click();
  await (await browser.$(byTestId("timeline-view-agenda"))).click();
  await shown(byTestId("timeline-agenda"), "the agenda");
  assert.match(await text(byTestId("timeline-agenda")), /Today/);
  await stack.screenshot("timeline-agenda");
  // Keyboard: focus a lab, Enter opens it.
  await browser.execute((sel) => document.querySelector(sel).focus(), bar("running"));
  await browser.keys("Enter");
  await shown(byTestId("lab-open", '[data-lab-name="running"]'), "the running lab from the timeline");
});
