//! Topologies and bind files (PROTOCOL.md §4.4) and their permission rows.

use axum::http::Method;
use serde_json::json;

use crate::harness::{TOPOLOGY, TestServer};

#[tokio::test]
async fn topologies_are_stored_on_disk_and_listed_with_bind_files() {
    let server = TestServer::new().await;
    let (collection, topology) = server.netlab().await;
    let file = server
        .files_dir()
        .join(&topology)
        .join("topology.clab.yaml");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), TOPOLOGY);

    let reply = server
        .post(
            &format!("/topologies/{topology}/files"),
            &server.admin,
            json!({"filePath": "config/srl1.cfg", "content": "hostname srl1\n"}),
        )
        .await;
    let file_id = reply.payload().as_str().unwrap().to_owned();
    assert_eq!(
        std::fs::read_to_string(server.files_dir().join(&topology).join("config/srl1.cfg"))
            .unwrap(),
        "hostname srl1\n"
    );

    let list = server.get("/topologies", &server.member).await;
    let t = &list.payload()[0];
    assert_eq!(t["id"], json!(topology));
    assert_eq!(t["definition"], json!(TOPOLOGY));
    assert_eq!(t["collectionId"], json!(collection));
    assert_eq!(t["syncUrl"], json!(""));
    assert_eq!(t["lastDeployFailed"], json!(false));
    assert_eq!(
        t["bindFiles"],
        json!([{"id": file_id, "filePath": "config/srl1.cfg", "content": "hostname srl1\n", "topologyId": topology}])
    );
    assert!(
        server
            .get("/topologies", &server.outsider)
            .await
            .payload()
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn yaml_and_schema_errors_give_3003_with_the_reason() {
    let server = TestServer::new().await;
    let collection = server.collection("netlab", true, true).await;
    let post = |definition: &str| {
        server.post(
            "/topologies",
            &server.admin,
            json!({"definition": definition, "syncUrl": "", "collectionId": collection}),
        )
    };
    let message = post("name: [unclosed").await.error(400, 3003);
    assert!(message.contains("YAML"), "{message}");
    let message = post("name: x\ntopology:\n  nodes:\n    a: 5\n")
        .await
        .error(400, 3003);
    assert!(
        message.contains("schema") && message.contains("/topology/nodes/a"),
        "{message}"
    );
    let message = post("name: x\nbogus: 1\ntopology: {}\n")
        .await
        .error(400, 3003);
    assert!(message.contains("bogus"), "{message}");
}

#[tokio::test]
async fn names_are_unique_per_collection() {
    let server = TestServer::new().await;
    let (collection, _) = server.netlab().await;
    let reply = server
        .post(
            "/topologies",
            &server.admin,
            json!({"definition": TOPOLOGY, "syncUrl": "", "collectionId": collection}),
        )
        .await;
    assert_eq!(
        reply.error(400, 3001),
        "a topology with that name already exists in that collection"
    );
    // The same name in another collection is fine.
    let other = server.collection("other", true, true).await;
    let moved = server.topology(&server.admin, &other, TOPOLOGY).await;
    // …but moving it back into the first collection collides.
    server
        .patch(
            &format!("/topologies/{moved}"),
            &server.admin,
            json!({"collectionId": collection}),
        )
        .await
        .error(400, 3001);
    // Renaming through the definition resolves it.
    let renamed = TOPOLOGY.replace("name: spine-leaf", "name: spine-leaf-2");
    server
        .patch(
            &format!("/topologies/{moved}"),
            &server.admin,
            json!({"collectionId": collection, "definition": renamed}),
        )
        .await
        .payload();
    let list = server.get("/topologies", &server.admin).await;
    let moved_out = list
        .payload()
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == json!(moved))
        .unwrap()
        .clone();
    assert_eq!(moved_out["collectionId"], json!(collection));
    assert_eq!(moved_out["definition"], json!(renamed));
}

#[tokio::test]
async fn topology_permission_rows() {
    let server = TestServer::new().await;
    let writable = server.collection("netlab", true, false).await;
    let read_only = server.collection("readonly", false, false).await;
    server
        .state
        .store
        .upsert_user(antimony_server::store::User {
            id: crate::harness::MEMBER.into(),
            name: "alice".into(),
            is_admin: false,
            groups: vec!["netlab".into(), "readonly".into()],
        })
        .await
        .unwrap();

    // create: member and publicWrite.
    let mine = server.topology(&server.member, &writable, TOPOLOGY).await;
    let reply = server
        .post(
            "/topologies",
            &server.member,
            json!({"definition": TOPOLOGY, "syncUrl": "", "collectionId": read_only}),
        )
        .await;
    assert_eq!(
        reply.error(403, 403),
        "write access to the provided collection is not granted"
    );
    server
        .post(
            "/topologies",
            &server.outsider,
            json!({"definition": TOPOLOGY, "syncUrl": "", "collectionId": writable}),
        )
        .await
        .error(403, 403);

    // PATCH: creator, member and publicWrite; the same test for a new collection.
    let path = format!("/topologies/{mine}");
    server
        .patch(
            &path,
            &server.member,
            json!({"syncUrl": "https://git.example.org/x.git"}),
        )
        .await
        .payload();
    server
        .patch(&path, &server.member, json!({"collectionId": read_only}))
        .await
        .error(403, 403);
    let admins = server
        .topology(
            &server.admin,
            &writable,
            &TOPOLOGY.replace("spine-leaf", "admins"),
        )
        .await;
    let reply = server
        .patch(
            &format!("/topologies/{admins}"),
            &server.member,
            json!({"syncUrl": ""}),
        )
        .await;
    assert_eq!(
        reply.error(403, 403),
        "write access to the provided topology is not granted"
    );

    // bind files and DELETE: creator only.
    server
        .post(
            &format!("/topologies/{admins}/files"),
            &server.member,
            json!({"filePath": "a", "content": ""}),
        )
        .await
        .error(403, 403);
    server
        .delete(&format!("/topologies/{admins}"), &server.member)
        .await
        .error(403, 403);
    server.delete(&path, &server.member).await.payload();
    assert_eq!(
        server
            .get("/topologies", &server.admin)
            .await
            .payload()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    server.delete(&path, &server.member).await.error(404, -1);
}

#[tokio::test]
async fn bind_files_update_by_put_or_patch_and_reject_bad_paths() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let files = format!("/topologies/{topology}/files");
    let id = server
        .post(
            &files,
            &server.admin,
            json!({"filePath": "a.cfg", "content": "one"}),
        )
        .await
        .payload()
        .as_str()
        .unwrap()
        .to_owned();
    server
        .post(
            &files,
            &server.admin,
            json!({"filePath": "b.cfg", "content": "two"}),
        )
        .await
        .payload();
    let reply = server
        .post(
            &files,
            &server.admin,
            json!({"filePath": "a.cfg", "content": "again"}),
        )
        .await;
    assert_eq!(
        reply.error(400, 4001),
        "a file with that path already exists for that topology"
    );
    for bad in [
        "../escape",
        "/etc/passwd",
        "a/../../b",
        "topology.clab.yaml",
        "",
    ] {
        let message = server
            .post(
                &files,
                &server.admin,
                json!({"filePath": bad, "content": "x"}),
            )
            .await
            .error(400, 4002);
        assert!(
            message.starts_with("the provided bind file path was invalid"),
            "{message}"
        );
    }
    assert!(!server.files_dir().join("escape").exists());

    // The web UI sends PUT; the topology segment is ignored.
    let put = server
        .call(
            Method::PUT,
            &format!("/topologies/ignored/files/{id}"),
            Some(&server.admin),
            Some(json!({"content": "uno"})),
        )
        .await;
    put.payload();
    let dir = server.files_dir().join(&topology);
    assert_eq!(std::fs::read_to_string(dir.join("a.cfg")).unwrap(), "uno");
    // PATCH moves it and keeps its content; a taken path is refused.
    server
        .patch(
            &format!("{files}/{id}"),
            &server.admin,
            json!({"filePath": "b.cfg"}),
        )
        .await
        .error(400, 4001);
    server
        .patch(
            &format!("{files}/{id}"),
            &server.admin,
            json!({"filePath": "cfg/a.cfg"}),
        )
        .await
        .payload();
    assert!(!dir.join("a.cfg").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("cfg/a.cfg")).unwrap(),
        "uno"
    );

    server
        .delete(&format!("{files}/{id}"), &server.admin)
        .await
        .payload();
    assert!(!dir.join("cfg/a.cfg").exists());
    server
        .delete(&format!("{files}/{id}"), &server.admin)
        .await
        .error(404, -1);
    let list = server.get("/topologies", &server.admin).await;
    assert_eq!(list.payload()[0]["bindFiles"].as_array().unwrap().len(), 1);
}
