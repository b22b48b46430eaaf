//! The team server: HTTPS with a self-signed or given certificate, and the official web UI
//! served on the same origin (`--web-ui`), against the real binary.

use sha2::{Digest, Sha256};

use serde_json::{Value, json};

use crate::security::{PASSWORD, Server, USER};

/// A client that accepts any certificate and reports the one it saw.
fn https() -> reqwest::Client {
    reqwest::Client::builder()
        .tls_danger_accept_invalid_certs(true)
        .tls_info(true)
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap()
}

fn fingerprint_of(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn logged_fingerprint(log: &str) -> String {
    log.lines()
        .find_map(|l| l.split("fingerprint=").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no fingerprint in the log: {log}"))
        .to_owned()
}

/// A stand-in for a built web UI: its real `index.html` head, a script and a nested asset.
fn web_ui(dir: &std::path::Path) -> std::path::PathBuf {
    let ui = dir.join("ui");
    std::fs::create_dir_all(ui.join("assets")).unwrap();
    std::fs::write(
        ui.join("index.html"),
        "<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n  <meta charset=\"utf-8\"/>\n  \
         <title>Antimony</title>\n  <meta http-equiv=\"Content-Security-Policy\" \
         content=\"upgrade-insecure-requests\">\n  <script type=\"module\" \
         src=\"/assets/index-abc.js\"></script>\n</head>\n<body><div id=\"root\"></div></body>\n</html>\n",
    )
    .unwrap();
    std::fs::write(ui.join("assets/index-abc.js"), "console.log('antimony');\n").unwrap();
    ui
}

#[tokio::test]
async fn https_with_a_self_signed_certificate_kept_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--tls-self-signed"], &[]);
    assert!(server.base.starts_with("https://"), "{}", server.base);
    let logged = logged_fingerprint(&server.log());

    let response = https()
        .post(format!("{}/users/login/native", server.base))
        .json(&json!({"username": USER, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let seen = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate())
        .map(fingerprint_of)
        .expect("a certificate");
    assert_eq!(seen, logged, "the logged fingerprint is the certificate's");
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        cookies.iter().all(|c| c.contains("Secure")),
        "cookies are Secure over HTTPS: {cookies:?}"
    );

    // Plain HTTP on the HTTPS port gets no answer.
    let plain = reqwest::Client::new()
        .get(format!("http://{}/users/login/config", server.address))
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await;
    assert!(
        plain.is_err() || !plain.unwrap().status().is_success(),
        "no plain HTTP"
    );
    server.stop();

    // The certificate is kept: clients that pinned it keep working.
    let server = Server::start(dir.path(), &["--tls-self-signed"], &[]);
    assert_eq!(logged_fingerprint(&server.log()), logged);
}

#[tokio::test]
async fn the_web_ui_is_served_same_origin_with_rest_under_api() {
    let dir = tempfile::tempdir().unwrap();
    let ui = web_ui(dir.path());
    let server = Server::start(dir.path(), &["--web-ui", ui.to_str().unwrap()], &[]);
    let http = reqwest::Client::new();
    let get = |path: &str| http.get(format!("{}{path}", server.base)).send();

    // The page, without the upgrade over plain HTTP (the browser would ask for HTTPS).
    for path in ["/", "/index.html", "/labs", "/editor/some-topology"] {
        let response = get(path).await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = response.text().await.unwrap();
        assert!(page.contains("<div id=\"root\">"), "{path}: {page}");
        assert!(
            !page.contains("upgrade-insecure-requests"),
            "{path}: {page}"
        );
        assert!(page.contains("<title>Antimony</title>"));
    }
    let script = get("/assets/index-abc.js").await.unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(script.text().await.unwrap(), "console.log('antimony');\n");
    // Nothing outside the directory.
    for path in [
        "/../security.rs",
        "/assets/../../data/jwt-secret",
        "/%2e%2e/data/jwt-secret",
    ] {
        let response = get(path).await.unwrap();
        let body = response.text().await.unwrap();
        assert!(
            !body.chars().all(|c| c.is_ascii_hexdigit()) || body.is_empty(),
            "{path}"
        );
        assert!(
            body.contains("<div id=\"root\">") || body.is_empty(),
            "{path}: {body}"
        );
    }

    // REST under /api (and no longer at the root, which is the UI's).
    let config = get("/api/users/login/config").await.unwrap();
    assert_eq!(config.status(), 200);
    let body: Value = config.json().await.unwrap();
    assert_eq!(body["payload"]["native"]["enabled"], json!(true));
    let labs = get("/api/labs").await.unwrap();
    assert_eq!(labs.status(), 401);
    assert_eq!(labs.json::<Value>().await.unwrap()["code"], json!(401));
    let unknown = get("/api/nope").await.unwrap();
    assert_eq!(unknown.status(), 404);
    // Socket.IO at /socket.io, same origin.
    let handshake = http
        .get(format!(
            "{}/socket.io/?EIO=4&transport=polling",
            server.base
        ))
        .header("origin", &server.base)
        .send()
        .await
        .unwrap();
    assert_eq!(handshake.status(), 200);
    assert!(handshake.text().await.unwrap().starts_with("0{\"sid\""));
    server.stop();

    // Over HTTPS the page goes out as built.
    let server = Server::start(
        dir.path(),
        &["--web-ui", ui.to_str().unwrap(), "--tls-self-signed"],
        &[],
    );
    let page = https()
        .get(format!("{}/", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("upgrade-insecure-requests"), "{page}");
}

#[test]
fn a_web_ui_directory_without_index_html_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let refused = Server::try_start(dir.path(), &["--web-ui", dir.path().to_str().unwrap()], &[])
        .err()
        .expect("refused");
    assert!(refused.contains("index.html"), "{refused}");
}
