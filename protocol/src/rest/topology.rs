//! Topologies (containerlab YAML) and their bind files (§4.4).

use serde::{Deserialize, Serialize};

use super::UserOut;

/// `GET /topologies` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TopologyOut {
    /// The id.
    pub id: String,
    /// The containerlab YAML. The topology's name is its `name:` key.
    pub definition: String,
    /// A URL the topology is synchronised from, or `""`.
    pub sync_url: String,
    /// The collection it belongs to.
    pub collection_id: String,
    /// Who created it.
    pub creator: UserOut,
    /// Files mounted into nodes; always an array.
    #[serde(default)]
    pub bind_files: Vec<BindFileOut>,
    /// Whether the latest deployment of any lab using it failed.
    #[serde(default)]
    pub last_deploy_failed: bool,
}

/// `POST /topologies` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TopologyIn {
    /// The containerlab YAML.
    pub definition: String,
    /// A sync URL, or `""`.
    pub sync_url: String,
    /// The collection.
    pub collection_id: String,
}

/// `PATCH /topologies/:id` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct TopologyInPartial {
    /// A new definition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub definition: Option<String>,
    /// A new sync URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub sync_url: Option<String>,
    /// A new collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub collection_id: Option<String>,
}

/// A file stored beside a topology and mounted into its nodes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BindFileOut {
    /// The id.
    pub id: String,
    /// The path relative to the topology's directory.
    pub file_path: String,
    /// The content.
    pub content: String,
    /// The topology.
    pub topology_id: String,
}

/// `POST /topologies/:id/files` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BindFileIn {
    /// The path relative to the topology's directory.
    pub file_path: String,
    /// The content.
    pub content: String,
}

/// `PATCH` (or `PUT`) `/topologies/:id/files/:fileId` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct BindFileInPartial {
    /// A new path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub file_path: Option<String>,
    /// New content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub content: Option<String>,
}
