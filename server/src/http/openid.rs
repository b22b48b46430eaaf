//! `GET /users/login/openid` and `GET /users/login/success` (PROTOCOL.md §3.6): the browser
//! goes to the provider and comes back with the three cookies of the Go server (`authToken`,
//! `authOidc=true`, `accessToken`), so the official web UI's OpenID button works unchanged.
//!
//! Unlike the Go server, the return URL (the `Referer`, as there) is kept only when it is one
//! of this server's own origins (the request's host, `server.allowedOrigins`, or the origin of
//! `auth.openIdRedirectHost`); any other goes back to `/`.

use std::time::Instant;

use antimony_protocol::rest::cookie;
use axum::extract::{RawQuery, Request, State};
use axum::http::header::{HOST, LOCATION, REFERER};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;

use super::ApiError;
use super::users::{now, over_https, token_cookie};
use crate::AppState;
use crate::auth::openid::{OpenId, OpenIdError};
use crate::auth::{TokenKind, new_session_id};
use crate::config::Config;
use crate::net::HostPolicy;

/// The longest `Referer` kept as a return URL.
const MAX_RETURN_URL: usize = 2048;
/// The longest `code` or `state` looked at.
const MAX_PARAMETER: usize = 4096;

fn enabled(state: &AppState) -> Result<&OpenId, ApiError> {
    state
        .openid
        .as_ref()
        .ok_or_else(|| ApiError::unauthorized("authentication via openid is disabled"))
}

impl From<OpenIdError> for ApiError {
    fn from(error: OpenIdError) -> Self {
        match &error {
            OpenIdError::UnknownLogin | OpenIdError::Refused(_) => {
                tracing::info!(%error, "OpenID login refused");
                ApiError::unauthorized(&error.to_string())
            }
            OpenIdError::Provider(_) | OpenIdError::Exchange(_) => {
                tracing::warn!(%error, "OpenID login failed");
                ApiError::refused(&error.to_string())
            }
        }
    }
}

fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(LOCATION, location.to_owned())]).into_response()
}

/// `GET /users/login/openid`: 302 to the provider.
pub(super) async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let openid = enabled(&state)?;
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let return_to = return_url(
        &state.config,
        openid.redirect_host(),
        header(REFERER),
        header(HOST),
    );
    let url = openid.start(return_to, Instant::now()).await?;
    Ok(found(&url))
}

/// `GET /users/login/success?code&state` (or `?error&state`): the cookies, and 302 back.
pub(super) async fn success(
    State(state): State<AppState>,
    jar: CookieJar,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, ApiError> {
    let openid = enabled(&state)?;
    let (mut code, mut login, mut error) = (None, None, None);
    for (key, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()).take(16) {
        if value.len() > MAX_PARAMETER {
            continue;
        }
        match &*key {
            "code" => code = Some(value.into_owned()),
            "state" => login = Some(value.into_owned()),
            "error" => error = Some(value.into_owned()),
            _ => {}
        }
    }
    let now_instant = Instant::now();
    let login = login.ok_or(OpenIdError::UnknownLogin)?;
    if let Some(error) = error {
        return Err(openid.refuse(&login, &error, now_instant).into());
    }
    let Some(code) = code else {
        return Err(openid.refuse(&login, "no code", now_instant).into());
    };
    let vouched = openid.finish(&login, &code, now_instant).await?;
    let user = state
        .store
        .openid_user(
            &vouched.subject,
            &vouched.name,
            vouched.is_admin,
            vouched.groups,
        )
        .await?;
    tracing::info!(user = %user.id, admin = user.is_admin, "OpenID login");
    let secure = over_https(request.extensions(), request.headers());
    let (issued, sid) = (now(), new_session_id());
    let tokens = &state.tokens;
    let auth = tokens.issue_in(Some(&sid), TokenKind::Auth, &user.id, user.is_admin, issued);
    let access = tokens.issue_in(
        Some(&sid),
        TokenKind::Access,
        &user.id,
        user.is_admin,
        issued,
    );
    let oidc = Cookie::build((cookie::AUTH_OIDC, "true"))
        .path("/")
        .secure(secure)
        .build();
    let jar = jar
        .add(token_cookie(cookie::AUTH_TOKEN, auth, true, secure))
        .add(oidc)
        .add(token_cookie(cookie::ACCESS_TOKEN, access, false, secure));
    Ok((jar, found(&vouched.return_to)).into_response())
}

/// Where the browser goes after the login: the `Referer` when it is one of this server's own
/// origins, else `/`.
pub(super) fn return_url(
    config: &Config,
    redirect_host: &str,
    referer: Option<&str>,
    host: Option<&str>,
) -> String {
    let fallback = || "/".to_owned();
    let Some(referer) = referer.filter(|r| r.len() <= MAX_RETURN_URL) else {
        return fallback();
    };
    let Ok(url) = reqwest::Url::parse(referer) else {
        return fallback();
    };
    if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() {
        return fallback();
    }
    let origin = url.origin().ascii_serialization();
    let policy = HostPolicy::new(
        config.bind.ip(),
        &config.public_hosts,
        &config.allowed_origins,
    );
    let public = reqwest::Url::parse(redirect_host)
        .is_ok_and(|public| public.origin().ascii_serialization() == origin);
    if public || policy.origin_allowed(&origin, host) {
        url.into()
    } else {
        fallback()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_servers_own_origins_are_returned_to() {
        let mut config = Config::with_data_dir("/nonexistent");
        config.allowed_origins = vec!["https://ui.example.org".into()];
        let api = "https://lab.example.org/api";
        let host = Some("127.0.0.1:3000");
        let back = |referer: &str| return_url(&config, api, Some(referer), host);
        assert_eq!(
            back("http://127.0.0.1:3000/labs?x=1"),
            "http://127.0.0.1:3000/labs?x=1"
        );
        assert_eq!(
            back("https://lab.example.org/dashboard"),
            "https://lab.example.org/dashboard"
        );
        assert_eq!(back("https://ui.example.org/"), "https://ui.example.org/");
        for foreign in [
            "http://evil.example/",
            "http://127.0.0.1:3001/",
            "https://lab.example.org.evil.example/",
            "javascript:alert(1)",
            "http://user@127.0.0.1:3000/",
            "not a url",
        ] {
            assert_eq!(back(foreign), "/", "{foreign}");
        }
        assert_eq!(return_url(&config, api, None, host), "/");
        let long = format!("http://127.0.0.1:3000/{}", "a".repeat(MAX_RETURN_URL));
        assert_eq!(back(&long), "/");
    }
}
