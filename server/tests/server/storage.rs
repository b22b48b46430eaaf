//! The storage itself, on both databases: SQLite files made before the `schema_version`
//! table still open, a PostgreSQL server that cannot be reached stops start-up with a clear
//! message, the password comes from `SB_DATABASE_PASSWORD`, migrations run once, a lost
//! connection is a 500 and then comes back, and two servers on one database see each
//! other's lab changes. The PostgreSQL tests are ignored by a plain `cargo test`: they need
//! `ANTIMONY_TEST_POSTGRES` (scripts/test starts a cluster and runs them).

use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use antimony_server::AppState;
use antimony_server::config::PostgresConfig;
use antimony_server::store::LabFilter;
use serde_json::json;

use crate::database::{TestDatabase, required_postgres_url};
use crate::harness::{TestServer, config};
use crate::process::{ServerProcess, database_config};

/// Runs the server binary until it exits (at most 30 s).
fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_antimony-server"))
        .args(args)
        .args(["--bind", "127.0.0.1:0"])
        .env_remove("SB_DATABASE_PASSWORD")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not stop within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_postgres_server_that_refuses_connections_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!("database:\n  host: 127.0.0.1\n  port: {port}\n  database: labs\n"),
    )
    .unwrap();
    let output = run_to_exit(
        &[
            "--config",
            config.to_str().unwrap(),
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        &[("SB_DATABASE_PASSWORD", "not-in-messages")],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot connect to PostgreSQL at 127.0.0.1:{port}, database \"labs\" as user \"antimony\""
        )),
        "{stderr}"
    );
    assert!(stderr.contains("refused"), "the cause: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("not-in-messages"), "{stderr}");
    assert!(
        !dir.path().join("antimony.db").exists(),
        "no SQLite file instead"
    );
}

#[tokio::test]
async fn sqlite_files_from_before_the_schema_version_table_open_and_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let file = data.join("antimony.db");
    let conn = rusqlite::Connection::open(&file).unwrap();
    // The dump lists tables by name, not in the order their references need.
    conn.execute_batch("PRAGMA foreign_keys = OFF;").unwrap();
    conn.execute_batch(include_str!("fixtures/schema-v3.sql"))
        .unwrap();
    drop(conn);
    for _ in 0..2 {
        let state = AppState::open(config(&data)).await.unwrap();
        let labs = state.store.labs(LabFilter::default()).await.unwrap();
        assert_eq!(labs.len(), 1);
        assert_eq!(labs[0].name, "old-lab");
        assert_eq!(labs[0].collection_name, "legacy");
        assert!(labs[0].end_time.is_some());
        let revoked = state.store.revoked_sessions(0).await.unwrap();
        assert_eq!(revoked, vec!["7946f88c7387014244d74bdcb86b7268".to_owned()]);
        let collections = state.store.collections().await.unwrap();
        assert!(collections[0].public_write && !collections[0].allow_host_access);
        drop(state);
        let conn = rusqlite::Connection::open(&file).unwrap();
        let versions: Vec<i64> = conn
            .prepare("SELECT version FROM schema_version")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(versions, vec![4]);
        let user_version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap();
        assert_eq!(user_version, 4, "mirrored for older servers");
    }
}

#[tokio::test]
async fn a_sqlite_file_newer_than_the_server_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let conn = rusqlite::Connection::open(data.join("antimony.db")).unwrap();
    conn.execute_batch("CREATE TABLE schema_version (version BIGINT NOT NULL); INSERT INTO schema_version VALUES (99);")
        .unwrap();
    drop(conn);
    let error = AppState::open(config(&data)).await.unwrap_err().to_string();
    assert!(error.contains("schema version 99"), "{error}");
}

#[test]
#[ignore = "needs ANTIMONY_TEST_POSTGRES: scripts/test runs it"]
fn the_postgres_password_comes_from_sb_database_password() {
    let database = TestDatabase::create(&required_postgres_url());
    let dir = tempfile::tempdir().unwrap();
    let config = database_config(dir.path(), &database);
    let args = [
        "--config",
        config.to_str().unwrap(),
        "--data-dir",
        dir.path().to_str().unwrap(),
    ];
    for env in [&[("SB_DATABASE_PASSWORD", "wrong")][..], &[]] {
        let output = run_to_exit(&args, env);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!("database \"{}\"", database.settings.database)),
            "{stderr}"
        );
        assert!(stderr.contains("password"), "the cause: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let password = database.settings.password.clone().unwrap();
    let server = ServerProcess::start_with(
        dir.path(),
        &args[..2],
        &[("SB_DATABASE_PASSWORD", password.as_str())],
    );
    let status = server.terminate();
    assert!(status.success(), "{status}");
    assert_eq!(
        database.query_text("SELECT name FROM users").as_deref(),
        Some("Admin"),
        "the server wrote to the database"
    );
}

/// A configuration on `settings` (not on a fresh database of its own).
fn on(settings: PostgresConfig) -> impl FnOnce(&std::path::Path) -> antimony_server::Config {
    move |dir| {
        let mut config = config(dir);
        config.postgres = Some(settings);
        config
    }
}

#[tokio::test]
#[ignore = "needs ANTIMONY_TEST_POSTGRES: scripts/test runs it"]
async fn postgres_migrations_run_once_and_restarts_keep_the_data() {
    let database = TestDatabase::create(&required_postgres_url());
    let first = TestServer::with_config(on(database.settings.clone())).await;
    let (_, topology) = first.netlab().await;
    let lab = first
        .lab(
            &first.admin,
            &topology,
            "kept",
            "2099-01-01T00:00:00Z",
            "2099-02-01T00:00:00Z",
        )
        .await;
    drop(first);
    for _ in 0..2 {
        let again = TestServer::with_config(on(database.settings.clone())).await;
        let labs = again.get("/labs", &again.admin).await;
        assert_eq!(labs.payload()[0]["id"], json!(lab));
        assert_eq!(labs.payload()[0]["name"], json!("kept"));
        let collections = again.get("/collections", &again.admin).await;
        assert_eq!(collections.payload().as_array().unwrap().len(), 1);
    }
    assert_eq!(
        database
            .query_text("SELECT string_agg(version::text, ',') FROM schema_version")
            .as_deref(),
        Some("4")
    );
    assert_eq!(
        database
            .query_text("SELECT count(*) FROM lab_list_generation")
            .as_deref(),
        Some("1"),
        "the last migration ran once"
    );
}

/// A TCP proxy in front of PostgreSQL that a test can cut (closing every connection and
/// refusing new ones) and restore.
struct CuttableProxy {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::AbortHandle>>>,
    accept: tokio::task::JoinHandle<()>,
}

impl CuttableProxy {
    async fn start(host: String, port: u16) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy_port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (accept_up, accept_links) = (Arc::clone(&up), Arc::clone(&links));
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !accept_up.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let target = (host.clone(), port);
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                accept_links.lock().unwrap().push(link.abort_handle());
            }
        });
        CuttableProxy {
            port: proxy_port,
            up,
            links,
            accept,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for CuttableProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs ANTIMONY_TEST_POSTGRES: scripts/test runs it"]
async fn a_lost_postgres_connection_answers_500_and_the_server_reconnects() {
    let database = TestDatabase::create(&required_postgres_url());
    let proxy = CuttableProxy::start(database.settings.host.clone(), database.settings.port).await;
    let settings = PostgresConfig {
        port: proxy.port,
        ..database.settings.clone()
    };
    let server = TestServer::with_config(on(settings)).await;
    server.collection("netlab", true, true).await;

    proxy.cut();
    for _ in 0..2 {
        let started = Instant::now();
        let reply = server.get("/collections", &server.admin).await;
        assert_eq!(
            reply.error(500, 500),
            "the antimony database encountered an error. please check the logs"
        );
        assert!(started.elapsed() < Duration::from_secs(8), "no long wait");
    }
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let reply = server.get("/labs", &server.admin).await;
    reply.error(500, 500);

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let reply = server.get("/collections", &server.admin).await;
        if reply.status == 200 {
            assert_eq!(reply.payload()[0]["name"], json!("netlab"));
            break;
        }
        reply.error(500, 500);
        assert!(Instant::now() < deadline, "the server did not reconnect");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // And an idle connection that broke is replaced before use, without a failed request.
    proxy.cut();
    proxy.restore();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(server.get("/collections", &server.admin).await.status, 200);
}

#[tokio::test]
#[ignore = "needs ANTIMONY_TEST_POSTGRES: scripts/test runs it"]
async fn two_servers_on_one_postgres_database_see_each_others_lab_changes() {
    let database = TestDatabase::create(&required_postgres_url());
    let a = TestServer::with_config(on(database.settings.clone())).await;
    let b = TestServer::with_config(on(database.settings.clone())).await;
    let (_, topology) = a.netlab().await;
    let names = async |server: &TestServer| -> Vec<String> {
        let reply = server.get("/labs", &server.admin).await;
        reply
            .payload()
            .as_array()
            .unwrap()
            .iter()
            .map(|lab| lab["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(names(&b).await.is_empty(), "b caches an empty list");
    let first = a
        .lab(
            &a.admin,
            &topology,
            "first",
            "2099-01-01T00:00:00Z",
            "2099-02-01T00:00:00Z",
        )
        .await;
    assert_eq!(names(&b).await, ["first"]);
    a.lab(
        &a.admin,
        &topology,
        "second",
        "2099-01-02T00:00:00Z",
        "2099-02-01T00:00:00Z",
    )
    .await;
    a.patch(
        &format!("/labs/{first}"),
        &a.admin,
        json!({"name": "renamed"}),
    )
    .await
    .payload();
    assert_eq!(names(&b).await, ["renamed", "second"]);
    a.delete(&format!("/labs/{first}"), &a.admin)
        .await
        .payload();
    assert_eq!(names(&b).await, ["second"]);
    assert_eq!(names(&a).await, ["second"]);
}
