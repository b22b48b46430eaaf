//! Socket acknowledgements and REST error bodies: success `{payload}` or error
//! `{code, message}` (PROTOCOL.md §5.2, §8).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::json_type;
use crate::{Error, ErrorCode, Result};

/// An error as servers send it: the body of a failed REST call, or a failed socket ack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ErrorBody {
    /// The error code. Kept as a number so codes this crate does not know survive;
    /// see [`ErrorBody::error_code`].
    pub code: i32,
    /// The server's message, for display only.
    pub message: String,
}

impl ErrorBody {
    /// An error with the code's standard message.
    pub fn from_code(code: ErrorCode) -> Self {
        ErrorBody {
            code: code.code(),
            message: code.message().to_owned(),
        }
    }

    /// An error with a specific message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody {
            code: code.code(),
            message: message.into(),
        }
    }

    /// The code as a known [`ErrorCode`], or `None` for a code this protocol does not define.
    pub fn error_code(&self) -> Option<ErrorCode> {
        ErrorCode::try_from(i64::from(self.code)).ok()
    }
}

impl From<ErrorCode> for ErrorBody {
    fn from(code: ErrorCode) -> Self {
        ErrorBody::from_code(code)
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ErrorBody {}

/// The one argument of a socket acknowledgement.
///
/// Success is `{"payload": T}` (`null` for most commands); failure is `{"code", "message"}`.
/// The two are told apart by the presence of the `payload` key, so an `Ack<Option<T>>`
/// never mistakes an error for an empty success.
#[derive(Debug, Clone, PartialEq, Eq, ts_rs::TS)]
#[ts(untagged)]
pub enum Ack<T> {
    /// The action succeeded.
    Ok {
        /// Its result.
        payload: T,
    },
    /// The action failed.
    Err(ErrorBody),
}

impl<T> Ack<T> {
    /// Converts into a `Result`.
    pub fn into_result(self) -> Result<T, ErrorBody> {
        match self {
            Ack::Ok { payload } => Ok(payload),
            Ack::Err(body) => Err(body),
        }
    }
}

impl<T> From<Result<T, ErrorBody>> for Ack<T> {
    fn from(result: Result<T, ErrorBody>) -> Self {
        match result {
            Ok(payload) => Ack::Ok { payload },
            Err(body) => Ack::Err(body),
        }
    }
}

impl<T: DeserializeOwned> Ack<T> {
    /// Decodes an ack argument.
    pub fn from_value(value: &serde_json::Value) -> Result<Self> {
        let serde_json::Value::Object(map) = value else {
            return Err(Error::wrong_type("an ack object", value));
        };
        match map.get("payload") {
            Some(payload) => Ok(Ack::Ok {
                payload: T::deserialize(payload)?,
            }),
            None => Ok(Ack::Err(ErrorBody::deserialize(value)?)),
        }
    }
}

impl<T: Serialize> Serialize for Ack<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Ack::Ok { payload } => crate::Envelope { payload }.serialize(serializer),
            Ack::Err(body) => body.serialize(serializer),
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Ack<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ack::from_value(&value).map_err(|e| {
            serde::de::Error::custom(format!("invalid ack ({}): {e}", json_type(&value)))
        })
    }
}
