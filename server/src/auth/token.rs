//! HS256 JWTs. Access tokens carry `id`, `isAdmin`, `nbf` and `exp` (what the web UI decodes);
//! auth (refresh) tokens carry `id`, `nbf` and `exp`. Both also carry `typ`, so unlike the Go
//! server this one does not accept an auth token where an access token is due, or the reverse.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// How long an access token is valid.
pub const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// How long an auth (refresh) token is valid.
pub const AUTH_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// Which of the two tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenKind {
    /// Authorises requests; 30 minutes.
    Access,
    /// Obtains new access tokens; 30 days.
    Auth,
}

/// The claims this server writes and checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    /// The user id.
    pub id: String,
    /// Informational copy of the user's admin flag (access tokens only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_admin: Option<bool>,
    /// Not valid before (Unix seconds).
    pub nbf: i64,
    /// Expiry (Unix seconds).
    pub exp: i64,
    /// Which token this is.
    pub typ: TokenKind,
    /// The login session (random): an auth token and the access tokens refreshed from it
    /// share it, and logout revokes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a JWT of ours: wrong shape, algorithm, signature or claims.
    #[error("malformed or forged token")]
    Invalid,
    /// Outside its validity window.
    #[error("expired token")]
    Expired,
    /// An auth token where an access token is due, or the reverse.
    #[error("wrong kind of token")]
    WrongKind,
    /// Its login session ended (logout).
    #[error("the session was logged out")]
    Revoked,
}

/// Signs and verifies tokens with one secret.
#[derive(Clone)]
pub struct TokenSigner {
    key: Hmac<Sha256>,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSigner(<secret>)")
    }
}

/// `{"alg":"HS256","typ":"JWT"}`, base64url.
const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

#[derive(Deserialize)]
struct Header {
    alg: String,
}

impl TokenSigner {
    /// A signer for `secret` (any length; HMAC pads or hashes it).
    pub fn new(secret: &[u8]) -> Self {
        // HMAC accepts keys of every length, so this cannot fail.
        let key = Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
        TokenSigner { key }
    }

    /// Issues a token of `kind` for a user, valid from `now` (Unix seconds), outside any
    /// login session (it cannot be revoked; for tests and tools).
    pub fn issue(&self, kind: TokenKind, user_id: &str, is_admin: bool, now: i64) -> String {
        self.issue_in(None, kind, user_id, is_admin, now)
    }

    /// Issues a token of `kind` for a user in login session `sid`, valid from `now`.
    pub fn issue_in(
        &self,
        sid: Option<&str>,
        kind: TokenKind,
        user_id: &str,
        is_admin: bool,
        now: i64,
    ) -> String {
        let lifetime = match kind {
            TokenKind::Access => ACCESS_TOKEN_LIFETIME,
            TokenKind::Auth => AUTH_TOKEN_LIFETIME,
        };
        let claims = Claims {
            id: user_id.to_owned(),
            is_admin: (kind == TokenKind::Access).then_some(is_admin),
            nbf: now,
            exp: now.saturating_add(i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX)),
            typ: kind,
            sid: sid.map(str::to_owned),
        };
        // Claims of strings, integers and booleans always serialise.
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap_or_default());
        let signing_input = format!("{HEADER}.{payload}");
        let signature = URL_SAFE_NO_PAD.encode(self.sign(signing_input.as_bytes()));
        format!("{signing_input}.{signature}")
    }

    /// Verifies a token's signature, algorithm, validity window and kind at `now`.
    pub fn verify(&self, token: &str, kind: TokenKind, now: i64) -> Result<Claims, TokenError> {
        if token.len() > 8192 {
            return Err(TokenError::Invalid);
        }
        let (signing_input, signature) = token.rsplit_once('.').ok_or(TokenError::Invalid)?;
        let (header, payload) = signing_input.split_once('.').ok_or(TokenError::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| TokenError::Invalid)?;
        let mut mac = self.key.clone();
        mac.update(signing_input.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| TokenError::Invalid)?;

        let header: Header = decode_segment(header)?;
        if header.alg != "HS256" {
            return Err(TokenError::Invalid);
        }
        let claims: Claims = decode_segment(payload)?;
        if now < claims.nbf || now >= claims.exp {
            return Err(TokenError::Expired);
        }
        if claims.typ != kind {
            return Err(TokenError::WrongKind);
        }
        Ok(claims)
    }

    fn sign(&self, input: &[u8]) -> Vec<u8> {
        let mut mac = self.key.clone();
        mac.update(input);
        mac.finalize().into_bytes().to_vec()
    }
}

fn decode_segment<T: for<'de> Deserialize<'de>>(segment: &str) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| TokenError::Invalid)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Invalid)
}

#[cfg(test)]
mod tests {
    use antimony_protocol::{AccessClaims, NATIVE_ADMIN_ID, decode_claims_unverified};

    use super::*;

    const NOW: i64 = 1_750_000_000;

    #[test]
    fn access_tokens_verify_and_carry_what_the_web_ui_decodes() {
        let signer = TokenSigner::new(b"secret");
        let token = signer.issue(TokenKind::Access, NATIVE_ADMIN_ID, true, NOW);
        let claims = signer.verify(&token, TokenKind::Access, NOW + 60).unwrap();
        assert_eq!(claims.id, NATIVE_ADMIN_ID);
        assert_eq!(claims.exp - claims.nbf, 1800);

        // The protocol's secret-less decoder (what clients use) reads the same identity.
        let public: AccessClaims = decode_claims_unverified(&token).unwrap();
        assert!(public.is_admin);
        assert_eq!(public.id, NATIVE_ADMIN_ID);
    }

    #[test]
    fn refuses_expired_forged_and_wrong_kind_tokens() {
        let signer = TokenSigner::new(b"secret");
        let access = signer.issue(TokenKind::Access, "u", false, NOW);
        let auth = signer.issue(TokenKind::Auth, "u", false, NOW);
        assert_eq!(
            signer.verify(&access, TokenKind::Access, NOW + 1800),
            Err(TokenError::Expired)
        );
        assert_eq!(
            signer.verify(&access, TokenKind::Access, NOW - 1),
            Err(TokenError::Expired)
        );
        assert_eq!(
            signer.verify(&auth, TokenKind::Access, NOW),
            Err(TokenError::WrongKind)
        );
        assert!(
            signer
                .verify(&auth, TokenKind::Auth, NOW + 29 * 24 * 3600)
                .is_ok()
        );

        let other = TokenSigner::new(b"other secret");
        assert_eq!(
            other.verify(&access, TokenKind::Access, NOW),
            Err(TokenError::Invalid)
        );

        // A payload swapped under a valid signature.
        let (head, rest) = access.split_once('.').unwrap();
        let (_, sig) = rest.split_once('.').unwrap();
        let evil = URL_SAFE_NO_PAD
            .encode(br#"{"id":"admin","isAdmin":true,"nbf":0,"exp":9999999999,"typ":"access"}"#);
        assert_eq!(
            signer.verify(&format!("{head}.{evil}.{sig}"), TokenKind::Access, NOW),
            Err(TokenError::Invalid)
        );

        // `alg: none` and other algorithms are refused even when "signed" with our key.
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let payload = rest.split_once('.').unwrap().0;
        let input = format!("{none_header}.{payload}");
        let sig = URL_SAFE_NO_PAD.encode(signer.sign(input.as_bytes()));
        assert_eq!(
            signer.verify(&format!("{input}.{sig}"), TokenKind::Access, NOW),
            Err(TokenError::Invalid)
        );

        for garbage in ["", ".", "..", "a.b.c", &"x".repeat(10_000)] {
            assert_eq!(
                signer.verify(garbage, TokenKind::Access, NOW),
                Err(TokenError::Invalid)
            );
        }
    }
}
