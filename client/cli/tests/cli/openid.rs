//! `antimony login --openid`: the command line cannot receive an OpenID Connect login (the
//! server hands it back only as cookies of its origin), so it says so and where to log in
//! instead. Reusing the app's login from the keychain is in tests/keychain.

use crate::harness::{run, stack, stack_openid};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_openid_says_to_log_in_once_from_the_app() {
    let stack = stack_openid().await;
    let mut command = stack.bare();
    command.env("ANTIMONY_SERVER", &stack.origin);
    let refused = run(command, &["login", "--openid"]).await;
    let message = refused.fails(3);
    for part in [
        "logs in through OpenID Connect",
        "only as cookies of its own origin",
        "a system browser cannot pass it to the command line",
        "once in Antimony Desktop",
        "OS keychain",
        &stack.origin,
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
    // There is no keychain in these runs: that is said too.
    assert!(message.contains("the keychain cannot be read"), "{message}");
    assert!(refused.stdout.is_empty(), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_openid_on_a_server_without_it_points_to_the_native_login() {
    let stack = stack().await;
    let mut command = stack.bare();
    command.env("ANTIMONY_SERVER", &stack.origin);
    let refused = run(command, &["login", "--openid"]).await;
    assert!(
        refused
            .fails(3)
            .contains("does not offer OpenID Connect login: log in with `antimony login`"),
        "{refused:?}"
    );
    // --openid and --save-password exclude each other (usage, exit 2).
    let mut both = stack.bare();
    both.env("ANTIMONY_SERVER", &stack.origin);
    let usage = run(both, &["login", "--openid", "--save-password"]).await;
    assert_eq!(usage.code, 2, "{usage:?}");
}
