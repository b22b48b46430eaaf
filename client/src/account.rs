//! Accounts on servers: reaching a new server (and settling how its certificate is trusted),
//! logging in with the tokens kept in the OS keychain, and restoring such a login later. The
//! CLI and the desktop app are adapters over these workflows; neither keeps secrets in a file.

use std::sync::Arc;

use antimony_protocol::AccessClaims;
use antimony_protocol::rest::LoginConfig;

use crate::keychain::Keychain;
use crate::profile::ServerProfile;
use crate::rest::RestClient;
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
