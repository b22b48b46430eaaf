//! Collections: groups of topologies whose names double as OpenID group names (§4.5).

use serde::{Deserialize, Serialize};

use super::UserOut;

/// `GET /collections` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CollectionOut {
    /// The id.
    pub id: String,
    /// The name; members are users in the OpenID group of this name.
    pub name: String,
    /// Members may create and edit topologies.
    pub public_write: bool,
    /// Members may create labs.
    pub public_deploy: bool,
    /// Who created it.
    pub creator: UserOut,
    /// Topologies in it may use fields that act on the host (bind mounts outside the lab,
    /// host networking, devices, …; antimony-server only, set by admins). Sent only when true;
    /// Go servers never send it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    #[ts(as = "Option<bool>", optional)]
    pub allow_host_access: bool,
}

/// `POST /collections` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CollectionIn {
    /// The name.
    pub name: String,
    /// Members may create and edit topologies.
    pub public_write: bool,
    /// Members may create labs.
    pub public_deploy: bool,
    /// Whether topologies in it may act on the host (antimony-server; admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub allow_host_access: Option<bool>,
}

/// `PATCH /collections/:id` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct CollectionInPartial {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    /// A new write setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub public_write: Option<bool>,
    /// A new deploy setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub public_deploy: Option<bool>,
    /// A new host-access setting (antimony-server; admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub allow_host_access: Option<bool>,
}
