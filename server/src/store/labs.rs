//! Labs.

use antimony_protocol::Timestamp;
use antimony_protocol::rest::UserOut;
use std::sync::Arc;

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, now_text};
use crate::{Error, Result};

/// A stored lab, with what its handlers need from its topology and collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabRecord {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// When it is deployed.
    pub start_time: Timestamp,
    /// When it is destroyed; `None` is indefinite.
    pub end_time: Option<Timestamp>,
    /// Its topology.
    pub topology_id: String,
    /// Its topology's YAML name.
    pub topology_name: String,
    /// Its topology's collection.
    pub collection_id: String,
    /// That collection's name (for membership checks).
    pub collection_name: String,
    /// The creator.
    pub creator: UserOut,
    /// The topology YAML when the lab was created.
    pub topology_definition: String,
    /// containerlab's lab name, once deployed.
    pub instance_name: Option<String>,
}

/// A new lab.
#[derive(Debug, Clone)]
pub struct NewLab {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// When to deploy.
    pub start_time: Timestamp,
    /// When to destroy.
    pub end_time: Option<Timestamp>,
    /// The topology.
    pub topology_id: String,
    /// The creator.
    pub creator_id: String,
    /// The topology YAML now.
    pub topology_definition: String,
}

/// A change to a lab. `end_time: Some(None)` makes it indefinite.
#[derive(Debug, Clone, Default)]
pub struct LabUpdate {
    /// A new name.
    pub name: Option<String>,
    /// A new start time.
    pub start_time: Option<Timestamp>,
    /// A new end time, or `Some(None)` for none.
    pub end_time: Option<Option<Timestamp>>,
}

/// The SQL side of `GET /labs`: search and date filters. State and permission filters and
/// paging happen in memory, after this.
#[derive(Debug, Clone, Default)]
pub struct LabFilter {
    /// Substring of the lab, topology or collection name.
    pub search: Option<String>,
    /// `start_time >= start_date`.
    pub start_date: Option<Timestamp>,
    /// `end_time <= end_date`; indefinite labs drop out.
    pub end_date: Option<Timestamp>,
    /// Keep labs of these collections (empty keeps all).
    pub collections: Vec<String>,
}

impl LabFilter {
    /// Whether a lab passes. The search is an ASCII-case-insensitive substring match, like
    /// SQL `LIKE '%q%'`.
    pub fn matches(&self, lab: &LabRecord) -> bool {
        let search = self
            .search
            .as_deref()
            .filter(|s| !s.is_empty())
            .is_none_or(|q| {
                [&lab.name, &lab.topology_name, &lab.collection_name]
                    .iter()
                    .any(|field| contains_ignore_ascii_case(field, q))
            });
        let start = self.start_date.is_none_or(|start| lab.start_time >= start);
        let end = self
            .end_date
            .is_none_or(|end| lab.end_time.is_some_and(|e| e <= end));
        let collection =
            self.collections.is_empty() || self.collections.contains(&lab.collection_id);
        search && start && end && collection
    }
}

fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    needle.is_empty()
        || haystack
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle))
}

const SELECT: &str = "SELECT l.id, l.name, l.start_time, l.end_time, l.topology_id, t.name,
        t.collection_id, c.name, u.id, u.name, l.topology_definition, l.instance_name
    FROM labs l
    JOIN topologies t ON t.id = l.topology_id
    JOIN collections c ON c.id = t.collection_id AND c.deleted_at IS NULL
    JOIN users u ON u.id = l.creator_id
    WHERE l.deleted_at IS NULL";

fn from_row(row: &Row<'_>) -> rusqlite::Result<LabRecord> {
    let time = |index: usize, text: String| {
        Timestamp::parse(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
        })
    };
    Ok(LabRecord {
        id: row.get(0)?,
        name: row.get(1)?,
        start_time: time(2, row.get(2)?)?,
        end_time: row
            .get::<_, Option<String>>(3)?
            .map(|t| time(3, t))
            .transpose()?,
        topology_id: row.get(4)?,
        topology_name: row.get(5)?,
        collection_id: row.get(6)?,
        collection_name: row.get(7)?,
        creator: UserOut {
            id: row.get(8)?,
            name: row.get(9)?,
        },
        topology_definition: row.get(10)?,
        instance_name: row.get(11)?,
    })
}

/// Nanoseconds since the epoch, the sortable form of a timestamp.
fn nanos(time: &Timestamp) -> Result<i64> {
    i64::try_from(time.as_offset_date_time().unix_timestamp_nanos())
        .map_err(|_| Error::Corrupt(format!("time {time} is out of range")))
}

fn text(time: &Timestamp) -> Result<String> {
    time.to_rfc3339().map_err(|e| Error::Corrupt(e.to_string()))
}

impl Store {
    /// Labs matching the filter, by start time. Served from the cached lab list.
    pub async fn labs(&self, filter: LabFilter) -> Result<Vec<Arc<LabRecord>>> {
        let all = self
            .with_db(|db| {
                if let Some(labs) = &db.labs {
                    return Ok(Arc::clone(labs));
                }
                let mut stmt = db
                    .conn
                    .prepare_cached(&format!("{SELECT} ORDER BY l.start_ns, l.id"))?;
                let labs: Arc<[Arc<LabRecord>]> = stmt
                    .query_map([], |row| from_row(row).map(Arc::new))?
                    .collect::<rusqlite::Result<_>>()?;
                drop(stmt);
                db.labs = Some(Arc::clone(&labs));
                Ok(labs)
            })
            .await?;
        Ok(all
            .iter()
            .filter(|lab| filter.matches(lab))
            .cloned()
            .collect())
    }

    /// One lab.
    pub async fn lab(&self, id: &str) -> Result<Option<LabRecord>> {
        let id = id.to_owned();
        self.call(move |conn| {
            Ok(conn
                .query_row(&format!("{SELECT} AND l.id = ?1"), [id], from_row)
                .optional()?)
        })
        .await
    }

    /// Creates a lab.
    pub async fn create_lab(&self, lab: NewLab) -> Result<()> {
        let start_ns = nanos(&lab.start_time)?;
        let start = text(&lab.start_time)?;
        let end_ns = lab.end_time.as_ref().map(nanos).transpose()?;
        let end = lab.end_time.as_ref().map(text).transpose()?;
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO labs (id, name, start_time, start_ns, end_time, end_ns, topology_id,
                     creator_id, topology_definition, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    lab.id,
                    lab.name,
                    start,
                    start_ns,
                    end,
                    end_ns,
                    lab.topology_id,
                    lab.creator_id,
                    lab.topology_definition,
                    now_text()
                ],
            )?;
            Ok(())
        })
        .await
    }

    /// Changes a lab's name and times.
    pub async fn update_lab(&self, id: &str, update: LabUpdate) -> Result<()> {
        let id = id.to_owned();
        let start = update
            .start_time
            .as_ref()
            .map(|t| Ok::<_, Error>((text(t)?, nanos(t)?)))
            .transpose()?;
        let end = update
            .end_time
            .as_ref()
            .map(|end| {
                end.as_ref()
                    .map(|t| Ok::<_, Error>((text(t)?, nanos(t)?)))
                    .transpose()
            })
            .transpose()?;
        self.write(move |conn| {
            let tx = conn.transaction()?;
            if let Some(name) = update.name {
                tx.execute("UPDATE labs SET name = ?2 WHERE id = ?1", params![id, name])?;
            }
            if let Some((start, start_ns)) = start {
                tx.execute(
                    "UPDATE labs SET start_time = ?2, start_ns = ?3 WHERE id = ?1",
                    params![id, start, start_ns],
                )?;
            }
            if let Some(end) = end {
                let (end, end_ns) = end.unzip();
                tx.execute(
                    "UPDATE labs SET end_time = ?2, end_ns = ?3 WHERE id = ?1",
                    params![id, end, end_ns],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// Records the containerlab lab name of a lab's (first) deployment.
    pub async fn set_instance_name(&self, id: &str, instance_name: &str) -> Result<()> {
        let (id, instance_name) = (id.to_owned(), instance_name.to_owned());
        self.write(move |conn| {
            conn.execute(
                "UPDATE labs SET instance_name = ?2 WHERE id = ?1",
                params![id, instance_name],
            )?;
            Ok(())
        })
        .await
    }

    /// Soft-deletes a lab.
    pub async fn delete_lab(&self, id: &str) -> Result<()> {
        let id = id.to_owned();
        self.write(move |conn| {
            conn.execute(
                "UPDATE labs SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL",
                params![id, now_text()],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_is_an_ascii_case_insensitive_substring_match() {
        assert!(contains_ignore_ascii_case("Spine-Leaf", "leaf"));
        assert!(contains_ignore_ascii_case("Spine-Leaf", "E-L"));
        assert!(contains_ignore_ascii_case("abc", ""));
        assert!(!contains_ignore_ascii_case("abc", "abcd"));
        assert!(!contains_ignore_ascii_case("a%c", "a_c"), "no wildcards");
        assert!(
            contains_ignore_ascii_case("Ünïcode", "Ünï"),
            "non-ASCII matches exactly"
        );
        assert!(
            !contains_ignore_ascii_case("Ünïcode", "ünï"),
            "non-ASCII letters are not folded, as in SQL LIKE"
        );
    }
}
