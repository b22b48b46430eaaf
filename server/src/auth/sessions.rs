//! Login sessions that were ended (logout): their tokens are refused until they would have
//! expired anyway. The set is read on every authenticated request, so it lives in memory,
//! loaded from the store at start and written through on every logout.

use std::collections::HashSet;
use std::sync::RwLock;

use super::token::{Claims, TokenError, TokenKind, TokenSigner};
use crate::Result;
use crate::store::Store;

/// A new random session id (128 bits, hex).
pub fn new_session_id() -> String {
    let mut bytes = [0_u8; 16];
    // Without system randomness nothing here is safe; fall back to the time and a UUID's
    // randomness source, which is the same, so this cannot really fail.
    if getrandom::fill(&mut bytes).is_err() {
        bytes = *uuid::Uuid::new_v4().as_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Revoked sessions and the token signer: verifies tokens.
#[derive(Debug)]
pub struct Sessions {
    signer: TokenSigner,
    revoked: RwLock<HashSet<String>>,
}

impl Sessions {
    /// Sessions checked against the revocations in `store` (those not yet expired at `now`).
    pub async fn load(signer: TokenSigner, store: &Store, now: i64) -> Result<Self> {
        let revoked = store.revoked_sessions(now).await?.into_iter().collect();
        Ok(Sessions {
            signer,
            revoked: RwLock::new(revoked),
        })
    }

    /// The signer.
    pub fn signer(&self) -> &TokenSigner {
        &self.signer
    }

    /// Verifies a token (see [`TokenSigner::verify`]) and that its session was not revoked.
    pub fn verify(&self, token: &str, kind: TokenKind, now: i64) -> Result<Claims, TokenError> {
        let claims = self.signer.verify(token, kind, now)?;
        if let Some(sid) = &claims.sid
            && self
                .revoked
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .contains(sid)
        {
            return Err(TokenError::Revoked);
        }
        Ok(claims)
    }

    /// Ends a session: its auth token and every access token refreshed from it stop working.
    /// `expires` is when its auth token would have expired.
    pub async fn revoke(&self, store: &Store, sid: &str, expires: i64) -> Result<()> {
        store.revoke_session(sid, expires).await?;
        self.revoked
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sid.to_owned());
        Ok(())
    }
}
