// The login form of the current server: "Log in with OpenID" where the server offers OpenID
// Connect (the app opens a window of its own for it), the user and password where it offers
// native login, or both. When the server lets empty credentials in, it logs in by itself first
// (once per need) and only shows the form if that fails. An OpenID server never logs in by
// itself: when its login ends, this form comes back with the button.

import { useEffect, useState, type SubmitEvent } from "react";
import type { LoginConfig } from "../../bindings";
import { BridgeError, describeError } from "../../lib/bridge";
import "./login-form.css";
import type { Servers } from "./servers-store";

export function LoginForm({ servers, server, user }: { servers: Servers; server: string; user: string | null }) {
  const [config, setConfig] = useState<LoginConfig | null>(null);
  const [auto, setAuto] = useState(true);
  const [username, setUsername] = useState(user ?? "");
  const [password, setPassword] = useState("");
  const [keep, setKeep] = useState(false);
  const [busy, setBusy] = useState(false);
  const [openIdBusy, setOpenIdBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    // A function, so the checks after each await read the current value.
    const alive = () => live;
    void (async () => {
      try {
        const c = await servers.loginConfig(server);
        if (!alive()) return;
        setConfig(c);
        const done = await servers.autoLogin(server);
        if (alive() && !done) setAuto(false);
      } catch (e: unknown) {
        if (!alive()) return;
        setError(describeError(e));
        setAuto(false);
      }
    })();
    return () => {
      live = false;
    };
  }, [servers, server]);

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await servers.login({ server, username, password, savePassword: keep });
    } catch (err: unknown) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  const openIdLogin = async () => {
    setOpenIdBusy(true);
    setError(null);
    try {
      await servers.loginOpenid(server);
    } catch (err: unknown) {
      const e = BridgeError.from(err);
      setError(e.kind === "cancelled" ? `Not logged in: ${e.message}.` : describeError(e));
      setOpenIdBusy(false);
    }
  };

  if (auto && error === null) {
    return <div className="login-panel login-panel--waiting">{`Logging in to ${server}…`}</div>;
  }

  const nativeOn = config === null || config.native.enabled;
  const openIdOn = config?.openId.enabled === true;
  const errorLine = error !== null && (
    <p className="form-error" role="alert">
      {error}
    </p>
  );
  return (
    <form className="login-panel" onSubmit={(e) => void submit(e)} aria-label={`Log in to ${server}`}>
      <h1>{`Log in to ${server}`}</h1>
      {openIdOn && (
        <div className="login-openid">
          <button
            type="button"
            className={nativeOn ? "button" : "button button--primary"}
            data-testid="login-openid"
            disabled={openIdBusy || busy}
            autoFocus={!nativeOn}
            onClick={() => void openIdLogin()}
          >
            {openIdBusy ? "Waiting for the login window…" : "Log in with OpenID"}
          </button>
          {openIdBusy && <p className="hint">Finish logging in in the window that opened; closing it gives up.</p>}
          {!nativeOn && errorLine}
        </div>
      )}
      {!nativeOn && !openIdOn && (
        <p className="form-error">This server offers no login method this app supports.</p>
      )}
      {nativeOn && (
        <>
          {openIdOn && <p className="login-or">or with a user and password</p>}
          <label className="field">
            <span>User</span>
            <input
              data-testid="login-username"
              type="text"
              autoComplete="username"
              value={username}
              autoFocus={!openIdOn}
              onChange={(e) => {
                setUsername(e.target.value);
              }}
            />
          </label>
          <label className="field">
            <span>Password</span>
            <input
              data-testid="login-password"
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => {
                setPassword(e.target.value);
              }}
            />
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="login-keep-password"
              checked={keep}
              onChange={(e) => {
                setKeep(e.target.checked);
              }}
            />
            Keep password in the keychain
          </label>
          {config?.native.allowEmpty === true && <p className="hint">This server also accepts an empty user and password.</p>}
          {errorLine}
          <button type="submit" className="button button--primary" data-testid="login-submit" disabled={busy || openIdBusy}>
            {busy ? "Logging in…" : "Log in"}
          </button>
        </>
      )}
    </form>
  );
}
