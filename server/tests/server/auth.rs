//! Login, refresh, logout and token checks (PROTOCOL.md §3).

use antimony_protocol::rest::LoginConfig;
use antimony_protocol::{AccessClaims, NATIVE_ADMIN_ID, Timestamp, decode_claims_unverified};
use antimony_server::auth::TokenKind;
use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::json;

use crate::harness::{MEMBER, Reply, TestServer};

fn login_request(body: &str) -> Request<Body> {
    Request::post("/users/login/native")
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap()
}

/// The `Set-Cookie` header for `name`.
fn set_cookie<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", reply.headers))
}

fn cookie_value(set_cookie: &str) -> String {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

#[tokio::test]
async fn login_config_reports_native_login_and_auto_login() {
    let server = TestServer::new().await;
    let reply = server
        .call(Method::GET, "/users/login/config", None, None)
        .await;
    let config: LoginConfig = serde_json::from_value(reply.payload().clone()).unwrap();
    assert!(config.native.enabled && !config.native.allow_empty && !config.open_id.enabled);

    let auto = TestServer::with_config(|dir| antimony_server::Config::with_data_dir(dir)).await;
    let reply = auto
        .call(Method::GET, "/users/login/config", None, None)
        .await;
    assert_eq!(reply.payload()["native"]["allowEmpty"], json!(true));
    // Auto login: empty credentials work.
    let login = auto
        .send(login_request(r#"{"username":"","password":""}"#))
        .await;
    assert_eq!(login.status, 200);
}

#[tokio::test]
async fn native_login_sets_a_readable_access_cookie_and_an_http_only_auth_cookie() {
    let server = TestServer::new().await;
    let reply = server
        .send(login_request(
            r#"{"username":"admin","password":"hunter2"}"#,
        ))
        .await;
    assert_eq!(reply.status, 200);
    assert!(reply.raw.is_empty(), "login answers with an empty body");
    let access = set_cookie(&reply, "accessToken");
    let auth = set_cookie(&reply, "authToken");
    assert!(
        access.contains("Path=/") && !access.contains("HttpOnly"),
        "{access}"
    );
    assert!(
        auth.contains("Path=/") && auth.contains("HttpOnly"),
        "{auth}"
    );
    assert!(
        !access.contains("Max-Age") && !access.contains("Expires"),
        "session cookie: {access}"
    );

    // The web UI decodes the access token's payload for its identity.
    let claims: AccessClaims = decode_claims_unverified(&cookie_value(access)).unwrap();
    assert_eq!(claims.id, NATIVE_ADMIN_ID);
    assert!(claims.is_admin);
    assert_eq!(claims.exp - claims.nbf, 30 * 60);

    // The cookie works on REST, and so does the same token as a Bearer header.
    let token = cookie_value(access);
    assert_eq!(server.get("/collections", &token).await.status, 200);
    let bearer = Request::get("/collections")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.send(bearer).await.status, 200);
}

#[tokio::test]
async fn wrong_or_unparsable_credentials_give_1001() {
    let server = TestServer::new().await;
    for body in [
        r#"{"username":"admin","password":"nope"}"#,
        r#"{"username":"","password":""}"#,
        "garbage",
        r#"{"username":5}"#,
        "",
    ] {
        let reply = server.send(login_request(body)).await;
        assert_eq!(
            reply.error(400, 1001),
            "the provided native credentials were invalid",
            "{body}"
        );
        assert!(reply.headers.get("set-cookie").is_none());
    }
}

#[tokio::test]
async fn native_login_can_be_disabled() {
    let server = TestServer::with_config(|dir| {
        let mut config = crate::harness::config(dir);
        config.auth.enable_native = false;
        config
    })
    .await;
    let reply = server
        .send(login_request(
            r#"{"username":"admin","password":"hunter2"}"#,
        ))
        .await;
    assert_eq!(reply.error(401, 401), "native authentication is disabled");
}

#[tokio::test]
async fn refresh_issues_a_new_access_token_from_the_auth_cookie() {
    let server = TestServer::new().await;
    let login = server
        .send(login_request(
            r#"{"username":"admin","password":"hunter2"}"#,
        ))
        .await;
    let auth = cookie_value(set_cookie(&login, "authToken"));
    let access = cookie_value(set_cookie(&login, "accessToken"));

    let refresh = |cookie: Option<String>| {
        let mut builder = Request::get("/users/login/refresh");
        if let Some(cookie) = cookie {
            builder = builder.header("cookie", cookie);
        }
        builder.body(Body::empty()).unwrap()
    };
    let reply = server
        .send(refresh(Some(format!("authToken={auth}"))))
        .await;
    let token = reply.payload().as_str().unwrap().to_owned();
    assert_eq!(
        cookie_value(set_cookie(&reply, "accessToken")),
        token,
        "the UI reads the cookie"
    );
    assert_eq!(server.get("/devices", &token).await.status, 200);

    reply_error(server.send(refresh(None)).await, 401, 401);
    reply_error(
        server.send(refresh(Some("authToken=garbage".into()))).await,
        403,
        403,
    );
    // An access token is not an auth token.
    reply_error(
        server
            .send(refresh(Some(format!("authToken={access}"))))
            .await,
        403,
        403,
    );
}

fn reply_error(reply: Reply, status: u16, code: i64) {
    reply.error(status, code);
}

#[tokio::test]
async fn logout_expires_all_three_cookies() {
    let server = TestServer::new().await;
    let reply = server.call(Method::POST, "/users/logout", None, None).await;
    assert_eq!(reply.status, 200);
    for name in ["accessToken", "authToken", "authOidc"] {
        assert!(set_cookie(&reply, name).contains("Max-Age=0"), "{name}");
    }
}

#[tokio::test]
async fn missing_tokens_give_401_and_bad_ones_498() {
    let server = TestServer::new().await;
    let now = Timestamp::now_utc().unix_timestamp();
    let reply = server.call(Method::GET, "/labs", None, None).await;
    assert_eq!(reply.error(401, 401), "the request was unauthorized");

    let expired = server
        .state
        .tokens
        .issue(TokenKind::Access, MEMBER, false, now - 3600);
    let auth_token = server
        .state
        .tokens
        .issue(TokenKind::Auth, MEMBER, false, now);
    let unknown_user = server
        .state
        .tokens
        .issue(TokenKind::Access, "no-such-user", false, now);
    for token in [
        "garbage",
        expired.as_str(),
        auth_token.as_str(),
        unknown_user.as_str(),
    ] {
        let reply = server.get("/labs", token).await;
        assert_eq!(reply.error(498, 498), "the auth token provided was invalid");
    }
    let bearer = Request::get("/labs")
        .header("authorization", "Bearer nope")
        .body(Body::empty())
        .unwrap();
    server.send(bearer).await.error(498, 498);
}

#[tokio::test]
async fn openid_endpoints_say_openid_is_disabled() {
    let server = TestServer::new().await;
    for path in ["/users/login/openid", "/users/login/success?code=x&state=y"] {
        let reply = server.call(Method::GET, path, None, None).await;
        assert_eq!(
            reply.error(401, 401),
            "authentication via openid is disabled"
        );
    }
}
