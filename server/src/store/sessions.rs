//! Revoked login sessions (logout): kept until the tokens of the session would expire anyway.

use super::Store;
use super::sql::params;
use crate::Result;

impl Store {
    /// Records that session `sid` was revoked; its tokens expire at `expires` (Unix seconds).
    pub async fn revoke_session(&self, sid: &str, expires: i64) -> Result<()> {
        let sid = sid.to_owned();
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO revoked_sessions (sid, expires) VALUES ($1, $2)
                 ON CONFLICT (sid) DO UPDATE SET expires = CASE
                     WHEN revoked_sessions.expires > excluded.expires
                     THEN revoked_sessions.expires ELSE excluded.expires END",
                params![&sid, expires],
            )?;
            Ok(())
        })
        .await
    }

    /// The sessions revoked whose tokens have not expired at `now`; forgets the others.
    pub async fn revoked_sessions(&self, now: i64) -> Result<Vec<String>> {
        self.call(move |conn| {
            conn.execute(
                "DELETE FROM revoked_sessions WHERE expires <= $1",
                params![now],
            )?;
            conn.query("SELECT sid FROM revoked_sessions", params![], |row| {
                row.text(0)
            })
        })
        .await
    }
}
