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
    BindFileIn, BindFileInPartial, CollectionIn, CollectionInPartial, CollectionOut, DeviceConfig,
    LabIn, LabInPartial, LabOut, LabsQuery, LoginConfig, TopologyIn, TopologyInPartial,
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
        self.send::<_, ()>(Method::GET, &format!("/labs/{}", segment(id)), None, true)
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

    /// `PATCH /labs/:id`: a new name, start or end time, or no end.
    ///
    /// A lab that is deployed is only changed on a server that says it is antimony-server
    /// (whose PATCH takes a new end time of a deployed lab): the Go server keeps its lock on
    /// such a PATCH and hangs every later lab request until it restarts (PROTOCOL.md §4.3), so
    /// this refuses with [`Error::Unsupported`] before sending it there.
    ///
    /// The Go server saves `indefinite: true` and then fails (500 with an empty body); the
    /// lab is read back, and the change counts as made when its end time is gone.
    pub async fn update_lab(&self, id: &str, change: &LabInPartial) -> Result<()> {
        let deployed = self.lab(id).await?.instance.is_some();
        // Asked only when it matters: a deployed lab, or the Go server's `indefinite` failure.
        let go = if deployed || change.indefinite == Some(true) {
            self.server_version().await?.is_none()
        } else {
            false
        };
        if deployed && go {
            return Err(Error::Unsupported(
                "this server cannot change a deployed lab (it would stop answering); \
                 destroy the lab first"
                    .into(),
            ));
        }
        let path = format!("/labs/{}", segment(id));
        match self.send_null(Method::PATCH, &path, Some(change)).await {
            Err(Error::Api { status: 500, .. } | Error::Protocol(_))
                if go && change.indefinite == Some(true) =>
            {
                if self.lab(id).await?.end_time.is_none() {
                    Ok(())
                } else {
                    Err(Error::Protocol(
                        "the server failed to make the lab run indefinitely".into(),
                    ))
                }
            }
            other => other,
        }
    }

    /// `DELETE /labs/:id` (labs without an instance, or with a failed one). Refused with
    /// [`Error::Unsupported`] for a deployed lab on a server that does not say it is
    /// antimony-server: the Go server would keep its lock and hang (PROTOCOL.md §4.3).
    pub async fn delete_lab(&self, id: &str) -> Result<()> {
        let lab = self.lab(id).await?;
        let failed_or_none = lab
            .instance
            .as_ref()
            .is_none_or(|i| i.state == antimony_protocol::rest::InstanceState::Failed);
        if !failed_or_none && self.server_version().await?.is_none() {
            return Err(Error::Unsupported(
                "this server cannot delete a deployed lab (it would stop answering); \
                 destroy the lab first"
                    .into(),
            ));
        }
        self.send_null::<()>(Method::DELETE, &format!("/labs/{}", segment(id)), None)
            .await
    }

    /// `PATCH /topologies/:id`.
    pub async fn update_topology(&self, id: &str, change: &TopologyInPartial) -> Result<()> {
        self.send_null(
            Method::PATCH,
            &format!("/topologies/{}", segment(id)),
            Some(change),
        )
        .await
    }

    /// `DELETE /topologies/:id`.
    pub async fn delete_topology(&self, id: &str) -> Result<()> {
        self.send_null::<()>(
            Method::DELETE,
            &format!("/topologies/{}", segment(id)),
            None,
        )
        .await
    }

    /// `POST /topologies/:id/files`; returns the new bind file's id.
    pub async fn create_bind_file(&self, topology: &str, file: &BindFileIn) -> Result<String> {
        let path = format!("/topologies/{}/files", segment(topology));
        self.send(Method::POST, &path, Some(file), true).await
    }

    /// `PATCH /topologies/:id/files/:fileId` (PATCH: the Go server has no PUT for it).
    pub async fn update_bind_file(
        &self,
        topology: &str,
        file: &str,
        change: &BindFileInPartial,
    ) -> Result<()> {
        let path = format!("/topologies/{}/files/{}", segment(topology), segment(file));
        self.send_null(Method::PATCH, &path, Some(change)).await
    }

    /// `DELETE /topologies/:id/files/:fileId`.
    pub async fn delete_bind_file(&self, topology: &str, file: &str) -> Result<()> {
        let path = format!("/topologies/{}/files/{}", segment(topology), segment(file));
        self.send_null::<()>(Method::DELETE, &path, None).await
    }

    /// `PATCH /collections/:id`.
    pub async fn update_collection(&self, id: &str, change: &CollectionInPartial) -> Result<()> {
        self.send_null(
            Method::PATCH,
            &format!("/collections/{}", segment(id)),
            Some(change),
        )
        .await
    }

    /// `DELETE /collections/:id`.
    pub async fn delete_collection(&self, id: &str) -> Result<()> {
        self.send_null::<()>(
            Method::DELETE,
            &format!("/collections/{}", segment(id)),
            None,
        )
        .await
    }

    /// `GET /clab-schema`: the containerlab JSON schema the server validates topologies
    /// against (public). Refused unless it is a JSON object.
    pub async fn clab_schema(&self) -> Result<serde_json::Value> {
        let schema: serde_json::Value = self
            .send::<_, ()>(Method::GET, "/clab-schema", None, false)
            .await?;
        if !schema.is_object() {
            return Err(Error::Protocol(
                "the containerlab schema is not an object".into(),
            ));
        }
        Ok(schema)
    }

    /// A request whose success payload is `null` (or anything: it is not used).
    async fn send_null<B: serde::Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<()> {
        self.send::<serde::de::IgnoredAny, B>(method, path, body, true)
            .await
            .map(|_| ())
    }
}

/// An id as one path segment: everything but RFC 3986's unreserved characters is
/// percent-encoded, so an id can never reach another path (`..`, `/`, `?`, `#`).
fn segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::segment;

    #[test]
    fn an_id_stays_one_path_segment() {
        assert_eq!(
            segment("0b4c7f1e-9a2d-4f5e-8c3b-1d2e3f4a5b6c"),
            "0b4c7f1e-9a2d-4f5e-8c3b-1d2e3f4a5b6c"
        );
        assert_eq!(segment("../users?x=1#y"), "%2E%2E%2Fusers%3Fx%3D1%23y");
        assert_eq!(segment("a b/ü"), "a%20b%2F%C3%BC");
    }
}
