//! Revoked login sessions (logout): kept until the tokens of the session would expire anyway.

use rusqlite::params;

use super::Store;
use crate::Result;

impl Store {
    /// Records that session `sid` was revoked; its tokens expire at `expires` (Unix seconds).
    pub async fn revoke_session(&self, sid: &str, expires: i64) -> Result<()> {
        let sid = sid.to_owned();
        self.call(move |conn| {
            conn.execute(
                "INSERT INTO revoked_sessions (sid, expires) VALUES (?1, ?2)
                 ON CONFLICT(sid) DO UPDATE SET expires = max(expires, ?2)",
                params![sid, expires],
            )?;
            Ok(())
        })
        .await
    }

    /// The sessions revoked whose tokens have not expired at `now`; forgets the others.
    pub async fn revoked_sessions(&self, now: i64) -> Result<Vec<String>> {
        self.call(move |conn| {
            conn.execute(
                "DELETE FROM revoked_sessions WHERE expires <= ?1",
                params![now],
            )?;
            let mut statement = conn.prepare("SELECT sid FROM revoked_sessions")?;
            let sids = statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(sids)
        })
        .await
    }
}
