// antimony-server's OpenID Connect login (PROTOCOL.md §3.6, §3.7) against a real provider
// (tests/fixtures/oidc-provider, the npm `oidc-provider`) and a real browser engine:
// WebKitGTK's MiniBrowser driven by WebKitWebDriver. The server serves a tiny web UI whose
// login link sends the browser through the provider's login form and back with the cookies.
// The checks on `state`, replays, return URLs and refusals follow the redirects by hand with
// Node's fetch. Run under Xvfb (scripts/test does).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { remote } from "webdriverio";
import { Stack, killTree, sleep, until } from "./harness.mjs";

const repo = path.resolve(import.meta.dirname, "../..");
const binDir = process.env.ANTIMONY_BIN_DIR ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(repo, "target"), "debug");
const PROVIDER = path.join(repo, "tests/fixtures/oidc-provider/server.mjs");
const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const WEBDRIVER = "/usr/bin/WebKitWebDriver";
const CLIENT_ID = "antimony";
const STEP = 15_000; // the longest any single request or page may take
const PAIR = "name: pair\ntopology:\n  nodes:\n    a:\n      kind: linux\n      image: alpine:3\n";

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

/** fetch with a bounded wait and without following redirects. */
function get(url, { headers = {}, method = "GET", body } = {}) {
  return fetch(url, { method, headers, body, redirect: "manual", signal: AbortSignal.timeout(STEP) });
}

/** The payload of a JWT (its middle segment), as the web UI decodes it. */
function claims(token) {
  const parts = token.split(".");
  assert.equal(parts.length, 3, "the access token is a JWT");
  return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
}

/** A minimal cookie jar for one host: names to values (paths ignored). */
class Jar {
  cookies = new Map();
  take(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair.indexOf("=");
      this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    return response;
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

let stack;
let origin; // the server's origin, e.g. http://127.0.0.1:41234
let issuer;
let adminToken;
const collections = {};

/** The provider, printing {"port":N} once it listens. */
async function startProvider(redirectUri, secret) {
  const child = stack.spawn(process.execPath, [PROVIDER, "--client-id", CLIENT_ID, "--client-secret", secret, "--redirect-uri", redirectUri]);
  let stdout = "";
  child.stdout.on("data", (d) => (stdout += d));
  const line = await until(() => stdout.split("\n").length > 1 && stdout.split("\n")[0], "the OpenID provider's port line", 20_000).catch((error) => {
    throw new Error(`${error.message}\n${child.output()}`);
  });
  return `http://127.0.0.1:${JSON.parse(line).port}`;
}

before(async () => {
  for (const file of [path.join(binDir, "antimony-server"), path.join(repo, "tests/fixtures/oidc-provider/node_modules/oidc-provider")]) {
    if (!fs.existsSync(file)) throw new Error(`${file} is missing (cargo build --workspace; npm ci in tests/fixtures/oidc-provider)`);
  }
  stack = await Stack.start({ servers: false });
  const tools = await stack.startTools();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const secret = randomBytes(24).toString("hex");
  issuer = await startProvider(`${origin}/api/users/login/success`, secret);

  // The web UI: one page whose link starts the login, so the browser sends its Referer.
  const webUi = path.join(stack.dir, "web-ui");
  fs.mkdirSync(webUi);
  fs.writeFileSync(
    path.join(webUi, "index.html"),
    `<!doctype html><html><head><meta charset="utf-8"><title>Antimony test UI</title></head>
<body><h1 id="home">Antimony test UI</h1><a id="login" href="/api/users/login/openid">Log in with OpenID</a></body></html>
`,
  );
  fs.writeFileSync(path.join(stack.dir, "kinds.conf.yml"), "linux:\n  canRestart: true\n");
  const config = path.join(stack.dir, "config.yml");
  fs.writeFileSync(
    config,
    `containerlab:
  kindsConfig: ${path.join(stack.dir, "kinds.conf.yml")}
server:
  webUi: ${webUi}
auth:
  enableNative: true
  enableOpenId: true
  openIdIssuer: ${issuer}
  openIdClientId: ${CLIENT_ID}
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

  // The native admin makes two collections: netlab (alice's group) and another no one has.
  const login = await get(`${origin}/api/users/login/native`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "admin" }),
  });
  assert.equal(login.status, 200, "the native admin logs in");
  adminToken = accessTokenOf(login);
  for (const name of ["netlab", "elsewhere"]) {
    collections[name] = (await api("POST", "/collections", adminToken, { name, publicWrite: true, publicDeploy: true })).json.payload;
  }
});

after(async () => {
  await stack?.stop();
});

function accessTokenOf(response) {
  const line = response.headers.getSetCookie().find((c) => c.startsWith("accessToken="));
  assert.ok(line, "an accessToken cookie is set");
  return line.split(";")[0].slice("accessToken=".length);
}

/** A REST call with an access token; returns the status and the JSON body. */
async function api(method, route, token, body) {
  const response = await get(`${origin}/api${route}`, {
    method,
    headers: { cookie: `accessToken=${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, json };
}

/**
 * The login by hand, as a browser would follow it: the server's redirect to the provider, the
 * provider's login form signed as `user` (or cancelled when `user` is null), back to the
 * provider's redirect to the server. Returns the URL the provider sends the browser to (the
 * server's success URL, not yet visited).
 */
async function throughProvider({ user, referer }) {
  const start = await get(`${origin}/api/users/login/openid`, { headers: referer ? { referer } : {} });
  assert.equal(start.status, 302, "the server sends the browser to the provider");
  const authorize = new URL(start.headers.get("location"));
  assert.equal(authorize.origin, issuer, "to the provider's authorization endpoint");
  const jar = new Jar();
  let url = authorize.href;
  let response;
  // Authorization endpoint → interaction (the form); bounded hops.
  for (let hop = 0; hop < 5; hop++) {
    response = jar.take(await get(url, { headers: { cookie: jar.header() } }));
    if (![302, 303].includes(response.status)) break;
    url = new URL(response.headers.get("location"), url).href;
  }
  assert.equal(response.status, 200, `the provider shows its login form at ${url}`);
  const form = await response.text();
  assert.match(form, /id="username"/, "the form asks for a username");
  const action = user === null ? `${url}/abort` : `${url}/login`;
  response = jar.take(
    await get(action, {
      method: "POST",
      headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(user === null ? {} : { username: user }).toString(),
    }),
  );
  for (let hop = 0; hop < 5; hop++) {
    assert.ok([302, 303].includes(response.status), `the provider redirects (got ${response.status} at ${url})`);
    url = new URL(response.headers.get("location"), url).href;
    if (url.startsWith(`${origin}/`)) return new URL(url);
    response = jar.take(await get(url, { headers: { cookie: jar.header() } }));
  }
  throw new Error(`the provider never sent the browser back to the server (last ${url})`);
}

test("the login configuration says OpenID is enabled", async () => {
  const response = await get(`${origin}/api/users/login/config`);
  assert.equal(response.status, 200);
  const { payload } = await response.json();
  assert.equal(payload.openId.enabled, true);
  assert.equal(payload.native.enabled, true);
});

describe("in a real browser (WebKitGTK MiniBrowser through WebKitWebDriver)", () => {
  let browser;
  let driver;

  before(async () => {
    for (const file of [MINIBROWSER, WEBDRIVER]) {
      if (!fs.existsSync(file)) {
        throw new Error(`${file} is missing: install the Debian packages libwebkit2gtk-4.1-0 (MiniBrowser) and webkit2gtk-driver (WebKitWebDriver)`);
      }
    }
    if (!process.env.DISPLAY) throw new Error("no DISPLAY: run under Xvfb (xvfb-run), as scripts/test does");
    const home = path.join(stack.dir, "browser-home");
    fs.mkdirSync(home);
    const port = await freePort();
    driver = stack.spawn(WEBDRIVER, [`--port=${port}`], {
      env: { ...process.env, HOME: home, XDG_CACHE_HOME: path.join(home, ".cache"), XDG_DATA_HOME: path.join(home, ".local/share"), XDG_CONFIG_HOME: path.join(home, ".config") },
    });
    await until(async () => (await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(2000) })).ok, "WebKitWebDriver", 20_000).catch((error) => {
      throw new Error(`${error.message}\n${driver.output()}`);
    });
    try {
      browser = await remote({
        hostname: "127.0.0.1",
        port,
        logLevel: "warn",
        connectionRetryTimeout: 60_000,
        connectionRetryCount: 0,
        capabilities: {
          browserName: "MiniBrowser",
          // WebKitWebDriver speaks classic WebDriver only (no BiDi webSocketUrl).
          "wdio:enforceWebDriverClassic": true,
          "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation"] },
        },
      });
    } catch (error) {
      throw new Error(`MiniBrowser cannot run under WebKitWebDriver: ${error.message}\n${driver.output()}`);
    }
    await browser.setTimeout({ pageLoad: STEP, implicit: 0 });
  });

  after(async () => {
    if (browser) await Promise.race([browser.deleteSession().catch(() => {}), sleep(10_000)]);
    if (driver) killTree(driver.pid);
  });

  /**
   * From the web UI's page, the login link, the provider's form signed as `user`, back on the
   * page: returns the cookies the browser holds for the server.
   */
  async function logIn(user) {
    // A fresh browser state: no provider session, no server cookies (127.0.0.1 holds both).
    await browser.url(`${origin}/`);
    await browser.deleteCookies();
    await browser.url(`${origin}/`);
    const link = await browser.$("#login");
    await link.waitForExist({ timeout: STEP });
    await link.click();
    const username = await browser.$("#username");
    await username.waitForExist({ timeout: STEP, timeoutMsg: `no login form; at ${await browser.getUrl()}` });
    assert.equal(new URL(await browser.getUrl()).origin, issuer, "the login form is the provider's");
    await username.setValue(user);
    await (await browser.$("#submit")).click();
    await browser.waitUntil(async () => (await browser.getUrl()) === `${origin}/`, {
      timeout: STEP,
      timeoutMsg: `the browser did not come back to ${origin}/`,
    });
    await (await browser.$("#home")).waitForExist({ timeout: STEP });
    const cookies = await browser.getCookies();
    return Object.fromEntries(cookies.filter((c) => ["authToken", "accessToken", "authOidc"].includes(c.name)).map((c) => [c.name, c]));
  }

  test("alice (group netlab) logs in through the provider's form and sees the netlab collection", async () => {
    const cookies = await logIn("alice");
    assert.ok(cookies.authToken?.value, "authToken is set");
    assert.equal(cookies.authToken.httpOnly, true, "authToken is HttpOnly");
    assert.ok(cookies.accessToken?.value, "accessToken is set");
    assert.equal(cookies.authOidc?.value, "true", "authOidc=true is set");
    const token = cookies.accessToken.value;
    const payload = claims(token);
    assert.equal(payload.isAdmin, false);
    assert.equal(typeof payload.id, "string");
    assert.notEqual(payload.id, "", "the user has an id");

    const list = await api("GET", "/collections", token);
    assert.equal(list.status, 200, JSON.stringify(list.json));
    const names = list.json.payload.map((c) => c.name);
    assert.deepEqual(names, ["netlab"], "alice sees her group's collection and no other");

    // A member may write there (publicWrite); her display name is her e-mail address.
    const created = await api("POST", "/topologies", token, { definition: PAIR, syncUrl: "", collectionId: collections.netlab });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    const topologies = await api("GET", "/topologies", token);
    const mine = topologies.json.payload.find((t) => t.id === created.json.payload);
    assert.deepEqual(mine?.creator, { id: payload.id, name: "alice@example.test" });

    // The auth token (HttpOnly, so only the server reads it) refreshes the access token.
    const refresh = await get(`${origin}/api/users/login/refresh`, { headers: { cookie: `authToken=${cookies.authToken.value}` } });
    assert.equal(refresh.status, 200);
    assert.equal(claims((await refresh.json()).payload).id, payload.id, "the refreshed token is alice's");
  });

  test("root (group admins) is an admin and sees every collection", async () => {
    const cookies = await logIn("root");
    assert.equal(cookies.authOidc?.value, "true");
    const token = cookies.accessToken.value;
    assert.equal(claims(token).isAdmin, true);
    const list = await api("GET", "/collections", token);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.payload.map((c) => c.name).sort(), ["elsewhere", "netlab"]);
  });

  test("nobody (no groups) sees no collections and may not create a topology", async () => {
    const cookies = await logIn("nobody");
    const token = cookies.accessToken.value;
    assert.equal(claims(token).isAdmin, false);
    const list = await api("GET", "/collections", token);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.payload, []);
    const created = await api("POST", "/topologies", token, { definition: PAIR.replace("pair", "other"), syncUrl: "", collectionId: collections.netlab });
    assert.equal(created.status, 403, JSON.stringify(created.json));
    assert.equal(created.json.code, 403);
  });
});

describe("the flow by hand (no browser)", () => {
  const noTokenCookies = (response) => {
    const set = response.headers.getSetCookie().map((c) => c.split("=")[0]);
    assert.deepEqual(
      set.filter((n) => ["authToken", "accessToken", "authOidc"].includes(n)),
      [],
      "no login cookies are set",
    );
  };

  test("the server asks for the code flow with PKCE, state and nonce", async () => {
    const start = await get(`${origin}/api/users/login/openid`, { headers: { referer: `${origin}/` } });
    assert.equal(start.status, 302);
    const params = new URL(start.headers.get("location")).searchParams;
    assert.equal(params.get("response_type"), "code");
    assert.equal(params.get("client_id"), CLIENT_ID);
    assert.equal(params.get("redirect_uri"), `${origin}/api/users/login/success`);
    assert.equal(params.get("code_challenge_method"), "S256");
    assert.ok(params.get("code_challenge"));
    assert.ok(params.get("state"));
    assert.ok(params.get("nonce"));
    assert.deepEqual(params.get("scope").split(" ").sort(), ["email", "openid", "profile"]);
  });

  test("a wrong state is refused with 401", async () => {
    const success = await throughProvider({ user: "alice", referer: `${origin}/` });
    success.searchParams.set("state", randomBytes(16).toString("base64url"));
    const response = await get(success.href);
    assert.equal(response.status, 401);
    const body = await response.json();
    assert.equal(body.code, 401);
    assert.equal(typeof body.message, "string");
    noTokenCookies(response);
  });

  test("the same success URL used twice logs in once", async () => {
    const success = await throughProvider({ user: "alice", referer: `${origin}/labs?view=all` });
    const first = await get(success.href);
    assert.equal(first.status, 302, await first.clone().text());
    assert.equal(first.headers.get("location"), `${origin}/labs?view=all`, "back to the server's own page it came from");
    const alice = claims(accessTokenOf(first));
    assert.equal(alice.isAdmin, false);
    const again = await get(success.href);
    assert.equal(again.status, 401, "a replayed code and state are refused");
    assert.equal((await again.json()).code, 401);
    noTokenCookies(again);

    // A new login of the same subject is the same user.
    const next = await get((await throughProvider({ user: "alice", referer: `${origin}/` })).href);
    assert.equal(next.status, 302);
    assert.equal(claims(accessTokenOf(next)).id, alice.id);
  });

  test("a foreign Referer does not become the return URL", async () => {
    const success = await throughProvider({ user: "alice", referer: "http://evil.example/" });
    const response = await get(success.href);
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get("location"), origin);
    assert.equal(location.origin, origin, `the login ends on the server (Location ${response.headers.get("location")})`);
    assert.doesNotMatch(response.headers.get("location"), /evil\.example/);
  });

  test("a login the user cancels at the provider (error=access_denied) is refused with 401", async () => {
    const back = await throughProvider({ user: null, referer: `${origin}/` });
    assert.equal(back.searchParams.get("error"), "access_denied", "the provider reports the refusal");
    const response = await get(back.href);
    assert.equal(response.status, 401);
    assert.equal((await response.json()).code, 401);
    noTokenCookies(response);
  });

  test("a code the provider does not know fails the exchange with 500 {-1}", async () => {
    const success = await throughProvider({ user: "alice", referer: `${origin}/` });
    success.searchParams.set("code", randomBytes(24).toString("base64url"));
    const response = await get(success.href);
    assert.equal(response.status, 500);
    assert.equal((await response.json()).code, -1);
    noTokenCookies(response);
  });
});
