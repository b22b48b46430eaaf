//! The REST client (PROTOCOL.md §2–§4), one per server: its resources here, its login state in
//! [`auth`](self::Tokens) (native login with cookies, identity from the access token, refresh
//! on 498 then one retry; [`Error::NotLoggedIn`](crate::Error::NotLoggedIn) when the refresh
//! is refused and no credentials are remembered), and its HTTP transport in `transport`.
//!
//! Tokens live in memory here; the caller keeps the auth token in the OS keychain (see
//! [`crate::account`]).

mod auth;
mod transport;

use antimony_protocol::rest::{
    CollectionIn, CollectionOut, DeviceConfig, LabIn, LabOut, LabsQuery, LoginConfig, TopologyIn,
    TopologyOut,
};
use reqwest::Method;

pub use auth::Tokens;

use crate::profile::ServerProfile;
use crate::{Error, Result};

/// The page size `labs` asks for when the query sets none (real servers return nothing
/// without a `limit`).
pub const DEFAULT_LIMIT: u32 = 1000;

/// A page of labs.
#[derive(Debug, Clone)]
pub struct LabPage {
    /// The labs.
    pub labs: Vec<LabOut>,
    /// All matching labs, when the server says (`X-Total-Count`).
    pub total: Option<u64>,
}

/// REST calls to one server.
pub struct RestClient {
    profile: ServerProfile,
    http: reqwest::Client,
    login: auth::LoginState,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("server", &self.profile.origin)
            .field("tokens", &*self.login.tokens())
            .finish_non_exhaustive()
    }
}

impl RestClient {
    /// A client for a profile.
    pub fn new(profile: ServerProfile) -> Result<Self> {
        Ok(RestClient {
            http: transport::http_client(&profile)?,
            profile,
            login: auth::LoginState::default(),
        })
    }

    /// The profile.
    pub fn profile(&self) -> &ServerProfile {
        &self.profile
    }

    /// `GET /users/login/config`.
    pub async fn login_config(&self) -> Result<LoginConfig> {
        self.send::<LoginConfig, ()>(Method::GET, "/users/login/config", None, false)
            .await
    }

    /// The server's version, from the [`SERVER_HEADER`] of `GET /users/login/config` (public,
    /// so no login is needed). `None` for a server that does not say (the Go server).
    ///
    /// [`SERVER_HEADER`]: antimony_protocol::rest::SERVER_HEADER
    pub async fn server_version(&self) -> Result<Option<String>> {
        let (headers, _) = self
            .send_raw::<LoginConfig, ()>(Method::GET, "/users/login/config", None, false)
            .await?;
        Ok(headers
            .get(antimony_protocol::rest::SERVER_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(64).collect()))
    }

    /// `GET /labs`, always with `limit` and `offset`.
    pub async fn labs(&self, query: &LabsQuery) -> Result<LabPage> {
        let mut query = query.clone();
        query.limit = Some(query.limit.unwrap_or(DEFAULT_LIMIT));
        query.offset = Some(query.offset.unwrap_or(0));
        let pairs = query
            .to_query_pairs()
            .map_err(|e| Error::Protocol(e.to_string()))?;
        let encoded: String = reqwest::Url::parse_with_params("http://x/", &pairs)
            .map(|u| u.query().unwrap_or_default().to_owned())
            .map_err(|e| Error::Protocol(e.to_string()))?;
        let (headers, labs) = self
            .send_raw::<Vec<LabOut>, ()>(Method::GET, &format!("/labs?{encoded}"), None, true)
            .await?;
        let total = headers
            .get(antimony_protocol::rest::TOTAL_COUNT_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        Ok(LabPage { labs, total })
    }

    /// `GET /labs/:id`.
    pub async fn lab(&self, id: &str) -> Result<LabOut> {
        self.send::<_, ()>(Method::GET, &format!("/labs/{id}"), None, true)
            .await
    }

    /// `GET /topologies`.
    pub async fn topologies(&self) -> Result<Vec<TopologyOut>> {
        self.send::<_, ()>(Method::GET, "/topologies", None, true)
            .await
    }

    /// `GET /collections`.
    pub async fn collections(&self) -> Result<Vec<CollectionOut>> {
        self.send::<_, ()>(Method::GET, "/collections", None, true)
            .await
    }

    /// `GET /devices`.
    pub async fn devices(&self) -> Result<Vec<DeviceConfig>> {
        self.send::<_, ()>(Method::GET, "/devices", None, true)
            .await
    }

    /// `POST /collections`; returns the new id.
    pub async fn create_collection(&self, collection: &CollectionIn) -> Result<String> {
        self.send(Method::POST, "/collections", Some(collection), true)
            .await
    }

    /// `POST /topologies`; returns the new id.
    pub async fn create_topology(&self, topology: &TopologyIn) -> Result<String> {
        self.send(Method::POST, "/topologies", Some(topology), true)
            .await
    }

    /// `POST /labs`; returns the new id.
    pub async fn create_lab(&self, lab: &LabIn) -> Result<String> {
        self.send(Method::POST, "/labs", Some(lab), true).await
    }
}
