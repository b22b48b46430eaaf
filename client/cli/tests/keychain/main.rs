//! The keychain against a real Secret Service (gnome-keyring in a private D-Bus session).
//! Ignored in plain runs, which have no session bus; `scripts/test` runs them with
//! `--ignored` inside `dbus-run-session`. They use their own service name and server origins,
//! so they never touch a user's real entries.

#![allow(clippy::unwrap_used, clippy::panic, clippy::expect_used)]

use antimony_client::keychain::Keychain;
use antimony_client::profile::ServerProfile;

fn keychain() -> Keychain {
    Keychain::with_service(format!("antimony-desktop-test-{}", std::process::id()))
}

fn profile(origin: &str) -> ServerProfile {
    ServerProfile::new("test", origin).unwrap()
}

#[test]
#[ignore = "needs a Secret Service: run by scripts/test inside dbus-run-session"]
fn stores_reads_and_forgets_the_auth_token_and_password() {
    let keychain = keychain();
    let lab = profile("https://lab.test.invalid");
    let other = profile("https://other.test.invalid");
    assert_eq!(keychain.auth_token(&lab).unwrap(), None);
    keychain.set_auth_token(&lab, "token-1").unwrap();
    keychain.set_password(&lab, "hunter2").unwrap();
    keychain.set_auth_token(&other, "token-2").unwrap();
    assert_eq!(
        keychain.auth_token(&lab).unwrap().as_deref(),
        Some("token-1")
    );
    assert_eq!(keychain.password(&lab).unwrap().as_deref(), Some("hunter2"));
    keychain.set_auth_token(&lab, "token-3").unwrap();
    assert_eq!(
        keychain.auth_token(&lab).unwrap().as_deref(),
        Some("token-3"),
        "replaced"
    );

    // A renamed profile keeps its secrets: entries follow the origin.
    let renamed = ServerProfile {
        name: "renamed".into(),
        ..lab.clone()
    };
    assert_eq!(
        keychain.auth_token(&renamed).unwrap().as_deref(),
        Some("token-3")
    );

    keychain.forget(&lab).unwrap();
    assert_eq!(keychain.auth_token(&lab).unwrap(), None);
    assert_eq!(keychain.password(&lab).unwrap(), None);
    assert_eq!(
        keychain.auth_token(&other).unwrap().as_deref(),
        Some("token-2"),
        "other servers keep theirs"
    );
    keychain.forget(&other).unwrap();
    keychain.forget(&other).unwrap();
}

/// Set for the child run of [`a_missing_keychain_is_a_clear_error_not_a_file`].
const CHILD: &str = "ANTIMONY_KEYCHAIN_TEST_CHILD";

#[test]
fn a_missing_keychain_is_a_clear_error_not_a_file() {
    let home = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "no_keychain_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/antimony-test-bus",
        )
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("1 passed"), "{text}");
    let files: Vec<_> = walk(home.path());
    assert!(files.is_empty(), "nothing was written instead: {files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                vec![e.path()]
            }
        })
        .collect()
}

#[test]
#[ignore = "run by a_missing_keychain_is_a_clear_error_not_a_file, without a session bus"]
fn no_keychain_child() {
    assert_eq!(
        std::env::var(CHILD).as_deref(),
        Ok("1"),
        "run through a_missing_keychain_is_a_clear_error_not_a_file"
    );
    let keychain = keychain();
    let lab = profile("https://lab.test.invalid");
    let err = keychain.set_auth_token(&lab, "token").unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("No keychain is reachable") && message.contains("Secret Service"),
        "{message}"
    );
    assert!(keychain.auth_token(&lab).is_err());
}

/// Runs `antimony` with its profiles in `home` and this test's keychain service.
fn antimony(
    home: &std::path::Path,
    args: &[&str],
    password: Option<&str>,
) -> (i32, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_antimony"));
    command
        .args(args)
        .env("ANTIMONY_CONFIG", home.join("servers.toml"))
        .env(
            "ANTIMONY_KEYCHAIN_SERVICE",
            format!("antimony-cli-test-{}", std::process::id()),
        )
        .env_remove("ANTIMONY_SERVER")
        .env_remove("ANTIMONY_USER")
        .env_remove("ANTIMONY_PASSWORD")
        .stdin(std::process::Stdio::null());
    if let Some(password) = password {
        command.env("ANTIMONY_PASSWORD", password);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs a Secret Service and the reference server: run by scripts/test inside dbus-run-session"]
fn cli_login_keeps_the_login_in_the_keychain_across_server_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path();
    let mut server = antimony_fakes::ReferenceServer::start(&home.join("state.json"), 0).unwrap();
    let origin = server.origin();
    // The Go server serves REST at the root (Traefik strips /api in front of it).
    let (code, _, err) = antimony(
        home,
        &["server", "add", "go", &origin, "--api", &origin],
        None,
    );
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = antimony(home, &["login", "--user", "admin"], Some("admin"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "Logged in to go as admin (admin).");
    let profile = ServerProfile::new("go", &origin).unwrap();
    let keychain = Keychain::with_service(format!("antimony-cli-test-{}", std::process::id()));
    let first = keychain
        .auth_token(&profile)
        .unwrap()
        .expect("the auth token is kept");
    assert_eq!(
        keychain.password(&profile).unwrap(),
        None,
        "only on request"
    );
    let file = std::fs::read_to_string(home.join("servers.toml")).unwrap();
    assert!(
        file.contains("user = \"admin\"")
            && !file.contains(&first)
            && !file.contains("\"admin\"\npassword")
    );

    // Later commands use the keychain: no password needed.
    let (code, out, err) = antimony(home, &["labs"], None);
    assert_eq!((code, out.trim()), (0, "No labs."), "{err}");

    // A restart kills every token; without a kept password, a new login is needed (exit 3).
    server.restart().unwrap();
    let (code, _, err) = antimony(home, &["labs"], None);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("antimony login"), "{err}");

    // With the password kept, the next command after a restart logs in again by itself and
    // keeps the new tokens.
    let (code, _, err) = antimony(home, &["login", "--save-password"], Some("admin"));
    assert_eq!(code, 0, "{err}");
    let before = keychain.auth_token(&profile).unwrap().unwrap();
    server.restart().unwrap();
    let (code, out, err) = antimony(home, &["labs"], None);
    assert_eq!((code, out.trim()), (0, "No labs."), "{err}");
    let after = keychain.auth_token(&profile).unwrap().unwrap();
    assert_ne!(before, after, "the new login is kept");

    // Logout removes every entry.
    let (code, out, err) = antimony(home, &["logout"], None);
    assert_eq!((code, out.trim()), (0, "Logged out of go."), "{err}");
    assert_eq!(keychain.auth_token(&profile).unwrap(), None);
    assert_eq!(keychain.access_token(&profile).unwrap(), None);
    assert_eq!(keychain.password(&profile).unwrap(), None);
    let (code, _, _) = antimony(home, &["labs"], None);
    assert_eq!(code, 3);
}

/// antimony-server on a loopback port, its login configuration offering OpenID Connect (the
/// provider is never reached) besides the native login; its origin.
async fn openid_server(data: &std::path::Path) -> String {
    let mut config = antimony_server::Config::with_data_dir(data);
    config.auth.native_username = "admin".into();
    config.auth.native_password = "s3cret".into();
    config.auth.open_id = Some(antimony_server::config::OpenIdConfig {
        issuer: "http://127.0.0.1:9/oidc".into(),
        client_id: "antimony".into(),
        client_secret: "not-used".into(),
        redirect_host: "http://127.0.0.1:9/api".into(),
        admin_groups: vec![],
        scopes: vec!["openid".into()],
    });
    let state = antimony_server::AppState::open(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(antimony_server::serve(
        state,
        listener,
        std::future::pending(),
    ));
    origin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a Secret Service: run by scripts/test inside dbus-run-session"]
async fn cli_reuses_the_login_the_app_keeps_for_an_openid_server() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_owned();
    let origin = openid_server(&home.join("data")).await;
    let cli = |args: &[&str]| {
        let (home, args): (_, Vec<String>) =
            (home.clone(), args.iter().map(|a| (*a).to_owned()).collect());
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            antimony(&home, &args, None)
        })
    };
    let (code, _, err) = cli(&["server", "add", "lab", &origin]).await.unwrap();
    assert_eq!(code, 0, "{err}");

    // Nothing kept yet: log in from the app.
    let (code, _, err) = cli(&["login", "--openid"]).await.unwrap();
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("once in Antimony Desktop"), "{err}");
    assert!(!err.contains("keychain cannot be read"), "{err}");

    // What the app does after its OpenID window: adopt the tokens into the keychain (the same
    // service the command line reads; the test's own here). A native login stands in for the
    // provider's pages.
    let profile = ServerProfile::new("lab", &origin).unwrap();
    let rest = antimony_client::rest::RestClient::new(profile.clone()).unwrap();
    let identity = rest.login_native("admin", "s3cret").await.unwrap();
    let keychain = Keychain::with_service(format!("antimony-cli-test-{}", std::process::id()));
    let login = antimony_client::account::adopt_tokens(&profile, &keychain, rest.tokens()).unwrap();
    assert!(login.not_kept.is_none(), "{:?}", login.not_kept);

    let (code, out, err) = cli(&["login", "--openid"]).await.unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!(
            "Logged in to lab as {} (admin), with the login Antimony Desktop keeps in the keychain.",
            identity.id
        )
    );
    let (code, out, err) = cli(&["labs"]).await.unwrap();
    assert_eq!((code, out.trim()), (0, "No labs."), "{err}");

    // A login the server no longer takes (logged out elsewhere) is no login.
    rest.logout().await.unwrap();
    let (code, _, err) = cli(&["login", "--openid"]).await.unwrap();
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("once in Antimony Desktop"), "{err}");
    keychain.forget(&profile).unwrap();
}
