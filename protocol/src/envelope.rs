//! The `{payload: …}` envelope of REST success bodies, wrapped socket events and success acks,
//! and the tolerant event decoder that also takes the bare payloads of the original API page.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// `{"payload": T}`: a REST success body, or the `data` of `/status-messages`,
/// `/lab-updates` and `/shell-commands`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Envelope<T> {
    /// The wrapped value.
    pub payload: T,
}

impl<T> Envelope<T> {
    /// Wraps a value.
    pub fn new(payload: T) -> Self {
        Envelope { payload }
    }
}

/// Decodes a server-to-client event argument that real servers send wrapped as
/// `{"payload": T}` and the original page describes bare, as `T`.
///
/// An object with a `payload` key is unwrapped; anything else is decoded as `T` itself.
pub fn decode_event<T: DeserializeOwned>(value: &serde_json::Value) -> crate::Result<T> {
    let inner = match value {
        serde_json::Value::Object(map) => map.get("payload").unwrap_or(value),
        other => other,
    };
    Ok(T::deserialize(inner)?)
}
