//! Labs: a topology scheduled to run between a start and an end time (PROTOCOL.md §4.3).

use serde::{Deserialize, Serialize};

use super::{InstanceOut, InstanceState, UserOut};
use crate::{Error, Result, Timestamp};

/// `GET /labs` item and `GET /labs/:id` payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabOut {
    /// The id.
    pub id: String,
    /// The name.
    pub name: String,
    /// When it is (or was) deployed.
    pub start_time: Timestamp,
    /// When it is destroyed; `null` runs indefinitely.
    pub end_time: Option<Timestamp>,
    /// The topology.
    pub topology_id: String,
    /// The topology's collection.
    pub collection_id: String,
    /// Who created the lab.
    pub creator: UserOut,
    /// The topology YAML as it was when the lab was created.
    #[serde(default)]
    pub topology_definition: String,
    /// Present while the lab is deployed, deploying, stopping or failed; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub instance: Option<InstanceOut>,
    /// containerlab's lab name, set at the first deployment and kept afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub instance_name: Option<String>,
}

impl LabOut {
    /// The lab's state: its instance's state, or `inactive` without one. (Only the server
    /// knows whether a lab without instance is `scheduled`.)
    pub fn state(&self) -> InstanceState {
        self.instance
            .as_ref()
            .map_or(InstanceState::Inactive, |i| i.state)
    }
}

/// `POST /labs` body. All four keys are required by real servers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabIn {
    /// The name.
    pub name: String,
    /// When to deploy; a past time deploys now.
    pub start_time: Timestamp,
    /// When to destroy. To run indefinitely, create the lab and then PATCH `indefinite`.
    pub end_time: Timestamp,
    /// The topology.
    pub topology_id: String,
}

/// `PATCH /labs/:id` body. The Go server takes it only for labs without an instance;
/// antimony-server also takes a new end time (`endTime`, `indefinite`) for a deployed lab.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabInPartial {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    /// A new start time; re-queues the deployment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub start_time: Option<Timestamp>,
    /// A new end time; re-queues the destruction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub end_time: Option<Timestamp>,
    /// `true` clears the end time, and wins over `end_time`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub indefinite: Option<bool>,
}

/// The query of `GET /labs`.
///
/// On the wire it is a query string whose list keys carry literal brackets
/// (`stateFilter[]=1&stateFilter[]=-2`): use [`LabsQuery::to_query_pairs`] and
/// [`LabsQuery::from_query_pairs`]. Its serde form (camelCase, plain arrays) is for passing a
/// query between the UI and the Rust side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabsQuery {
    /// Page size. Real servers return nothing without it, so clients always send it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub limit: Option<u32>,
    /// Page offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub offset: Option<u32>,
    /// Substring of the lab, topology or collection name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub search_query: Option<String>,
    /// Labs starting at or after this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub start_date: Option<Timestamp>,
    /// Labs ending at or before this time (indefinite labs drop out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub end_date: Option<Timestamp>,
    /// Keep labs in these states.
    #[serde(default)]
    pub state_filter: Vec<InstanceState>,
    /// Keep labs of these collections.
    #[serde(default)]
    pub collection_filter: Vec<String>,
}

/// Query-string keys of [`LabsQuery`].
mod key {
    pub(super) const LIMIT: &str = "limit";
    pub(super) const OFFSET: &str = "offset";
    pub(super) const SEARCH_QUERY: &str = "searchQuery";
    pub(super) const START_DATE: &str = "startDate";
    pub(super) const END_DATE: &str = "endDate";
    pub(super) const STATE_FILTER: &str = "stateFilter[]";
    pub(super) const COLLECTION_FILTER: &str = "collectionFilter[]";
}

impl LabsQuery {
    /// The query-string pairs, in a stable order, brackets included. Values are not
    /// percent-encoded; HTTP clients do that.
    pub fn to_query_pairs(&self) -> Result<Vec<(&'static str, String)>> {
        let mut pairs = Vec::new();
        if let Some(limit) = self.limit {
            pairs.push((key::LIMIT, limit.to_string()));
        }
        if let Some(offset) = self.offset {
            pairs.push((key::OFFSET, offset.to_string()));
        }
        if let Some(search) = &self.search_query {
            pairs.push((key::SEARCH_QUERY, search.clone()));
        }
        if let Some(start) = &self.start_date {
            pairs.push((key::START_DATE, start.to_rfc3339()?));
        }
        if let Some(end) = &self.end_date {
            pairs.push((key::END_DATE, end.to_rfc3339()?));
        }
        for state in &self.state_filter {
            pairs.push((key::STATE_FILTER, state.code().to_string()));
        }
        for collection in &self.collection_filter {
            pairs.push((key::COLLECTION_FILTER, collection.clone()));
        }
        Ok(pairs)
    }

    /// Reads decoded query-string pairs. List keys are accepted with or without `[]`;
    /// unknown keys are ignored; a repeated scalar key takes its last value.
    pub fn from_query_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut query = LabsQuery::default();
        for (name, value) in pairs {
            let (name, value) = (name.as_ref(), value.as_ref());
            match name.strip_suffix("[]").unwrap_or(name) {
                key::LIMIT => query.limit = Some(parse_number(name, value)?),
                key::OFFSET => query.offset = Some(parse_number(name, value)?),
                key::SEARCH_QUERY => query.search_query = Some(value.to_owned()),
                key::START_DATE => query.start_date = Some(parse_time(name, value)?),
                key::END_DATE => query.end_date = Some(parse_time(name, value)?),
                "stateFilter" => {
                    let code: i64 = parse_number(name, value)?;
                    let state = InstanceState::try_from(code)
                        .map_err(|e| query_error(name, value, e.to_string()))?;
                    query.state_filter.push(state);
                }
                "collectionFilter" => query.collection_filter.push(value.to_owned()),
                _ => {}
            }
        }
        Ok(query)
    }
}

fn parse_number<T: std::str::FromStr>(name: &str, value: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|e: T::Err| query_error(name, value, e.to_string()))
}

fn parse_time(name: &str, value: &str) -> Result<Timestamp> {
    Timestamp::parse(value).map_err(|e| query_error(name, value, e.to_string()))
}

fn query_error(name: &str, value: &str, reason: String) -> Error {
    Error::Query {
        param: name.chars().take(64).collect(),
        value: value.chars().take(64).collect(),
        reason,
    }
}
