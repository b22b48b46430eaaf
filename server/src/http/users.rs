//! Login, refresh and logout (PROTOCOL.md §3.3).

use antimony_protocol::rest::{
    LoginConfig, NativeCredentials, NativeLoginConfig, OpenIdLoginConfig, cookie,
};
use antimony_protocol::{ErrorCode, Timestamp};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

use super::extract::read_body;
use super::{ApiError, ok};
use crate::AppState;
use crate::auth::{TokenKind, native_credentials_match};
use crate::store::User;

/// `GET /users/login/config`
pub(super) async fn login_config(State(state): State<AppState>) -> Response {
    let auth = &state.config.auth;
    ok(LoginConfig {
        open_id: OpenIdLoginConfig { enabled: false },
        native: NativeLoginConfig {
            enabled: auth.enable_native,
            allow_empty: auth.allow_empty(),
        },
    })
}

fn token_cookie(name: &'static str, value: String, http_only: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(http_only)
        .same_site(SameSite::Lax)
        .build()
}

fn now() -> i64 {
    Timestamp::now_utc().unix_timestamp()
}

/// `POST /users/login/native`: 200 with an empty body and both token cookies.
pub(super) async fn login_native(
    State(state): State<AppState>,
    jar: CookieJar,
    req: Request,
) -> Result<Response, ApiError> {
    if !state.config.auth.enable_native {
        return Err(ApiError::unauthorized("native authentication is disabled"));
    }
    let body = read_body(req, &state).await?;
    let credentials: NativeCredentials = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request(ErrorCode::InvalidCredentials, None))?;
    if !native_credentials_match(
        &state.config.auth,
        &credentials.username,
        &credentials.password,
    ) {
        tracing::info!(username = %credentials.username, "native login refused");
        return Err(ApiError::bad_request(ErrorCode::InvalidCredentials, None));
    }
    let admin = User::native_admin();
    let now = now();
    let auth = state.tokens.issue(TokenKind::Auth, &admin.id, true, now);
    let access = state.tokens.issue(TokenKind::Access, &admin.id, true, now);
    let jar = jar
        .add(token_cookie(cookie::AUTH_TOKEN, auth, true))
        .add(token_cookie(cookie::ACCESS_TOKEN, access, false));
    Ok((jar, ()).into_response())
}

/// `GET /users/login/refresh`: a new access token for the `authToken` cookie.
pub(super) async fn refresh(
    State(state): State<AppState>,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    let token = jar
        .get(cookie::AUTH_TOKEN)
        .map(|c| c.value().to_owned())
        .ok_or_else(|| ApiError::unauthorized(ErrorCode::Unauthorized.message()))?;
    let forbidden = || ApiError::forbidden(ErrorCode::Forbidden.message());
    let claims = state
        .tokens
        .verify(&token, TokenKind::Auth, now())
        .map_err(|_| forbidden())?;
    let user = state.store.user(&claims.id).await?.ok_or_else(forbidden)?;
    let access = state
        .tokens
        .issue(TokenKind::Access, &user.id, user.is_admin, now());
    let jar = jar.add(token_cookie(cookie::ACCESS_TOKEN, access.clone(), false));
    Ok((jar, ok(access)).into_response())
}

/// `POST /users/logout`: expires the three cookies. Tokens are not revoked.
pub(super) async fn logout(jar: CookieJar) -> Response {
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
    (jar, ()).into_response()
}

/// `GET /users/login/openid` and `/users/login/success`: OpenID is not supported yet.
pub(super) async fn openid_disabled() -> ApiError {
    ApiError::unauthorized("authentication via openid is disabled")
}
