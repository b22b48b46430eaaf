//! The login state of a [`RestClient`]: the two tokens, credentials to log in again with, and
//! who is told when the tokens change. Native login reads both token cookies; a refresh renews
//! the access token with the auth token; when a refresh is refused, remembered credentials log
//! in again, else the caller gets [`Error::NotLoggedIn`].

use std::sync::{Mutex, MutexGuard};

use antimony_protocol::rest::{NativeCredentials, cookie};
use antimony_protocol::{AccessClaims, Envelope, Timestamp, decode_claims_unverified};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};

use super::RestClient;
use crate::{Error, Result};

/// The two tokens of a login.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    /// The access token (30 minutes).
    pub access: Option<String>,
    /// The auth (refresh) token (30 days): keep it in the keychain.
    pub auth: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &self.access.as_ref().map(|_| "<set>"))
            .field("auth", &self.auth.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// Called with the new tokens whenever they change (to keep them in the keychain).
type TokenListener = Box<dyn Fn(&Tokens) + Send + Sync>;

/// What a client knows about its login.
#[derive(Default)]
pub(super) struct LoginState {
    tokens: Mutex<Tokens>,
    /// Credentials to log in again with when a refresh is refused (e.g. after the server
    /// restarted, which kills every token).
    credentials: Mutex<Option<NativeCredentials>>,
    listener: Mutex<Option<TokenListener>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl LoginState {
    pub(super) fn tokens(&self) -> MutexGuard<'_, Tokens> {
        lock(&self.tokens)
    }
}

/// The `name=value` of a `Set-Cookie` header, if it sets `name`.
fn cookie_value(header: &str, name: &str) -> Option<String> {
    let pair = header.split(';').next()?.trim();
    let (key, value) = pair.split_once('=')?;
    (key == name && !value.is_empty()).then(|| value.to_owned())
}

impl RestClient {
    /// The current tokens (to store the auth token in the keychain).
    pub fn tokens(&self) -> Tokens {
        self.login.tokens().clone()
    }

    /// Uses tokens from an earlier login (e.g. the keychain).
    pub fn set_tokens(&self, tokens: Tokens) {
        *self.login.tokens() = tokens;
    }

    /// Keeps credentials to log in again with when the auth token is refused; without them
    /// the caller gets [`Error::NotLoggedIn`] and must ask the user.
    pub fn remember_credentials(&self, username: &str, password: &str) {
        *lock(&self.login.credentials) = Some(NativeCredentials {
            username: username.to_owned(),
            password: password.to_owned(),
        });
    }

    /// Calls `listener` with the tokens after every login and refresh.
    pub fn on_tokens_changed(&self, listener: impl Fn(&Tokens) + Send + Sync + 'static) {
        *lock(&self.login.listener) = Some(Box::new(listener));
    }

    fn tokens_changed(&self) {
        let tokens = self.tokens();
        if let Some(listener) = lock(&self.login.listener).as_ref() {
            listener(&tokens);
        }
    }

    /// Logs in again with remembered credentials, if there are any.
    async fn login_again(&self, why: &str) -> Result<String> {
        let credentials = lock(&self.login.credentials).clone();
        let Some(credentials) = credentials else {
            return Err(self.not_logged_in(why));
        };
        tracing::info!("{why}; logging in again");
        self.login_native(&credentials.username, &credentials.password)
            .await?;
        self.login
            .tokens()
            .access
            .clone()
            .ok_or_else(|| self.not_logged_in(why))
    }

    /// Who the access token says the user is (decoded without the secret).
    pub fn identity(&self) -> Option<AccessClaims> {
        self.login
            .tokens()
            .access
            .as_deref()
            .and_then(|t| decode_claims_unverified(t).ok())
    }

    pub(super) fn not_logged_in(&self, reason: &str) -> Error {
        Error::NotLoggedIn {
            server: self.profile.origin.clone(),
            reason: reason.to_owned(),
        }
    }

    /// Native login: keeps both tokens from the cookies and returns the identity.
    pub async fn login_native(&self, username: &str, password: &str) -> Result<AccessClaims> {
        let credentials = NativeCredentials {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        let response = self
            .http
            .post(self.profile.rest_url("/users/login/native"))
            .header(CONTENT_TYPE, "application/json")
            .json(&credentials)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        self.check_pin(&response)?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.api_error(response).await);
        }
        let mut tokens = Tokens::default();
        for header in response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
        {
            if let Some(value) = cookie_value(header, cookie::ACCESS_TOKEN) {
                tokens.access = Some(value);
            }
            if let Some(value) = cookie_value(header, cookie::AUTH_TOKEN) {
                tokens.auth = Some(value);
            }
        }
        if tokens.access.is_none() || tokens.auth.is_none() {
            return Err(Error::Protocol(
                "the login answer set no token cookies".into(),
            ));
        }
        self.set_tokens(tokens);
        self.tokens_changed();
        self.identity()
            .ok_or_else(|| Error::Protocol("the access token carries no identity".into()))
    }

    /// Gets a new access token with the auth token (`GET /users/login/refresh`).
    pub async fn refresh(&self) -> Result<String> {
        let auth = self.login.tokens().auth.clone();
        let Some(auth) = auth else {
            return self.login_again("no auth token").await;
        };
        let response = self
            .http
            .get(self.profile.rest_url("/users/login/refresh"))
            .header(COOKIE, format!("{}={auth}", cookie::AUTH_TOKEN))
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        self.check_pin(&response)?;
        if !response.status().is_success() {
            let error = self.api_error(response).await;
            tracing::info!(%error, "refresh refused");
            return self
                .login_again("the server refused to renew the login")
                .await;
        }
        let envelope: Envelope<String> = response
            .json()
            .await
            .map_err(|e| Error::Protocol(format!("refresh answer: {e}")))?;
        self.login.tokens().access = Some(envelope.payload.clone());
        self.tokens_changed();
        Ok(envelope.payload)
    }

    /// The access token, refreshed first when it is about to expire.
    pub async fn access_token(&self) -> Result<String> {
        let now = Timestamp::now_utc().unix_timestamp();
        // Take the token first: a guard in the `match` would live through `identity()`.
        let token = self.login.tokens().access.clone();
        match (token, self.identity()) {
            (Some(token), Some(claims)) if !claims.is_expired_at(now + 30) => Ok(token),
            _ => self.refresh().await,
        }
    }

    /// `POST /users/logout` with the auth token (antimony-server revokes the login session;
    /// the Go server only expires its cookies), and forgets the tokens here.
    pub async fn logout(&self) -> Result<()> {
        let auth = self.login.tokens().auth.clone();
        let mut request = self.http.post(self.profile.rest_url("/users/logout"));
        if let Some(auth) = auth {
            request = request.header(COOKIE, format!("{}={auth}", cookie::AUTH_TOKEN));
        }
        let response = request.send().await.map_err(|e| self.unreachable(&e));
        self.set_tokens(Tokens::default());
        let response = response?;
        self.check_pin(&response)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_token_cookies() {
        assert_eq!(
            cookie_value("accessToken=abc; Path=/; SameSite=Lax", "accessToken").as_deref(),
            Some("abc")
        );
        assert_eq!(cookie_value("authToken=xyz; HttpOnly", "accessToken"), None);
        assert_eq!(
            cookie_value("accessToken=; Max-Age=0", "accessToken"),
            None,
            "an expired cookie"
        );
    }

    #[test]
    fn tokens_do_not_show_in_debug_output() {
        let tokens = Tokens {
            access: Some("secret-a".into()),
            auth: Some("secret-b".into()),
        };
        let text = format!("{tokens:?}");
        assert!(!text.contains("secret"), "{text}");
    }
}
