//! Accounts on servers: reaching a new server (and settling how its certificate is trusted),
//! logging in with the tokens kept in the OS keychain, and restoring such a login later. The
//! CLI and the desktop app are adapters over these workflows; neither keeps secrets in a file.

use std::sync::Arc;

use antimony_protocol::rest::{LoginConfig, cookie};
use antimony_protocol::{AccessClaims, AuthClaims, decode_claims_unverified};

use crate::keychain::Keychain;
use crate::profile::ServerProfile;
use crate::rest::{RestClient, Tokens};
use crate::tls::{self, PeerCertificate};
use crate::{Error, Result};

/// How a server answered when it was first reached.
#[derive(Debug, Clone)]
pub enum Reach {
    /// It answered Antimony's login configuration over a trusted connection.
    Trusted {
        /// The profile, with the REST base that answered (see [`reach`]).
        profile: ServerProfile,
        /// Its login configuration.
        config: LoginConfig,
    },
    /// Its certificate is not trusted (a self-signed one, usually): it may be pinned with
    /// [`pin`] once the user confirmed its fingerprint.
    Untrusted {
        /// The certificate it presented.
        certificate: PeerCertificate,
        /// Why it is not trusted.
        reason: String,
    },
}

/// Reaches a server for the first time: asks its login configuration, and when its
/// certificate is not trusted by the profile's trust (the system roots), fetches the
/// certificate so the user can be shown its fingerprint.
///
/// Without an explicit REST base, the API is looked for where Antimony servers keep it:
/// `<origin>/api` (behind the usual reverse proxy) first, then `<origin>` itself (a server
/// reached directly); the profile that comes back names the one that answered. When neither
/// answers a login configuration, the address is not an Antimony server.
pub async fn reach(profile: &ServerProfile) -> Result<Reach> {
    match discover(profile).await {
        Ok((profile, config)) => Ok(Reach::Trusted { profile, config }),
        Err(Error::Certificate { reason, .. }) if profile.tls.is_system() => {
            let certificate = tls::probe(&profile.origin).await?;
            Ok(Reach::Untrusted {
                certificate,
                reason,
            })
        }
        Err(error) => Err(error),
    }
}

/// The profile whose REST base answers Antimony's login configuration, and that answer.
async fn discover(profile: &ServerProfile) -> Result<(ServerProfile, LoginConfig)> {
    if profile.rest_base.is_some() {
        let config = RestClient::new(profile.clone())?.login_config().await?;
        return Ok((profile.clone(), config));
    }
    let candidates = [
        profile.clone(),
        profile.clone().with_rest_base(&profile.origin)?,
    ];
    let mut tried = Vec::new();
    for candidate in candidates {
        match RestClient::new(candidate.clone())?.login_config().await {
            Ok(config) => return Ok((candidate, config)),
            // Something answered, but not Antimony's API: try the next place.
            Err(Error::Api { .. } | Error::Protocol(_) | Error::NotLoggedIn { .. }) => {
                tried.push(format!("{}/users/login/config", candidate.rest_base()));
            }
            // The host itself is unreachable or untrusted: the next place is on it too.
            Err(error) => return Err(error),
        }
    }
    Err(Error::NotAntimony {
        server: profile.origin.clone(),
        tried: tried.join(" nor "),
    })
}

/// Pins a certificate the user confirmed (by its fingerprint, `confirmed`) and checks the
/// server answers over it (finding its REST base as [`reach`] does). Refuses a fingerprint
/// that is not the certificate's.
pub async fn pin(
    profile: &ServerProfile,
    certificate: &PeerCertificate,
    confirmed: &str,
) -> Result<ServerProfile> {
    if tls::normalise_fingerprint(confirmed).as_deref() != Some(certificate.fingerprint.as_str()) {
        return Err(Error::Certificate {
            server: profile.origin.clone(),
            reason: format!(
                "it presents the fingerprint {}, not the confirmed one",
                certificate.fingerprint
            ),
        });
    }
    let pinned = profile.clone().with_trust(certificate.pin());
    Ok(discover(&pinned).await?.0)
}

/// A new login.
#[derive(Debug)]
pub struct Login {
    /// The logged-in client; renewed tokens go to the keychain.
    pub rest: Arc<RestClient>,
    /// Who the user is.
    pub identity: AccessClaims,
    /// Set when the keychain could not keep the login: it works for this run only.
    pub not_kept: Option<Error>,
}

/// Logs in with a user name and password, keeps the tokens (and, with `save_password`, the
/// password) in the keychain, and keeps renewed tokens there from then on. The password is
/// also remembered for this run, to log in again when a server restart ends the login.
pub async fn login(
    profile: &ServerProfile,
    keychain: &Keychain,
    username: &str,
    password: &str,
    save_password: bool,
) -> Result<Login> {
    let rest = Arc::new(RestClient::new(profile.clone())?);
    let identity = rest.login_native(username, password).await?;
    rest.remember_credentials(username, password);
    let kept = keychain.set_tokens(profile, &rest.tokens()).and_then(|()| {
        if save_password {
            keychain.set_password(profile, password)
        } else {
            Ok(())
        }
    });
    keep_tokens(&rest, keychain);
    Ok(Login {
        rest,
        identity,
        not_kept: kept.err(),
    })
}

/// The tokens of a login a browser went through (OpenID Connect), from the cookies its
/// cookie store holds for the server's REST base: the server hands them over only that way
/// (PROTOCOL.md §3.6). `cookies` are `(name, value)` pairs; `now` is in Unix seconds.
///
/// `None` until both `authToken` and `accessToken` are there, read as tokens of one user
/// (the auth token's `id` is the access token's), and the auth token has not expired (an
/// expired access token is fine: the auth token renews it).
pub fn tokens_from_cookies<'a>(
    cookies: impl IntoIterator<Item = (&'a str, &'a str)>,
    now: i64,
) -> Option<Tokens> {
    let (mut access, mut auth) = (None, None);
    for (name, value) in cookies {
        if value.is_empty() {
            continue;
        }
        match name {
            cookie::ACCESS_TOKEN => access = Some(value),
            cookie::AUTH_TOKEN => auth = Some(value),
            _ => {}
        }
    }
    let (access, auth) = (access?, auth?);
    let who = decode_claims_unverified::<AccessClaims>(access).ok()?;
    let renewal = decode_claims_unverified::<AuthClaims>(auth).ok()?;
    (who.id == renewal.id && renewal.exp > now).then(|| Tokens {
        access: Some(access.to_owned()),
        auth: Some(auth.to_owned()),
    })
}

/// Adopts the tokens of a login made elsewhere (a browser's OpenID Connect login, see
/// [`tokens_from_cookies`]): keeps them in the keychain in place of whatever the server had
/// there (a kept password included: it belongs to another login, and logging in with it
/// when a refresh fails would change who the user is), and keeps renewed ones from then on.
/// When the auth token is refused later, the caller gets [`Error::NotLoggedIn`] and must
/// ask the user to log in again.
pub fn adopt_tokens(profile: &ServerProfile, keychain: &Keychain, tokens: Tokens) -> Result<Login> {
    let identity = tokens
        .access
        .as_deref()
        .and_then(|t| decode_claims_unverified::<AccessClaims>(t).ok())
        .ok_or_else(|| Error::Protocol("the access token carries no identity".into()))?;
    if tokens.auth.is_none() {
        return Err(Error::Protocol("the login brought no auth token".into()));
    }
    let rest = Arc::new(RestClient::new(profile.clone())?);
    rest.set_tokens(tokens);
    let kept = keychain
        .forget(profile)
        .and_then(|()| keychain.set_tokens(profile, &rest.tokens()));
    keep_tokens(&rest, keychain);
    Ok(Login {
        rest,
        identity,
        not_kept: kept.err(),
    })
}

/// Restores the login kept in the keychain: its tokens, and the kept password (to log in
/// again when the server refuses the tokens). `None` when the keychain holds no login.
pub fn restore(profile: &ServerProfile, keychain: &Keychain) -> Result<Option<Arc<RestClient>>> {
    let tokens = keychain.tokens(profile)?;
    if tokens.auth.is_none() {
        return Ok(None);
    }
    let rest = Arc::new(RestClient::new(profile.clone())?);
    rest.set_tokens(tokens);
    if let (Some(user), Ok(Some(password))) = (profile.user.as_deref(), keychain.password(profile))
    {
        rest.remember_credentials(user, &password);
    }
    keep_tokens(&rest, keychain);
    Ok(Some(rest))
}

/// Keeps the client's renewed tokens in the keychain.
pub fn keep_tokens(rest: &RestClient, keychain: &Keychain) {
    let (keychain, profile) = (keychain.clone(), rest.profile().clone());
    rest.on_tokens_changed(move |tokens| {
        if let Err(error) = keychain.set_tokens(&profile, tokens) {
            tracing::warn!(%error, "cannot keep the renewed login in the keychain");
        }
    });
}

/// Logs out: tells the server (antimony-server ends the login session; the Go server only
/// expires its cookies) and forgets the keychain's entries of the server.
pub async fn logout(
    rest: Option<&RestClient>,
    profile: &ServerProfile,
    keychain: &Keychain,
) -> Result<()> {
    if let Some(rest) = rest
        && let Err(error) = rest.logout().await
    {
        tracing::info!(%error, "the server did not take the logout; forgetting the login anyway");
    }
    keychain.forget(profile)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    /// A token-shaped string with these claims (not signed: only its claims are read).
    fn token(claims: serde_json::Value) -> String {
        let part = |json: &serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.to_string())
        };
        let header = serde_json::json!({"alg": "HS256", "typ": "JWT"});
        [part(&header), part(&claims), "c2ln".to_owned()].join(".")
    }

    const NOW: i64 = 1_800_000_000;

    fn access(id: &str, exp: i64) -> String {
        token(serde_json::json!({"id": id, "isAdmin": false, "nbf": NOW - 60, "exp": exp}))
    }

    fn auth(id: &str, exp: i64) -> String {
        token(serde_json::json!({"id": id, "nbf": NOW - 60, "exp": exp}))
    }

    #[test]
    fn both_token_cookies_of_one_user_make_a_login() {
        let (a, r) = (access("alice", NOW + 1800), auth("alice", NOW + 86_400));
        let cookies = [
            ("authOidc", "true"),
            ("authToken", r.as_str()),
            ("other", "x"),
            ("accessToken", a.as_str()),
        ];
        let tokens = tokens_from_cookies(cookies, NOW).expect("a login");
        assert_eq!(tokens.access.as_deref(), Some(a.as_str()));
        assert_eq!(tokens.auth.as_deref(), Some(r.as_str()));
    }

    #[test]
    fn no_login_until_both_cookies_are_there() {
        let (a, r) = (access("alice", NOW + 1800), auth("alice", NOW + 86_400));
        assert_eq!(tokens_from_cookies([], NOW), None);
        assert_eq!(
            tokens_from_cookies([("accessToken", a.as_str())], NOW),
            None
        );
        assert_eq!(tokens_from_cookies([("authToken", r.as_str())], NOW), None);
        // Cleared cookies (a logout's Max-Age=0 leaves empty values behind in some stores).
        assert_eq!(
            tokens_from_cookies([("accessToken", a.as_str()), ("authToken", "")], NOW),
            None
        );
        // The cookie names are exact.
        assert_eq!(
            tokens_from_cookies(
                [("AccessToken", a.as_str()), ("authtoken", r.as_str())],
                NOW
            ),
            None
        );
    }

    #[test]
    fn an_expired_or_foreign_auth_token_is_no_login() {
        let a = access("alice", NOW + 1800);
        let expired = auth("alice", NOW);
        assert_eq!(
            tokens_from_cookies(
                [("accessToken", a.as_str()), ("authToken", expired.as_str())],
                NOW
            ),
            None
        );
        let bob = auth("bob", NOW + 86_400);
        assert_eq!(
            tokens_from_cookies(
                [("accessToken", a.as_str()), ("authToken", bob.as_str())],
                NOW
            ),
            None,
            "tokens of two users"
        );
        assert_eq!(
            tokens_from_cookies(
                [("accessToken", "garbage"), ("authToken", bob.as_str())],
                NOW
            ),
            None
        );
        // An expired access token is renewed with the auth token.
        let stale = access("bob", NOW - 10);
        assert!(
            tokens_from_cookies(
                [("accessToken", stale.as_str()), ("authToken", bob.as_str())],
                NOW
            )
            .is_some()
        );
    }

    #[test]
    fn only_a_whole_login_is_adopted() {
        // Both refusals come before the keychain is touched.
        let profile = ServerProfile::new("lab", "http://127.0.0.1:9").expect("a profile");
        let keychain = Keychain::with_service("antimony-adopt-test-never-written");
        let no_auth = Tokens {
            access: Some(access("alice", NOW + 1800)),
            auth: None,
        };
        assert!(matches!(
            adopt_tokens(&profile, &keychain, no_auth),
            Err(Error::Protocol(_))
        ));
        let no_identity = Tokens {
            access: Some("garbage".into()),
            auth: Some(auth("alice", NOW + 86_400)),
        };
        assert!(matches!(
            adopt_tokens(&profile, &keychain, no_identity),
            Err(Error::Protocol(_))
        ));
    }
}
