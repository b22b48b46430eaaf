// OpenID Connect login in the real app (PROTOCOL.md §3.6, "Desktop feasibility"): antimony-server
// with OpenID enabled against a real provider (tests/fixtures/oidc-provider, the npm
// `oidc-provider`). The server is added in the app, "Log in with OpenID" opens the app's own
// login window on the server's flow, alice signs in on the provider's form there, the window
// closes by itself and the main window lists the labs of alice's collection (her group
// `netlab`) and not the others. Closing the login window gives up with a clear message.
//
// The login window's webview is incognito (a WebKit context of its own, so its cookies stay
// in memory), and WebKitWebDriver drives only the app's automation context: it cannot switch
// to that window. The provider's form is filled the way a user does, at the keyboard (XTest
// through x-keys.py, with the window given the input focus); WebDriver is used when it does
// see the window. Run under Xvfb and a private D-Bus session (scripts/test does).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, test } from "node:test";
import { Stack, TOPOLOGY, byTestId, sleep, until } from "./harness.mjs";

const repo = path.resolve(import.meta.dirname, "../..");
const binDir = process.env.ANTIMONY_BIN_DIR ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, "target"), "debug");
const PROVIDER = path.join(repo, "tests/fixtures/oidc-provider/server.mjs");
const SERVER = "sso";
const WINDOW_TITLE = `Log in to ${SERVER}`;

let stack;
let browser;
let origin;
let mainWindow;

/** A free loopback port (the server's redirect URI must be known before it starts). */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The provider, printing {"port":N} once it listens; its issuer URL. */
async function startProvider(redirectUri, secret) {
  const child = stack.spawn(process.execPath, [PROVIDER, "--client-id", "antimony", "--client-secret", secret, "--redirect-uri", redirectUri]);
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  const line = await until(() => stdout.split("\n").length > 1 && stdout.split("\n")[0], "the OpenID provider's port line", 20_000).catch((error) => {
    throw new Error(`${error.message}\n${child.output()}`);
  });
  return `http://127.0.0.1:${JSON.parse(line).port}`;
}

/** The X window of the login, as a window manager sees it: "viewable", "unmapped" or "missing". */
function loginWindow(command = "state") {
  const result = spawnSync("/usr/bin/python3", [path.join(import.meta.dirname, "wm.py"), command, WINDOW_TITLE], { encoding: "utf8", timeout: 10_000 });
  if (result.status !== 0) throw new Error(`wm.py ${command}: ${result.stderr}`);
  return result.stdout.trim();
}

/** Types into the login window at the keyboard. */
function typeIntoLoginWindow(text) {
  const result = spawnSync("/usr/bin/python3", [path.join(import.meta.dirname, "x-keys.py"), WINDOW_TITLE, text], { encoding: "utf8", timeout: 20_000 });
  if (result.status !== 0) throw new Error(`x-keys.py: ${result.stderr}`);
}

/** The first element matching `selector` once it is displayed. */
async function shown(selector, what = selector, ms = 30_000) {
  return until(async () => {
    const element = await browser.$(selector);
    return (await element.isDisplayed()) ? element : null;
  }, what, ms);
}

const attribute = async (selector, name) => (await browser.$(selector)).getAttribute(name);

before(async () => {
  for (const file of [path.join(binDir, "antimony-server"), path.join(repo, "tests/fixtures/oidc-provider/node_modules/oidc-provider")]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing (cargo build --workspace; npm ci in tests/fixtures/oidc-provider)`);
  }
  stack = await Stack.start({ servers: false });
  const tools = await stack.startTools();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const secret = randomBytes(24).toString("hex");
  const issuer = await startProvider(`${origin}/api/users/login/success`, secret);
  fs.writeFileSync(path.join(stack.dir, "kinds.conf.yml"), "linux:\n  canRestart: true\n");
  const config = path.join(stack.dir, "config.yml");
  fs.writeFileSync(
    config,
    `containerlab:
  kindsConfig: ${path.join(stack.dir, "kinds.conf.yml")}
auth:
  enableNative: true
  enableOpenId: true
  openIdIssuer: ${issuer}
  openIdClientId: antimony
  openIdRedirectHost: ${origin}/api
  openIdAdminGroups: [admins]
`,
  );
  const server = stack.spawn(path.join(binDir, "antimony-server"), ["--data-dir", path.join(stack.dir, "data"), "--bind", `127.0.0.1:${port}`, "--config", config], {
    env: { ...process.env, ...tools, SB_NATIVE_USERNAME: "admin", SB_NATIVE_PASSWORD: "admin", SB_OIDC_SECRET: secret, RUST_LOG: "info" },
    cwd: stack.dir,
  });
  await until(() => /address=([0-9.:]+)/.exec(server.output())?.[1], "the server's address", 30_000).catch((error) => {
    throw new Error(`${error.message}\n${server.output()}`);
  });
  // The native admin makes alice's collection (netlab, her group) with a lab, and another
  // collection with a lab she must not see.
  stack.origin = `${origin}/api`;
  const login = await fetch(`${stack.origin}/users/login/native`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "admin" }),
  });
  stack.token = login.headers.getSetCookie().find((c) => c.startsWith("accessToken=")).split(";")[0].slice("accessToken=".length);
  await stack.createLab("alice-pair", TOPOLOGY);
  const elsewhere = await stack.rest("POST", "/collections", { name: "elsewhere", publicWrite: true, publicDeploy: true });
  const topology = await stack.rest("POST", "/topologies", { definition: TOPOLOGY.replace("name: pair", "name: hidden"), syncUrl: "", collectionId: elsewhere });
  await stack.rest("POST", "/labs", { name: "not-for-alice", startTime: "2099-01-01T00:00:00Z", endTime: "2099-01-02T00:00:00Z", topologyId: topology });
  browser = await stack.startApp();
  mainWindow = await browser.getWindowHandle();
});

after(async () => {
  await stack?.stop();
});

test("add an OpenID server and log in as alice through the provider's pages in the app's login window", async (t) => {
  await (await shown(byTestId("server-add-url"), "the add-server field")).setValue(origin);
  await (await browser.$(byTestId("server-add-name"))).setValue(SERVER);
  await (await browser.$(byTestId("server-add-submit"))).click();
  const button = await shown(byTestId("login-openid"), "Log in with OpenID");
  assert.equal(await button.getText(), "Log in with OpenID");
  // The server has native login too: both are offered.
  await shown(byTestId("login-username"), "the native form beside it");
  await stack.screenshot("openid-login-form");

  await button.click();
  await until(() => loginWindow() === "viewable", "the login window", 20_000);
  // WebDriver sees only the app's automation context (see the top of this file).
  const handles = await browser.getWindowHandles();
  const other = handles.find((h) => h !== mainWindow);
  t.diagnostic(`WebDriver window handles: ${handles.length} (${other ? "the login window is one" : "the login window is not among them"})`);
  if (other) {
    await browser.switchToWindow(other);
    await (await shown("#username", "the provider's form")).setValue("alice");
    await stack.screenshot("openid-window");
    await (await browser.$("#submit")).click();
    await browser.switchToWindow(mainWindow);
  } else {
    // The provider's form: its user field has the focus once the page is there. Keys typed
    // before that are lost (nothing says when a page of that window has loaded), so a window
    // still open 10 s later gets them again.
    await sleep(2500);
    await stack.screenshot("openid-window", { settleMs: 300 });
    for (let attempt = 1; ; attempt++) {
      typeIntoLoginWindow("alice\n");
      try {
        await until(() => loginWindow() === "missing", "the login window to close by itself", 10_000);
        break;
      } catch (error) {
        if (attempt === 3) throw error;
        t.diagnostic(`attempt ${attempt}: the login window is still open, typing again`);
      }
    }
  }
  await until(() => loginWindow() === "missing", "the login window to close by itself", 30_000);
  await until(async () => (await attribute(`${byTestId("server-health")}[data-server-name="${SERVER}"]`, "data-state")) === "connected", "the server's connection to be healthy");
  await shown(byTestId("lab-row", '[data-lab-name="alice-pair"]'), "alice's lab");
  const names = [];
  for (const row of await browser.$$(byTestId("lab-row"))) names.push(await row.getAttribute("data-lab-name"));
  assert.ok(names.includes("alice-pair"), `${names}`);
  assert.ok(!names.includes("not-for-alice"), `alice sees only her collection's labs: ${names}`);
  // The tokens stayed on the Rust side: nothing of them in the page.
  const page = await browser.execute(() => `${document.cookie} ${JSON.stringify(localStorage)} ${JSON.stringify(sessionStorage)}`);
  assert.ok(!/accessToken|authToken|eyJ/.test(page), page);
  // Kept in the keychain (no "cannot be kept" warning), where the command line finds it: the
  // same profiles file and keychain service as the app's.
  for (const toast of await browser.$$(byTestId("toast"))) {
    assert.doesNotMatch(await toast.getProperty("textContent"), /cannot be kept/);
  }
  const cli = spawnSync(path.join(binDir, "antimony"), ["login", "--openid"], { env: stack.appEnv, encoding: "utf8", timeout: 30_000 });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stdout.trim(), /^Logged in to sso as [0-9a-f-]{36}, with the login Antimony Desktop keeps in the keychain\.$/);
  await stack.screenshot("openid-logged-in");
});

test("closing the login window gives up with a clear message, and the button works again", async () => {
  await (await shown(byTestId("logout"), "Log out")).click();
  const button = await shown(byTestId("login-openid"), "Log in with OpenID again");
  await button.click();
  await until(() => loginWindow() === "viewable", "the login window", 20_000);
  await sleep(1000);
  loginWindow("close");
  await until(() => loginWindow() === "missing", "the login window to close", 20_000);
  const alert = await shown('[role="alert"]', "the message");
  assert.equal(await alert.getText(), "Not logged in: the login window was closed before the login was done.");
  assert.equal(await (await browser.$(byTestId("login-openid"))).isEnabled(), true);
  assert.equal(await attribute(`${byTestId("server-health")}[data-server-name="${SERVER}"]`, "data-state"), "loginNeeded");
});
