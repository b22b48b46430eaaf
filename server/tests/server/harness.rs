//! A server in a temporary directory, with an admin and a non-admin member, and a small
//! request helper. Requests go through the real router in-process.

use std::time::Duration;

use antimony_protocol::Timestamp;
use antimony_server::auth::TokenKind;
use antimony_server::store::User;
use antimony_server::{AppState, Config, router};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::database::TestDatabase;

/// A member of the collection `netlab` (by group), not an admin.
pub const MEMBER: &str = "7d1e2f3a-2b7d-11f0-9a3e-0242ac120002";
/// A user in no collection.
pub const OUTSIDER: &str = "8e2f3a4b-2b7d-11f0-9a3e-0242ac120002";

pub const TOPOLOGY: &str = "name: spine-leaf\ntopology:\n  nodes:\n    srl1:\n      kind: nokia_srlinux\n      image: ghcr.io/nokia/srlinux\n    leaf-1:\n      kind: linux\n      image: alpine:3\n  links:\n    - endpoints: [\"srl1:e1-1\", \"leaf-1:eth1\"]\n";

pub struct TestServer {
    pub state: AppState,
    pub admin: String,
    pub member: String,
    pub outsider: String,
    /// The PostgreSQL database, when the tests run against PostgreSQL.
    pub database: Option<TestDatabase>,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Reply {
    /// The `payload` of a success body.
    pub fn payload(&self) -> &Value {
        assert!(
            self.status.is_success(),
            "expected success, got {} {}",
            self.status,
            self.body
        );
        &self.body["payload"]
    }

    /// Asserts an error status and body code; returns the message.
    pub fn error(&self, status: u16, code: i64) -> String {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.body["code"], json!(code), "body: {}", self.body);
        self.body["message"]
            .as_str()
            .expect("error bodies have a message")
            .to_owned()
    }
}

pub fn config(dir: &std::path::Path) -> Config {
    let mut config = Config::with_data_dir(dir);
    config.auth.native_username = "admin".into();
    config.auth.native_password = "hunter2".into();
    config
}

impl TestServer {
    pub async fn new() -> Self {
        Self::with_config(config).await
    }

    pub async fn with_config(make: impl FnOnce(&std::path::Path) -> Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = make(dir.path());
        // A test that chose its own PostgreSQL database keeps it.
        let database = config
            .postgres
            .is_none()
            .then(TestDatabase::fresh)
            .flatten();
        if let Some(database) = &database {
            database.configure(&mut config);
        }
        let state = AppState::open(config).await.unwrap();
        let now = Timestamp::now_utc().unix_timestamp();
        let admin = state.tokens.issue(
            TokenKind::Access,
            antimony_protocol::NATIVE_ADMIN_ID,
            true,
            now,
        );
        for (id, name, groups) in [
            (MEMBER, "alice@example.org", vec!["netlab".to_owned()]),
            (OUTSIDER, "bob@example.org", vec!["other".to_owned()]),
        ] {
            state
                .store
                .upsert_user(User {
                    id: id.into(),
                    name: name.into(),
                    is_admin: false,
                    groups,
                })
                .await
                .unwrap();
        }
        let member = state.tokens.issue(TokenKind::Access, MEMBER, false, now);
        let outsider = state.tokens.issue(TokenKind::Access, OUTSIDER, false, now);
        TestServer {
            state,
            admin,
            member,
            outsider,
            database,
            _dir: dir,
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = tokio::time::timeout(
            Duration::from_secs(10),
            router(self.state.clone()).oneshot(request),
        )
        .await
        .expect("the server answered within 10 s")
        .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let raw = tokio::time::timeout(
            Duration::from_secs(10),
            axum::body::to_bytes(response.into_body(), usize::MAX),
        )
        .await
        .unwrap()
        .unwrap()
        .to_vec();
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).unwrap_or_else(|e| {
                panic!(
                    "{status}: body is not JSON ({e}): {}",
                    String::from_utf8_lossy(&raw)
                )
            })
        };
        Reply {
            status,
            headers,
            body,
            raw,
        }
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header("cookie", format!("accessToken={token}"));
        }
        let body = match body {
            Some(body) => {
                builder = builder.header("content-type", "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).unwrap()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Creates a collection as admin; returns its id.
    pub async fn collection(&self, name: &str, write: bool, deploy: bool) -> String {
        let reply = self
            .post(
                "/collections",
                &self.admin,
                json!({"name": name, "publicWrite": write, "publicDeploy": deploy}),
            )
            .await;
        reply.payload().as_str().unwrap().to_owned()
    }

    /// Creates a topology with `definition` in a collection as `token`; returns its id.
    pub async fn topology(&self, token: &str, collection: &str, definition: &str) -> String {
        let reply = self
            .post(
                "/topologies",
                token,
                json!({"definition": definition, "syncUrl": "", "collectionId": collection}),
            )
            .await;
        reply.payload().as_str().unwrap().to_owned()
    }

    /// Creates a lab as `token`; returns its id.
    pub async fn lab(
        &self,
        token: &str,
        topology: &str,
        name: &str,
        start: &str,
        end: &str,
    ) -> String {
        let reply = self
            .post(
                "/labs",
                token,
                json!({"name": name, "startTime": start, "endTime": end, "topologyId": topology}),
            )
            .await;
        reply.payload().as_str().unwrap().to_owned()
    }

    /// A collection `netlab` (members may write and deploy) with the spine-leaf topology.
    pub async fn netlab(&self) -> (String, String) {
        let collection = self.collection("netlab", true, true).await;
        let topology = self.topology(&self.admin, &collection, TOPOLOGY).await;
        (collection, topology)
    }
}

impl TestServer {
    /// Drops a table behind the server's back, in whichever database it uses.
    pub fn drop_table(&self, table: &str) {
        match &self.database {
            Some(database) => database.execute(&format!("DROP TABLE {table}")).unwrap(),
            None => {
                let conn = rusqlite::Connection::open(&self.state.config.database_file).unwrap();
                conn.execute_batch(&format!("DROP TABLE {table};")).unwrap();
            }
        }
    }

    /// The storage directory of topologies.
    pub fn files_dir(&self) -> std::path::PathBuf {
        self.state.config.storage_dir.clone()
    }
}
