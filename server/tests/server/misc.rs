//! Devices, the schema, the `/api` mirror and JSON answers for unknown routes.

use axum::http::Method;
use serde_json::json;

use crate::harness::TestServer;

#[tokio::test]
async fn devices_come_from_the_bundled_config() {
    let server = TestServer::new().await;
    let reply = server.get("/devices", &server.member).await;
    let devices = reply.payload().as_array().unwrap();
    let srl = devices
        .iter()
        .find(|d| d["kind"] == json!("nokia_srlinux"))
        .unwrap();
    assert_eq!(srl["interfacePattern"], json!("e1-$"));
    assert_eq!(srl["interfaceStart"], json!(1));
    assert!(
        srl.get("images").is_none(),
        "only the four API fields are sent"
    );
    assert_eq!(
        server
            .call(Method::GET, "/devices", None, None)
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn the_schema_is_public_and_wrapped() {
    let server = TestServer::new().await;
    let reply = server.call(Method::GET, "/clab-schema", None, None).await;
    let schema = reply.payload();
    assert!(
        schema["$schema"]
            .as_str()
            .unwrap()
            .contains("json-schema.org")
    );
    assert!(schema["properties"]["topology"].is_object());
}

#[tokio::test]
async fn every_route_is_mirrored_under_api() {
    let server = TestServer::new().await;
    let reply = server
        .call(Method::GET, "/api/users/login/config", None, None)
        .await;
    assert_eq!(reply.payload()["native"]["enabled"], json!(true));
    assert_eq!(
        server.get("/api/collections", &server.admin).await.status,
        200
    );
}

#[tokio::test]
async fn every_response_names_the_server_version_in_a_header_only() {
    let server = TestServer::new().await;
    let config = server
        .call(Method::GET, "/users/login/config", None, None)
        .await;
    let missing = server.call(Method::GET, "/nope", None, None).await;
    for reply in [&config, &missing] {
        assert_eq!(
            reply.headers[antimony_protocol::rest::SERVER_HEADER],
            env!("CARGO_PKG_VERSION")
        );
    }
    // The body stays the Go server's: no version in it.
    let keys = |v: &serde_json::Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
    assert_eq!(keys(&config.body), Some(vec!["payload".to_owned()]));
    assert_eq!(
        keys(config.payload()),
        Some(vec!["native".to_owned(), "openId".to_owned()])
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let server = TestServer::new().await;
    server
        .call(Method::GET, "/nope", None, None)
        .await
        .error(404, -1);
    server
        .call(Method::GET, "/labs/", Some(&server.admin), None)
        .await
        .error(404, -1);
    server
        .call(Method::PUT, "/labs", Some(&server.admin), None)
        .await
        .error(405, -1);
}

#[tokio::test]
async fn database_errors_give_500_with_code_500_and_the_server_goes_on() {
    let server = TestServer::new().await;
    server.drop_table("bind_files");
    let reply = server.get("/topologies", &server.admin).await;
    assert_eq!(
        reply.error(500, 500),
        "the antimony database encountered an error. please check the logs"
    );
    assert!(
        !reply.raw.windows(9).any(|w| w == b"bind_file"),
        "internal causes are not sent"
    );
    assert_eq!(server.get("/collections", &server.admin).await.status, 200);
}
