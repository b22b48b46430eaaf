//! Hostile requests get JSON errors and never stop the server from answering.

use std::time::Duration;

use antimony_protocol::rest::InstanceState;
use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::json;

use crate::harness::TestServer;

fn post_raw(path: &str, token: &str, content_type: Option<&str>, body: Vec<u8>) -> Request<Body> {
    let mut builder = Request::post(path).header("cookie", format!("accessToken={token}"));
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    builder.body(Body::from(body)).unwrap()
}

#[tokio::test]
async fn wrong_types_missing_fields_and_nulls_get_422() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    for body in [
        json!({"name": 5, "startTime": "2025-01-01T00:00:00Z", "endTime": "2025-01-01T00:00:00Z", "topologyId": topology}),
        json!({"name": "x", "startTime": "tomorrow", "endTime": "2025-01-01T00:00:00Z", "topologyId": topology}),
        json!({"name": "x", "startTime": "2025-01-01T00:00:00Z", "topologyId": topology}),
        json!({"name": "x", "startTime": "2025-01-01T00:00:00Z", "endTime": null, "topologyId": topology}),
        json!([1, 2, 3]),
        json!("a string"),
        json!(null),
    ] {
        server
            .post("/labs", &server.admin, body.clone())
            .await
            .error(400, 422);
    }
    server
        .post(
            "/collections",
            &server.admin,
            json!({"name": "x", "publicWrite": "yes", "publicDeploy": true}),
        )
        .await
        .error(400, 422);
    server
        .patch(
            &format!("/topologies/{topology}"),
            &server.admin,
            json!({"definition": 7}),
        )
        .await
        .error(400, 422);
}

#[tokio::test]
async fn bodies_that_are_not_json_get_json_errors() {
    let server = TestServer::new().await;
    let token = server.admin.clone();
    let cases: Vec<(Option<&str>, Vec<u8>, u16)> = vec![
        (
            None,
            br#"{"name":"x","publicWrite":true,"publicDeploy":true}"#.to_vec(),
            400,
        ),
        (
            Some("text/plain"),
            br#"{"name":"x","publicWrite":true,"publicDeploy":true}"#.to_vec(),
            400,
        ),
        (Some("application/json"), vec![0xff, 0xfe, b'{', 0x80], 400),
        (
            Some("application/json"),
            b"{\"name\": \"\xc3\x28\"}".to_vec(),
            400,
        ),
        (
            Some("application/json"),
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            400,
        ),
        (Some("application/json"), b"{\"name\":".to_vec(), 400),
        (Some("application/json"), vec![b' '; 10 * 1024 * 1024], 413),
        (
            Some("application/json"),
            format!("{{\"name\":\"{}\"}}", "x".repeat(10 * 1024 * 1024)).into_bytes(),
            413,
        ),
    ];
    for (content_type, body, status) in cases {
        let len = body.len();
        let reply = server
            .send(post_raw("/collections", &token, content_type, body))
            .await;
        reply.error(status, 422);
        assert!(
            len < 1000 || reply.raw.len() < 1000,
            "the error does not echo the body"
        );
    }
    assert!(
        server
            .get("/collections", &token)
            .await
            .payload()
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn odd_paths_and_queries_get_json_errors() {
    let server = TestServer::new().await;
    for path in [
        "/labs/%00",
        "/labs/..%2F..%2Fetc",
        "/labs/%ff",
        "/topologies/%2e%2e/files/x",
    ] {
        let reply = server.get(path, &server.admin).await;
        assert!(
            reply.status == 404 || reply.status == 405,
            "{path}: {}",
            reply.status
        );
        assert!(reply.body["code"].is_number(), "{path}: {}", reply.body);
    }
    for query in [
        "%ff%fe=1",
        "limit=%zz",
        "limit=1&limit=",
        "stateFilter[]=&stateFilter[]=1",
        "&&&===",
    ] {
        let reply = server.get(&format!("/labs?{query}"), &server.admin).await;
        assert!(
            reply.status == 200 || reply.status == 400,
            "{query}: {}",
            reply.status
        );
        assert!(reply.body.is_object(), "{query}");
    }
}

#[tokio::test]
async fn concurrent_refusals_and_reads_all_complete() {
    let server = TestServer::new().await;
    let (_, topology) = server.netlab().await;
    let lab = server
        .lab(
            &server.admin,
            &topology,
            "busy",
            "2025-01-01T00:00:00Z",
            "2099-01-01T00:00:00Z",
        )
        .await;
    server.state.labs.instances.set_instance(
        &lab,
        antimony_protocol::rest::InstanceOut {
            name: String::new(),
            deployed: antimony_protocol::Timestamp::now_utc(),
            state: InstanceState::Running,
            latest_state_change: antimony_protocol::Timestamp::now_utc(),
            nodes: None,
            recovered: false,
        },
    );
    let mut tasks = Vec::new();
    for i in 0..200 {
        let router = antimony_server::router(server.state.clone());
        let token = server.admin.clone();
        let path = format!("/labs/{lab}");
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let (method, body) = match i % 3 {
                0 => (Method::PATCH, Body::from(r#"{"name":"x"}"#)),
                1 => (Method::DELETE, Body::empty()),
                _ => (Method::GET, Body::empty()),
            };
            let request = Request::builder()
                .method(method)
                .uri(path)
                .header("cookie", format!("accessToken={token}"))
                .header("content-type", "application/json")
                .body(body)
                .unwrap();
            router.oneshot(request).await.unwrap().status().as_u16()
        }));
    }
    let statuses = tokio::time::timeout(Duration::from_secs(30), futures_join(tasks))
        .await
        .expect("no request hangs");
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        66,
        "every GET succeeds"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 500).count(),
        134,
        "every change is refused"
    );
}

async fn futures_join(tasks: Vec<tokio::task::JoinHandle<u16>>) -> Vec<u16> {
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}
