//! What the server holds against its own users (server README, "Security model"): topology
//! fields that reach the host, parsing limits, changes that race a lab's commands, collection
//! deletes that would orphan labs, status messages about labs a user may not see, a full
//! disk, and private files.
//!
//! In-process through the router where the rule is the handler's; over real TCP with the
//! fake containerlab and the fake Docker engine where a deploy must run.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use antimony_protocol::{LabCommand, LabCommandData, Timestamp};
use antimony_server::auth::TokenKind;
use antimony_server::store::{LabUpdate, User};
use serde_json::{Value, json};

use crate::harness::{MEMBER, OUTSIDER, TOPOLOGY, TestServer};
use crate::stack::{Received, Stack, command, connect, start_with};

const START: &str = "2099-01-01T00:00:00Z";
const END: &str = "2099-01-02T00:00:00Z";

/// The spine-leaf topology with `extra` added to the node `leaf-1` (indented under it).
fn with_leaf(extra: &str) -> String {
    TOPOLOGY.replace(
        "      image: alpine:3\n",
        &format!("      image: alpine:3\n{extra}"),
    )
}

fn topology_body(definition: &str, collection: &str) -> Value {
    json!({"definition": definition, "syncUrl": "", "collectionId": collection})
}

// --- topologies that reach the host -------------------------------------------------------

#[tokio::test]
async fn members_may_not_use_host_reaching_fields_unless_the_collection_allows_them() {
    let server = TestServer::new().await;
    let (netlab, _) = server.netlab().await;
    let host_bind = with_leaf("      binds: [\"/etc:/host-etc:ro\"]\n");

    // Creating: 400 {3401}, naming the field.
    let message = server
        .post(
            "/topologies",
            &server.member,
            topology_body(&host_bind, &netlab),
        )
        .await
        .error(400, 3401);
    assert!(
        message.contains("topology.nodes.leaf-1.binds[0]"),
        "{message}"
    );
    // Every field is named (up to five).
    let several = with_leaf(
        "      network-mode: host\n      binds: [\"ok.cfg:/ok\", \"~/.ssh:/root/.ssh\"]\n      env: {LEAK: \"${SB_NATIVE_PASSWORD}\"}\n",
    )
    .replace("kind: nokia_srlinux", "kind: bridge");
    let message = server
        .post(
            "/topologies",
            &server.member,
            topology_body(&several, &netlab),
        )
        .await
        .error(400, 3401);
    for field in [
        "topology.nodes.leaf-1.network-mode",
        "topology.nodes.leaf-1.binds[1]",
        "topology.nodes.leaf-1.env.LEAK",
        "topology.nodes.srl1.kind",
    ] {
        assert!(message.contains(field), "{field} in {message}");
    }
    assert!(!message.contains("binds[0]"), "{message}");
    // What containerlab renders or reads again: template actions, the lab directory itself.
    for (extra, field) in [
        (
            "      exec: [\"echo {{ printf \\\"%c\\\" 36 }}{SB_NATIVE_PASSWORD}\"]\n",
            "topology.nodes.leaf-1.exec[0]",
        ),
        (
            "      binds: [\".:/lab\"]\n",
            "topology.nodes.leaf-1.binds[0]",
        ),
        (
            "      binds: [\"./topology.clab.yaml:/t.yaml\"]\n",
            "topology.nodes.leaf-1.binds[0]",
        ),
    ] {
        let message = server
            .post(
                "/topologies",
                &server.member,
                topology_body(&with_leaf(extra), &netlab),
            )
            .await
            .error(400, 3401);
        assert!(message.contains(field), "{field} in {message}");
    }

    // Changing: the same, and the old definition stays.
    let ours = server
        .topology(
            &server.member,
            &netlab,
            &TOPOLOGY.replace("spine-leaf", "mine"),
        )
        .await;
    let message = server
        .patch(
            &format!("/topologies/{ours}"),
            &server.member,
            json!({"definition": host_bind.replace("spine-leaf", "mine")}),
        )
        .await
        .error(400, 3401);
    assert!(
        message.contains("topology.nodes.leaf-1.binds[0]"),
        "{message}"
    );
    assert_eq!(
        definition_of(&server, &ours).await,
        TOPOLOGY.replace("spine-leaf", "mine")
    );

    // The admin may.
    let admins = server
        .topology(
            &server.admin,
            &netlab,
            &host_bind.replace("spine-leaf", "admins"),
        )
        .await;
    server
        .patch(
            &format!("/topologies/{admins}"),
            &server.admin,
            json!({"definition": several.replace("spine-leaf", "admins")}),
        )
        .await
        .payload();

    // The collection shows whether it allows host access; members cannot change that.
    assert!(!allow_host_access(&server, &server.member, &netlab).await);
    let message = server
        .patch(
            &format!("/collections/{netlab}"),
            &server.member,
            json!({"allowHostAccess": true}),
        )
        .await
        .error(403, 403);
    assert!(!message.is_empty());
    assert!(!allow_host_access(&server, &server.admin, &netlab).await);

    // Once an admin allows it, the member may.
    server
        .patch(
            &format!("/collections/{netlab}"),
            &server.admin,
            json!({"allowHostAccess": true}),
        )
        .await
        .payload();
    assert!(allow_host_access(&server, &server.member, &netlab).await);
    assert!(allow_host_access(&server, &server.admin, &netlab).await);
    server
        .patch(
            &format!("/topologies/{ours}"),
            &server.member,
            json!({"definition": host_bind.replace("spine-leaf", "mine")}),
        )
        .await
        .payload();
    assert_eq!(
        definition_of(&server, &ours).await,
        host_bind.replace("spine-leaf", "mine")
    );
    let created = server
        .topology(
            &server.member,
            &netlab,
            &several.replace("spine-leaf", "created"),
        )
        .await;

    // Moving a host-reaching topology into a collection that does not allow it is refused;
    // with a definition that stays inside the lab it is fine.
    let strict = server.collection("strict", true, true).await;
    server
        .state
        .store
        .upsert_user(User {
            id: MEMBER.into(),
            name: "alice@example.org".into(),
            is_admin: false,
            groups: vec!["netlab".into(), "strict".into()],
        })
        .await
        .unwrap();
    let message = server
        .patch(
            &format!("/topologies/{created}"),
            &server.member,
            json!({"collectionId": strict}),
        )
        .await
        .error(400, 3401);
    assert!(
        message.contains("topology.nodes.leaf-1.network-mode"),
        "{message}"
    );
    assert_eq!(collection_of(&server, &created).await, netlab);
    server
        .patch(
            &format!("/topologies/{created}"),
            &server.member,
            json!({"collectionId": strict, "definition": TOPOLOGY.replace("spine-leaf", "created")}),
        )
        .await
        .payload();
    assert_eq!(collection_of(&server, &created).await, strict);
    // Nor may a host-reaching definition be written into it.
    server
        .patch(
            &format!("/topologies/{created}"),
            &server.member,
            json!({"definition": several.replace("spine-leaf", "created")}),
        )
        .await
        .error(400, 3401);
}

#[tokio::test]
async fn only_admins_change_whether_a_collection_allows_host_access() {
    let server = TestServer::new().await;
    // A collection made by an admin who is an admin no longer: its creator may edit it, but
    // not open it to the host.
    const CAROL: &str = "9f3a4b5c-2b7d-11f0-9a3e-0242ac120002";
    let carol = |admin: bool| User {
        id: CAROL.into(),
        name: "carol@example.org".into(),
        is_admin: admin,
        groups: vec!["labs".into()],
    };
    server.state.store.upsert_user(carol(true)).await.unwrap();
    let now = Timestamp::now_utc().unix_timestamp();
    let token = server
        .state
        .tokens
        .issue(TokenKind::Access, CAROL, true, now);
    let id = server
        .post(
            "/collections",
            &token,
            json!({"name": "labs", "publicWrite": true, "publicDeploy": true, "allowHostAccess": true}),
        )
        .await
        .payload()
        .as_str()
        .unwrap()
        .to_owned();
    assert!(allow_host_access(&server, &token, &id).await);
    server.state.store.upsert_user(carol(false)).await.unwrap();
    let token = server
        .state
        .tokens
        .issue(TokenKind::Access, CAROL, false, now);
    for value in [false, true] {
        let message = server
            .patch(
                &format!("/collections/{id}"),
                &token,
                json!({"allowHostAccess": value}),
            )
            .await
            .error(403, 403);
        assert!(message.contains("only admins"), "{message}");
    }
    assert!(allow_host_access(&server, &token, &id).await);
    server
        .patch(
            &format!("/collections/{id}"),
            &token,
            json!({"publicDeploy": false}),
        )
        .await
        .payload();
}

async fn definition_of(server: &TestServer, topology: &str) -> String {
    topology_field(server, topology, "definition").await
}

async fn collection_of(server: &TestServer, topology: &str) -> String {
    topology_field(server, topology, "collectionId").await
}

async fn topology_field(server: &TestServer, topology: &str, field: &str) -> String {
    let all = server.get("/topologies", &server.admin).await;
    let found = all
        .payload()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == json!(topology))
        .unwrap_or_else(|| panic!("no topology {topology}"))
        .clone();
    found[field].as_str().unwrap().to_owned()
}

async fn allow_host_access(server: &TestServer, token: &str, collection: &str) -> bool {
    let all = server.get("/collections", token).await;
    let found = all
        .payload()
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == json!(collection))
        .unwrap_or_else(|| panic!("no collection {collection}"))
        .clone();
    // Sent only when true (Go servers never send it).
    match &found["allowHostAccess"] {
        Value::Null => false,
        Value::Bool(true) => true,
        other => panic!("allowHostAccess is true or absent, not {other}: {found}"),
    }
}

// --- parsing and limits -------------------------------------------------------------------

#[tokio::test]
async fn a_two_megabyte_definition_is_refused_naming_the_limit() {
    let server = TestServer::new().await;
    let (netlab, topology) = server.netlab().await;
    let large = format!("{TOPOLOGY}# {}\n", "x".repeat(2 * 1024 * 1024));
    for reply in [
        server
            .post("/topologies", &server.admin, topology_body(&large, &netlab))
            .await,
        server
            .patch(
                &format!("/topologies/{topology}"),
                &server.admin,
                json!({"definition": large}),
            )
            .await,
    ] {
        let message = reply.error(400, 3003);
        assert!(message.contains("1048576"), "{message}");
        assert!(message.len() < 1000, "the definition is not echoed");
    }
    assert_eq!(definition_of(&server, &topology).await, TOPOLOGY);
}

#[tokio::test]
async fn ten_thousand_brackets_are_refused_quickly() {
    let server = TestServer::new().await;
    let (netlab, _) = server.netlab().await;
    let deep = format!(
        "name: deep\ntopology:\n  nodes: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let started = Instant::now();
    let message = server
        .post("/topologies", &server.member, topology_body(&deep, &netlab))
        .await
        .error(400, 3003);
    assert!(message.contains("64 levels"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Block-style nesting has no brackets: the parser's own limit answers.
    let mut block = String::from("name: deep\ntopology:\n  nodes:\n");
    for depth in 0..5_000 {
        block.push_str(&format!("{}- \n", " ".repeat(4 + depth % 100)));
    }
    let deep_block = format!(
        "name: deep\ntopology:\n  nodes: {}x\n",
        "- ".repeat(100_000)
    );
    for definition in [block, deep_block] {
        let started = Instant::now();
        server
            .post(
                "/topologies",
                &server.member,
                topology_body(&definition, &netlab),
            )
            .await
            .error(400, 3003);
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[tokio::test]
async fn a_lab_ending_before_it_starts_is_refused() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let message = server
        .post(
            "/labs",
            &server.member,
            json!({"name": "backwards", "startTime": END, "endTime": START, "topologyId": topology}),
        )
        .await
        .error(400, 422);
    assert!(message.contains("endTime"), "{message}");
    assert_eq!(
        server.get("/labs", &server.member).await.payload(),
        &json!([])
    );

    let lab = server
        .lab(&server.member, &topology, "forwards", START, END)
        .await;
    let path = format!("/labs/{lab}");
    for change in [
        json!({"endTime": "2098-12-31T00:00:00Z"}),
        json!({"startTime": "2099-01-03T00:00:00Z"}),
        json!({"startTime": "2099-01-05T00:00:00Z", "endTime": "2099-01-04T00:00:00Z"}),
        // The same instant in another offset is not before: one second earlier is.
        json!({"endTime": "2099-01-01T00:59:59+01:00"}),
    ] {
        server
            .patch(&path, &server.member, change.clone())
            .await
            .error(400, 422);
    }
    let stored = server.get(&path, &server.member).await;
    assert_eq!(stored.payload()["startTime"], json!(START));
    assert_eq!(stored.payload()["endTime"], json!(END));
    for fine in [
        json!({"endTime": "2099-01-01T01:00:00+01:00"}),
        json!({"startTime": "2099-01-03T00:00:00Z", "indefinite": true}),
        json!({"startTime": "2099-01-04T00:00:00Z", "endTime": "2099-01-05T00:00:00Z"}),
    ] {
        server.patch(&path, &server.member, fine).await.payload();
    }
    let stored = server.get(&path, &server.member).await;
    assert_eq!(stored.payload()["endTime"], json!("2099-01-05T00:00:00Z"));
}

#[tokio::test]
async fn names_over_the_limit_are_refused() {
    let server = TestServer::new().await;
    let (netlab, topology) = server.netlab().await;
    let lab = server
        .lab(&server.member, &topology, "lab", START, END)
        .await;
    let long = "n".repeat(10_000);
    for bad in [long.as_str(), "", "tab\there", "line\nbreak"] {
        let message = server
            .post(
                "/labs",
                &server.member,
                json!({"name": bad, "startTime": START, "endTime": END, "topologyId": topology}),
            )
            .await
            .error(400, 422);
        assert!(message.contains("name"), "{message}");
        assert!(message.len() < 200, "the name is not echoed");
        server
            .patch(
                &format!("/labs/{lab}"),
                &server.member,
                json!({"name": bad}),
            )
            .await
            .error(400, 422);
        server
            .post(
                "/collections",
                &server.admin,
                json!({"name": bad, "publicWrite": true, "publicDeploy": true}),
            )
            .await
            .error(400, 422);
        server
            .patch(
                &format!("/collections/{netlab}"),
                &server.admin,
                json!({"name": bad}),
            )
            .await
            .error(400, 422);
    }
    let labs = server.get("/labs", &server.member).await;
    let names: Vec<&Value> = labs
        .payload()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["name"])
        .collect();
    assert_eq!(names, [&json!("lab")]);
    // 128 characters are fine.
    let longest = "é".repeat(128);
    server
        .patch(
            &format!("/labs/{lab}"),
            &server.member,
            json!({"name": longest}),
        )
        .await
        .payload();
    server.collection(&longest, false, false).await;
}

#[tokio::test]
async fn node_names_that_are_paths_are_refused() {
    let server = TestServer::new().await;
    let (netlab, topology) = server.netlab().await;
    for node in ["../x", "a/b", "..", "x/../../etc"] {
        let definition = TOPOLOGY.replace("leaf-1", node);
        let message = server
            .post(
                "/topologies",
                &server.admin,
                topology_body(&definition, &netlab),
            )
            .await
            .error(400, 3003);
        assert!(message.contains("node"), "{node}: {message}");
        server
            .patch(
                &format!("/topologies/{topology}"),
                &server.admin,
                json!({"definition": definition}),
            )
            .await
            .error(400, 3003);
    }
    assert_eq!(definition_of(&server, &topology).await, TOPOLOGY);
}

// --- private files ------------------------------------------------------------------------

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn the_data_directory_and_its_files_are_private() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let file = server
        .post(
            &format!("/topologies/{topology}/files"),
            &server.admin,
            json!({"filePath": "configs/deep/a.cfg", "content": "hostname a"}),
        )
        .await
        .payload()
        .as_str()
        .unwrap()
        .to_owned();
    server
        .patch(
            &format!("/topologies/{topology}/files/{file}"),
            &server.admin,
            json!({"filePath": "configs/b.cfg"}),
        )
        .await
        .payload();
    let config = &server.state.config;
    assert_eq!(mode(&config.data_dir), 0o700, "the data directory");
    let mut database = config.database_file.clone().into_os_string();
    let sqlite = server.database.is_none();
    assert_eq!(sqlite, Path::new(&database).exists(), "SQLite, or no file");
    for suffix in ["", "-wal", "-shm"] {
        database.push(suffix);
        let file = PathBuf::from(&database);
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }
    assert_eq!(
        mode(&config.data_dir.join(antimony_server::SECRET_FILE)),
        0o600,
        "the signing secret"
    );
    let storage = server.files_dir();
    let dir = storage.join(&topology);
    for (path, want) in [
        (storage.clone(), 0o700),
        (dir.clone(), 0o700),
        (dir.join("configs"), 0o700),
        (dir.join("topology.clab.yaml"), 0o600),
        (dir.join("configs/b.cfg"), 0o600),
    ] {
        assert_eq!(mode(&path), want, "{}", path.display());
    }
    assert!(!dir.join("configs/deep/a.cfg").exists(), "renamed away");
}

#[tokio::test]
async fn a_data_directory_open_to_others_is_closed_on_start() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(data.join("antimony.db"), b"").unwrap();
    std::fs::set_permissions(
        data.join("antimony.db"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let state = antimony_server::AppState::open(crate::harness::config(&data))
        .await
        .unwrap();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("antimony.db")), 0o600);
    drop(state);
}

// --- a full disk --------------------------------------------------------------------------

/// A tmpfs mounted for a test, unmounted when dropped (lazily if something still holds it).
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(dir.path())
            .status()
            .expect("mount(8)");
        assert!(status.success(), "mounting a tmpfs needs root");
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let unmounted = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status()
            .is_ok_and(|s| s.success());
        if !unmounted {
            let _ = std::process::Command::new("umount")
                .arg("-l")
                .arg(self.dir.path())
                .status();
        }
    }
}

/// Writes `path` until the file system has no room left; returns the bytes written.
fn fill(path: &Path) -> u64 {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let mut written = 0_u64;
    for chunk in [1 << 20, 64 << 10, 4 << 10, 512, 1] {
        let block = vec![0_u8; chunk];
        loop {
            match file.write(&block) {
                Ok(0) => break,
                Ok(n) => written += n as u64,
                Err(e) if e.raw_os_error() == Some(28) => break,
                Err(e) => panic!("filling {}: {e}", path.display()),
            }
        }
    }
    let _ = file.sync_all();
    written
}

fn disk_full(reply: &crate::harness::Reply) {
    assert_eq!(reply.status.as_u16(), 507, "{}", reply.body);
    assert_eq!(
        reply.body,
        json!({"code": -1, "message": "the server's disk is full; nothing was changed"})
    );
}

/// Needs root: `cargo test -p antimony-server --test server full_disk -- --ignored`.
#[tokio::test]
#[ignore = "needs root to mount a tmpfs"]
async fn full_disk_refuses_changes_with_507_and_keeps_the_old_files() {
    // Declared first, dropped last: after the server has closed its files.
    let disk = Tmpfs::mount("4m");
    let data = disk.path().join("data");
    let server = TestServer::with_config(|_| crate::harness::config(&data)).await;
    let (netlab, topology) = server.netlab().await;
    let file = server
        .post(
            &format!("/topologies/{topology}/files"),
            &server.admin,
            json!({"filePath": "configs/a.cfg", "content": "hostname old"}),
        )
        .await
        .payload()
        .as_str()
        .unwrap()
        .to_owned();
    // A lab snapshots its definition into the database: a large one needs new pages there.
    let large = format!("{TOPOLOGY}# {}\n", "x".repeat(256 * 1024)).replace("spine-leaf", "large");
    let large_topology = server.topology(&server.admin, &netlab, &large).await;

    let filler = disk.path().join("filler");
    assert!(fill(&filler) > 0);
    let changed = TOPOLOGY.replace("alpine:3", "alpine:4");
    let attempts = || async {
        [
            server
                .patch(
                    &format!("/topologies/{topology}"),
                    &server.admin,
                    json!({"definition": changed}),
                )
                .await,
            server
                .patch(
                    &format!("/topologies/{topology}/files/{file}"),
                    &server.admin,
                    json!({"filePath": "configs/b.cfg"}),
                )
                .await,
            server
                .post(
                    "/labs",
                    &server.admin,
                    json!({"name": "full", "startTime": START, "endTime": END, "topologyId": large_topology}),
                )
                .await,
        ]
    };
    for reply in attempts().await {
        disk_full(&reply);
    }
    let topologies = server.get("/topologies", &server.admin).await;
    let ours = topologies
        .payload()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == json!(topology))
        .unwrap()
        .clone();
    assert_eq!(ours["definition"], json!(TOPOLOGY));
    assert_eq!(
        ours["bindFiles"],
        json!([{"id": file, "filePath": "configs/a.cfg", "content": "hostname old", "topologyId": topology}])
    );
    assert_eq!(
        server.get("/labs", &server.admin).await.payload(),
        &json!([])
    );
    let leftovers: Vec<_> = walk(&server.files_dir())
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    std::fs::remove_file(&filler).unwrap();
    for reply in attempts().await {
        reply.payload();
    }
    assert_eq!(definition_of(&server, &topology).await, changed);
    let labs = server.get("/labs", &server.admin).await;
    assert_eq!(labs.payload().as_array().unwrap().len(), 1);
    let topologies = server.get("/topologies", &server.admin).await;
    let ours = topologies
        .payload()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == json!(topology))
        .unwrap()
        .clone();
    assert_eq!(ours["bindFiles"][0]["filePath"], json!("configs/b.cfg"));
    assert_eq!(ours["bindFiles"][0]["content"], json!("hostname old"));
    drop(server);
    drop(disk);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

// --- changes that race a lab's commands (real TCP, fake containerlab) ----------------------

/// REST calls to a stack over TCP, with a time limit on each.
struct Rest {
    base: String,
    client: reqwest::Client,
}

impl Rest {
    fn new(stack: &Stack) -> Rest {
        Rest {
            base: stack.base.clone(),
            client: reqwest::Client::new(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("cookie", format!("accessToken={token}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = tokio::time::timeout(Duration::from_secs(10), request.send())
            .await
            .expect("an answer within 10 s")
            .unwrap();
        let status = response.status().as_u16();
        let body = tokio::time::timeout(Duration::from_secs(10), response.json::<Value>())
            .await
            .expect("a body within 10 s")
            .unwrap_or(Value::Null);
        (status, body)
    }

    async fn get(&self, path: &str, token: &str) -> Value {
        let (status, body) = self.call(reqwest::Method::GET, path, token, None).await;
        assert_eq!(status, 200, "GET {path}: {body}");
        body["payload"].clone()
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> String {
        let (status, body) = self
            .call(reqwest::Method::POST, path, token, Some(body))
            .await;
        assert_eq!(status, 200, "POST {path}: {body}");
        body["payload"].as_str().unwrap().to_owned()
    }

    async fn patch(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PATCH, path, token, Some(body))
            .await
    }

    async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, token, None).await
    }

    /// A collection (members may write and deploy) with the spine-leaf topology.
    async fn collection(&self, token: &str, name: &str) -> (String, String) {
        let collection = self
            .post(
                "/collections",
                token,
                json!({"name": name, "publicWrite": true, "publicDeploy": true}),
            )
            .await;
        let topology = self
            .post(
                "/topologies",
                token,
                topology_body(&TOPOLOGY.replace("spine-leaf", name), &collection),
            )
            .await;
        (collection, topology)
    }

    async fn lab(&self, token: &str, topology: &str, name: &str) -> String {
        self.post(
            "/labs",
            token,
            json!({"name": name, "startTime": START, "endTime": END, "topologyId": topology}),
        )
        .await
    }
}

/// What a refused change of a running lab answers.
fn running_lab_refusal() -> (u16, Value) {
    (
        500,
        json!({"code": -1, "message": "modifications to a running lab are not allowed"}),
    )
}

/// A `containerlab` that runs the fake but holds every deploy until the file `gate` exists.
fn gated_containerlab(dir: &Path) -> (PathBuf, PathBuf) {
    let gate = dir.join("gate");
    let wrapper = dir.join("containerlab");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nFAKE_CLAB_LINES=1 FAKE_CLAB_GATE='{}' exec '{}' \"$@\"\n",
            gate.display(),
            antimony_fakes::workspace_binary("fake-containerlab").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    (wrapper, gate)
}

/// Waits (up to 10 s) until `done` holds.
async fn until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn deploy(lab: &str) -> LabCommandData {
    LabCommandData::new(lab, LabCommand::Deploy)
}

/// Sends a command on a new `/lab-commands` connection in the background; the ack comes
/// out of the handle.
async fn send_in_background(
    stack: &Stack,
    token: &str,
    data: LabCommandData,
) -> tokio::task::JoinHandle<Value> {
    let (client, _) = connect(&stack.base, "/lab-commands", Some(token), None)
        .await
        .unwrap();
    tokio::spawn(async move {
        let ack = command(&client, data).await;
        let _ = client.disconnect().await;
        ack
    })
}

async fn ack(handle: tokio::task::JoinHandle<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(60), handle)
        .await
        .expect("an ack within 60 s")
        .unwrap()
}

/// The `Deploying lab '…'` status messages about `lab` received so far.
fn deploying_messages(
    events: &mut tokio::sync::broadcast::Receiver<antimony_server::events::LabEvent>,
    lab: &str,
) -> Vec<String> {
    let mut found = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let antimony_server::events::LabEvent::Status {
            lab_id: Some(id),
            message,
        } = event
            && id == lab
            && message.content.starts_with("Deploying lab")
        {
            found.push(message.content);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_cannot_be_changed_while_a_deploy_of_it_runs_or_waits() {
    let tools = tempfile::tempdir().unwrap();
    let (wrapper, gate) = gated_containerlab(tools.path());
    let stack = start_with(|config| config.containerlab_binary = wrapper).await;
    let rest = Rest::new(&stack);
    let admin = stack.admin.clone();
    let (netlab, topology) = rest.collection(&admin, "netlab").await;
    let lab = rest.lab(&admin, &topology, "Racer").await;
    let path = format!("/labs/{lab}");

    // Running: the deploy waits at the gate inside containerlab.
    let running = send_in_background(&stack, &admin, deploy(&lab)).await;
    until("the deploy runs", || {
        stack.state.labs.instances.instance(&lab).is_some()
    })
    .await;
    assert_eq!(
        rest.patch(&path, &admin, json!({"name": "changed"})).await,
        running_lab_refusal()
    );
    assert_eq!(rest.delete(&path, &admin).await, running_lab_refusal());
    let (status, body) = rest.delete(&format!("/collections/{netlab}"), &admin).await;
    assert_eq!((status, &body["code"]), (409, &json!(409)), "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("Racer"),
        "{body}"
    );
    std::fs::write(&gate, "").unwrap();
    assert_eq!(ack(running).await, json!({"payload": null}));
    assert_eq!(rest.get(&path, &admin).await["name"], json!("Racer"));
    // Deployed: still refused.
    assert_eq!(
        rest.patch(&path, &admin, json!({"name": "changed"})).await,
        running_lab_refusal()
    );
    let destroy = send_in_background(
        &stack,
        &admin,
        LabCommandData::new(&lab, LabCommand::Destroy),
    )
    .await;
    assert_eq!(ack(destroy).await, json!({"payload": null}));
    std::fs::remove_file(&gate).unwrap();

    // Waiting: an edit holds the lab while two deploys arrive; one is refused (5002), the
    // other waits for its turn. Changes are refused meanwhile.
    let edit = stack
        .state
        .labs
        .locks
        .try_edit(&lab)
        .expect("the lab is idle");
    let first = send_in_background(&stack, &admin, deploy(&lab)).await;
    let second = send_in_background(&stack, &admin, deploy(&lab)).await;
    let answered = tokio::time::timeout(
        Duration::from_secs(20),
        futures_util::future::select(first, second),
    )
    .await
    .expect("one deploy is answered at once");
    let (refused, waiting) = match answered {
        futures_util::future::Either::Left((ack, other))
        | futures_util::future::Either::Right((ack, other)) => (ack.unwrap(), other),
    };
    assert_eq!(refused["code"], json!(5002), "{refused}");
    assert_eq!(
        rest.patch(&path, &admin, json!({"name": "changed"})).await,
        running_lab_refusal()
    );
    assert_eq!(rest.delete(&path, &admin).await, running_lab_refusal());
    // What the edit holding the lab changes, the waiting deploy sees.
    stack
        .state
        .store
        .update_lab(
            &lab,
            LabUpdate {
                name: Some("Renamed".into()),
                ..LabUpdate::default()
            },
        )
        .await
        .unwrap();
    let mut events = stack.state.events.subscribe();
    drop(edit);
    until("the waiting deploy runs", || {
        stack.state.labs.instances.instance(&lab).is_some()
    })
    .await;
    assert_eq!(
        rest.patch(&path, &admin, json!({"name": "changed"})).await,
        running_lab_refusal()
    );
    std::fs::write(&gate, "").unwrap();
    assert_eq!(ack(waiting).await, json!({"payload": null}));
    assert_eq!(rest.get(&path, &admin).await["name"], json!("Renamed"));
    assert_eq!(
        deploying_messages(&mut events, &lab),
        ["Deploying lab 'Renamed' (netlab)"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collection_whose_lab_has_an_instance_is_not_deleted() {
    let stack = start_with(|_| {}).await;
    let rest = Rest::new(&stack);
    let admin = stack.admin.clone();
    let (netlab, topology) = rest.collection(&admin, "netlab").await;
    let lab = rest.lab(&admin, &topology, "Keeper").await;
    rest.lab(&admin, &topology, "Idle").await;
    let deployed = send_in_background(&stack, &admin, deploy(&lab)).await;
    assert_eq!(ack(deployed).await, json!({"payload": null}));

    let (status, body) = rest.delete(&format!("/collections/{netlab}"), &admin).await;
    assert_eq!((status, &body["code"]), (409, &json!(409)), "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("Keeper"), "{message}");
    assert!(!message.contains("Idle"), "{message}");
    let labs = rest.get("/labs", &admin).await;
    assert_eq!(labs.as_array().unwrap().len(), 2);
    assert_eq!(
        rest.get("/collections", &admin)
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let destroyed = send_in_background(
        &stack,
        &admin,
        LabCommandData::new(&lab, LabCommand::Destroy),
    )
    .await;
    assert_eq!(ack(destroyed).await, json!({"payload": null}));
    let (status, body) = rest.delete(&format!("/collections/{netlab}"), &admin).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(rest.get("/labs", &admin).await, json!([]));
    assert_eq!(rest.get("/collections", &admin).await, json!([]));
    assert_eq!(
        stack.state.labs.instances.state(&lab),
        antimony_protocol::rest::InstanceState::Inactive
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_changes_and_deploys_never_leave_a_half_applied_change() {
    let stack = start_with(|_| {}).await;
    let rest = std::sync::Arc::new(Rest::new(&stack));
    let admin = stack.admin.clone();
    let (_, topology) = rest.collection(&admin, "netlab").await;
    let lab = rest.lab(&admin, &topology, "v0").await;
    let path = format!("/labs/{lab}");
    // Version i: its name, start and end belong together.
    let version = |i: u32| {
        (
            format!("v{i}"),
            format!("2099-02-{:02}T00:00:00Z", i + 1),
            format!("2099-03-{:02}T00:00:00Z", i + 1),
        )
    };
    let mut current = ("v0".to_owned(), START.to_owned(), END.to_owned());
    let (mut applied, mut refused) = (0, 0);
    for i in 1..=12 {
        let (name, start, end) = version(i);
        let mut events = stack.state.events.subscribe();
        let change = {
            let (rest, path, admin) = (rest.clone(), path.clone(), admin.clone());
            let body = json!({"name": name, "startTime": start, "endTime": end});
            tokio::spawn(async move { rest.patch(&path, &admin, body).await })
        };
        if i % 2 == 0 {
            tokio::task::yield_now().await;
        }
        let deployed = send_in_background(&stack, &admin, deploy(&lab)).await;
        let (status, body) = tokio::time::timeout(Duration::from_secs(20), change)
            .await
            .expect("the PATCH is answered")
            .unwrap();
        assert_eq!(ack(deployed).await, json!({"payload": null}));
        match status {
            200 => {
                current = (name, start, end);
                applied += 1;
            }
            _ => {
                assert_eq!((status, body), running_lab_refusal());
                refused += 1;
            }
        }
        let stored = rest.get(&path, &admin).await;
        assert_eq!(
            (
                stored["name"].as_str().unwrap(),
                stored["startTime"].as_str().unwrap(),
                stored["endTime"].as_str().unwrap()
            ),
            (current.0.as_str(), current.1.as_str(), current.2.as_str()),
            "iteration {i}: all of the change or none of it"
        );
        // The deploy ran on the lab as it was when it ran: after the change, or before a
        // refused one.
        assert_eq!(
            deploying_messages(&mut events, &lab),
            [format!("Deploying lab '{}' (netlab)", current.0)],
            "iteration {i}"
        );
        let destroyed = send_in_background(
            &stack,
            &admin,
            LabCommandData::new(&lab, LabCommand::Destroy),
        )
        .await;
        assert_eq!(ack(destroyed).await, json!({"payload": null}));
    }
    assert_eq!(applied + refused, 12);
}

// --- status messages ----------------------------------------------------------------------

/// The `content` of every status message received so far.
fn contents(received: &mut Received) -> Vec<String> {
    let mut found = Vec::new();
    while let Ok((event, values)) = received.try_recv() {
        if event == "data" {
            found.push(
                values[0]["payload"]["content"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            );
        }
    }
    found
}

/// Waits (up to 20 s) for a status message whose content contains `text`; returns every
/// content received until then.
async fn until_message(received: &mut Received, text: &str) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        let (event, values) = tokio::time::timeout(Duration::from_secs(20), received.recv())
            .await
            .unwrap_or_else(|_| panic!("no status message with {text:?}; got {seen:?}"))
            .unwrap();
        if event != "data" {
            continue;
        }
        let content = values[0]["payload"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let done = content.contains(text);
        seen.push(content);
        if done {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_messages_about_a_lab_reach_only_users_who_may_see_it() {
    let stack = start_with(|_| {}).await;
    let rest = Rest::new(&stack);
    let admin = stack.admin.clone();
    stack
        .state
        .store
        .upsert_user(User {
            id: OUTSIDER.into(),
            name: "bob".into(),
            is_admin: false,
            groups: vec!["open".into()],
        })
        .await
        .unwrap();
    let outsider = stack.state.tokens.issue(
        TokenKind::Access,
        OUTSIDER,
        false,
        Timestamp::now_utc().unix_timestamp(),
    );
    let (_, secret_topology) = rest.collection(&admin, "netlab").await;
    let (_, open_topology) = rest.collection(&admin, "open").await;
    let secret = rest.lab(&admin, &secret_topology, "Secret Lab").await;
    let open = rest.lab(&admin, &open_topology, "Open Lab").await;
    let (admin_socket, mut admins) = connect(&stack.base, "/status-messages", Some(&admin), None)
        .await
        .unwrap();
    let (outsider_socket, mut outsiders) =
        connect(&stack.base, "/status-messages", Some(&outsider), None)
            .await
            .unwrap();

    // The lab the outsider may not see first, then the one it may: messages are forwarded
    // in order, so once the second lab's last message is in, the first lab's would be too.
    for (lab, command) in [
        (&secret, LabCommand::Deploy),
        (&open, LabCommand::Deploy),
        (&secret, LabCommand::Destroy),
        (&open, LabCommand::Destroy),
    ] {
        let sent = send_in_background(&stack, &admin, LabCommandData::new(lab, command)).await;
        assert_eq!(ack(sent).await, json!({"payload": null}));
    }
    let seen = until_message(&mut admins, "Successfully destroyed lab Open Lab").await;
    for expected in [
        "Deploying lab 'Secret Lab'",
        "Successfully deployed 'Secret Lab'",
        "Destroying lab Secret Lab",
        "Successfully destroyed lab Secret Lab",
        "Deploying lab 'Open Lab'",
    ] {
        assert!(
            seen.iter().any(|c| c.contains(expected)),
            "the admin gets {expected:?}: {seen:?}"
        );
    }
    let seen = until_message(&mut outsiders, "Successfully destroyed lab Open Lab").await;
    assert!(
        seen.iter().any(|c| c.contains("Deploying lab 'Open Lab'")),
        "{seen:?}"
    );
    assert!(
        !seen.iter().any(|c| c.contains("Secret Lab")),
        "the outsider got messages about a lab it may not see: {seen:?}"
    );
    // Nor anything after.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let later = contents(&mut outsiders);
    assert!(!later.iter().any(|c| c.contains("Secret Lab")), "{later:?}");
    let _ = admin_socket.disconnect().await;
    let _ = outsider_socket.disconnect().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_changes_never_leave_a_lab_ending_before_it_starts() {
    let server = std::sync::Arc::new(TestServer::new().await);
    let (_, topology) = server.netlab().await;
    let lab = server
        .lab(&server.member, &topology, "racing", START, END)
        .await;
    let path = format!("/labs/{lab}");
    for i in 0..100 {
        server
            .patch(
                &path,
                &server.member,
                json!({"startTime": START, "endTime": END}),
            )
            .await
            .payload();
        // Each change is fine on its own; both together would end the lab before it starts.
        let later_start = {
            let (server, path) = (server.clone(), path.clone());
            tokio::spawn(async move {
                server
                    .patch(
                        &path,
                        &server.member,
                        json!({"startTime": "2099-01-01T20:00:00Z"}),
                    )
                    .await
                    .status
            })
        };
        let earlier_end = {
            let (server, path) = (server.clone(), path.clone());
            tokio::spawn(async move {
                server
                    .patch(
                        &path,
                        &server.member,
                        json!({"endTime": "2099-01-01T10:00:00Z"}),
                    )
                    .await
                    .status
            })
        };
        let statuses = [later_start.await.unwrap(), earlier_end.await.unwrap()];
        let stored = server.get(&path, &server.member).await;
        let start = Timestamp::parse(stored.payload()["startTime"].as_str().unwrap()).unwrap();
        let end = Timestamp::parse(stored.payload()["endTime"].as_str().unwrap()).unwrap();
        assert!(
            end >= start,
            "iteration {i}: {statuses:?} left {}",
            stored.body
        );
    }
}
