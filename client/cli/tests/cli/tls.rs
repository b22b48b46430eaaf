//! TLS: a self-signed certificate pinned after its fingerprint is confirmed, and a private
//! CA, for REST and Socket.IO alike. The server sits behind a TLS-terminating proxy (as the
//! official deployment's Traefik), with certificates made by the `openssl` command.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::harness::{run, stack};

fn openssl(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("the openssl command (Debian package openssl)");
    assert!(status.success(), "openssl {args:?}");
}

const EC: [&str; 4] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

/// A self-signed certificate for a name that is not the host (as self-signed ones often are):
/// `(certificate, key)`.
fn self_signed(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let (cert, key) = (format!("{name}.pem"), format!("{name}.key"));
    let mut args = vec!["req", "-x509", "-nodes", "-days", "2"];
    args.extend(EC);
    args.extend([
        "-keyout",
        &key,
        "-out",
        &cert,
        "-subj",
        "/CN=antimony.internal",
    ]);
    openssl(dir, &args);
    (dir.join(cert), dir.join(key))
}

/// A CA and a certificate for 127.0.0.1 it signed: `(ca, certificate, key)`.
fn ca_signed(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mut ca = vec!["req", "-x509", "-nodes", "-days", "2"];
    ca.extend(EC);
    ca.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-subj",
        "/CN=Antimony Test CA",
    ]);
    openssl(dir, &ca);
    let mut request = vec!["req", "-nodes"];
    request.extend(EC);
    request.extend([
        "-keyout",
        "site.key",
        "-out",
        "site.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    openssl(dir, &request);
    std::fs::write(
        dir.join("site.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "site.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-out",
            "site.pem",
            "-extfile",
            "site.ext",
        ],
    );
    (
        dir.join("ca.pem"),
        dir.join("site.pem"),
        dir.join("site.key"),
    )
}

/// The fingerprint openssl itself computes, to check ours against.
fn openssl_fingerprint(cert: &Path) -> String {
    let output = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(cert)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    text.trim().rsplit('=').next().unwrap().to_owned()
}

/// A TLS-terminating proxy to `upstream`; returns its port.
async fn tls_proxy(cert: &Path, key: &Path, upstream: SocketAddr) -> u16 {
    let identity = native_tls::Identity::from_pkcs8(
        &std::fs::read(cert).unwrap(),
        &std::fs::read(key).unwrap(),
    )
    .unwrap();
    let acceptor =
        tokio_native_tls::TlsAcceptor::from(native_tls::TlsAcceptor::new(identity).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_signed_certificate_is_pinned_only_when_confirmed() {
    let stack = stack().await;
    stack.lab("pair").await;
    let upstream: SocketAddr = stack.origin.trim_start_matches("http://").parse().unwrap();
    let certs = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(certs.path(), "self");
    let (other_cert, _) = self_signed(certs.path(), "other");
    let port = tls_proxy(&cert, &key, upstream).await;
    let url = format!("https://127.0.0.1:{port}");
    let expected = openssl_fingerprint(&cert);

    // Nobody to ask (no terminal): refused, with the fingerprint and what to do.
    let asked = run(stack.bare(), &["server", "add", "lab", &url]).await;
    let message = asked.fails(5);
    assert!(message.contains(&expected), "{message}");
    assert!(message.contains("--trust-fingerprint"), "{message}");
    // Another certificate's fingerprint: refused.
    let other = openssl_fingerprint(&other_cert);
    let wrong = run(
        stack.bare(),
        &["server", "add", "lab", &url, "--trust-fingerprint", &other],
    )
    .await;
    assert!(wrong.fails(5).contains("not the one given"));
    let listed = run(stack.bare(), &["server", "list", "--json"]).await;
    assert!(listed.ok().contains("\"servers\":[]"), "nothing was added");

    // The confirmed one (typed in lower case, without colons): pinned.
    let typed = expected.replace(':', "").to_lowercase();
    run(
        stack.bare(),
        &["server", "add", "lab", &url, "--trust-fingerprint", &typed],
    )
    .await
    .ok();
    let profiles = std::fs::read_to_string(stack.dir.path().join("servers.toml")).unwrap();
    assert!(profiles.contains("mode = \"pinned\"") && profiles.contains(&expected));

    // REST and Socket.IO both go through the pinned certificate.
    let mut cli = stack.bare();
    cli.env("ANTIMONY_USER", "admin")
        .env("ANTIMONY_PASSWORD", "s3cret");
    let labs = run(cli, &["labs"]).await;
    assert!(labs.ok().contains("pair"), "{labs:?}");
    let mut cli = stack.bare();
    cli.env("ANTIMONY_USER", "admin")
        .env("ANTIMONY_PASSWORD", "s3cret");
    let deployed = run(cli, &["deploy", "pair"]).await;
    assert!(
        deployed.ok().contains("Deployed pair: running"),
        "{deployed:?}"
    );

    // The same address with another certificate is refused.
    let (swapped_cert, swapped_key) = self_signed(certs.path(), "swapped");
    let swapped_port = tls_proxy(&swapped_cert, &swapped_key, upstream).await;
    let profiles = profiles.replace(&format!(":{port}"), &format!(":{swapped_port}"));
    std::fs::write(stack.dir.path().join("servers.toml"), profiles).unwrap();
    let mut cli = stack.bare();
    cli.env("ANTIMONY_USER", "admin")
        .env("ANTIMONY_PASSWORD", "s3cret");
    let refused = run(cli, &["labs"]).await;
    assert!(refused.fails(5).contains("is not trusted"), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_private_ca_is_trusted_from_its_file() {
    let stack = stack().await;
    stack.lab("pair").await;
    let upstream: SocketAddr = stack.origin.trim_start_matches("http://").parse().unwrap();
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = ca_signed(certs.path());
    let port = tls_proxy(&cert, &key, upstream).await;
    let url = format!("https://127.0.0.1:{port}");

    // The system roots do not know this CA.
    let system = run(stack.bare(), &["server", "add", "plain", &url]).await;
    assert!(system.fails(5).contains("SHA-256 fingerprint"));
    run(
        stack.bare(),
        &[
            "server",
            "add",
            "lab",
            &url,
            "--ca-file",
            ca.to_str().unwrap(),
        ],
    )
    .await
    .ok();
    let mut cli = stack.bare();
    cli.env("ANTIMONY_USER", "admin")
        .env("ANTIMONY_PASSWORD", "s3cret");
    let deployed = run(cli, &["deploy", "-q", "pair"]).await;
    assert!(deployed.ok().contains("Deployed pair"), "{deployed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn antimony_servers_own_https_is_pinned_and_used_for_rest_and_socket_io() {
    let stack = super::harness::stack_https().await;
    stack.lab("pair").await;
    // The certificate the server made and logged the fingerprint of.
    let cert = stack.dir.path().join("data/tls/self-signed.crt");
    let expected = openssl_fingerprint(&cert);
    let asked = run(stack.bare(), &["server", "add", "lab", &stack.origin]).await;
    assert!(asked.fails(5).contains(&expected));
    run(
        stack.bare(),
        &[
            "server",
            "add",
            "lab",
            &stack.origin,
            "--trust-fingerprint",
            &expected,
        ],
    )
    .await
    .ok();
    let mut cli = stack.bare();
    cli.env("ANTIMONY_USER", "admin")
        .env("ANTIMONY_PASSWORD", "s3cret");
    let deployed = run(cli, &["deploy", "pair"]).await;
    assert!(
        deployed.ok().contains("Deployed pair: running"),
        "{deployed:?}"
    );
}
