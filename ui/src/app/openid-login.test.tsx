// OpenID Connect login in the app against the fake bridge: the login form offers "Log in with
// OpenID" exactly where the server's login configuration enables it (alone, or beside the
// native form), the button calls `login_openid` and the labs follow, a closed login window
// leaves the form with a clear message and no retry, and a login that ends later brings the
// button back instead of logging in by itself.

import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { LoginConfig } from "../bindings";
import type { FakeBridge } from "../lib/bridge/fake";
import { startApp } from "./app.test-util";

const SERVER = "lab.example.net";

const openIdOnly: LoginConfig = { native: { enabled: false, allowEmpty: false }, openId: { enabled: true } };
const both: LoginConfig = { native: { enabled: true, allowEmpty: false }, openId: { enabled: true } };
const nativeOnly: LoginConfig = { native: { enabled: true, allowEmpty: false }, openId: { enabled: false } };

/** The app, with the current server's login ended and its login configuration `config`. */
async function loginNeeded(config: LoginConfig): Promise<FakeBridge> {
  const f = await startApp();
  f.setLoginConfig(SERVER, config);
  act(() => {
    f.simulateConnection(SERVER, "loginNeeded");
  });
  await screen.findByRole("form", { name: `Log in to ${SERVER}` });
  await waitFor(() => {
    expect(f.calls.some((c) => c.command === "login_config")).toBe(true);
  });
  return f;
}

const calls = (f: FakeBridge, command: string) => f.calls.filter((c) => c.command === command).map((c) => c.args);

describe("OpenID Connect login", () => {
  it("offers only the OpenID button where the server has no native login, and logs in with it", async () => {
    const f = await loginNeeded(openIdOnly);
    const button = await screen.findByTestId<HTMLButtonElement>("login-openid");
    expect(button.textContent).toBe("Log in with OpenID");
    expect(screen.queryByTestId("login-username")).toBeNull();
    expect(screen.queryByTestId("login-submit")).toBeNull();
    fireEvent.click(button);
    await screen.findByTestId("lab-search");
    await screen.findByText("Spine Leaf");
    expect(calls(f, "login_openid")).toEqual([{ server: SERVER }]);
    expect(calls(f, "login")).toEqual([]);
    await waitFor(() => {
      expect(screen.getByTestId("server-health").getAttribute("data-state")).toBe("connected");
    });
  });

  it("offers both where the server has both", async () => {
    await loginNeeded(both);
    await screen.findByTestId("login-openid");
    expect(screen.getByTestId("login-username")).toBeTruthy();
    expect(screen.getByTestId("login-submit")).toBeTruthy();
    expect(screen.getByText("or with a user and password")).toBeTruthy();
  });

  it("offers no OpenID button where the server has none", async () => {
    await loginNeeded(nativeOnly);
    await screen.findByTestId("login-username");
    expect(screen.queryByTestId("login-openid")).toBeNull();
  });

  it("says so when the user closes the login window, and tries nothing by itself", async () => {
    const f = await loginNeeded(openIdOnly);
    f.setOpenIdOutcome(SERVER, "cancelled");
    fireEvent.click(await screen.findByTestId("login-openid"));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("Not logged in: the login window was closed before the login was done.");
    expect(screen.getByTestId<HTMLButtonElement>("login-openid").disabled).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls(f, "login_openid")).toHaveLength(1);
  });

  it("brings the button back when the login ends later (a refused refresh), without a login loop", async () => {
    const f = await loginNeeded(openIdOnly);
    f.setOpenIdOutcome(SERVER, { id: "0b6e8a9c-oidc-bob", isAdmin: true });
    fireEvent.click(await screen.findByTestId("login-openid"));
    await screen.findByTestId("lab-search");
    act(() => {
      f.simulateConnection(SERVER, "loginNeeded");
    });
    await screen.findByTestId("login-openid");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls(f, "login_openid")).toHaveLength(1);
    expect(calls(f, "login")).toEqual([]);
  });
});
