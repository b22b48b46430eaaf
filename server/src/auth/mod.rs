//! Authentication (PROTOCOL.md §3): HS256 access and auth tokens signed with a secret that
//! is kept in the data directory, native login, and the identity of a request.

mod secret;
mod token;

pub use secret::load_or_create_secret;
pub use token::{ACCESS_TOKEN_LIFETIME, AUTH_TOKEN_LIFETIME, TokenError, TokenKind, TokenSigner};

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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(user: &str, password: &str) -> AuthConfig {
        AuthConfig {
            enable_native: true,
            native_username: user.into(),
            native_password: password.into(),
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
    fn empty_credentials_log_in_when_either_setting_is_empty() {
        assert!(native_credentials_match(&config("", ""), "", ""));
        assert!(native_credentials_match(&config("admin", ""), "", ""));
        assert!(native_credentials_match(&config("admin", ""), "admin", ""));
        assert!(!native_credentials_match(&config("admin", ""), "x", "y"));
    }
}
