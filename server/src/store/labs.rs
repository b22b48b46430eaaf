//! Labs.

use antimony_protocol::Timestamp;
use antimony_protocol::rest::UserOut;
use std::sync::Arc;

use super::sql::{Row, params};
use super::{CachedLabs, Store, now_text};
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
        t.collection_id, c.name, u.id, u.name, l.topology_definition, l.instance_name,
        l.start_ns
    FROM labs l
    JOIN topologies t ON t.id = l.topology_id
    JOIN collections c ON c.id = t.collection_id AND c.deleted_at IS NULL
    JOIN users u ON u.id = l.creator_id
    WHERE l.deleted_at IS NULL";

fn from_row(row: &Row<'_>) -> Result<LabRecord> {
    let time = |text: String| {
        Timestamp::parse(&text).map_err(|e| Error::Corrupt(format!("lab time {text:?}: {e}")))
    };
    Ok(LabRecord {
        id: row.text(0)?,
        name: row.text(1)?,
        start_time: time(row.text(2)?)?,
        end_time: row.opt_text(3)?.map(time).transpose()?,
        topology_id: row.text(4)?,
        topology_name: row.text(5)?,
        collection_id: row.text(6)?,
        collection_name: row.text(7)?,
        creator: UserOut {
            id: row.text(8)?,
            name: row.text(9)?,
        },
        topology_definition: row.text(10)?,
        instance_name: row.opt_text(11)?,
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
    /// Labs matching the filter, by start time (then id). Served from the cached lab list
    /// (see the module documentation for how it stays fresh with PostgreSQL).
    pub async fn labs(&self, filter: LabFilter) -> Result<Vec<Arc<LabRecord>>> {
        let all = self
            .with_db(|db| {
                let generation = if db.conn.is_postgres() {
                    db.conn
                        .query_opt(
                            "SELECT generation FROM lab_list_generation",
                            params![],
                            |row| row.int(0),
                        )?
                        .unwrap_or(0)
                } else {
                    0
                };
                if let Some(cached) = &db.labs
                    && cached.generation == generation
                {
                    return Ok(Arc::clone(&cached.labs));
                }
                let mut labs = db
                    .conn
                    .query(SELECT, params![], |row| Ok((row.int(12)?, from_row(row)?)))?;
                // Ordered here rather than by SQL: the id is text, and PostgreSQL's collation
                // may order text differently from SQLite's bytes.
                labs.sort_by(|(a_start, a), (b_start, b)| {
                    a_start.cmp(b_start).then_with(|| a.id.cmp(&b.id))
                });
                let labs: Arc<[Arc<LabRecord>]> =
                    labs.into_iter().map(|(_, lab)| Arc::new(lab)).collect();
                db.labs = Some(CachedLabs {
                    generation,
                    labs: Arc::clone(&labs),
                });
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
        if !super::possible_id(id) {
            return Ok(None);
        }
        let id = id.to_owned();
        self.call(move |conn| {
            conn.query_opt(&format!("{SELECT} AND l.id = $1"), params![&id], from_row)
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
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                params![
                    &lab.id,
                    &lab.name,
                    &start,
                    start_ns,
                    end.as_deref(),
                    end_ns,
                    &lab.topology_id,
                    &lab.creator_id,
                    &lab.topology_definition,
                    &now_text()
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
            conn.transaction(|tx| {
                if let Some(name) = &update.name {
                    tx.execute(
                        "UPDATE labs SET name = $2 WHERE id = $1",
                        params![&id, name],
                    )?;
                }
                if let Some((start, start_ns)) = &start {
                    tx.execute(
                        "UPDATE labs SET start_time = $2, start_ns = $3 WHERE id = $1",
                        params![&id, start, *start_ns],
                    )?;
                }
                if let Some(end) = end {
                    let (end, end_ns) = end.unzip();
                    tx.execute(
                        "UPDATE labs SET end_time = $2, end_ns = $3 WHERE id = $1",
                        params![&id, end.as_deref(), end_ns],
                    )?;
                }
                Ok(())
            })
        })
        .await
    }

    /// Records the containerlab lab name of a lab's (first) deployment.
    pub async fn set_instance_name(&self, id: &str, instance_name: &str) -> Result<()> {
        let (id, instance_name) = (id.to_owned(), instance_name.to_owned());
        self.write(move |conn| {
            conn.execute(
                "UPDATE labs SET instance_name = $2 WHERE id = $1",
                params![&id, &instance_name],
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
                "UPDATE labs SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL",
                params![&id, &now_text()],
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
