// Several servers in one view, through the real webview: This computer (the app's own server,
// with the fake containerlab and Docker engine) and a second antimony-server the harness
// starts. The labs of both in the combined list (its screenshot, all-labs, for the README), a lab of the
// second server deployed from it (the deploy reaches that server, not This computer), the
// tray's line per server and the total in the window title, and the server profiles exported
// and imported again through the native GTK file dialogs (typed into through XTest: WebDriver
// cannot reach them).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { Stack, TOPOLOGY, byTestId, sleep, until } from "./harness.mjs";

const LOCAL = "This computer";
const REMOTE = "lab";
const RING = TOPOLOGY.replace("name: pair", "name: ring");
const DUO = TOPOLOGY.replace("name: pair", "name: duo");

let stack;
let browser;
let trayHost;

before(async () => {
  stack = await Stack.start();
  await stack.createLab("ring", RING);
  stack.writeProfiles();
  const local = path.join(stack.dir, "local");
  fs.mkdirSync(local, { recursive: true });
  fs.writeFileSync(path.join(local, "kinds.conf.yml"), "linux:\n  canRestart: true\n");
  trayHost = stack.spawn("/usr/bin/python3", [path.join(import.meta.dirname, "tray-host.py")]);
  await until(() => trayHost.output().includes("watching"), "the tray host");
  browser = await stack.startApp({ ...stack.tools, ANTIMONY_LOCAL_DATA: local, FAKE_CLAB_LINES: "1" });
});

after(async () => {
  if (process.exitCode) console.error(`app output:\n${stack?.appOutput().slice(-6000)}`);
  await stack?.stop();
});

async function shown(selector, what = selector, ms = 30_000) {
  return until(async () => {
    const element = await browser.$(selector);
    return (await element.isDisplayed()) ? element : null;
  }, what, ms);
}

const attribute = async (selector, name) => (await browser.$(selector)).getAttribute(name);
const row = (server, name) => byTestId("lab-row", `[data-server="${server}"][data-lab-name="${name}"]`);

/** The labels of the tray icon's menu (com.canonical.dbusmenu's layout, as a panel reads it). */
function trayMenu() {
  const item = /^item (\S+) (\S+)$/m.exec(trayHost.output());
  if (!item) return [];
  const read = `
import sys
from gi.repository import Gio, GLib
bus = Gio.bus_get_sync(Gio.BusType.SESSION)
def call(path, interface, method, args, reply):
    return bus.call_sync(sys.argv[1], path, interface, method, args, GLib.VariantType(reply), Gio.DBusCallFlags.NONE, 5000).unpack()
(menu,) = call(sys.argv[2], "org.freedesktop.DBus.Properties", "Get", GLib.Variant("(ss)", ("org.kde.StatusNotifierItem", "Menu")), "(v)")
_, (_, _, children) = call(menu, "com.canonical.dbusmenu", "GetLayout", GLib.Variant("(iias)", (0, -1, [])), "(u(ia{sv}av))")
for child in children:
    print(child[1].get("label", ""))
`;
  const result = spawnSync("/usr/bin/python3", ["-c", read, item[1], item[2]], { encoding: "utf8", timeout: 10_000 });
  return result.stdout.split("\n").filter((l) => l !== "");
}

/** Drops a file on the window the way a file manager would. */
async function dropFile(name, text) {
  await browser.execute(
    (fileName, contents) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([contents], fileName, { type: "application/yaml" }));
      const target = document.querySelector(".app");
      for (const type of ["dragenter", "dragover", "drop"]) target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    },
    name,
    text,
  );
}

/** Types into a native window (a GTK file dialog) through XTest. */
function typeInto(title, text) {
  const result = spawnSync("/usr/bin/python3", [path.join(import.meta.dirname, "x-keys.py"), title, text], { encoding: "utf8", timeout: 30_000 });
  return result.status === 0;
}

test("the labs of both servers in one list, and a deploy from it goes to the lab's own server", async () => {
  // The profiles make the second server current: log in to it.
  await (await shown(byTestId("login-username"), "the login form")).setValue("admin");
  await (await browser.$(byTestId("login-password"))).setValue("admin");
  await (await browser.$(byTestId("login-submit"))).click();
  await shown(byTestId("lab-row", '[data-lab-name="ring"]'), "the second server's lab");

  // A lab on This computer: imported there and deployed.
  await (await shown(byTestId("server-item", `[data-server-name="${LOCAL}"]`))).click();
  await until(async () => (await attribute(`${byTestId("server-health")}[data-server-name="${LOCAL}"]`, "data-state")) === "connected", "This computer's connection");
  await dropFile("duo.clab.yml", DUO);
  await (await shown(byTestId("import-confirm"), "the import dialog")).click();
  await shown(byTestId("lab-open", '[data-lab-name="duo"]'), "the imported lab");
  await until(async () => (await attribute(byTestId("lab-open"), "data-state")) === "running", "duo to run on This computer", 60_000);

  // Every server in one list.
  await (await shown(byTestId("servers-all"), "All servers")).click();
  await shown(byTestId("all-labs"), "the combined list");
  await shown(row(LOCAL, "duo"), "duo of This computer");
  await shown(row(REMOTE, "ring"), "ring of the second server");
  for (const server of [LOCAL, REMOTE]) {
    await until(async () => (await attribute(byTestId("all-labs-server", `[data-server-name="${server}"]`), "data-state")) === "ready", `${server}'s line`);
  }
  assert.equal(await attribute(row(LOCAL, "duo"), "data-state"), "running");
  assert.equal(await attribute(row(REMOTE, "ring"), "data-state"), "inactive");

  // Deploying ring from there: it opens on its own server, and the deploy goes there.
  await (await browser.$(row(REMOTE, "ring")).$("button")).click();
  await shown(byTestId("lab-open", '[data-lab-name="ring"]'), "ring's view");
  assert.equal(await attribute(byTestId("server-health"), "data-server-name"), REMOTE);
  await (await shown(byTestId("action-deploy"))).click();
  await until(async () => (await attribute(byTestId("lab-open"), "data-state")) === "running", "ring to run", 60_000);
  const labs = await stack.rest("GET", "/labs");
  const ring = (labs.labs ?? labs).find((l) => l.name === "ring");
  assert.ok(ring?.instance, `the second server deployed ring: ${JSON.stringify(ring)}`);
  await browser.keys("Escape");
  await until(async () => (await attribute(row(REMOTE, "ring"), "data-state")) === "running", "ring running in the combined list");
  assert.equal(await (await browser.$(row(LOCAL, "ring"))).isExisting(), false, "no ring on This computer");

  // The tray says each server's count, the title the total.
  await until(() => stack.wm("title") === "Antimony (2 running)", "the total in the title");
  await until(() => {
    const labels = trayMenu();
    return labels.includes(`${LOCAL}: 1 lab running`) && labels.includes(`${REMOTE}: 1 lab running`);
  }, "a line per server in the tray menu");
});

test("server profiles exported and imported again through the native dialogs", async () => {
  // GTK's save dialog offers antimony-servers.json with the name before ".json" selected:
  // typed over, it keeps the extension.
  const typed = path.join(stack.dir, "shared-servers");
  await (await shown(byTestId("servers-export"), "Export…")).click();
  await until(() => typeInto("Export servers", `${typed}\n`), "the save dialog", 20_000);
  const status = await shown(byTestId("servers-sharing-status"), "the export's status");
  const file = await until(async () => /^Saved to (.+)$/.exec(await status.getText())?.[1], "Saved to the file");
  assert.ok(file.startsWith(typed), `saved where typed: ${file}`);
  const shared = JSON.parse(fs.readFileSync(file, "utf8"));
  assert.deepEqual(shared.servers.map((s) => [s.name, s.url]), [[REMOTE, stack.origin]]);
  assert.doesNotMatch(fs.readFileSync(file, "utf8"), /admin|token|password/i, "no login in the file");

  // Handed to someone else: a file with the same server under another name, and one named
  // like the local server.
  shared.servers.push({ name: "team", url: stack.origin }, { name: LOCAL, url: "http://127.0.0.1:9" });
  fs.writeFileSync(file, JSON.stringify(shared));
  await (await browser.$(byTestId("servers-import"))).click();
  await until(() => typeInto("Import servers", `${file}\n`), "the open dialog", 20_000);
  const report = await shown(byTestId("servers-import-report"), "the import's report");
  const added = [];
  for (const e of await browser.$$(byTestId("servers-import-added"))) added.push(await e.getText());
  const skipped = [];
  for (const e of await browser.$$(byTestId("servers-import-skipped"))) skipped.push(await e.getText());
  assert.deepEqual(added, ["team"]);
  assert.deepEqual(skipped, [`${REMOTE}: a server of this name exists already`, `${LOCAL}: a server of this name exists already`]);
  assert.match(await report.getText(), /shared-servers\.json/);
  await (await browser.$(byTestId("servers-import-done"))).click();
  await shown(byTestId("server-item", '[data-server-name="team"]'), "the imported server in the sidebar");
  const profiles = fs.readFileSync(path.join(stack.dir, "servers.toml"), "utf8");
  assert.match(profiles, /name = "team"/);
  // It needs its own login; the combined list says so and still lists the others.
  await (await browser.$(byTestId("servers-all"))).click();
  await until(async () => (await attribute(byTestId("all-labs-server", '[data-server-name="team"]'), "data-state")) === "loginNeeded", "team needs a login");
  await shown(row(REMOTE, "ring"), "the others still listed");
  assert.equal(await attribute(row(LOCAL, "duo"), "data-state"), "running");
  // The README's picture: three servers, one waiting for a login, the labs of the other two.
  for (const toast of await browser.$$(`${byTestId("toast")} [aria-label="Dismiss"]`)) await toast.click();
  await stack.screenshot("all-labs");

  // The app remembers the combined view in the webview's storage, which the later test files'
  // apps share: leave it on one server (picking one that is not current switches the view).
  for (const name of [REMOTE, LOCAL]) await (await browser.$(byTestId("server-item", `[data-server-name="${name}"]`))).click();
  await until(async () => (await browser.$$(byTestId("all-labs-server"))).length === 0, "the one-server view");
  await sleep(1500); // WebKit writes local storage out shortly after
});
