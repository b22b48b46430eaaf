//! Adding a server finds where its REST API lives: `<url>/api` behind a reverse proxy, or
//! `<url>` for a server reached directly (the Go server without Traefik), and says plainly
//! when an address is not an Antimony server.

use std::io::{Read, Write};
use std::net::TcpListener;

use antimony_client::Error;
use antimony_client::account::{self, Reach};
use antimony_client::profile::ServerProfile;
use antimony_fakes::ReferenceServer;

use crate::rest::server;

async fn reached(profile: &ServerProfile) -> (ServerProfile, bool) {
    let reach = tokio::time::timeout(std::time::Duration::from_secs(20), account::reach(profile))
        .await
        .expect("reach answers in time")
        .expect("the server is reached");
    match reach {
        Reach::Trusted { profile, config } => (profile, config.native.enabled),
        Reach::Untrusted { .. } => panic!("a plain http server has no certificate"),
    }
}

#[tokio::test]
async fn the_go_like_server_is_found_at_its_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = ReferenceServer::start(&dir.path().join("state.json"), 0).unwrap();
    let (profile, native) = reached(&ServerProfile::new("go", &server.origin()).unwrap()).await;
    assert_eq!(profile.rest_base(), server.origin());
    assert!(native);
}

#[tokio::test]
async fn antimony_server_is_found_behind_api_first() {
    let server = server().await;
    let (profile, _) = reached(&ServerProfile::new("ours", &server.origin).unwrap()).await;
    assert_eq!(profile.rest_base(), format!("{}/api", server.origin));
    assert_eq!(
        profile.rest_base, None,
        "the default base is not written out"
    );
}

#[tokio::test]
async fn an_explicit_api_url_is_the_only_one_asked() {
    let dir = tempfile::tempdir().unwrap();
    let server = ReferenceServer::start(&dir.path().join("state.json"), 0).unwrap();
    let wrong = ServerProfile::new("go", &server.origin())
        .unwrap()
        .with_rest_base(&format!("{}/api", server.origin()))
        .unwrap();
    let error = account::reach(&wrong).await.expect_err("/api is not there");
    assert!(matches!(error, Error::Api { .. }), "{error:?}");
}

#[tokio::test]
async fn an_address_that_is_not_antimony_is_named_so() {
    // A web server that answers every request with an HTML page.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut buffer = [0_u8; 4096];
            let _ = stream.read(&mut buffer);
            let body = "<html><body>It works!</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let error = account::reach(&ServerProfile::new("web", &origin).unwrap())
        .await
        .expect_err("not Antimony");
    let Error::NotAntimony { server, tried } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(server, &origin);
    assert!(
        tried.contains(&format!("{origin}/api/users/login/config")),
        "{tried}"
    );
    assert!(
        tried.contains(&format!("{origin}/users/login/config")),
        "{tried}"
    );
    assert!(error.to_string().contains("is not an Antimony server"));
}
