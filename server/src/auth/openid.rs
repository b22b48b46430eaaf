//! OpenID Connect login (PROTOCOL.md §3.6), with what the Go server leaves out: the
//! authorization-code flow with PKCE (S256), a `state` that is single-use and expires, and the
//! ID token's `nonce` checked. The provider is found by discovery from the issuer (again every
//! [`DISCOVERY_TTL`], so rotated keys are picked up) and asked with the `openidconnect` crate
//! over this server's own HTTP client, which follows no redirects and reads at most
//! [`MAX_RESPONSE`] of any answer.
//!
//! The HTTP side (`http::users`) decides the return URL and sets the cookies; this module
//! keeps the logins under way and talks to the provider.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};

use crate::config::OpenIdConfig;

/// How long a login may take from the redirect to the provider to the return.
pub const LOGIN_TTL: Duration = Duration::from_secs(600);
/// Logins under way at most; the oldest is dropped for a new one beyond that.
pub const MAX_PENDING: usize = 1024;
/// How long the provider's discovery document (and its keys) is trusted.
pub const DISCOVERY_TTL: Duration = Duration::from_secs(600);
/// The largest answer read from the provider.
pub const MAX_RESPONSE: usize = 1024 * 1024;
/// Groups kept per user at most, and their length.
const MAX_GROUPS: usize = 256;
const MAX_GROUP_LEN: usize = 256;

/// The client as discovery makes it.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What can go wrong in a login.
#[derive(Debug, thiserror::Error)]
pub enum OpenIdError {
    /// The provider cannot be reached or answered nonsense (HTTP 500).
    #[error("the OpenID provider cannot be used: {0}")]
    Provider(String),
    /// The return names no login under way (unknown, used, or expired `state`; HTTP 401).
    #[error("this login is unknown or has expired; start it again")]
    UnknownLogin,
    /// The provider refused the login (its `error`; HTTP 401).
    #[error("the OpenID provider refused the login: {0}")]
    Refused(String),
    /// The code exchange, the ID token or the user info failed (HTTP 500).
    #[error("the OpenID login could not be completed: {0}")]
    Exchange(String),
}

/// A user the provider vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIdUser {
    /// The provider's subject.
    pub subject: String,
    /// The display name: the e-mail address, else the subject.
    pub name: String,
    /// Whether a group is one of the admin groups.
    pub is_admin: bool,
    /// The groups (collections of the same names are the user's).
    pub groups: Vec<String>,
    /// Where the browser goes back to.
    pub return_to: String,
}

/// The `groups` claim of the user info (and of the ID token).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Groups {
    #[serde(default, deserialize_with = "groups")]
    groups: Vec<String>,
}

impl AdditionalClaims for Groups {}

/// A string array, a single string, or anything else (no groups).
fn groups<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(match value {
        serde_json::Value::String(one) => vec![one],
        serde_json::Value::Array(many) => many
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    })
}

/// A login under way, by its `state`.
struct Pending {
    verifier: String,
    nonce: String,
    return_to: String,
    started: Instant,
}

/// The OpenID side of a server.
pub struct OpenId {
    config: OpenIdConfig,
    http: reqwest::Client,
    provider: tokio::sync::Mutex<Option<(Instant, Arc<Client>)>>,
    pending: Mutex<HashMap<String, Pending>>,
}

impl std::fmt::Debug for OpenId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenId")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl OpenId {
    /// The login of `config`; the provider is asked on the first login.
    pub fn new(config: OpenIdConfig) -> crate::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| crate::Error::Config(format!("the OpenID HTTP client: {e}")))?;
        Ok(OpenId {
            config,
            http,
            provider: tokio::sync::Mutex::new(None),
            pending: Mutex::new(HashMap::new()),
        })
    }

    /// Where the provider sends the browser back.
    pub fn redirect_url(&self) -> String {
        format!("{}/users/login/success", self.config.redirect_host)
    }

    /// The provider's origin side of the configuration: the public REST base.
    pub fn redirect_host(&self) -> &str {
        &self.config.redirect_host
    }

    /// Starts a login that comes back to `return_to`: the provider's authorization URL.
    pub async fn start(&self, return_to: String, now: Instant) -> Result<String, OpenIdError> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scopes(
                self.config
                    .scopes
                    .iter()
                    .filter(|s| *s != "openid")
                    .map(|s| Scope::new(s.clone())),
            )
            .set_pkce_challenge(challenge)
            .url();
        self.remember(
            state.secret().clone(),
            Pending {
                verifier: verifier.secret().clone(),
                nonce: nonce.secret().clone(),
                return_to,
                started: now,
            },
            now,
        );
        Ok(url.into())
    }

    /// Ends the login of `state` without a user (the provider sent an `error`).
    pub fn refuse(&self, state: &str, error: &str, now: Instant) -> OpenIdError {
        let _ = self.take(state, now);
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(64)
            .collect();
        OpenIdError::Refused(error)
    }

    /// Finishes the login of `state` with the provider's `code`: the user.
    pub async fn finish(
        &self,
        state: &str,
        code: &str,
        now: Instant,
    ) -> Result<OpenIdUser, OpenIdError> {
        let pending = self.take(state, now).ok_or(OpenIdError::UnknownLogin)?;
        let client = self.client().await?;
        let http = |request| send(self.http.clone(), request);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| OpenIdError::Provider(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .request_async(&http)
            .await
            .map_err(|e| OpenIdError::Exchange(format!("the code exchange: {e}")))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| OpenIdError::Exchange("the provider sent no ID token".into()))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
            .map_err(|e| OpenIdError::Exchange(format!("the ID token: {e}")))?;
        let subject = claims.subject().clone();
        let info: UserInfoClaims<Groups, CoreGenderClaim> = client
            .user_info(tokens.access_token().clone(), Some(subject.clone()))
            .map_err(|e| OpenIdError::Provider(e.to_string()))?
            .request_async(&http)
            .await
            .map_err(|e| OpenIdError::Exchange(format!("the user info: {e}")))?;
        let groups = clean_groups(info.additional_claims().groups.clone());
        let subject = subject.as_str().to_owned();
        let name = info
            .email()
            .map(|e| e.as_str().to_owned())
            .filter(|e| !e.is_empty())
            .unwrap_or_else(|| subject.clone());
        Ok(OpenIdUser {
            is_admin: groups.iter().any(|g| self.config.admin_groups.contains(g)),
            name: name.chars().take(256).collect(),
            subject,
            groups,
            return_to: pending.return_to,
        })
    }

    /// The client, discovered anew when the last discovery is older than [`DISCOVERY_TTL`].
    async fn client(&self) -> Result<Arc<Client>, OpenIdError> {
        let mut cached = self.provider.lock().await;
        if let Some((at, client)) = cached.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(client.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| OpenIdError::Provider(format!("the issuer URL: {e}")))?;
        let http = |request| send(self.http.clone(), request);
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(|e| OpenIdError::Provider(format!("discovery: {e}")))?;
        let redirect = RedirectUrl::new(self.redirect_url())
            .map_err(|e| OpenIdError::Provider(format!("the redirect URL: {e}")))?;
        let client = Arc::new(
            CoreClient::from_provider_metadata(
                metadata,
                ClientId::new(self.config.client_id.clone()),
                Some(ClientSecret::new(self.config.client_secret.clone())),
            )
            .set_redirect_uri(redirect),
        );
        *cached = Some((Instant::now(), client.clone()));
        Ok(client)
    }

    fn remember(&self, state: String, login: Pending, now: Instant) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.retain(|_, p| now.saturating_duration_since(p.started) < LOGIN_TTL);
        while pending.len() >= MAX_PENDING {
            let oldest = pending
                .iter()
                .min_by_key(|(_, p)| p.started)
                .map(|(k, _)| k.clone());
            match oldest {
                Some(key) => pending.remove(&key),
                None => break,
            };
        }
        pending.insert(state, login);
    }

    /// The login of `state`, once: a second return with it finds nothing.
    fn take(&self, state: &str, now: Instant) -> Option<Pending> {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending
            .remove(state)
            .filter(|p| now.saturating_duration_since(p.started) < LOGIN_TTL)
    }

    /// Logins under way (for tests and diagnostics).
    pub fn pending(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Groups as kept: bounded in number and length, without control characters or repeats.
fn clean_groups(groups: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for group in groups {
        if group.is_empty() || group.len() > MAX_GROUP_LEN || group.chars().any(char::is_control) {
            continue;
        }
        if !kept.contains(&group) {
            kept.push(group);
        }
        if kept.len() == MAX_GROUPS {
            break;
        }
    }
    kept
}

/// An HTTP failure towards the provider.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request failed.
    #[error(transparent)]
    Request(#[from] reqwest::Error),
    /// The answer is over [`MAX_RESPONSE`].
    #[error("the answer is over {MAX_RESPONSE} bytes")]
    TooLarge,
    /// The answer could not be put together.
    #[error(transparent)]
    Http(#[from] openidconnect::http::Error),
}

/// Sends a request of the `openidconnect` crate with this server's client.
async fn send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let mut response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await?;
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if bytes.len() + chunk.len() > MAX_RESPONSE {
            return Err(HttpError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    let mut answer = openidconnect::http::Response::builder()
        .status(response.status())
        .body(bytes)?;
    *answer.headers_mut() = response.headers().clone();
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_id() -> OpenId {
        OpenId::new(OpenIdConfig {
            issuer: "http://127.0.0.1:9".into(),
            client_id: "antimony".into(),
            client_secret: "s".into(),
            redirect_host: "http://127.0.0.1:3000/api".into(),
            admin_groups: vec!["admins".into()],
            scopes: vec!["openid".into()],
        })
        .unwrap()
    }

    fn pending(started: Instant) -> Pending {
        Pending {
            verifier: "v".into(),
            nonce: "n".into(),
            return_to: "/".into(),
            started,
        }
    }

    #[test]
    fn a_state_is_used_once_and_expires() {
        let open_id = open_id();
        let t0 = Instant::now();
        open_id.remember("a".into(), pending(t0), t0);
        open_id.remember("b".into(), pending(t0), t0);
        assert!(open_id.take("a", t0).is_some());
        assert!(
            open_id.take("a", t0).is_none(),
            "a replayed state finds nothing"
        );
        assert!(open_id.take("b", t0 + LOGIN_TTL).is_none(), "expired");
        assert_eq!(open_id.pending(), 0);
    }

    #[test]
    fn pending_logins_are_bounded_dropping_the_oldest() {
        let open_id = open_id();
        let t0 = Instant::now();
        for i in 0..MAX_PENDING + 10 {
            let at = t0 + Duration::from_millis(i as u64);
            open_id.remember(format!("s{i}"), pending(at), at);
        }
        assert_eq!(open_id.pending(), MAX_PENDING);
        let now = t0 + Duration::from_secs(1);
        assert!(open_id.take("s0", now).is_none(), "the oldest went first");
        assert!(
            open_id
                .take(&format!("s{}", MAX_PENDING + 9), now)
                .is_some()
        );
    }

    #[test]
    fn groups_are_bounded_and_cleaned() {
        let mut many: Vec<String> = (0..300).map(|i| format!("g{i}")).collect();
        many.insert(0, String::new());
        many.insert(1, "bad\nline".into());
        many.insert(2, "g0".into());
        let kept = clean_groups(many);
        assert_eq!(kept.len(), MAX_GROUPS);
        assert_eq!(kept[0], "g0");
        assert!(!kept.iter().any(|g| g.is_empty() || g.contains('\n')));
        let decoded: Groups = serde_json::from_str(r#"{"groups": "solo"}"#).unwrap();
        assert_eq!(decoded.groups, ["solo"]);
        let decoded: Groups = serde_json::from_str(r#"{"groups": [1, "x", null]}"#).unwrap();
        assert_eq!(decoded.groups, ["x"]);
        let decoded: Groups = serde_json::from_str("{}").unwrap();
        assert!(decoded.groups.is_empty());
    }

    #[test]
    fn a_refusal_ends_the_login_and_keeps_the_error_short_and_printable() {
        let open_id = open_id();
        let t0 = Instant::now();
        open_id.remember("a".into(), pending(t0), t0);
        let error = open_id.refuse("a", "access_denied\u{7}<script>", t0);
        assert_eq!(
            error.to_string(),
            "the OpenID provider refused the login: access_denied<script>"
        );
        assert!(open_id.take("a", t0).is_none());
    }
}
