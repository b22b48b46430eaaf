//! Authentication (PROTOCOL.md §3): HS256 access and auth tokens signed with a secret that
//! is kept in the data directory, native login, and the identity of a request.

pub mod openid;
mod secret;
mod sessions;
mod throttle;
mod token;

pub use secret::load_or_create_secret;
pub use sessions::{Sessions, new_session_id};
pub use throttle::{FREE_FAILURES, LoginThrottle, MAX_WAIT};
pub use token::{
    ACCESS_TOKEN_LIFETIME, AUTH_TOKEN_LIFETIME, Claims, TokenError, TokenKind, TokenSigner,
};

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::AuthConfig;

/// Whether `username`/`password` log in as the native admin.
///
/// The configured credentials always work; empty credentials work when the configuration
/// allows them ([`AuthConfig::allow_empty`]). Comparisons take constant time.
pub fn native_credentials_match(config: &AuthConfig, username: &str, password: &str) -> bool {
    let configured = bool::from(
        username.as_bytes().ct_eq(config.native_username.as_bytes())
            & password.as_bytes().ct_eq(config.native_password.as_bytes()),
    );
    let empty = config.allow_empty() && username.is_empty() && password.is_empty();
    configured || empty
}

/// The key tokens are signed with: the stored secret bound to the native login settings, so
/// changing the native user name or password, or turning native login off or on, invalidates
/// every token issued before (everybody logs in again).
pub fn signing_key(secret: &[u8], config: &AuthConfig) -> Vec<u8> {
    // HMAC accepts keys of every length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(b"antimony-server token key v1\0");
    mac.update(&[u8::from(config.enable_native)]);
    mac.update(&Sha256::digest(config.native_username.as_bytes()));
    mac.update(&Sha256::digest(config.native_password.as_bytes()));
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(user: &str, password: &str) -> AuthConfig {
        AuthConfig {
            enable_native: true,
            native_username: user.into(),
            native_password: password.into(),
            allow_empty_remote: false,
            open_id: None,
        }
    }

    #[test]
    fn configured_credentials_log_in_and_others_do_not() {
        let c = config("admin", "secret");
        assert!(native_credentials_match(&c, "admin", "secret"));
        assert!(!native_credentials_match(&c, "admin", "Secret"));
        assert!(!native_credentials_match(&c, "admin", ""));
        assert!(!native_credentials_match(&c, "", ""));
    }

    #[test]
    fn the_signing_key_changes_with_the_native_login() {
        let secret = b"stored secret";
        let key = signing_key(secret, &config("admin", "secret"));
        assert_eq!(key, signing_key(secret, &config("admin", "secret")));
        assert_ne!(key, signing_key(secret, &config("admin", "secret2")));
        assert_ne!(key, signing_key(secret, &config("admin2", "secret")));
        assert_ne!(
            key,
            signing_key(b"other secret", &config("admin", "secret"))
        );
        let mut disabled = config("admin", "secret");
        disabled.enable_native = false;
        assert_ne!(key, signing_key(secret, &disabled));
        // A token signed before a password change does not verify after it.
        let before = TokenSigner::new(&key);
        let token = before.issue(TokenKind::Access, "u", true, 1_750_000_000);
        let after = TokenSigner::new(&signing_key(secret, &config("admin", "new")));
        assert_eq!(
            after.verify(&token, TokenKind::Access, 1_750_000_001),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn empty_credentials_log_in_when_either_setting_is_empty() {
        assert!(native_credentials_match(&config("", ""), "", ""));
        assert!(native_credentials_match(&config("admin", ""), "", ""));
        assert!(native_credentials_match(&config("admin", ""), "admin", ""));
        assert!(!native_credentials_match(&config("admin", ""), "x", "y"));
    }
}
