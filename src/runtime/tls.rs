//! TLS settings and the connector built from them (native-tls: OpenSSL on Linux).
//!
//! Verification of the server certificate and of the host name is on unless the user opts
//! out for this one connection (`--insecure`); the OIA then says so. This module builds the
//! connector and classifies handshake failures; the connection task runs the handshake.

use std::path::{Path, PathBuf};

use native_tls::{Certificate, Identity, TlsConnector};

use crate::runtime::error::ConnectionError;

/// A client certificate to present when the server asks for one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientIdentity {
    /// A PKCS#12 archive (certificate, key, chain) and its password.
    Pkcs12 { path: PathBuf, password: String },
    /// A PEM certificate (chain) and a PEM PKCS#8 private key.
    Pem { cert: PathBuf, key: PathBuf },
}

impl ClientIdentity {
    /// The identity a user names: a PEM certificate with its key file, or, without a key
    /// file, a PKCS#12 archive (with its password, empty if none).
    pub fn from_files(cert: PathBuf, key: Option<PathBuf>, password: Option<String>) -> Self {
        match key {
            Some(key) => ClientIdentity::Pem { cert, key },
            None => ClientIdentity::Pkcs12 {
                path: cert,
                password: password.unwrap_or_default(),
            },
        }
    }
}

/// How to run TLS for one connection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// Extra trusted roots: a PEM file with one or more CA certificates.
    pub ca_file: Option<PathBuf>,
    pub identity: Option<ClientIdentity>,
    /// Accept any certificate and host name (the user's explicit opt-out).
    pub insecure: bool,
}

impl TlsOptions {
    /// Whether a successful handshake means the peer was verified.
    pub fn verifies(&self) -> bool {
        !self.insecure
    }

    /// The connector for these settings. Files are read here, so a bad `--cafile` is
    /// reported before any connection is made.
    pub fn connector(&self) -> Result<tokio_native_tls::TlsConnector, ConnectionError> {
        let mut b = TlsConnector::builder();
        if let Some(path) = &self.ca_file {
            let pem = read(path, "CA file")?;
            // A CA file often holds several certificates; native-tls takes them one by one.
            let mut added = 0;
            for block in pem_blocks(&pem, "CERTIFICATE") {
                let cert = Certificate::from_pem(block.as_bytes())
                    .map_err(|e| ConnectionError::TlsSetup(format!("{}: {e}", path.display())))?;
                b.add_root_certificate(cert);
                added += 1;
            }
            if added == 0 {
                return Err(ConnectionError::TlsSetup(format!(
                    "{}: no PEM certificate found",
                    path.display()
                )));
            }
        }
        match &self.identity {
            None => {}
            Some(ClientIdentity::Pkcs12 { path, password }) => {
                let der = read(path, "client certificate")?;
                let id = Identity::from_pkcs12(&der, password)
                    .map_err(|e| ConnectionError::TlsSetup(format!("{}: {e}", path.display())))?;
                b.identity(id);
            }
            Some(ClientIdentity::Pem { cert, key }) => {
                let c = read(cert, "client certificate")?;
                let k = read(key, "client key")?;
                let id = Identity::from_pkcs8(&c, &k).map_err(|e| {
                    ConnectionError::TlsSetup(format!(
                        "{} / {}: {e}",
                        cert.display(),
                        key.display()
                    ))
                })?;
                b.identity(id);
            }
        }
        if self.insecure {
            b.danger_accept_invalid_certs(true);
            b.danger_accept_invalid_hostnames(true);
        }
        let c = b
            .build()
            .map_err(|e| ConnectionError::TlsSetup(e.to_string()))?;
        Ok(tokio_native_tls::TlsConnector::from(c))
    }
}

fn read(path: &Path, what: &'static str) -> Result<Vec<u8>, ConnectionError> {
    std::fs::read(path).map_err(|source| ConnectionError::ReadFile {
        what,
        path: path.to_owned(),
        source,
    })
}

/// The `-----BEGIN label-----` ... `-----END label-----` blocks of a PEM file.
fn pem_blocks(pem: &[u8], label: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(pem);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text.as_ref();
    while let Some(i) = rest.find(&begin) {
        let Some(j) = rest[i..].find(&end) else { break };
        let stop = i + j + end.len();
        out.push(format!("{}\n", &rest[i..stop]));
        rest = &rest[stop..];
    }
    out
}

/// Turns a failed handshake into the error the user needs: a certificate that did not
/// verify (with OpenSSL's verify result, e.g. "self-signed certificate in certificate
/// chain" or "hostname mismatch") or any other handshake failure.
pub fn classify_handshake_error(host: &str, e: &native_tls::Error) -> ConnectionError {
    let reason = e.to_string();
    // native-tls has no typed "verification failed" error; OpenSSL's message says it and
    // native-tls appends the X509 verify result in parentheses.
    if reason.contains("certificate verify failed") {
        let why = reason
            .rsplit_once(" (")
            .and_then(|(_, tail)| tail.strip_suffix(')'))
            .map_or_else(|| reason.clone(), str::to_owned);
        ConnectionError::CertificateVerification {
            host: host.to_owned(),
            reason: why,
        }
    } else {
        ConnectionError::TlsHandshake {
            host: host.to_owned(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_split_a_bundle() {
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
                   -----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n";
        let blocks = pem_blocks(pem.as_bytes(), "CERTIFICATE");
        assert_eq!(blocks.len(), 2);
        assert!(blocks[1].contains("BBB"));
    }

    #[test]
    fn missing_ca_file_is_named() {
        let o = TlsOptions {
            ca_file: Some("/nonexistent/ca.pem".into()),
            ..TlsOptions::default()
        };
        let e = o.connector().err().unwrap().to_string();
        assert!(e.contains("cannot read CA file /nonexistent/ca.pem"), "{e}");
    }
}
