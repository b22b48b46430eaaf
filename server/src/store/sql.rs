//! The one SQL surface the store is written against, over SQLite and PostgreSQL.
//!
//! Statements are written once, in the dialect both understand, with PostgreSQL's numbered
//! placeholders (`$1`, `$2`, …). SQLite reads `$1` as a *named* parameter called `$1`, so the
//! text goes to both unchanged and SQLite's parameters are bound by name (a numbered name may
//! appear twice, or out of order, in either database). Values travel as [`Param`]s and rows
//! are read through [`Row`], whose accessors take what each database returns for the portable
//! column types (`TEXT`, `BIGINT`; booleans are `BIGINT` 0 or 1, and `EXISTS` is read as one).

pub(super) use crate::store::param::{Param, params};
use crate::store::postgres::PgConn;
use crate::{Error, Result};

/// One row of a result.
pub(super) enum Row<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// A `TEXT` column that may be `NULL`.
    pub(super) fn opt_text(&self, index: usize) -> Result<Option<String>> {
        Ok(match self {
            Row::Sqlite(row) => row.get(index)?,
            Row::Postgres(row) => row.try_get(index)?,
        })
    }

    /// A `TEXT` column.
    pub(super) fn text(&self, index: usize) -> Result<String> {
        self.opt_text(index)?
            .ok_or_else(|| Error::Corrupt(format!("column {index} is NULL")))
    }

    /// An integer column (or a PostgreSQL boolean, as 0 or 1) that may be `NULL`.
    pub(super) fn opt_int(&self, index: usize) -> Result<Option<i64>> {
        match self {
            Row::Sqlite(row) => Ok(row.get(index)?),
            Row::Postgres(row) => {
                use postgres::types::Type;
                let kind = row
                    .columns()
                    .get(index)
                    .map(|column| column.type_().clone())
                    .ok_or_else(|| Error::Corrupt(format!("no column {index}")))?;
                Ok(match kind {
                    Type::INT8 => row.try_get::<_, Option<i64>>(index)?,
                    Type::INT4 => row.try_get::<_, Option<i32>>(index)?.map(i64::from),
                    Type::INT2 => row.try_get::<_, Option<i16>>(index)?.map(i64::from),
                    Type::BOOL => row.try_get::<_, Option<bool>>(index)?.map(i64::from),
                    other => {
                        return Err(Error::Corrupt(format!(
                            "column {index} is {other}, not an integer"
                        )));
                    }
                })
            }
        }
    }

    /// An integer column.
    pub(super) fn int(&self, index: usize) -> Result<i64> {
        self.opt_int(index)?
            .ok_or_else(|| Error::Corrupt(format!("column {index} is NULL")))
    }

    /// A boolean: a `BIGINT` 0 or 1, or what `EXISTS` returns.
    pub(super) fn bool(&self, index: usize) -> Result<bool> {
        Ok(self.int(index)? != 0)
    }
}

/// A connection to either database.
pub(super) enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

/// A connection with the store's statement helpers.
pub(super) struct Conn {
    backend: Backend,
    /// Whether a transaction is open: a nested [`Conn::transaction`] joins it.
    in_transaction: bool,
}

/// The names SQLite gives the placeholders `$1` … `$16`.
const NAMES: [&str; 16] = [
    "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$10", "$11", "$12", "$13", "$14", "$15",
    "$16",
];

/// Prepares (from the connection's cache) and binds a SQLite statement.
fn sqlite_statement<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
    params: &[Param<'_>],
) -> Result<rusqlite::CachedStatement<'c>> {
    if params.len() > NAMES.len() {
        return Err(Error::Corrupt(
            "a statement with too many parameters".into(),
        ));
    }
    let mut statement = conn.prepare_cached(sql)?;
    if statement.parameter_count() != params.len() {
        return Err(Error::Corrupt(format!(
            "a statement takes {} parameters, {} given",
            statement.parameter_count(),
            params.len()
        )));
    }
    for (name, param) in NAMES.iter().zip(params) {
        let index = statement
            .parameter_index(name)?
            .ok_or_else(|| Error::Corrupt(format!("a statement has no parameter {name}")))?;
        statement.raw_bind_parameter(index, param)?;
    }
    Ok(statement)
}

impl Conn {
    pub(super) fn new(backend: Backend) -> Self {
        Conn {
            backend,
            in_transaction: false,
        }
    }

    /// Whether this is PostgreSQL (shared with other servers) rather than SQLite.
    pub(super) fn is_postgres(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Runs a statement; returns the rows it changed.
    pub(super) fn execute(&mut self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let changed = sqlite_statement(conn, sql, params)?.raw_execute()?;
                Ok(u64::try_from(changed).unwrap_or(u64::MAX))
            }
            Backend::Postgres(conn) => conn.execute(sql, params),
        }
    }

    /// Runs a query and maps every row.
    pub(super) fn query<T>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        mut map: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let mut statement = sqlite_statement(conn, sql, params)?;
                let mut rows = statement.raw_query();
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(map(&Row::Sqlite(row))?);
                }
                Ok(out)
            }
            Backend::Postgres(conn) => conn
                .query(sql, params)?
                .iter()
                .map(|row| map(&Row::Postgres(row)))
                .collect(),
        }
    }

    /// Runs a query and maps its first row, if any.
    pub(super) fn query_opt<T>(
        &mut self,
        sql: &str,
        params: &[Param<'_>],
        map: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                let mut statement = sqlite_statement(conn, sql, params)?;
                let mut rows = statement.raw_query();
                rows.next()?.map(|row| map(&Row::Sqlite(row))).transpose()
            }
            Backend::Postgres(conn) => conn
                .query(sql, params)?
                .first()
                .map(|row| map(&Row::Postgres(row)))
                .transpose(),
        }
    }

    /// Whether a `SELECT EXISTS(…)` is true.
    pub(super) fn exists(&mut self, sql: &str, params: &[Param<'_>]) -> Result<bool> {
        Ok(self
            .query_opt(sql, params, |row| row.bool(0))?
            .unwrap_or(false))
    }

    /// Runs several statements without parameters (migrations).
    pub(super) fn batch(&mut self, sql: &str) -> Result<()> {
        match &mut self.backend {
            Backend::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Backend::Postgres(conn) => conn.batch(sql),
        }
    }

    /// Runs `f` in a transaction: committed when it returns `Ok`, rolled back otherwise. A
    /// transaction inside another joins the outer one.
    pub(super) fn transaction<R>(&mut self, f: impl FnOnce(&mut Conn) -> Result<R>) -> Result<R> {
        if self.in_transaction {
            return f(self);
        }
        self.batch("BEGIN")?;
        self.in_transaction = true;
        let result = f(self);
        let end = match &result {
            Ok(_) => self.batch("COMMIT"),
            Err(_) => self.batch("ROLLBACK"),
        };
        match end {
            Ok(()) => self.in_transaction = false,
            // A failed COMMIT may leave SQLite's transaction open: roll it back.
            Err(_) => self.abandon_transaction(),
        }
        let value = result?;
        end?;
        Ok(value)
    }

    /// Rolls back a transaction left open (by a panic in a closure under the lock, or a
    /// failed COMMIT), so the next call starts clean. Errors are dropped: a PostgreSQL
    /// connection that cannot roll back is broken and is replaced on its next use.
    pub(super) fn abandon_transaction(&mut self) {
        if self.in_transaction {
            if let Err(error) = self.batch("ROLLBACK") {
                tracing::debug!(%error, "rolling back an abandoned transaction");
            }
            self.in_transaction = false;
        }
    }

    /// The schema version an old SQLite file recorded in `PRAGMA user_version` before the
    /// `schema_version` table existed; 0 for PostgreSQL.
    pub(super) fn legacy_schema_version(&mut self) -> Result<i64> {
        match &mut self.backend {
            Backend::Sqlite(conn) => {
                Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
            }
            Backend::Postgres(_) => Ok(0),
        }
    }

    /// SQLite also keeps the version in `PRAGMA user_version`, so an older server still
    /// refuses a file newer than it knows.
    pub(super) fn mirror_schema_version(&mut self, version: i64) -> Result<()> {
        match &mut self.backend {
            Backend::Sqlite(conn) => Ok(conn.pragma_update(None, "user_version", version)?),
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Serialises migrations between servers that start at once on one PostgreSQL database
    /// (held until the transaction ends); SQLite's write lock does that for a file.
    pub(super) fn lock_for_migrations(&mut self) -> Result<()> {
        match &mut self.backend {
            Backend::Sqlite(_) => Ok(()),
            // The key is "antimony" in ASCII.
            Backend::Postgres(conn) => {
                conn.batch("SELECT pg_advisory_xact_lock(7020676865273589369)")
            }
        }
    }

    /// Makes sure the connection is usable before a call (PostgreSQL: reconnects).
    pub(super) fn ready(&mut self) -> Result<()> {
        self.abandon_transaction();
        match &mut self.backend {
            Backend::Sqlite(_) => Ok(()),
            Backend::Postgres(conn) => conn.ready(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory() -> Conn {
        let mut conn = Conn::new(Backend::Sqlite(
            rusqlite::Connection::open_in_memory().expect("an in-memory database"),
        ));
        conn.batch("CREATE TABLE t (k TEXT PRIMARY KEY, v BIGINT, note TEXT)")
            .expect("a table");
        conn
    }

    #[test]
    fn numbered_placeholders_bind_by_number_in_sqlite_whatever_their_order() {
        let mut conn = memory();
        conn.execute(
            "INSERT INTO t (v, k, note) VALUES ($3, $1, $2)",
            params!["a", None::<&str>, 7_i64],
        )
        .expect("insert");
        conn.execute(
            "UPDATE t SET v = v + $2 WHERE k = $1 AND v = $2 - 1",
            params!["a", 8_i64],
        )
        .expect("a placeholder used twice");
        let row = conn
            .query_opt("SELECT k, v, note FROM t", params![], |row| {
                Ok((row.text(0)?, row.int(1)?, row.opt_text(2)?))
            })
            .expect("select");
        assert_eq!(row, Some(("a".to_owned(), 15, None)));
        assert!(
            conn.exists("SELECT EXISTS(SELECT 1 FROM t WHERE v > $1)", params![true])
                .unwrap()
        );
    }

    #[test]
    fn a_wrong_number_of_parameters_is_an_error() {
        let mut conn = memory();
        let error = conn
            .execute("INSERT INTO t (k) VALUES ($1)", params!["a", "b"])
            .expect_err("one parameter too many");
        assert!(
            error.to_string().contains("takes 1 parameters, 2 given"),
            "{error}"
        );
    }

    #[test]
    fn transactions_commit_on_ok_roll_back_on_err_and_nest_into_the_outer_one() {
        let mut conn = memory();
        let failed: Result<()> = conn.transaction(|tx| {
            tx.execute("INSERT INTO t (k) VALUES ($1)", params!["gone"])?;
            tx.transaction(|inner| {
                inner.execute("INSERT INTO t (k) VALUES ($1)", params!["inner"])?;
                Ok(())
            })?;
            Err(Error::Corrupt("abandon".into()))
        });
        assert!(failed.is_err());
        conn.transaction(|tx| tx.execute("INSERT INTO t (k) VALUES ($1)", params!["kept"]))
            .expect("commit");
        let keys = conn
            .query("SELECT k FROM t ORDER BY k", params![], |row| row.text(0))
            .expect("select");
        assert_eq!(keys, ["kept"]);
    }
}
