//! HTTPS (rustls): a certificate and key the operator gives, or a self-signed certificate
//! made once and kept in the data directory (`tls/self-signed.crt` and `.key`, mode 0600). The
//! server logs the certificate's SHA-256 fingerprint at start, in the form the desktop app and
//! the CLI show before pinning it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Where the certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// PEM files: the certificate chain and its private key.
    Files {
        /// The certificate chain (leaf first).
        certificate: PathBuf,
        /// The private key (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
    /// A self-signed certificate kept in the data directory, made on first use for
    /// `localhost`, loopback addresses, the host name and the public host names.
    SelfSigned,
}

/// The directory of the self-signed certificate, in the data directory.
pub const SELF_SIGNED_DIR: &str = "tls";

/// A ready acceptor and the certificate's fingerprint.
#[derive(Clone)]
pub struct Tls {
    pub(crate) acceptor: tokio_rustls::TlsAcceptor,
    /// SHA-256 of the leaf certificate, `AB:CD:…`.
    pub fingerprint: String,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// The SHA-256 fingerprint of a DER certificate: 32 upper-case hex bytes joined by `:`.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

impl Tls {
    /// Loads (or, for [`TlsSource::SelfSigned`], makes once) the certificate.
    pub fn load(source: &TlsSource, data_dir: &Path, names: &[String]) -> Result<Self> {
        let (certificate, key) = match source {
            TlsSource::Files { certificate, key } => (certificate.clone(), key.clone()),
            TlsSource::SelfSigned => self_signed(data_dir, names)?,
        };
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&certificate)
            .and_then(|certs| certs.collect::<Result<_, _>>())
            .map_err(|e| {
                Error::Config(format!(
                    "cannot read the certificate {}: {e}",
                    certificate.display()
                ))
            })?;
        let leaf = chain.first().ok_or_else(|| {
            Error::Config(format!("{} holds no certificate", certificate.display()))
        })?;
        let fingerprint = fingerprint(leaf);
        let key = PrivateKeyDer::from_pem_file(&key).map_err(|e| {
            Error::Config(format!(
                "cannot read the private key {}: {e}",
                key.display()
            ))
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS: {e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                Error::Config(format!("the certificate and key do not go together: {e}"))
            })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            fingerprint,
        })
    }
}

/// The self-signed certificate's files, made first if they do not exist.
fn self_signed(data_dir: &Path, names: &[String]) -> Result<(PathBuf, PathBuf)> {
    let dir = data_dir.join(SELF_SIGNED_DIR);
    let (certificate, key) = (dir.join("self-signed.crt"), dir.join("self-signed.key"));
    if certificate.exists() && key.exists() {
        return Ok((certificate, key));
    }
    let mut subject_names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() {
            subject_names.push(host.to_owned());
        }
    }
    subject_names.extend(names.iter().cloned());
    subject_names.dedup();
    let key_pair =
        rcgen::KeyPair::generate().map_err(|e| Error::Config(format!("cannot make a key: {e}")))?;
    let mut params = rcgen::CertificateParams::new(subject_names)
        .map_err(|e| Error::Config(format!("cannot make a certificate: {e}")))?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "antimony-server");
    // Its own authority, as `openssl req -x509` makes them: clients that pin it use it as the
    // trust anchor, which OpenSSL accepts only from a CA certificate.
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(3650);
    let cert = params
        .self_signed(&key_pair)
        .map_err(|e| Error::Config(format!("cannot sign the certificate: {e}")))?;
    crate::files::create_private_dir(&dir)?;
    // The key first: a certificate without its key would be taken as complete next time.
    for (path, text) in [(&key, key_pair.serialize_pem()), (&certificate, cert.pem())] {
        let temp = crate::files::write_temporary(path, text.as_bytes())?;
        std::fs::rename(&temp, path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            Error::io(format!("writing {}", path.display()), e)
        })?;
    }
    tracing::info!(path = %certificate.display(), "made a self-signed certificate");
    Ok((certificate, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["lab.example.org".to_owned()];
        let first = Tls::load(&TlsSource::SelfSigned, dir.path(), &names).unwrap();
        let again = Tls::load(&TlsSource::SelfSigned, dir.path(), &names).unwrap();
        assert_eq!(first.fingerprint, again.fingerprint, "kept, not made anew");
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        for file in ["self-signed.crt", "self-signed.key"] {
            let mode = std::fs::metadata(dir.path().join("tls").join(file))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{file}");
        }
        // The same files given explicitly load to the same certificate.
        let files = TlsSource::Files {
            certificate: dir.path().join("tls/self-signed.crt"),
            key: dir.path().join("tls/self-signed.key"),
        };
        assert_eq!(
            Tls::load(&files, dir.path(), &[]).unwrap().fingerprint,
            first.fingerprint
        );
    }

    #[test]
    fn unreadable_or_mismatched_files_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = TlsSource::Files {
            certificate: dir.path().join("nope.crt"),
            key: dir.path().join("nope.key"),
        };
        let error = Tls::load(&missing, dir.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("nope.crt"), "{error}");
        // A certificate with another key.
        Tls::load(&TlsSource::SelfSigned, dir.path(), &[]).unwrap();
        let other = rcgen::KeyPair::generate().unwrap();
        std::fs::write(dir.path().join("other.key"), other.serialize_pem()).unwrap();
        let mismatched = TlsSource::Files {
            certificate: dir.path().join("tls/self-signed.crt"),
            key: dir.path().join("other.key"),
        };
        let error = Tls::load(&mismatched, dir.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("do not go together"), "{error}");
    }
}
