//! Login, refresh and logout (PROTOCOL.md §3.3).

use antimony_protocol::rest::{
    LoginConfig, NativeCredentials, NativeLoginConfig, OpenIdLoginConfig, cookie,
};
use std::net::SocketAddr;
use std::time::Instant;

use antimony_protocol::{ErrorCode, Timestamp};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use super::extract::read_body;
use super::{ApiError, ok};
use crate::AppState;
use crate::auth::{TokenKind, native_credentials_match, new_session_id};
use crate::store::User;

/// `GET /users/login/config`
pub(super) async fn login_config(State(state): State<AppState>) -> Response {
    let auth = &state.config.auth;
    ok(LoginConfig {
        open_id: OpenIdLoginConfig {
            enabled: state.openid.is_some(),
        },
        native: NativeLoginConfig {
            enabled: auth.enable_native,
            allow_empty: auth.allow_empty(),
        },
    })
}

/// A token cookie: `SameSite=Strict` (no other site's page sends it), `Secure` when the
/// request came over HTTPS.
pub(super) fn token_cookie(
    name: &'static str,
    value: String,
    http_only: bool,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Strict)
        .secure(secure)
        .build()
}

/// Whether the request came over HTTPS: this server's own TLS, a TLS-terminating proxy's
/// `X-Forwarded-Proto`, or a browser's `Origin` naming the scheme.
pub(super) fn over_https(parts: &axum::http::Extensions, headers: &HeaderMap) -> bool {
    if parts.get::<crate::net::OverTls>().is_some() {
        return true;
    }
    let says = |name: &str, prefix: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with(prefix))
    };
    says("x-forwarded-proto", "https") || says("origin", "https://")
}

pub(super) fn now() -> i64 {
    Timestamp::now_utc().unix_timestamp()
}

/// `POST /users/login/native`: 200 with an empty body and both token cookies.
///
/// The body must be JSON (`Content-Type: application/json`). Failed logins are throttled per
/// client address and per user name (429 with `Retry-After`, see `auth::LoginThrottle`).
pub(super) async fn login_native(
    State(state): State<AppState>,
    jar: CookieJar,
    req: Request,
) -> Result<Response, ApiError> {
    if !state.config.auth.enable_native {
        return Err(ApiError::unauthorized("native authentication is disabled"));
    }
    if !is_json(req.headers()) {
        return Err(ApiError::invalid_body(
            "the request body must be JSON (Content-Type: application/json)",
        ));
    }
    let secure = over_https(req.extensions(), req.headers());
    let address = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip());
    let body = read_body(req, &state).await?;
    let credentials: NativeCredentials = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request(ErrorCode::InvalidCredentials, None))?;
    if let Some(wait) = state
        .throttle
        .wait(address, &credentials.username, Instant::now())
    {
        return Err(ApiError::too_many_requests(
            "too many failed logins; try again later",
            wait,
        ));
    }
    if !native_credentials_match(
        &state.config.auth,
        &credentials.username,
        &credentials.password,
    ) {
        state
            .throttle
            .failed(address, &credentials.username, Instant::now());
        tracing::info!(username = %credentials.username.chars().take(64).collect::<String>(), ?address, "native login refused");
        return Err(ApiError::bad_request(ErrorCode::InvalidCredentials, None));
    }
    state.throttle.succeeded(address, &credentials.username);
    let admin = User::native_admin();
    let (now, sid) = (now(), new_session_id());
    let tokens = &state.tokens;
    let auth = tokens.issue_in(Some(&sid), TokenKind::Auth, &admin.id, true, now);
    let access = tokens.issue_in(Some(&sid), TokenKind::Access, &admin.id, true, now);
    let jar = jar
        .add(token_cookie(cookie::AUTH_TOKEN, auth, true, secure))
        .add(token_cookie(cookie::ACCESS_TOKEN, access, false, secure));
    Ok((jar, ()).into_response())
}

/// Whether a request says its body is JSON.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// `GET /users/login/refresh`: a new access token (of the same login session) for the
/// `authToken` cookie.
pub(super) async fn refresh(
    State(state): State<AppState>,
    jar: CookieJar,
    request: Request,
) -> Result<Response, ApiError> {
    let token = jar
        .get(cookie::AUTH_TOKEN)
        .map(|c| c.value().to_owned())
        .ok_or_else(|| ApiError::unauthorized(ErrorCode::Unauthorized.message()))?;
    let forbidden = || ApiError::forbidden(ErrorCode::Forbidden.message());
    let claims = state
        .sessions
        .verify(&token, TokenKind::Auth, now())
        .map_err(|_| forbidden())?;
    let user = state.store.user(&claims.id).await?.ok_or_else(forbidden)?;
    let access = state.tokens.issue_in(
        claims.sid.as_deref(),
        TokenKind::Access,
        &user.id,
        user.is_admin,
        now(),
    );
    let secure = over_https(request.extensions(), request.headers());
    let jar = jar.add(token_cookie(
        cookie::ACCESS_TOKEN,
        access.clone(),
        false,
        secure,
    ));
    Ok((jar, ok(access)).into_response())
}

/// `POST /users/logout`: ends the login session of the `authToken` cookie (its auth token and
/// every access token refreshed from it stop working) and expires the three cookies.
pub(super) async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    if let Some(token) = jar.get(cookie::AUTH_TOKEN).map(|c| c.value().to_owned())
        && let Ok(claims) = state.sessions.verify(&token, TokenKind::Auth, now())
        && let Some(sid) = &claims.sid
    {
        state.sessions.revoke(&state.store, sid, claims.exp).await?;
        tracing::info!(user = %claims.id, "logged out; the session is revoked");
    }
    let expired = |name: &'static str| {
        Cookie::build((name, ""))
            .path("/")
            .max_age(time::Duration::ZERO)
            .build()
    };
    let jar = jar
        .add(expired(cookie::ACCESS_TOKEN))
        .add(expired(cookie::AUTH_TOKEN))
        .add(expired(cookie::AUTH_OIDC));
    Ok((jar, ()).into_response())
}
