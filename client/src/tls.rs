//! How a server's TLS certificate is trusted: the system roots, a CA file, or one pinned
//! certificate (the official Antimony deployment ships a self-signed one).
//!
//! REST (reqwest) and Socket.IO (rust_socketio over tokio-tungstenite) both use the same
//! `native_tls` connector, so a server trusted for one is trusted for the other. A pinned
//! certificate is the connector's only trust anchor (built-in roots off, host names not
//! checked, since self-signed certificates rarely name the host); REST additionally compares
//! the SHA-256 fingerprint of the certificate the server presented on every response.
//!
//! A certificate is pinned only after the user confirmed its fingerprint: [`probe`] fetches
//! it without trusting it, the caller shows [`PeerCertificate::fingerprint`] and asks.

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// How a server's certificate is trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "camelCase")]
pub enum Trust {
    /// The operating system's root certificates.
    #[default]
    System,
    /// Certificates signed by the CA in this PEM file (and the system roots).
    CaFile {
        /// The PEM file.
        path: PathBuf,
    },
    /// Exactly this certificate, confirmed by the user.
    Pinned {
        /// The SHA-256 fingerprint the user confirmed (`AB:CD:…`).
        fingerprint: String,
        /// The certificate (PEM). Public, not a secret.
        certificate: String,
    },
}

impl Trust {
    /// True for the default (system roots).
    pub fn is_system(&self) -> bool {
        matches!(self, Trust::System)
    }

    /// The pinned fingerprint, if one is pinned.
    pub fn pinned_fingerprint(&self) -> Option<&str> {
        match self {
            Trust::Pinned { fingerprint, .. } => Some(fingerprint),
            _ => None,
        }
    }

    /// The connector REST and Socket.IO use for this server.
    pub fn connector(&self) -> Result<native_tls::TlsConnector> {
        let mut builder = native_tls::TlsConnector::builder();
        match self {
            Trust::System => {}
            Trust::CaFile { path } => {
                let pem = std::fs::read(path).map_err(|source| Error::Io {
                    context: format!("reading the CA file {}", path.display()),
                    source,
                })?;
                let ca = native_tls::Certificate::from_pem(&pem).map_err(|e| {
                    Error::Profile(format!("{} holds no PEM certificate: {e}", path.display()))
                })?;
                builder.add_root_certificate(ca);
            }
            Trust::Pinned {
                fingerprint,
                certificate,
            } => {
                let der = pem_to_der(certificate)?;
                if &fingerprint_of(&der) != fingerprint {
                    return Err(Error::Profile(
                        "the pinned certificate does not match its fingerprint".into(),
                    ));
                }
                let cert = native_tls::Certificate::from_der(&der)
                    .map_err(|e| Error::Profile(format!("the pinned certificate: {e}")))?;
                builder
                    .add_root_certificate(cert)
                    .disable_built_in_roots(true)
                    .danger_accept_invalid_hostnames(true);
            }
        }
        builder
            .build()
            .map_err(|e| Error::Profile(format!("TLS set-up: {e}")))
    }
}

/// The SHA-256 fingerprint of a DER certificate, as browsers show it: `AB:CD:…` (32 pairs).
pub fn fingerprint_of(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let mut text = String::with_capacity(digest.len() * 3);
    for (i, byte) in digest.iter().enumerate() {
        if i > 0 {
            text.push(':');
        }
        text.push_str(&format!("{byte:02X}"));
    }
    text
}

/// Normalises a fingerprint the user typed (any case, with or without colons or a `SHA256:`
/// prefix) to the form of [`fingerprint_of`]; `None` if it is not 32 hex bytes.
pub fn normalise_fingerprint(text: &str) -> Option<String> {
    let text = text.trim();
    let text = text
        .strip_prefix("SHA256:")
        .or_else(|| text.strip_prefix("sha256:"))
        .unwrap_or(text);
    let hex: String = text
        .chars()
        .filter(|c| !matches!(c, ':' | ' '))
        .collect::<String>()
        .to_ascii_uppercase();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let pairs: Vec<&str> = (0..32).filter_map(|i| hex.get(i * 2..i * 2 + 2)).collect();
    Some(pairs.join(":"))
}

/// DER to PEM.
pub fn der_to_pem(der: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in encoded.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(chunk));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// The first certificate of a PEM text, as DER.
pub fn pem_to_der(pem: &str) -> Result<Vec<u8>> {
    let body: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END CERTIFICATE-----"))
        .map(str::trim)
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .ok()
        .filter(|der| !der.is_empty())
        .ok_or_else(|| Error::Profile("not a PEM certificate".into()))
}

/// The certificate a server presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerCertificate {
    /// The certificate (DER).
    pub der: Vec<u8>,
    /// Its SHA-256 fingerprint (`AB:CD:…`).
    pub fingerprint: String,
}

impl PeerCertificate {
    /// The trust that pins this certificate (only after the user confirmed the fingerprint).
    pub fn pin(&self) -> Trust {
        Trust::Pinned {
            fingerprint: self.fingerprint.clone(),
            certificate: der_to_pem(&self.der),
        }
    }
}

/// Fetches the certificate an `https://` origin presents, without trusting it, so the user
/// can be shown its fingerprint.
pub async fn probe(origin: &str) -> Result<PeerCertificate> {
    let url = reqwest::Url::parse(origin)
        .map_err(|e| Error::Profile(format!("{origin:?} is not a URL: {e}")))?;
    let unreachable = |reason: String| Error::Unreachable {
        server: origin.to_owned(),
        reason,
    };
    if url.scheme() != "https" {
        return Err(Error::Profile(format!("{origin} does not use TLS")));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Error::Profile(format!("{origin} has no host")))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let connector = native_tls::TlsConnector::builder()
        .danger_accept_invalid_certs(true)
        .danger_accept_invalid_hostnames(true)
        .build()
        .map_err(|e| Error::Profile(format!("TLS set-up: {e}")))?;
    let connector = tokio_native_tls::TlsConnector::from(connector);
    let handshake = async {
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        connector
            .connect(&host, tcp)
            .await
            .map_err(|e| unreachable(format!("TLS handshake: {e}")))
    };
    let stream = tokio::time::timeout(Duration::from_secs(10), handshake)
        .await
        .map_err(|_| unreachable("no TLS handshake within 10 s".into()))??;
    let certificate = stream
        .get_ref()
        .peer_certificate()
        .map_err(|e| unreachable(format!("reading the certificate: {e}")))?
        .ok_or_else(|| unreachable("the server presented no certificate".into()))?;
    let der = certificate
        .to_der()
        .map_err(|e| unreachable(format!("reading the certificate: {e}")))?;
    Ok(PeerCertificate {
        fingerprint: fingerprint_of(&der),
        der,
    })
}

/// True if a transport error (or one of its causes) says the certificate was not trusted.
pub(crate) fn is_certificate_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if text.contains("certificate verify failed")
            || text.contains("self-signed certificate")
            || text.contains("self signed certificate")
            || text.contains("unable to get local issuer certificate")
        {
            return true;
        }
        current = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_look_like_the_browsers_and_normalise() {
        let fp = fingerprint_of(b"abc");
        assert_eq!(
            fp,
            "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD"
        );
        assert_eq!(normalise_fingerprint(&fp).as_deref(), Some(fp.as_str()));
        let typed = format!("sha256:{}", fp.replace(':', "").to_lowercase());
        assert_eq!(normalise_fingerprint(&typed).as_deref(), Some(fp.as_str()));
        assert_eq!(normalise_fingerprint("AB:CD"), None);
        assert_eq!(normalise_fingerprint(&fp.replace("BA", "ZZ")), None);
    }

    #[test]
    fn pem_round_trips_and_pins_check_their_fingerprint() {
        let der: Vec<u8> = (0..=255).cycle().take(700).collect();
        let pem = der_to_pem(&der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(pem_to_der(&pem).unwrap(), der);
        assert!(pem_to_der("nothing").is_err());
        let tampered = Trust::Pinned {
            fingerprint: fingerprint_of(b"other"),
            certificate: pem,
        };
        assert!(
            tampered.connector().is_err(),
            "a pin must match its certificate"
        );
    }

    #[test]
    fn trust_is_stored_as_a_tagged_table() {
        #[derive(Serialize, Deserialize)]
        struct Holder {
            tls: Trust,
        }
        let holder = Holder {
            tls: Trust::CaFile {
                path: "/etc/ca.pem".into(),
            },
        };
        let text = toml::to_string(&holder).unwrap();
        assert!(text.contains("mode = \"caFile\""), "{text}");
        let back: Holder = toml::from_str(&text).unwrap();
        assert_eq!(back.tls, holder.tls);
    }
}
