//! REST request and response bodies (PROTOCOL.md §3.3, §4). Success bodies come wrapped in
//! [`crate::Envelope`]; errors are [`crate::ErrorBody`].
//!
//! Unknown keys are ignored everywhere, so fields added by newer servers do not break
//! decoding. Input types (`…In`) require every key to be present and not `null`; partial
//! types (`…InPartial`) take any subset.

mod auth;
mod collection;
mod device;
mod instance;
mod lab;
mod topology;

pub use auth::{LoginConfig, NativeCredentials, NativeLoginConfig, OpenIdLoginConfig, UserOut};
pub use collection::{CollectionIn, CollectionInPartial, CollectionOut};
pub use device::DeviceConfig;
pub use instance::{InstanceNode, InstanceOut, InstanceState, NodeState};
pub use lab::{LabIn, LabInPartial, LabOut, LabsQuery};
pub use topology::{
    BindFileIn, BindFileInPartial, BindFileOut, TopologyIn, TopologyInPartial, TopologyOut,
};

/// Cookie names (PROTOCOL.md §3.1).
pub mod cookie {
    /// The access token; readable by scripts.
    pub const ACCESS_TOKEN: &str = "accessToken";
    /// The auth (refresh) token; HttpOnly.
    pub const AUTH_TOKEN: &str = "authToken";
    /// `"true"` after an OpenID login.
    pub const AUTH_OIDC: &str = "authOidc";
}

/// The header with the total number of labs matching a query, before paging.
pub const TOTAL_COUNT_HEADER: &str = "X-Total-Count";

/// The header antimony-server sends on every REST response: its version (`0.1.0`). An
/// extension of ours, outside every payload the Go server and its web UI know: Go servers
/// send none, so a missing header means "another server, version unknown".
pub const SERVER_HEADER: &str = "X-Antimony-Server";
