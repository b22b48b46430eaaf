//! Labs (PROTOCOL.md §4.3): CRUD, the list query, permissions, and the Go server's bugs.

use antimony_protocol::Timestamp;
use antimony_protocol::rest::{InstanceOut, InstanceState, LabOut};
use antimony_server::events::LabEvent;
use serde_json::{Value, json};

use crate::harness::{MEMBER, TOPOLOGY, TestServer};

const PAST: &str = "2025-01-01T10:00:00+01:00";
const FUTURE: &str = "2099-01-01T10:00:00Z";

fn instance(state: InstanceState) -> InstanceOut {
    InstanceOut {
        name: String::new(),
        deployed: Timestamp::now_utc(),
        state,
        latest_state_change: Timestamp::now_utc(),
        nodes: None,
        recovered: false,
    }
}

#[tokio::test]
async fn create_get_and_list_a_lab() {
    let server = TestServer::new().await;
    let (collection, topology) = server.netlab().await;
    let mut events = server.state.events.subscribe();
    let id = server
        .lab(&server.member, &topology, "Spine Leaf", PAST, FUTURE)
        .await;
    assert_eq!(
        events.try_recv().unwrap(),
        LabEvent::LabUpdated(Some(id.clone())),
        "POST sends a lab update"
    );

    let reply = server.get(&format!("/labs/{id}"), &server.member).await;
    let lab: LabOut = serde_json::from_value(reply.payload().clone()).unwrap();
    assert_eq!(lab.name, "Spine Leaf");
    assert_eq!(lab.start_time.to_string(), PAST, "the offset is kept");
    assert_eq!(lab.end_time.unwrap().to_string(), FUTURE);
    assert_eq!(lab.collection_id, collection);
    assert_eq!(lab.creator.id, MEMBER);
    assert_eq!(lab.topology_definition, TOPOLOGY);
    assert_eq!(lab.instance, None);
    assert!(
        reply.body["payload"].get("instance").is_none(),
        "absent, not null"
    );
    assert!(reply.body["payload"].get("instanceName").is_none());

    let list = server
        .get("/labs?limit=1000&offset=0", &server.member)
        .await;
    assert_eq!(list.payload().as_array().unwrap().len(), 1);
    assert_eq!(list.headers["x-total-count"], "1");
}

#[tokio::test]
async fn the_snapshot_of_the_definition_is_taken_at_creation() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let id = server
        .lab(&server.admin, &topology, "lab", PAST, FUTURE)
        .await;
    let changed = TOPOLOGY.replace("alpine:3", "alpine:4");
    server
        .patch(
            &format!("/topologies/{topology}"),
            &server.admin,
            json!({"definition": changed}),
        )
        .await
        .payload();
    let lab = server.get(&format!("/labs/{id}"), &server.admin).await;
    assert_eq!(lab.payload()["topologyDefinition"], json!(TOPOLOGY));
}

#[tokio::test]
async fn list_filters_pages_and_counts() {
    let server = TestServer::new().await;
    let (netlab, topology) = server.netlab().await;
    let other = server.collection("other%_", true, true).await;
    let other_topology = server
        .topology(
            &server.admin,
            &other,
            &TOPOLOGY.replace("spine-leaf", "ring"),
        )
        .await;
    let a = server
        .lab(
            &server.admin,
            &topology,
            "alpha",
            "2025-01-01T00:00:00Z",
            "2025-01-02T00:00:00Z",
        )
        .await;
    let b = server
        .lab(
            &server.admin,
            &topology,
            "beta",
            "2025-02-01T00:00:00Z",
            "2025-02-02T00:00:00Z",
        )
        .await;
    let c = server
        .lab(
            &server.admin,
            &other_topology,
            "gamma",
            "2025-03-01T00:00:00Z",
            "2025-03-02T00:00:00Z",
        )
        .await;
    let d = server
        .lab(&server.admin, &other_topology, "forever", FUTURE, FUTURE)
        .await;
    server
        .patch(
            &format!("/labs/{d}"),
            &server.admin,
            json!({"indefinite": true}),
        )
        .await
        .payload();
    server
        .state
        .labs
        .instances
        .set_instance(&b, instance(InstanceState::Running));
    server
        .state
        .labs
        .instances
        .set_instance(&c, instance(InstanceState::Failed));

    let ids = |query: &str| {
        let server = &server;
        let query = query.to_owned();
        async move {
            let reply = server.get(&format!("/labs?{query}"), &server.admin).await;
            let ids: Vec<String> = reply
                .payload()
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["id"].as_str().unwrap().to_owned())
                .collect();
            (
                ids,
                reply.headers["x-total-count"].to_str().unwrap().to_owned(),
            )
        }
    };
    assert_eq!(
        ids("").await,
        (vec![a.clone(), b.clone(), c.clone(), d.clone()], "4".into()),
        "no limit means all, by start time"
    );
    assert_eq!(
        ids("limit=2&offset=1").await,
        (vec![b.clone(), c.clone()], "4".into())
    );
    assert_eq!(
        ids("searchQuery=ALP").await.0,
        vec![a.clone()],
        "case-insensitive lab name"
    );
    assert_eq!(
        ids("searchQuery=ring").await.0,
        [c.clone(), d.clone()],
        "topology name"
    );
    assert_eq!(
        ids("searchQuery=other%25_").await.0,
        [c.clone(), d.clone()],
        "collection name, wildcards literal"
    );
    assert_eq!(ids("searchQuery=%25").await.0, [c.clone(), d.clone()]);
    assert_eq!(
        ids(&format!("collectionFilter[]={netlab}")).await.0,
        [a.clone(), b.clone()]
    );
    assert_eq!(
        ids(&format!("searchQuery=a&collectionFilter[]={netlab}"))
            .await
            .0,
        [a.clone(), b.clone()],
        "the Go server's 500"
    );
    assert_eq!(
        ids("stateFilter[]=1&stateFilter[]=3").await,
        (vec![b.clone(), c.clone()], "2".into())
    );
    // Created labs wait in the deployment queue until the scheduler takes them.
    assert_eq!(ids("stateFilter[]=-2").await.0, [a.clone(), d.clone()]);
    assert_eq!(
        ids("stateFilter%5B%5D=-1").await.0,
        Vec::<String>::new(),
        "brackets may be percent-encoded"
    );
    assert_eq!(
        ids("startDate=2025-02-01T00:00:00Z&endDate=2025-03-02T00:00:00Z")
            .await
            .0,
        [b.clone(), c.clone()]
    );
    assert_eq!(
        ids("endDate=2100-01-01T00:00:00Z").await.0,
        [a, b, c],
        "indefinite labs drop out of endDate"
    );

    for bad in [
        "limit=x",
        "offset=-1",
        "stateFilter[]=9",
        "startDate=yesterday",
    ] {
        let reply = server.get(&format!("/labs?{bad}"), &server.admin).await;
        reply.error(400, -1);
    }
}

#[tokio::test]
async fn lab_permission_rows() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let no_deploy = server.collection("nodeploy", true, false).await;
    let locked = server.topology(&server.admin, &no_deploy, TOPOLOGY).await;
    server
        .state
        .store
        .upsert_user(antimony_server::store::User {
            id: MEMBER.into(),
            name: "alice".into(),
            is_admin: false,
            groups: vec!["netlab".into(), "nodeploy".into()],
        })
        .await
        .unwrap();

    // create: member and publicDeploy.
    let body = |topology: &str| json!({"name": "x", "startTime": FUTURE, "endTime": FUTURE, "topologyId": topology});
    let reply = server.post("/labs", &server.member, body(&locked)).await;
    assert_eq!(
        reply.error(403, 403),
        "deploy access to the provided collection is not granted"
    );
    server
        .post("/labs", &server.outsider, body(&topology))
        .await
        .error(403, 403);
    server
        .post("/labs", &server.admin, body("no-such-topology"))
        .await
        .error(404, -1);

    // list/get: member of the collection.
    let admins = server
        .lab(&server.admin, &topology, "admins", FUTURE, FUTURE)
        .await;
    let reply = server
        .get(&format!("/labs/{admins}"), &server.outsider)
        .await;
    assert_eq!(
        reply.error(403, 403),
        "access to the provided lab is not granted"
    );
    assert!(
        server
            .get("/labs", &server.outsider)
            .await
            .payload()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        server
            .get("/labs", &server.member)
            .await
            .payload()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    server
        .get("/labs/no-such-lab", &server.admin)
        .await
        .error(404, -1);

    // PATCH/DELETE: the creator (membership not required), or an admin.
    let reply = server
        .patch(
            &format!("/labs/{admins}"),
            &server.member,
            json!({"name": "mine"}),
        )
        .await;
    assert_eq!(
        reply.error(403, 403),
        "write access to the provided lab is not granted"
    );
    server
        .delete(&format!("/labs/{admins}"), &server.member)
        .await
        .error(403, 403);
    let mine = server
        .lab(&server.member, &topology, "mine", FUTURE, FUTURE)
        .await;
    server
        .state
        .store
        .upsert_user(antimony_server::store::User {
            id: MEMBER.into(),
            name: "alice".into(),
            is_admin: false,
            groups: vec![],
        })
        .await
        .unwrap();
    server
        .patch(
            &format!("/labs/{mine}"),
            &server.member,
            json!({"name": "still mine"}),
        )
        .await
        .payload();
    server
        .delete(&format!("/labs/{mine}"), &server.member)
        .await
        .payload();
    server
        .delete(&format!("/labs/{admins}"), &server.admin)
        .await
        .payload();
    server
        .get(&format!("/labs/{admins}"), &server.admin)
        .await
        .error(404, -1);
}

#[tokio::test]
async fn patch_changes_times_and_indefinite_clears_the_end() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let id = server
        .lab(&server.admin, &topology, "lab", PAST, FUTURE)
        .await;
    let path = format!("/labs/{id}");
    server
        .patch(
            &path,
            &server.admin,
            json!({"name": "renamed", "startTime": "2030-05-05T05:05:05.5+05:00"}),
        )
        .await
        .payload();
    let lab = server.get(&path, &server.admin).await;
    assert_eq!(lab.payload()["name"], json!("renamed"));
    assert_eq!(
        lab.payload()["startTime"],
        json!("2030-05-05T05:05:05.5+05:00")
    );
    assert_eq!(lab.payload()["endTime"], json!(FUTURE));

    // `indefinite: true` works (the Go server panics after saving) and wins over endTime.
    let reply = server
        .patch(
            &path,
            &server.admin,
            json!({"indefinite": true, "endTime": FUTURE}),
        )
        .await;
    assert_eq!(reply.payload(), &json!(null));
    assert_eq!(
        server.get(&path, &server.admin).await.payload()["endTime"],
        json!(null)
    );
    server
        .patch(
            &path,
            &server.admin,
            json!({"endTime": "2031-01-01T00:00:00Z"}),
        )
        .await
        .payload();
    assert_eq!(
        server.get(&path, &server.admin).await.payload()["endTime"],
        json!("2031-01-01T00:00:00Z")
    );
}

#[tokio::test]
async fn labs_with_an_instance_refuse_changes_without_hanging() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let id = server
        .lab(&server.admin, &topology, "lab", PAST, FUTURE)
        .await;
    let path = format!("/labs/{id}");
    for state in [
        InstanceState::Deploying,
        InstanceState::Running,
        InstanceState::Stopping,
    ] {
        server
            .state
            .labs
            .instances
            .set_instance(&id, instance(state));
        let message = server
            .patch(&path, &server.admin, json!({"name": "x"}))
            .await
            .error(500, -1);
        assert_eq!(message, "modifications to a running lab are not allowed");
        server.delete(&path, &server.admin).await.error(500, -1);
        // The Go server's lock leak would hang every later request, including this one.
        assert_eq!(server.get("/labs", &server.admin).await.status, 200);
    }
    let reply = server.get(&path, &server.admin).await;
    assert_eq!(reply.payload()["instance"]["state"], json!(2));

    // A failed instance may be deleted, and its run directory goes with it.
    server
        .state
        .labs
        .instances
        .set_instance(&id, instance(InstanceState::Failed));
    server
        .patch(&path, &server.admin, json!({"name": "x"}))
        .await
        .error(500, -1);
    let run_dir = server.state.config.run_dir.join(&id);
    std::fs::create_dir_all(run_dir.join("clab-x")).unwrap();
    server.delete(&path, &server.admin).await.payload();
    assert!(!run_dir.exists());
    assert_eq!(server.state.labs.instances.instance(&id), None);
}

#[tokio::test]
async fn a_deployed_lab_takes_a_new_end_time_and_nothing_else() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let id = server
        .lab(&server.admin, &topology, "lab", PAST, FUTURE)
        .await;
    let path = format!("/labs/{id}");
    server
        .state
        .labs
        .instances
        .set_instance(&id, instance(InstanceState::Running));
    server
        .patch(
            &path,
            &server.admin,
            json!({"endTime": "2031-06-01T10:00:00Z"}),
        )
        .await
        .payload();
    assert_eq!(
        server.get(&path, &server.admin).await.payload()["endTime"],
        json!("2031-06-01T10:00:00Z")
    );
    server
        .patch(&path, &server.admin, json!({"indefinite": true}))
        .await
        .payload();
    assert_eq!(
        server.get(&path, &server.admin).await.payload()["endTime"],
        Value::Null
    );
    // A new start time or name would redeploy or rename what is running: refused.
    for change in [
        json!({"startTime": "2031-06-01T09:00:00Z"}),
        json!({"name": "renamed", "endTime": "2031-06-01T10:00:00Z"}),
    ] {
        let message = server
            .patch(&path, &server.admin, change)
            .await
            .error(500, -1);
        assert_eq!(message, "modifications to a running lab are not allowed");
    }
    // The end still comes after the start.
    server
        .patch(
            &path,
            &server.admin,
            json!({"endTime": "2001-01-01T00:00:00Z"}),
        )
        .await
        .error(400, 422);
    let reply = server.get(&path, &server.admin).await;
    let lab = reply.payload();
    assert_eq!(lab["name"], json!("lab"));
    assert_eq!(lab["endTime"], Value::Null);
}

#[tokio::test]
async fn the_list_follows_renames_of_collections_topologies_and_users() {
    let server = TestServer::new().await;
    let (collection, topology) = server.netlab().await;
    let lab = server
        .lab(&server.member, &topology, "lab", FUTURE, FUTURE)
        .await;
    let search = |q: &'static str| {
        let server = &server;
        async move {
            server
                .get(&format!("/labs?searchQuery={q}"), &server.admin)
                .await
                .payload()
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(search("netlab").await, 1, "fills the cached list");
    server
        .patch(
            &format!("/collections/{collection}"),
            &server.admin,
            json!({"name": "renamed"}),
        )
        .await
        .payload();
    assert_eq!(search("netlab").await, 0);
    assert_eq!(search("RENAMED").await, 1);
    let renamed = TOPOLOGY.replace("name: spine-leaf", "name: fabric");
    server
        .patch(
            &format!("/topologies/{topology}"),
            &server.admin,
            json!({"definition": renamed}),
        )
        .await
        .payload();
    assert_eq!(search("fabric").await, 1);
    server
        .state
        .store
        .upsert_user(antimony_server::store::User {
            id: MEMBER.into(),
            name: "Alice Renamed".into(),
            is_admin: false,
            groups: vec!["renamed".into()],
        })
        .await
        .unwrap();
    let reply = server.get("/labs?searchQuery=lab", &server.admin).await;
    assert_eq!(
        reply.payload()[0]["creator"]["name"],
        json!("Alice Renamed")
    );
    server
        .delete(&format!("/labs/{lab}"), &server.admin)
        .await
        .payload();
    assert_eq!(search("lab").await, 0);
}

#[tokio::test]
async fn times_outside_the_storable_range_are_refused() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let body = |start: &str| json!({"name": "x", "startTime": start, "endTime": FUTURE, "topologyId": topology});
    let message = server
        .post("/labs", &server.admin, body("9999-01-01T00:00:00Z"))
        .await
        .error(400, 422);
    assert!(message.contains("startTime"), "{message}");
    server
        .post("/labs", &server.admin, body("0001-01-01T00:00:00Z"))
        .await
        .error(400, 422);
    let id = server
        .lab(&server.admin, &topology, "ok", PAST, FUTURE)
        .await;
    server
        .patch(
            &format!("/labs/{id}"),
            &server.admin,
            json!({"endTime": "3000-01-01T00:00:00Z"}),
        )
        .await
        .error(400, 422);
}
