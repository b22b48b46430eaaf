//! The REST client (PROTOCOL.md §2–§4): native login with cookies, identity from the access
//! token, and a refresh on 498 (then one retry). When the refresh is refused the caller gets
//! [`Error::NotLoggedIn`] and must log in again.
//!
//! Tokens live in memory here; the caller keeps the auth token in the OS keychain.

use std::sync::Mutex;

use antimony_protocol::rest::{
    CollectionIn, CollectionOut, DeviceConfig, LabIn, LabOut, LabsQuery, LoginConfig,
    NativeCredentials, TopologyIn, TopologyOut, cookie,
};
use antimony_protocol::{
    AccessClaims, Envelope, ErrorBody, ErrorCode, Timestamp, decode_claims_unverified,
};
use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::profile::ServerProfile;
use crate::{Error, Result};

/// The page size `labs` asks for when the query sets none (real servers return nothing
/// without a `limit`).
pub const DEFAULT_LIMIT: u32 = 1000;

/// The two tokens of a login.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    /// The access token (30 minutes).
    pub access: Option<String>,
    /// The auth (refresh) token (30 days): keep it in the keychain.
    pub auth: Option<String>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &self.access.as_ref().map(|_| "<set>"))
            .field("auth", &self.auth.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// A page of labs.
#[derive(Debug, Clone)]
pub struct LabPage {
    /// The labs.
    pub labs: Vec<LabOut>,
    /// All matching labs, when the server says (`X-Total-Count`).
    pub total: Option<u64>,
}

/// Called with the new tokens whenever they change (to keep them in the keychain).
type TokenListener = Box<dyn Fn(&Tokens) + Send + Sync>;

/// REST calls to one server.
pub struct RestClient {
    profile: ServerProfile,
    http: reqwest::Client,
    tokens: Mutex<Tokens>,
    /// Credentials to log in again with when a refresh is refused (e.g. after the server
    /// restarted, which kills every token).
    credentials: Mutex<Option<NativeCredentials>>,
    listener: Mutex<Option<TokenListener>>,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient")
            .field("server", &self.profile.origin)
            .field("tokens", &*self.lock())
            .finish_non_exhaustive()
    }
}

/// The `name=value` of a `Set-Cookie` header, if it sets `name`.
fn cookie_value(header: &str, name: &str) -> Option<String> {
    let pair = header.split(';').next()?.trim();
    let (key, value) = pair.split_once('=')?;
    (key == name && !value.is_empty()).then(|| value.to_owned())
}

impl RestClient {
    /// A client for a profile.
    pub fn new(profile: ServerProfile) -> Result<Self> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("antimony-desktop/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(10))
            .timeout(std::time::Duration::from_secs(60));
        if profile.uses_tls() {
            builder = builder
                .use_preconfigured_tls(profile.tls.connector()?)
                .tls_info(profile.tls.pinned_fingerprint().is_some());
        }
        let http = builder
            .build()
            .map_err(|e| Error::Protocol(format!("HTTP client: {e}")))?;
        Ok(RestClient {
            profile,
            http,
            tokens: Mutex::new(Tokens::default()),
            credentials: Mutex::new(None),
            listener: Mutex::new(None),
        })
    }

    /// The profile.
    pub fn profile(&self) -> &ServerProfile {
        &self.profile
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.tokens
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The current tokens (to store the auth token in the keychain).
    pub fn tokens(&self) -> Tokens {
        self.lock().clone()
    }

    /// Uses tokens from an earlier login (e.g. the keychain).
    pub fn set_tokens(&self, tokens: Tokens) {
        *self.lock() = tokens;
    }

    /// Keeps credentials to log in again with when the auth token is refused; without them
    /// the caller gets [`Error::NotLoggedIn`] and must ask the user.
    pub fn remember_credentials(&self, username: &str, password: &str) {
        *self
            .credentials
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(NativeCredentials {
            username: username.to_owned(),
            password: password.to_owned(),
        });
    }

    /// Calls `listener` with the tokens after every login and refresh.
    pub fn on_tokens_changed(&self, listener: impl Fn(&Tokens) + Send + Sync + 'static) {
        *self
            .listener
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Box::new(listener));
    }

    fn tokens_changed(&self) {
        let tokens = self.tokens();
        if let Some(listener) = self
            .listener
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            listener(&tokens);
        }
    }

    /// Logs in again with remembered credentials, if there are any.
    async fn login_again(&self, why: &str) -> Result<String> {
        let credentials = self
            .credentials
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let Some(credentials) = credentials else {
            return Err(self.not_logged_in(why));
        };
        tracing::info!("{why}; logging in again");
        self.login_native(&credentials.username, &credentials.password)
            .await?;
        self.lock()
            .access
            .clone()
            .ok_or_else(|| self.not_logged_in(why))
    }

    /// Who the access token says the user is (decoded without the secret).
    pub fn identity(&self) -> Option<AccessClaims> {
        self.lock()
            .access
            .as_deref()
            .and_then(|t| decode_claims_unverified(t).ok())
    }

    fn unreachable(&self, error: &reqwest::Error) -> Error {
        if crate::tls::is_certificate_error(error) {
            return Error::Certificate {
                server: self.profile.origin.clone(),
                reason:
                    "it is not signed by a trusted authority (a self-signed certificate must be \
                         pinned after checking its fingerprint)"
                        .into(),
            };
        }
        Error::Unreachable {
            server: self.profile.origin.clone(),
            reason: error.to_string(),
        }
    }

    /// With a pinned certificate: checks the one this response came over.
    fn check_pin(&self, response: &reqwest::Response) -> Result<()> {
        let Some(pinned) = self.profile.tls.pinned_fingerprint() else {
            return Ok(());
        };
        let presented = response
            .extensions()
            .get::<reqwest::tls::TlsInfo>()
            .and_then(reqwest::tls::TlsInfo::peer_certificate)
            .map(crate::tls::fingerprint_of);
        if presented.as_deref() == Some(pinned) {
            Ok(())
        } else {
            Err(Error::Certificate {
                server: self.profile.origin.clone(),
                reason: format!(
                    "it changed: the server presented {}, the pinned one is {pinned}",
                    presented.as_deref().unwrap_or("none")
                ),
            })
        }
    }

    fn not_logged_in(&self, reason: &str) -> Error {
        Error::NotLoggedIn {
            server: self.profile.origin.clone(),
            reason: reason.to_owned(),
        }
    }

    /// `GET /users/login/config`.
    pub async fn login_config(&self) -> Result<LoginConfig> {
        self.send::<LoginConfig, ()>(Method::GET, "/users/login/config", None, false)
            .await
    }

    /// Native login: keeps both tokens from the cookies and returns the identity.
    pub async fn login_native(&self, username: &str, password: &str) -> Result<AccessClaims> {
        let credentials = NativeCredentials {
            username: username.to_owned(),
            password: password.to_owned(),
        };
        let response = self
            .http
            .post(self.profile.rest_url("/users/login/native"))
            .header(CONTENT_TYPE, "application/json")
            .json(&credentials)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        self.check_pin(&response)?;
        let status = response.status();
        if !status.is_success() {
            return Err(self.api_error(response).await);
        }
        let mut tokens = Tokens::default();
        for header in response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
        {
            if let Some(value) = cookie_value(header, cookie::ACCESS_TOKEN) {
                tokens.access = Some(value);
            }
            if let Some(value) = cookie_value(header, cookie::AUTH_TOKEN) {
                tokens.auth = Some(value);
            }
        }
        if tokens.access.is_none() || tokens.auth.is_none() {
            return Err(Error::Protocol(
                "the login answer set no token cookies".into(),
            ));
        }
        self.set_tokens(tokens);
        self.tokens_changed();
        self.identity()
            .ok_or_else(|| Error::Protocol("the access token carries no identity".into()))
    }

    /// Gets a new access token with the auth token (`GET /users/login/refresh`).
    pub async fn refresh(&self) -> Result<String> {
        let auth = self.lock().auth.clone();
        let Some(auth) = auth else {
            return self.login_again("no auth token").await;
        };
        let response = self
            .http
            .get(self.profile.rest_url("/users/login/refresh"))
            .header(COOKIE, format!("{}={auth}", cookie::AUTH_TOKEN))
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        self.check_pin(&response)?;
        if !response.status().is_success() {
            let error = self.api_error(response).await;
            tracing::info!(%error, "refresh refused");
            return self
                .login_again("the server refused to renew the login")
                .await;
        }
        let envelope: Envelope<String> = response
            .json()
            .await
            .map_err(|e| Error::Protocol(format!("refresh answer: {e}")))?;
        self.lock().access = Some(envelope.payload.clone());
        self.tokens_changed();
        Ok(envelope.payload)
    }

    /// The access token, refreshed first when it is about to expire.
    pub async fn access_token(&self) -> Result<String> {
        let now = Timestamp::now_utc().unix_timestamp();
        // Take the token first: a guard in the `match` would live through `identity()`.
        let token = self.lock().access.clone();
        match (token, self.identity()) {
            (Some(token), Some(claims)) if !claims.is_expired_at(now + 30) => Ok(token),
            _ => self.refresh().await,
        }
    }

    /// `POST /users/logout` (servers keep no sessions: it only expires the cookies), and
    /// forgets the tokens here.
    pub async fn logout(&self) -> Result<()> {
        let response = self
            .http
            .post(self.profile.rest_url("/users/logout"))
            .send()
            .await
            .map_err(|e| self.unreachable(&e));
        self.set_tokens(Tokens::default());
        let response = response?;
        self.check_pin(&response)?;
        Ok(())
    }

    async fn api_error(&self, response: reqwest::Response) -> Error {
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let body = serde_json::from_str::<ErrorBody>(&text).unwrap_or_else(|_| {
            ErrorBody::new(
                ErrorCode::Unexpected,
                if text.is_empty() {
                    format!("HTTP {status}")
                } else {
                    text.chars().take(200).collect()
                },
            )
        });
        Error::Api { status, body }
    }

    /// Sends a request with the access token; on 498 refreshes once and retries.
    async fn send<T, B>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        auth: bool,
    ) -> Result<T>
    where
        T: DeserializeOwned,
        B: Serialize + ?Sized,
    {
        let (_, value) = self.send_raw(method, path, body, auth).await?;
        Ok(value)
    }

    async fn send_raw<T, B>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        auth: bool,
    ) -> Result<(reqwest::header::HeaderMap, T)>
    where
        T: DeserializeOwned,
        B: Serialize + ?Sized,
    {
        let mut refreshed = false;
        loop {
            let mut request = self
                .http
                .request(method.clone(), self.profile.rest_url(path));
            if auth {
                let token = self
                    .lock()
                    .access
                    .clone()
                    .ok_or_else(|| self.not_logged_in("no access token"))?;
                request = request.header(COOKIE, format!("{}={token}", cookie::ACCESS_TOKEN));
            }
            if let Some(body) = body {
                request = request.header(CONTENT_TYPE, "application/json").json(body);
            }
            let response = request.send().await.map_err(|e| self.unreachable(&e))?;
            self.check_pin(&response)?;
            let status = response.status();
            if status.as_u16() == ErrorCode::InvalidToken.code() as u16 && auth && !refreshed {
                refreshed = true;
                self.refresh().await?;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED && auth {
                return Err(self.not_logged_in("the server asks for a login"));
            }
            if !status.is_success() {
                return Err(self.api_error(response).await);
            }
            let headers = response.headers().clone();
            let envelope: Envelope<T> = response
                .json()
                .await
                .map_err(|e| Error::Protocol(format!("{method} {path}: {e}")))?;
            return Ok((headers, envelope.payload));
        }
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

    /// The collection an imported topology goes into, as `(id, name)`: the one named
    /// `wanted`, or by default "local" (or the only collection there is). A missing one is
    /// created (which needs the right to; admins on Antimony servers).
    pub async fn import_collection(&self, wanted: Option<&str>) -> Result<(String, String)> {
        let collections = self.collections().await?;
        let name = wanted.unwrap_or(LOCAL_COLLECTION);
        if let Some(found) = collections.iter().find(|c| c.name == name) {
            return Ok((found.id.clone(), found.name.clone()));
        }
        if wanted.is_none()
            && let [only] = collections.as_slice()
        {
            return Ok((only.id.clone(), only.name.clone()));
        }
        let created = self
            .create_collection(&CollectionIn {
                name: name.to_owned(),
                public_write: false,
                public_deploy: false,
            })
            .await;
        match created {
            Ok(id) => Ok((id, name.to_owned())),
            // Say which collections there are: one of them can be chosen instead.
            Err(Error::Api { status, body }) => {
                let names: Vec<&str> = collections.iter().map(|c| c.name.as_str()).collect();
                Err(Error::Api {
                    status,
                    body: ErrorBody {
                        code: body.code,
                        message: format!(
                            "there is no collection {name:?} and it cannot be created ({}); existing: {}",
                            body.message,
                            if names.is_empty() {
                                "none".to_owned()
                            } else {
                                names.join(", ")
                            }
                        ),
                    },
                })
            }
            Err(other) => Err(other),
        }
    }

    /// Creates a topology from a containerlab YAML file's text and a lab from it, in one call.
    /// The lab is named like the topology and runs from `start` to `end`.
    pub async fn import(
        &self,
        definition: &str,
        collection_id: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<Imported> {
        let topology_id = self
            .create_topology(&TopologyIn {
                definition: definition.to_owned(),
                sync_url: String::new(),
                collection_id: collection_id.to_owned(),
            })
            .await?;
        let name = topology_name(definition).unwrap_or_else(|| "imported lab".to_owned());
        let lab_id = self
            .create_lab(&LabIn {
                name: name.clone(),
                start_time: start,
                end_time: end,
                topology_id: topology_id.clone(),
            })
            .await?;
        Ok(Imported {
            name,
            topology_id,
            lab_id,
        })
    }
}

/// Whether a file name is a containerlab topology's: `.clab.yml` or `.clab.yaml`, in any case.
pub fn is_topology_file(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".clab.yml") || name.ends_with(".clab.yaml")
}

/// The collection imports go into unless told otherwise.
pub const LOCAL_COLLECTION: &str = "local";

/// When an imported lab starts.
///
/// Antimony servers queue every lab for its start time and deploy it then, so a lab that
/// should wait for the user starts far ahead, and one the user deploys now starts a minute
/// ahead: the Deploy command takes it off the queue before the scheduler would (a start of
/// "now" would race it and deploy twice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportStart {
    /// Not scheduled: the user deploys it.
    Unscheduled,
    /// About to be deployed by a Deploy command.
    DeployNow,
    /// The server deploys it at this time.
    At(Timestamp),
}

impl ImportStart {
    /// The start time to send.
    pub fn time(self) -> Timestamp {
        match self {
            // 2099-01-01T00:00:00Z
            ImportStart::Unscheduled => time::OffsetDateTime::from_unix_timestamp(4_070_908_800)
                .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
                .into(),
            ImportStart::DeployNow => {
                (time::OffsetDateTime::now_utc() + time::Duration::minutes(1)).into()
            }
            ImportStart::At(start) => start,
        }
    }
}

/// What [`RestClient::import`] created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The lab's name.
    pub name: String,
    /// The topology.
    pub topology_id: String,
    /// The lab.
    pub lab_id: String,
}

/// The top-level `name:` of a containerlab YAML text, read without a YAML parser (the server
/// validates the file; this only names the lab): a quoted value is what is inside the quotes,
/// a plain one ends at a ` #` comment. The desktop's import dialog reads it the same way.
fn topology_name(definition: &str) -> Option<String> {
    definition.lines().find_map(|line| {
        let value = line.strip_prefix("name:")?.trim();
        let value = match value.chars().next() {
            Some(quote @ ('"' | '\'')) => value.get(1..)?.split(quote).next()?,
            _ => value
                .find(" #")
                .or_else(|| value.find("\t#"))
                .map_or(value, |at| value.get(..at).unwrap_or(value))
                .trim(),
        };
        (!value.is_empty()).then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_token_cookies() {
        assert_eq!(
            cookie_value("accessToken=abc; Path=/; SameSite=Lax", "accessToken").as_deref(),
            Some("abc")
        );
        assert_eq!(cookie_value("authToken=xyz; HttpOnly", "accessToken"), None);
        assert_eq!(
            cookie_value("accessToken=; Max-Age=0", "accessToken"),
            None,
            "an expired cookie"
        );
    }

    #[test]
    fn only_containerlab_files_are_topologies() {
        assert!(is_topology_file("spine-leaf.clab.yml"));
        assert!(is_topology_file("x.clab.yaml"));
        assert!(
            is_topology_file("Spine.CLAB.YAML"),
            "any case, as the desktop UI"
        );
        assert!(!is_topology_file("x.yml"));
        assert!(!is_topology_file("clab.yml"));
    }

    #[test]
    fn names_imported_labs_after_the_topology() {
        assert_eq!(
            topology_name("# lab\nname: spine-leaf\ntopology: {}\n").as_deref(),
            Some("spine-leaf")
        );
        assert_eq!(
            topology_name("name: \"quoted\"\n").as_deref(),
            Some("quoted")
        );
        assert_eq!(
            topology_name("name: bgp # the lab\n").as_deref(),
            Some("bgp")
        );
        assert_eq!(
            topology_name("name: \"my lab\"  # q\n").as_deref(),
            Some("my lab")
        );
        assert_eq!(topology_name("name: 'a#b'\n").as_deref(), Some("a#b"));
        assert_eq!(topology_name("name: a#b\n").as_deref(), Some("a#b"));
        assert_eq!(
            topology_name("topology:\n  name: nested\n"),
            None,
            "only the top level"
        );
    }

    #[test]
    fn tokens_do_not_show_in_debug_output() {
        let tokens = Tokens {
            access: Some("secret-a".into()),
            auth: Some("secret-b".into()),
        };
        let text = format!("{tokens:?}");
        assert!(!text.contains("secret"), "{text}");
    }
}
