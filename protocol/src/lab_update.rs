//! `/lab-updates`: "something about this lab changed, refetch it" (PROTOCOL.md §5.4, §6.8).

use serde::{Deserialize, Deserializer, Serialize};

/// The payload of a `/lab-updates` `data` event.
///
/// Real servers send `{"payload": {"labId": "<id>"}}`, and `{"labId": null}` once at start-up
/// to mean "refetch all". The original page sends the bare id string, and `""` for "refetch
/// all". Decoded through [`crate::decode_event`], all four forms give the same value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LabUpdate {
    /// The lab to refetch, or `None` to refetch every lab.
    pub lab_id: Option<String>,
}

impl LabUpdate {
    /// An update for one lab.
    pub fn lab(id: impl Into<String>) -> Self {
        LabUpdate {
            lab_id: Some(id.into()),
        }
    }

    /// An update that asks clients to refetch every lab.
    pub fn all() -> Self {
        LabUpdate { lab_id: None }
    }
}

impl<'de> Deserialize<'de> for LabUpdate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Object {
            lab_id: Option<String>,
        }

        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Bare(Option<String>),
            Object(Object),
        }

        let lab_id = match Form::deserialize(deserializer)? {
            Form::Bare(id) => id,
            Form::Object(object) => object.lab_id,
        };
        // An empty id means "all" in the original page's bare form; treat it the same in
        // every form rather than asking for a lab with an empty id.
        Ok(LabUpdate {
            lab_id: lab_id.filter(|id| !id.is_empty()),
        })
    }
}
