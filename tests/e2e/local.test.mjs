// "This computer": the app's in-process antimony-server, with the fake containerlab on PATH
// and the fake Docker engine. Drop the fixture topology on the window and import it with a
// deploy; close the window while it deploys (the app stays in the tray, says so in an OS
// notification, and another tells when the deploy is done); start the app again to get the
// window back; see the logs and the running count in the tray and the title; stop a node;
// destroy the lab. Then, in a second app with no containerlab or Docker and no tray, the
// prerequisite panel names what is missing, and closing the window quits.
// Screenshots: local-lab (the imported lab running) and prerequisites.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { Stack, TOPOLOGY, byTestId, until } from "./harness.mjs";

let stack;
/** The StatusNotifier host of the first test. */
let trayHost;

after(async () => {
  await stack?.stop();
});

/** The first element matching `selector` once it is displayed. */
async function shown(browser, selector, what = selector, ms = 30_000) {
  return until(async () => {
    const element = await browser.$(selector);
    return (await element.isDisplayed()) ? element : null;
  }, what, ms);
}

const attribute = async (browser, selector, name) => (await browser.$(selector)).getAttribute(name);

/** Drops a file on the window the way a file manager would (an HTML5 drop with Files). */
async function dropFile(browser, name, text) {
  await browser.execute(
    (fileName, contents) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([contents], fileName, { type: "application/yaml" }));
      const target = document.querySelector(".app");
      for (const type of ["dragenter", "dragover", "drop"]) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
      }
    },
    name,
    text,
  );
}

async function lineTexts(browser) {
  const found = [];
  for (const element of await browser.$$(byTestId("log-line"))) found.push(await element.getProperty("textContent"));
  return found;
}

/** Runs `body` with an app; on failure, shows the app's output; always ends the app. */
async function withApp(env, body) {
  const browser = await stack.startApp(env);
  try {
    await body(browser);
  } catch (error) {
    console.error(`app output:\n${stack.driver?.output().slice(-6000)}`);
    throw error;
  } finally {
    await stack.stopApp();
  }
}

test("import, deploy, watch, stop a node and destroy on this computer", async () => {
  stack = await Stack.start({ servers: false });
  const tools = await stack.startTools();
  const local = path.join(stack.dir, "local");
  fs.mkdirSync(local, { recursive: true });
  fs.writeFileSync(path.join(local, "kinds.conf.yml"), "linux:\n  canRestart: true\n");
  // The deploy waits for this file, so that it ends while the window is closed.
  const gate = path.join(stack.dir, "deploy-gate");
  // A desktop panel that shows tray icons (a StatusNotifier host), as KDE or XFCE run it.
  trayHost = stack.spawn("/usr/bin/python3", [path.join(import.meta.dirname, "tray-host.py")]);
  await until(() => trayHost.output().includes("watching"), "the tray host");
  // OS notifications, as the notification daemon would get them.
  const notifications = stack.spawn("dbus-monitor", ["--session", "interface='org.freedesktop.Notifications'"]);
  // It prints its own NameAcquired signal once it listens.
  await until(() => notifications.output().includes("NameAcquired"), "dbus-monitor");
  const env = { ...tools, ANTIMONY_LOCAL_DATA: local, FAKE_CLAB_LINES: "1", FAKE_CLAB_GATE: gate };
  await withApp(env, async (browser) => {
    // No profiles: the local server is the current one, logged in by itself, and ready.
    await until(async () => (await attribute(browser, `${byTestId("server-health")}[data-server-name="This computer"]`, "data-state")) === "connected", "the local server's connection");
    if (process.getuid() === 0) {
      await shown(browser, byTestId("prerequisites-ok"), "the prerequisites summary");
      assert.equal(await (await browser.$(byTestId("prerequisites"))).isExisting(), false, "no missing prerequisites");
    } else {
      // Not root: the fake containerlab is no setuid-root binary, so permission is missing.
      await until(async () => (await attribute(browser, byTestId("prerequisite-containerlab"), "data-ok")) === "true", "containerlab found");
    }

    await dropFile(browser, "pair.clab.yml", TOPOLOGY);
    const dialog = await shown(browser, byTestId("import-dialog"), "the import dialog");
    assert.match(await dialog.getText(), /pair\.clab\.yml/);
    assert.equal(await (await browser.$(byTestId("import-deploy"))).isSelected(), true, "deploy now is the default");
    await (await browser.$(byTestId("import-confirm"))).click();
    await shown(browser, byTestId("lab-open", '[data-lab-name="pair"]'), "the imported lab's view");
    await until(async () => (await attribute(browser, byTestId("lab-open"), "data-state")) === "deploying", "the deploy to start", 60_000);

    // Closing the window (as the title bar's button does) leaves the app in the tray: it says
    // so once in an OS notification, and its server goes on with the deploy, which ends in a
    // notification of its own since the window is not in front.
    stack.wm("close");
    await until(() => stack.wm("state") === "unmapped", "the window to hide");
    await until(() => notifications.output().includes("Antimony keeps running"), "the notification about the tray");
    fs.writeFileSync(gate, "");
    await until(() => notifications.output().includes("pair is deployed"), "the notification of the finished deploy", 60_000);
    const origin = /local server started origin=(\S+)/.exec(stack.appOutput())?.[1];
    assert.ok(origin, "the app logs its local server's address");
    assert.equal((await fetch(`${origin}/labs`)).status, 401, "the local server answers");
    const deployed = JSON.parse(fs.readFileSync(tools.FAKE_CLAB_STATE, "utf8"));
    assert.deepEqual(Object.values(deployed.labs).flatMap((lab) => lab.containers).map((c) => c.node).sort(), ["a", "b"], "the lab's containers");
    // Starting the app again brings the window back.
    assert.equal(stack.launchAgain(), 0);
    await until(() => stack.wm("state") === "viewable", "the window to come back");

    await until(async () => (await attribute(browser, byTestId("lab-open"), "data-state")) === "running", "the lab to run", 60_000);
    const log = await shown(browser, byTestId("log-view"), "the lab log");
    await until(async () => Number(await log.getAttribute("data-line-count")) >= 5, "the lab log's lines");
    const lines = await lineTexts(browser);
    assert.ok(lines.some((t) => t.includes("Creating container")), `containerlab's output is shown: ${lines.join("\n")}`);
    await until(async () => (await browser.$$(byTestId("node-row"))).length === 2, "two nodes");
    // Software rendering (the default) keeps GL out of the window's process: WebKit is told
    // the render node, so only the web process, which draws, loads a GL driver (without a GPU
    // Mesa's llvmpipe, and LLVM with it).
    const maps = fs.readFileSync(`/proc/${stack.appPid()}/maps`, "utf8");
    assert.doesNotMatch(maps, /_dri\.so|libEGL_mesa|libLLVM/, "no GL driver in the window's process");
    // The tray icon and the window title count the labs running on this computer.
    const item = await until(() => /^item (\S+) (\S+)$/m.exec(trayHost.output()), "the tray icon's registration");
    const trayLabel = () => {
      const reply = spawnSync("gdbus", ["call", "--session", "--dest", item[1], "--object-path", item[2], "--method", "org.freedesktop.DBus.Properties.Get", "org.kde.StatusNotifierItem", "XAyatanaLabel"], { encoding: "utf8" });
      return /<'([^']*)'>/.exec(reply.stdout)?.[1];
    };
    await until(() => trayLabel() === "1", "the tray icon's count");
    await until(() => stack.wm("title") === "Antimony (1 running)", "the running count in the title");

    // The node log streams from the (fake) Docker engine.
    await (await shown(browser, byTestId("log-tab", '[data-tab="a"]'), "node a's log tab")).click();
    await until(async () => (await lineTexts(browser)).some((t) => t.includes("booting")), "the node's boot lines");

    const b = byTestId("node-row", '[data-node-name="b"]');
    await (await browser.$(b).$(byTestId("node-stop"))).click();
    await until(async () => (await attribute(browser, b, "data-state")) === "exited", "node b to stop");
    await stack.screenshot("local-lab");

    // The lab went into the "local" collection.
    await browser.keys("Escape");
    const row = await shown(browser, byTestId("lab-row", '[data-lab-name="pair"]'), "the pair row");
    assert.match(await row.getText(), /local/);
    await (await row.$("button")).click();

    await (await shown(browser, byTestId("action-destroy"))).click();
    await (await shown(browser, byTestId("confirm-destroy"))).click();
    // Without an instance the lab is inactive, or "scheduled" while its start (a minute after
    // the import) is recent (PROTOCOL.md §6.1).
    await until(async () => ["inactive", "scheduled"].includes(await attribute(browser, byTestId("lab-open"), "data-state")), "the lab to be destroyed", 60_000);
    // The nodes stay listed from the topology, greyed: none is deployed.
    await until(async () => {
      const deployed = [];
      for (const row of await browser.$$(byTestId("node-row"))) deployed.push(await row.getAttribute("data-deployed"));
      return deployed.length === 2 && deployed.every((d) => d === "false");
    }, "no deployed nodes");
    await until(() => stack.wm("title") === "Antimony", "no running count in the title");
    await until(() => trayLabel() === "", "no count on the tray icon");
    const world = JSON.parse(fs.readFileSync(tools.FAKE_CLAB_STATE, "utf8"));
    assert.deepEqual(Object.values(world.labs).flatMap((lab) => lab.containers), [], "no containers left");
  });
});

test("the prerequisite panel names a missing containerlab", async () => {
  trayHost.kill("SIGKILL");
  await until(() => trayHost.exitCode !== null || trayHost.signalCode !== null, "the tray host to end");
  const local = path.join(stack.dir, "bare");
  const bare = path.join(stack.dir, "empty-bin");
  fs.mkdirSync(bare, { recursive: true });
  const env = {
    ANTIMONY_LOCAL_DATA: local,
    // Neither containerlab (not even one installed in /usr/bin) nor a Docker engine.
    PATH: bare,
    DOCKER_HOST: `unix://${path.join(stack.dir, "no-docker.sock")}`,
  };
  await withApp(env, async (browser) => {
  const panel = await shown(browser, byTestId("prerequisites"), "the prerequisite panel");
  const clab = byTestId("prerequisite-containerlab");
  assert.equal(await attribute(browser, clab, "data-ok"), "false");
  const text = await (await browser.$(clab)).getText();
  assert.match(text, /containerlab/);
  assert.match(text, /containerlab\.dev\/install/, `guidance to install it: ${text}`);
  assert.equal(await attribute(browser, byTestId("prerequisite-docker"), "data-ok"), "false");
  assert.match(await panel.getText(), /Docker/);
  await stack.screenshot("prerequisites");
  // Without a tray host, closing the window quits, rather than hiding it for good.
  stack.wm("close");
  await until(() => stack.wm("state") === "missing", "the app to quit");
  });
});
