//! Collections (PROTOCOL.md §4.5) and their permission rows.

use serde_json::json;

use crate::harness::TestServer;

#[tokio::test]
async fn admins_create_collections_and_members_see_theirs() {
    let server = TestServer::new().await;
    let netlab = server.collection("netlab", true, false).await;
    server.collection("other", false, false).await;

    let all = server.get("/collections", &server.admin).await;
    assert_eq!(all.payload().as_array().unwrap().len(), 2);
    let mine = server.get("/collections", &server.member).await;
    let mine = mine.payload().as_array().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["id"], json!(netlab));
    assert_eq!(mine[0]["publicWrite"], json!(true));
    assert_eq!(mine[0]["creator"]["name"], json!("Admin"));

    let reply = server
        .post(
            "/collections",
            &server.member,
            json!({"name": "mine", "publicWrite": true, "publicDeploy": true}),
        )
        .await;
    assert_eq!(
        reply.error(403, 403),
        "permission to create collections is not granted"
    );
}

#[tokio::test]
async fn duplicate_names_give_2001() {
    let server = TestServer::new().await;
    server.collection("netlab", true, true).await;
    let other = server.collection("other", true, true).await;
    let reply = server
        .post(
            "/collections",
            &server.admin,
            json!({"name": "netlab", "publicWrite": false, "publicDeploy": false}),
        )
        .await;
    assert_eq!(
        reply.error(400, 2001),
        "a collection with that name already exists"
    );
    server
        .patch(
            &format!("/collections/{other}"),
            &server.admin,
            json!({"name": "netlab"}),
        )
        .await
        .error(400, 2001);
    // Renaming to its own name is fine.
    assert_eq!(
        server
            .patch(
                &format!("/collections/{other}"),
                &server.admin,
                json!({"name": "other"})
            )
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn patch_and_delete_need_the_creator() {
    let server = TestServer::new().await;
    let netlab = server.collection("netlab", false, false).await;
    let path = format!("/collections/{netlab}");
    let reply = server
        .patch(&path, &server.member, json!({"publicDeploy": true}))
        .await;
    assert_eq!(
        reply.error(403, 403),
        "write access to the provided collection is not granted"
    );
    server.delete(&path, &server.member).await.error(403, 403);

    assert_eq!(
        server
            .patch(&path, &server.admin, json!({"publicDeploy": true}))
            .await
            .payload(),
        &json!(null)
    );
    let list = server.get("/collections", &server.admin).await;
    assert_eq!(list.payload()[0]["publicDeploy"], json!(true));
    assert_eq!(
        list.payload()[0]["publicWrite"],
        json!(false),
        "untouched fields stay"
    );

    server.delete(&path, &server.admin).await.payload();
    assert!(
        server
            .get("/collections", &server.admin)
            .await
            .payload()
            .as_array()
            .unwrap()
            .is_empty()
    );
    server.delete(&path, &server.admin).await.error(404, -1);
    server
        .patch("/collections/nope", &server.admin, json!({}))
        .await
        .error(404, -1);
    // The name is free again after the (soft) delete.
    server.collection("netlab", true, true).await;
}
