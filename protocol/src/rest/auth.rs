//! Login configuration, credentials and users (PROTOCOL.md §3.3, §4.2).

use std::fmt;

use serde::{Deserialize, Serialize};

/// `GET /users/login/config`: which login methods the server offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct LoginConfig {
    /// OpenID Connect login.
    pub open_id: OpenIdLoginConfig,
    /// Username and password login.
    pub native: NativeLoginConfig,
}

/// Whether OpenID login is enabled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct OpenIdLoginConfig {
    /// Enabled.
    pub enabled: bool,
}

/// Whether native login is enabled, and whether empty credentials log in ("auto login").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct NativeLoginConfig {
    /// Enabled.
    pub enabled: bool,
    /// Empty username and password log in as the native admin.
    pub allow_empty: bool,
}

/// `POST /users/login/native` body. Its `Debug` output hides the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct NativeCredentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl fmt::Debug for NativeCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A user as other resources name it (`creator`). There is no user listing endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct UserOut {
    /// The user id (35 characters for the native admin).
    pub id: String,
    /// The display name (`Admin`, or an OpenID user's e-mail).
    pub name: String,
}
