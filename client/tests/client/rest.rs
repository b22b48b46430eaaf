//! REST: login, identity, refresh on 498, re-login when refresh fails, and the calls.

use antimony_client::Error;
use antimony_client::profile::ServerProfile;
use antimony_client::rest::{RestClient, Tokens};
use antimony_protocol::rest::{CollectionIn, LabsQuery};
use antimony_protocol::{NATIVE_ADMIN_ID, Timestamp};
use antimony_server::auth::TokenKind;
use antimony_server::{AppState, Config};

const TOPOLOGY: &str =
    "name: spine-leaf\ntopology:\n  nodes:\n    srl1:\n      kind: nokia_srlinux\n";

pub struct Server {
    pub state: AppState,
    pub origin: String,
    _dir: tempfile::TempDir,
}

pub async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let (state, origin) = serve(Config::with_data_dir(dir.path())).await;
    Server {
        state,
        origin,
        _dir: dir,
    }
}

/// Starts antimony-server with `config` (native login admin/s3cret) on a free port.
pub async fn serve(config: Config) -> (AppState, String) {
    let (state, origin, _) = serve_with_io(config).await;
    (state, origin)
}

/// [`serve`], also giving the Socket.IO server (to see its namespaces).
pub async fn serve_with_io(mut config: Config) -> (AppState, String, socketioxide::SocketIo) {
    config.auth.native_username = "admin".into();
    config.auth.native_password = "s3cret".into();
    let state = AppState::open(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let server = antimony_server::Server::new(state.clone());
    let antimony_server::Io::Local(io) = server.io().clone() else {
        panic!("a single instance has the local adapter")
    };
    tokio::spawn(server.serve(listener, std::future::pending()));
    (state, origin, io)
}

async fn logged_in(server: &Server) -> RestClient {
    let client = RestClient::new(ServerProfile::new("test", &server.origin).unwrap()).unwrap();
    client.login_native("admin", "s3cret").await.unwrap();
    client
}

#[tokio::test]
async fn native_login_gives_the_identity_and_wrong_credentials_give_1001() {
    let server = server().await;
    let client = RestClient::new(ServerProfile::new("test", &server.origin).unwrap()).unwrap();
    let config = client.login_config().await.unwrap();
    assert!(config.native.enabled && !config.native.allow_empty);
    match client.login_native("admin", "wrong").await {
        Err(Error::Api { status: 400, body }) => assert_eq!(body.code, 1001),
        other => panic!("{other:?}"),
    }
    let identity = client.login_native("admin", "s3cret").await.unwrap();
    assert_eq!(identity.id, NATIVE_ADMIN_ID);
    assert!(identity.is_admin);
    assert!(client.tokens().auth.is_some());
}

#[tokio::test]
async fn the_server_version_is_antimony_servers_or_none_for_a_server_that_does_not_say() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let limit = std::time::Duration::from_secs(10);
    let server = server().await;
    let client = RestClient::new(ServerProfile::new("test", &server.origin).unwrap()).unwrap();
    let version = tokio::time::timeout(limit, client.server_version())
        .await
        .expect("an answer in time")
        .unwrap();
    assert_eq!(version.as_deref(), Some(env!("CARGO_PKG_VERSION")));

    // A server like the Go one: the same answer, without the header.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = vec![0_u8; 4096];
        let _ = stream.read(&mut request).await;
        let body = r#"{"payload":{"openId":{"enabled":false},"native":{"enabled":true,"allowEmpty":false}}}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(response.as_bytes()).await.unwrap();
    });
    let go = RestClient::new(ServerProfile::new("go", &origin).unwrap()).unwrap();
    let version = tokio::time::timeout(limit, go.server_version())
        .await
        .expect("an answer in time")
        .unwrap();
    assert_eq!(version, None);
}

#[tokio::test]
async fn imports_a_topology_and_lab_and_lists_them() {
    let server = server().await;
    let client = logged_in(&server).await;
    let collection = client
        .create_collection(&CollectionIn {
            name: "netlab".into(),
            public_write: true,
            public_deploy: true,
            allow_host_access: None,
        })
        .await
        .unwrap();
    let start = Timestamp::parse("2099-01-01T00:00:00Z").unwrap();
    let end = Timestamp::parse("2099-01-02T00:00:00Z").unwrap();
    let imported = client
        .import(TOPOLOGY, &collection, start, end)
        .await
        .unwrap();

    let page = client.labs(&LabsQuery::default()).await.unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(page.labs[0].id, imported.lab_id);
    assert_eq!(page.labs[0].name, "spine-leaf", "named after the topology");
    let lab = client.lab(&imported.lab_id).await.unwrap();
    assert_eq!(lab.topology_id, imported.topology_id);
    assert_eq!(lab.topology_definition, TOPOLOGY);
    assert_eq!(
        client.topologies().await.unwrap()[0].id,
        imported.topology_id
    );
    assert_eq!(client.collections().await.unwrap()[0].name, "netlab");
    assert!(
        client
            .devices()
            .await
            .unwrap()
            .iter()
            .any(|d| d.kind == "nokia_srlinux")
    );

    // A bad topology is the server's error, with its code.
    match client.import("name: [", &collection, start, end).await {
        Err(Error::Api { status: 400, body }) => assert_eq!(body.code, 3003),
        other => panic!("{other:?}"),
    }
    match client.lab("no-such-lab").await {
        Err(e @ Error::Api { status: 404, .. }) => assert_eq!(e.code(), -1),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_498_refreshes_once_and_retries() {
    let server = server().await;
    let client = logged_in(&server).await;
    let auth = client.tokens().auth;
    client.set_tokens(Tokens {
        access: Some("expired-or-garbage".into()),
        auth: auth.clone(),
    });
    let page = client.labs(&LabsQuery::default()).await.unwrap();
    assert!(page.labs.is_empty());
    let renewed = client.tokens().access.unwrap();
    assert_ne!(renewed, "expired-or-garbage");
    assert_eq!(client.identity().unwrap().id, NATIVE_ADMIN_ID);

    // An access token about to expire is renewed before use.
    let old = server.state.tokens.issue(
        TokenKind::Access,
        NATIVE_ADMIN_ID,
        true,
        Timestamp::now_utc().unix_timestamp() - 1790,
    );
    client.set_tokens(Tokens {
        access: Some(old.clone()),
        auth,
    });
    assert_ne!(client.access_token().await.unwrap(), old);
}

#[tokio::test]
async fn a_refused_refresh_means_logging_in_again() {
    let server = server().await;
    let client = logged_in(&server).await;
    client.set_tokens(Tokens {
        access: Some("garbage".into()),
        auth: Some("garbage".into()),
    });
    let err = client.labs(&LabsQuery::default()).await.unwrap_err();
    assert!(matches!(err, Error::NotLoggedIn { .. }), "{err:?}");
    assert_eq!(err.code(), 401);
    client.set_tokens(Tokens::default());
    assert!(matches!(
        client.collections().await,
        Err(Error::NotLoggedIn { .. })
    ));
    // Logging in again works.
    client.login_native("admin", "s3cret").await.unwrap();
    assert!(client.collections().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = RestClient::new(ServerProfile::new("gone", &origin).unwrap()).unwrap();
    let err = client.login_native("admin", "x").await.unwrap_err();
    assert!(
        matches!(&err, Error::Unreachable { server, .. } if server == &origin),
        "{err:?}"
    );
}
