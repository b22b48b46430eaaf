//! JWT claims (PROTOCOL.md §3.1). Clients learn their identity by decoding the access token's
//! payload without verifying it (there is no `/users/me`); only servers verify signatures.

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The claims of an access token: who the user is and when the token expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AccessClaims {
    /// The user id (not necessarily a UUID).
    pub id: String,
    /// Whether the user is an admin. Informational: servers decide from their own records.
    pub is_admin: bool,
    /// Not valid before, in Unix seconds.
    #[ts(type = "number")]
    pub nbf: i64,
    /// Expiry, in Unix seconds.
    #[ts(type = "number")]
    pub exp: i64,
}

/// The claims of an auth (refresh) token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct AuthClaims {
    /// The user id.
    pub id: String,
    /// Not valid before, in Unix seconds.
    #[ts(type = "number")]
    pub nbf: i64,
    /// Expiry, in Unix seconds.
    #[ts(type = "number")]
    pub exp: i64,
}

impl AccessClaims {
    /// Whether the token is outside its validity window at `now` (Unix seconds).
    pub fn is_expired_at(&self, now: i64) -> bool {
        now >= self.exp || now < self.nbf
    }
}

/// JWTs use unpadded base64url; accept padding too, as some encoders add it.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The longest token accepted, far above any real one; bounds the work done on garbage.
const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Decodes a JWT's claims **without verifying its signature**. For reading one's own identity
/// from a token the server issued; never for deciding access.
pub fn decode_claims_unverified<T: DeserializeOwned>(token: &str) -> Result<T> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(Error::Token(format!("longer than {MAX_TOKEN_LEN} bytes")));
    }
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::Token("expected three dot-separated segments".into()));
    };
    let bytes = BASE64URL
        .decode(payload)
        .map_err(|e| Error::Token(format!("payload is not base64url: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Token(format!("bad claims: {e}")))
}
