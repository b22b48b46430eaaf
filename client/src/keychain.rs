//! Secrets in the OS keychain (Secret Service on Linux, through `keyring`): a server's auth
//! (refresh) token and, when the user asks for it, the password. Never in files; when no
//! keychain is available the caller gets [`Error::Keychain`] with what to do, and nothing
//! falls back to a file.

use crate::profile::ServerProfile;
use crate::{Error, Result};

/// The keychain service name of Antimony Desktop's entries.
pub const SERVICE: &str = "antimony-desktop";

/// What an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Secret {
    AccessToken,
    AuthToken,
    Password,
}

impl Secret {
    fn suffix(self) -> &'static str {
        match self {
            Secret::AccessToken => "access-token",
            Secret::AuthToken => "auth-token",
            Secret::Password => "password",
        }
    }
}

/// The keychain entries of one service (tests use their own service name).
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Default for Keychain {
    fn default() -> Self {
        Keychain {
            service: SERVICE.to_owned(),
        }
    }
}

fn keychain_error(error: keyring::Error) -> Error {
    let hint = match &error {
        keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
            " No keychain is reachable: on Linux a Secret Service (gnome-keyring or KeePassXC) must run in the \
             desktop session's D-Bus, and be unlocked."
        }
        _ => "",
    };
    Error::Keychain(format!("{error}.{hint}"))
}

impl Keychain {
    /// Entries under another service name.
    pub fn with_service(service: impl Into<String>) -> Self {
        Keychain {
            service: service.into(),
        }
    }

    fn entry(&self, profile: &ServerProfile, secret: Secret) -> Result<keyring::Entry> {
        // One entry per server origin and kind: profiles renamed keep their secrets.
        let account = format!("{} {}", profile.origin, secret.suffix());
        keyring::Entry::new(&self.service, &account).map_err(keychain_error)
    }

    fn get(&self, profile: &ServerProfile, secret: Secret) -> Result<Option<String>> {
        match self.entry(profile, secret)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(error) => Err(keychain_error(error)),
        }
    }

    fn set(&self, profile: &ServerProfile, secret: Secret, value: &str) -> Result<()> {
        self.entry(profile, secret)?
            .set_password(value)
            .map_err(keychain_error)
    }

    fn delete(&self, profile: &ServerProfile, secret: Secret) -> Result<()> {
        match self.entry(profile, secret)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(error) => Err(keychain_error(error)),
        }
    }

    /// The stored access token of a server (short-lived; saves a refresh per start).
    pub fn access_token(&self, profile: &ServerProfile) -> Result<Option<String>> {
        self.get(profile, Secret::AccessToken)
    }

    /// Stores a server's access token.
    pub fn set_access_token(&self, profile: &ServerProfile, token: &str) -> Result<()> {
        self.set(profile, Secret::AccessToken, token)
    }

    /// The stored tokens of a server.
    pub fn tokens(&self, profile: &ServerProfile) -> Result<crate::rest::Tokens> {
        Ok(crate::rest::Tokens {
            access: self.access_token(profile)?,
            auth: self.auth_token(profile)?,
        })
    }

    /// Stores the tokens of a server (absent ones are removed).
    pub fn set_tokens(&self, profile: &ServerProfile, tokens: &crate::rest::Tokens) -> Result<()> {
        match &tokens.access {
            Some(token) => self.set(profile, Secret::AccessToken, token)?,
            None => self.delete(profile, Secret::AccessToken)?,
        }
        match &tokens.auth {
            Some(token) => self.set(profile, Secret::AuthToken, token),
            None => self.delete(profile, Secret::AuthToken),
        }
    }

    /// The stored auth token of a server.
    pub fn auth_token(&self, profile: &ServerProfile) -> Result<Option<String>> {
        self.get(profile, Secret::AuthToken)
    }

    /// Stores a server's auth token.
    pub fn set_auth_token(&self, profile: &ServerProfile, token: &str) -> Result<()> {
        self.set(profile, Secret::AuthToken, token)
    }

    /// The stored password of a server, if the user chose to keep it.
    pub fn password(&self, profile: &ServerProfile) -> Result<Option<String>> {
        self.get(profile, Secret::Password)
    }

    /// Stores a server's password.
    pub fn set_password(&self, profile: &ServerProfile, password: &str) -> Result<()> {
        self.set(profile, Secret::Password, password)
    }

    /// Logout: removes every entry of a server.
    pub fn forget(&self, profile: &ServerProfile) -> Result<()> {
        self.delete(profile, Secret::AccessToken)?;
        self.delete(profile, Secret::AuthToken)?;
        self.delete(profile, Secret::Password)
    }
}
