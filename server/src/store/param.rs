//! Statement parameters: the values the store passes to either database, and how each
//! database takes them (`rusqlite::ToSql` here; PostgreSQL's `ToSql` beside its connection).

/// A statement parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Param<'a> {
    /// SQL `NULL`.
    Null,
    /// A `BIGINT` (also booleans, as 0 or 1).
    Int(i64),
    /// `TEXT`.
    Text(&'a str),
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(value: &'a str) -> Self {
        Param::Text(value)
    }
}

impl<'a> From<&'a String> for Param<'a> {
    fn from(value: &'a String) -> Self {
        Param::Text(value)
    }
}

impl From<i64> for Param<'_> {
    fn from(value: i64) -> Self {
        Param::Int(value)
    }
}

impl From<bool> for Param<'_> {
    fn from(value: bool) -> Self {
        Param::Int(i64::from(value))
    }
}

impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Param::Null, Into::into)
    }
}

/// A parameter list: `params![&id, name.as_deref(), 3_i64, true]`.
macro_rules! params {
    ($($value:expr),* $(,)?) => {
        &[$($crate::store::param::Param::from($value)),*] as &[$crate::store::param::Param<'_>]
    };
}
pub(super) use params;

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => ValueRef::Null,
            Param::Int(value) => ValueRef::Integer(value),
            Param::Text(text) => ValueRef::Text(text.as_bytes()),
        }))
    }
}
