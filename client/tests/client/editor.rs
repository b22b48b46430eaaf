//! The topology editor's REST through `RestClient` — topologies, bind files and collections
//! changed and deleted, the containerlab schema, labs rescheduled — against antimony-server
//! and against the reference server (the Go server's wire behaviour), each with its own error
//! codes. A deployed lab takes a new end time on antimony-server; on a Go server the client
//! refuses before sending the PATCH that would wedge it (PROTOCOL.md §4.3).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use antimony_client::Error;
use antimony_client::profile::ServerProfile;
use antimony_client::rest::RestClient;
use antimony_client::session::Session;
use antimony_fakes::ReferenceServer;
use antimony_protocol::rest::{
    BindFileIn, BindFileInPartial, CollectionIn, CollectionInPartial, LabInPartial, LabOut,
    LabsQuery, TopologyIn, TopologyInPartial, TopologyOut,
};
use antimony_protocol::{LabCommand, LabCommandData, Timestamp};

/// How long any one step may take.
const STEP: Duration = Duration::from_secs(20);

/// `future`, or a panic naming `what` after [`STEP`].
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(STEP, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {STEP:?}"))
}

fn topology(name: &str) -> String {
    format!(
        "name: {name}\ntopology:\n  nodes:\n    r1:\n      kind: linux\n    r2:\n      kind: linux\n"
    )
}

/// Whose server: ours fixes the Go server's quirks, so some answers differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ours,
    Go,
}

/// A server with a logged-in admin client.
struct Peer {
    kind: Kind,
    rest: Arc<RestClient>,
    origin: String,
    /// The server (and its directory), stopped when the peer is dropped.
    _keep: Box<dyn std::any::Any>,
}

async fn ours() -> Peer {
    let server = crate::rest::server().await;
    let origin = server.origin.clone();
    let rest = RestClient::new(ServerProfile::new("ours", &origin).unwrap()).unwrap();
    within("login", rest.login_native("admin", "s3cret"))
        .await
        .unwrap();
    Peer {
        kind: Kind::Ours,
        rest: Arc::new(rest),
        origin,
        _keep: Box::new(server),
    }
}

/// Ours with the fake containerlab and Docker engine, so labs deploy.
async fn ours_deploying() -> Peer {
    let stack = crate::session::stack().await;
    let rest = within("login", crate::session::client(&stack)).await;
    Peer {
        kind: Kind::Ours,
        origin: rest.profile().origin.clone(),
        rest,
        _keep: Box::new(stack),
    }
}

async fn go() -> Peer {
    let dir = tempfile::tempdir().unwrap();
    let server = ReferenceServer::start(&dir.path().join("state.json"), 0).unwrap();
    let origin = server.origin();
    // REST at the root, as the Go server serves it.
    let profile = ServerProfile::new("go", &origin)
        .unwrap()
        .with_rest_base(&origin)
        .unwrap();
    let rest = RestClient::new(profile).unwrap();
    within("login", rest.login_native("admin", "admin"))
        .await
        .unwrap();
    Peer {
        kind: Kind::Go,
        rest: Arc::new(rest),
        origin,
        _keep: Box::new((server, dir)),
    }
}

impl Peer {
    async fn collection(&self, name: &str) -> String {
        let input = CollectionIn {
            name: name.into(),
            public_write: true,
            public_deploy: true,
            allow_host_access: None,
        };
        within("create_collection", self.rest.create_collection(&input))
            .await
            .unwrap()
    }

    async fn topology(&self, id: &str) -> Option<TopologyOut> {
        let all = within("topologies", self.rest.topologies()).await.unwrap();
        all.into_iter().find(|t| t.id == id)
    }

    async fn lab(&self, id: &str) -> LabOut {
        within("lab", self.rest.lab(id)).await.unwrap()
    }

    /// A lab of a new topology, scheduled far in the future.
    async fn scheduled_lab(&self, name: &str) -> String {
        let collection = self.collection(&format!("{name}-collection")).await;
        let start = Timestamp::parse("2099-01-01T00:00:00Z").unwrap();
        let end = Timestamp::parse("2099-01-02T00:00:00Z").unwrap();
        let definition = topology(name);
        let imported = self.rest.import(&definition, &collection, start, end);
        within("import", imported).await.unwrap().lab_id
    }

    /// Deploys `lab` with a Deploy command and waits until it runs.
    async fn deploy(&self, lab: &str) {
        let (session, _events) = Session::open(Arc::clone(&self.rest));
        assert!(within("session", session.ready(STEP)).await, "connected");
        let deploy = LabCommandData::new(lab, LabCommand::Deploy);
        within("deploy", session.command(&deploy)).await.unwrap();
        within("the instance", async {
            while self.lab(lab).await.instance.is_none() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
    }
}

/// The API error's HTTP status and code, or a panic with what came instead.
fn api_error<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, i32, String) {
    match result {
        Err(Error::Api { status, body }) => (status, body.code, body.message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The API error's HTTP status and code.
fn status_code<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, i32) {
    let (status, code, _) = api_error(result);
    (status, code)
}

fn unix(time: Option<Timestamp>) -> Option<i64> {
    time.map(|t| t.unix_timestamp())
}

fn hours_from_now(hours: i64) -> Timestamp {
    Timestamp::from(time::OffsetDateTime::now_utc() + time::Duration::hours(hours))
}

async fn topologies_are_edited_and_deleted(peer: Peer) {
    let rest = &peer.rest;
    let collection = peer.collection("editing").await;
    let create = |name: &str| TopologyIn {
        definition: topology(name),
        sync_url: String::new(),
        collection_id: collection.clone(),
    };
    let id = within("create", rest.create_topology(&create("draft")))
        .await
        .unwrap();
    within("create", rest.create_topology(&create("taken")))
        .await
        .unwrap();

    let change = TopologyInPartial {
        definition: Some(topology("final")),
        sync_url: Some("https://git.example.org/final.clab.yaml".into()),
        ..TopologyInPartial::default()
    };
    within("update", rest.update_topology(&id, &change))
        .await
        .unwrap();
    let edited = peer.topology(&id).await.expect("still listed");
    assert_eq!(edited.definition, topology("final"));
    assert_eq!(edited.sync_url, "https://git.example.org/final.clab.yaml");
    assert_eq!(edited.collection_id, collection);

    let definition = |text: &str| TopologyInPartial {
        definition: Some(text.into()),
        ..TopologyInPartial::default()
    };
    let taken = definition(&topology("taken"));
    let taken = within("update", rest.update_topology(&id, &taken)).await;
    assert_eq!(status_code(taken), (400, 3001));
    let yaml = definition("name: [\n");
    let yaml = within("update", rest.update_topology(&id, &yaml)).await;
    assert_eq!(status_code(yaml), (400, 3003));
    // Valid YAML the containerlab schema refuses: ours says 3003 with a reason, the Go server
    // passes on its validator's text as a 500.
    let (status, code, message) = api_error(
        within(
            "update",
            rest.update_topology(&id, &definition("name: x\nnodes: {}\n")),
        )
        .await,
    );
    match peer.kind {
        Kind::Ours => assert_eq!((status, code), (400, 3003), "{message}"),
        Kind::Go => {
            assert_eq!((status, code), (500, -1));
            assert!(
                message.starts_with("jsonschema: '' does not validate"),
                "{message}"
            );
        }
    }
    assert_eq!(
        peer.topology(&id).await.unwrap().definition,
        topology("final"),
        "refused changes change nothing"
    );

    within("delete", rest.delete_topology(&id)).await.unwrap();
    assert!(peer.topology(&id).await.is_none(), "gone from the list");
    let again = within("update", rest.update_topology(&id, &change)).await;
    assert_eq!(status_code(again), (404, -1));
    let again = within("delete", rest.delete_topology(&id)).await;
    assert_eq!(status_code(again), (404, -1));
}

async fn bind_files_are_created_updated_and_deleted(peer: Peer) {
    let rest = &peer.rest;
    let collection = peer.collection("files").await;
    let input = TopologyIn {
        definition: topology("with-files"),
        sync_url: String::new(),
        collection_id: collection,
    };
    let topology_id = within("create", rest.create_topology(&input))
        .await
        .unwrap();
    let file = |path: &str, content: &str| BindFileIn {
        file_path: path.into(),
        content: content.into(),
    };
    let first = file("configs/r1.cfg", "hostname r1\n");
    let first = within("create file", rest.create_bind_file(&topology_id, &first))
        .await
        .unwrap();
    let second = file("configs/r2.cfg", "hostname r2\n");
    let second = within("create file", rest.create_bind_file(&topology_id, &second))
        .await
        .unwrap();
    let listed = peer.topology(&topology_id).await.unwrap().bind_files;
    let mut seen: Vec<_> = listed
        .iter()
        .map(|f| (f.id.as_str(), f.file_path.as_str(), f.content.as_str()))
        .collect();
    seen.sort_unstable();
    let mut expected = vec![
        (first.as_str(), "configs/r1.cfg", "hostname r1\n"),
        (second.as_str(), "configs/r2.cfg", "hostname r2\n"),
    ];
    expected.sort_unstable();
    assert_eq!(seen, expected);
    assert!(listed.iter().all(|f| f.topology_id == topology_id));

    let duplicate = file("configs/r1.cfg", "again");
    let duplicate = within(
        "create file",
        rest.create_bind_file(&topology_id, &duplicate),
    )
    .await;
    assert_eq!(status_code(duplicate), (400, 4001));
    let onto_other = BindFileInPartial {
        file_path: Some("configs/r2.cfg".into()),
        content: Some("x".into()),
    };
    let onto_other = rest.update_bind_file(&topology_id, &first, &onto_other);
    assert_eq!(
        status_code(within("update file", onto_other).await),
        (400, 4001)
    );

    // PATCH (never PUT: the Go server has no PUT there) with a new path and content.
    let change = BindFileInPartial {
        file_path: Some("startup/r1.cfg".into()),
        content: Some("hostname r1\ninterface e1-1\n".into()),
    };
    within(
        "update file",
        rest.update_bind_file(&topology_id, &first, &change),
    )
    .await
    .unwrap();
    let listed = peer.topology(&topology_id).await.unwrap().bind_files;
    let moved = listed.iter().find(|f| f.id == first).expect("still there");
    assert_eq!(
        (moved.file_path.as_str(), moved.content.as_str()),
        ("startup/r1.cfg", "hostname r1\ninterface e1-1\n")
    );
    assert_eq!(listed.len(), 2, "renamed, not copied: {listed:?}");

    within("delete file", rest.delete_bind_file(&topology_id, &second))
        .await
        .unwrap();
    let left = peer.topology(&topology_id).await.unwrap().bind_files;
    assert_eq!(left.iter().map(|f| &f.id).collect::<Vec<_>>(), [&first]);
    let again = within("delete file", rest.delete_bind_file(&topology_id, &second)).await;
    assert_eq!(status_code(again), (404, -1));
}

async fn collections_are_edited_and_deleted(peer: Peer) {
    let rest = &peer.rest;
    let id = peer.collection("rename-me").await;
    peer.collection("taken-name").await;
    let change = CollectionInPartial {
        name: Some("renamed".into()),
        public_deploy: Some(false),
        ..CollectionInPartial::default()
    };
    within("update", rest.update_collection(&id, &change))
        .await
        .unwrap();
    let all = within("collections", rest.collections()).await.unwrap();
    let renamed = all.iter().find(|c| c.id == id).expect("listed");
    assert_eq!(
        (
            renamed.name.as_str(),
            renamed.public_write,
            renamed.public_deploy
        ),
        ("renamed", true, false)
    );
    let taken = CollectionInPartial {
        name: Some("taken-name".into()),
        ..CollectionInPartial::default()
    };
    let taken = within("update", rest.update_collection(&id, &taken)).await;
    assert_eq!(status_code(taken), (400, 2001));

    within("delete", rest.delete_collection(&id)).await.unwrap();
    let all = within("collections", rest.collections()).await.unwrap();
    assert!(all.iter().all(|c| c.id != id), "gone: {all:?}");
    let again = within("update", rest.update_collection(&id, &change)).await;
    assert_eq!(status_code(again), (404, -1));
}

async fn the_schema_is_public_and_an_object(peer: Peer) {
    // No login needed.
    let profile = peer.rest.profile().clone();
    let anonymous = RestClient::new(profile).unwrap();
    let schema = within("clab_schema", anonymous.clab_schema())
        .await
        .unwrap();
    let properties = schema.get("properties").and_then(|p| p.as_object());
    let properties = properties.expect("a JSON schema with properties");
    assert!(properties.contains_key("topology") && properties.contains_key("name"));
}

async fn a_lab_without_instance_is_rescheduled(peer: Peer) {
    let lab = peer.scheduled_lab("reschedule").await;
    let (start, end) = (hours_from_now(48), hours_from_now(50));
    let change = LabInPartial {
        name: Some("moved".into()),
        start_time: Some(start),
        end_time: Some(end),
        ..LabInPartial::default()
    };
    within("update_lab", peer.rest.update_lab(&lab, &change))
        .await
        .unwrap();
    let moved = peer.lab(&lab).await;
    assert_eq!(moved.name, "moved");
    assert_eq!(moved.start_time.unix_timestamp(), start.unix_timestamp());
    assert_eq!(unix(moved.end_time), unix(Some(end)));
    assert!(moved.instance.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topologies_are_edited_and_deleted_on_our_server() {
    topologies_are_edited_and_deleted(ours().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topologies_are_edited_and_deleted_on_a_go_server() {
    topologies_are_edited_and_deleted(go().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_files_are_created_updated_and_deleted_on_our_server() {
    bind_files_are_created_updated_and_deleted(ours().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bind_files_are_created_updated_and_deleted_on_a_go_server() {
    bind_files_are_created_updated_and_deleted(go().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_are_edited_and_deleted_on_our_server() {
    collections_are_edited_and_deleted(ours().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn collections_are_edited_and_deleted_on_a_go_server() {
    collections_are_edited_and_deleted(go().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_is_public_and_an_object_on_both_servers() {
    the_schema_is_public_and_an_object(ours().await).await;
    the_schema_is_public_and_an_object(go().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lab_without_instance_is_rescheduled_on_both_servers() {
    a_lab_without_instance_is_rescheduled(ours().await).await;
    a_lab_without_instance_is_rescheduled(go().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_server_extends_a_deployed_lab() {
    let peer = ours_deploying().await;
    let lab = peer.scheduled_lab("extend").await;
    peer.deploy(&lab).await;
    let before = peer.lab(&lab).await;
    // One hour more (the lab is deployed, though its start time is still the planned one).
    let before_end = time::OffsetDateTime::from(before.end_time.expect("an end"));
    let end = Timestamp::from(before_end + time::Duration::hours(1));
    let change = LabInPartial {
        end_time: Some(end),
        ..LabInPartial::default()
    };
    within("update_lab", peer.rest.update_lab(&lab, &change))
        .await
        .unwrap();
    let after = peer.lab(&lab).await;
    assert_eq!(unix(after.end_time), unix(Some(end)));
    assert_ne!(unix(after.end_time), unix(before.end_time));
    assert!(after.instance.is_some(), "still deployed");
}

/// `GET /labs` on `peer`, or `None` when no answer comes within `wait`.
async fn labs_within(peer: &Peer, wait: Duration) -> Option<Vec<LabOut>> {
    let page = tokio::time::timeout(wait, peer.rest.labs(&LabsQuery::default())).await;
    page.ok().map(|page| page.unwrap().labs)
}

/// A raw request to the reference server as the admin: its status.
async fn raw(peer: &Peer, method: reqwest::Method, path: &str, body: &str) -> u16 {
    let token = peer.rest.tokens().access.unwrap_or_default();
    let request = reqwest::Client::new()
        .request(method, format!("{}{path}", peer.origin))
        .header("Cookie", format!("accessToken={token}"))
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send();
    within(path, request).await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_server_is_never_sent_a_change_to_a_deployed_lab() {
    let peer = go().await;
    let lab = peer.scheduled_lab("go-extend").await;
    peer.deploy(&lab).await;
    let change = LabInPartial {
        end_time: Some(hours_from_now(3)),
        ..LabInPartial::default()
    };
    let refused = within("update_lab", peer.rest.update_lab(&lab, &change)).await;
    assert!(matches!(refused, Err(Error::Unsupported(_))), "{refused:?}");
    // Had the PATCH gone out, the Go server would keep its instances mutex and this would hang.
    let labs = labs_within(&peer, Duration::from_secs(3)).await;
    let labs = labs.expect("GET /labs still answers: the PATCH was not sent");
    assert!(labs.iter().any(|l| l.id == lab && l.instance.is_some()));

    // The check above can fail: the PATCH itself does wedge the reference server's lab routes.
    let patch = raw(&peer, reqwest::Method::PATCH, &format!("/labs/{lab}"), "{}").await;
    assert_eq!(patch, 500, "Go answers, keeping the mutex");
    assert!(
        labs_within(&peer, Duration::from_millis(500))
            .await
            .is_none(),
        "GET /labs hangs after a PATCH of a deployed lab"
    );
    assert_eq!(
        raw(&peer, reqwest::Method::POST, "/_control/unlock", "").await,
        200
    );
    assert!(labs_within(&peer, STEP).await.is_some(), "answers again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indefinite_works_on_both_servers_though_the_go_server_fails_after_saving() {
    for peer in [ours().await, go().await] {
        let lab = peer.scheduled_lab("forever").await;
        let change = LabInPartial {
            indefinite: Some(true),
            ..LabInPartial::default()
        };
        within("update_lab", peer.rest.update_lab(&lab, &change))
            .await
            .unwrap();
        assert_eq!(peer.lab(&lab).await.end_time, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_server_is_never_sent_the_delete_of_a_deployed_lab() {
    let peer = go().await;
    let lab = peer.scheduled_lab("go-delete").await;
    peer.deploy(&lab).await;
    let refused = within("delete_lab", peer.rest.delete_lab(&lab)).await;
    assert!(matches!(refused, Err(Error::Unsupported(_))), "{refused:?}");
    let labs = labs_within(&peer, Duration::from_secs(3)).await;
    let labs = labs.expect("GET /labs still answers: the DELETE was not sent");
    assert!(labs.iter().any(|l| l.id == lab));
    // A lab that is not deployed is deleted as usual.
    let idle = peer.scheduled_lab("go-idle").await;
    within("delete_lab", peer.rest.delete_lab(&idle))
        .await
        .unwrap();
    let labs = labs_within(&peer, STEP).await.expect("answers");
    assert!(!labs.iter().any(|l| l.id == idle));
}
