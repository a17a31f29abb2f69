//! TLS settings and the connector built from them (native-tls: OpenSSL on Linux).
//!
//! Verification of the server certificate and of the host name is on unless the user opts
//! out for this one connection (`--insecure`); the OIA then says so. This module builds the
//! connector, watches the first byte the host sends during a handshake ([`Sniffed`]), and
//! classifies handshake failures; the connection task runs the handshake.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use native_tls::{Certificate, Identity, TlsConnector};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::runtime::error::{CertProblem, ConnectionError};

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
    ///
    /// Connectors are shared: one is built per distinct setting (and version of the files it
    /// reads) and cloned for every connection. Each one holds an OpenSSL context with the
    /// system's trust store loaded, most of a megabyte; built per connection, they were
    /// most of what every open tab cost in memory.
    pub fn connector(&self) -> Result<tokio_native_tls::TlsConnector, ConnectionError> {
        static CACHE: OnceLock<Mutex<HashMap<String, tokio_native_tls::TlsConnector>>> =
            OnceLock::new();
        /// Beyond this many different settings the cache starts again (a bound, not a
        /// figure anyone reaches).
        const KEPT: usize = 32;
        let key = self.cache_key();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(c) = cache.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(c);
        }
        let c = self.build_connector()?;
        if let Ok(mut m) = cache.lock() {
            if m.len() >= KEPT {
                m.clear();
            }
            m.insert(key, c.clone());
        }
        Ok(c)
    }

    /// What tells two settings apart: the settings themselves and when the files they
    /// name last changed (an edited CA file gets a new connector).
    fn cache_key(&self) -> String {
        let mtime = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let mut files: Vec<&std::path::Path> = Vec::new();
        if let Some(ca) = &self.ca_file {
            files.push(ca);
        }
        match &self.identity {
            Some(ClientIdentity::Pkcs12 { path, .. }) => files.push(path),
            Some(ClientIdentity::Pem { cert, key }) => {
                files.push(cert);
                files.push(key);
            }
            None => {}
        }
        let times: Vec<_> = files.into_iter().map(mtime).collect();
        format!("{self:?} {times:?}")
    }

    fn build_connector(&self) -> Result<tokio_native_tls::TlsConnector, ConnectionError> {
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

/// Telnet's Interpret As Command byte, which every telnet negotiation starts with.
const IAC: u8 = 0xFF;

/// Whether `b` can start a TLS record from a server: the record content types of RFC 8446
/// section 5.1 / RFC 5246 section 6.2.1 (change_cipher_spec 20 to heartbeat 24). A server
/// answering a ClientHello starts with a handshake (22) or an alert (21) record.
fn starts_tls_record(b: u8) -> bool {
    (20..=24).contains(&b)
}

/// A TCP stream that notes the first byte the host sends, and fails the read at once when
/// that byte cannot start a TLS record.
///
/// Why: a plain TN3270 host answers a ClientHello with telnet negotiation (`IAC DO ...`,
/// three bytes) and then waits for us; OpenSSL waits for the five bytes of a record header
/// that never come, and the user would be told "timed out". Failing on the first byte turns
/// that into an immediate, precise error ([`ConnectionError::NotTls`]). After the first byte
/// the wrapper only passes bytes through.
#[derive(Debug)]
pub struct Sniffed {
    inner: TcpStream,
    first: Arc<OnceLock<u8>>,
}

impl Sniffed {
    /// Wrap `tcp`; the handle reads the first byte once the host has sent one.
    pub fn new(tcp: TcpStream) -> (Self, FirstByte) {
        let first = Arc::new(OnceLock::new());
        (
            Sniffed {
                inner: tcp,
                first: Arc::clone(&first),
            },
            FirstByte(first),
        )
    }
}

/// The first byte a [`Sniffed`] stream received, shared with whoever classifies the
/// handshake's outcome.
#[derive(Clone, Debug)]
pub struct FirstByte(Arc<OnceLock<u8>>);

impl FirstByte {
    pub fn get(&self) -> Option<u8> {
        self.0.get().copied()
    }
}

impl AsyncRead for Sniffed {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if this.first.get().is_none() {
            if let (Poll::Ready(Ok(())), Some(&b)) = (&polled, buf.filled().get(before)) {
                let _ = this.first.set(b);
                if !starts_tls_record(b) {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        "the host's first byte cannot start a TLS record",
                    )));
                }
            }
        }
        polled
    }
}

impl AsyncWrite for Sniffed {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// Where a handshake ran, for the words of its failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handshake {
    /// `L:`: TLS from the first byte, to this port.
    Direct { port: u16 },
    /// After the host's STARTTLS FOLLOWS on a plain connection.
    StartTls,
}

/// Turns a failed handshake into the error the user needs: a host that does not speak TLS
/// at all (`first` is what it sent first), a certificate that did not verify (with
/// OpenSSL's verify result, e.g. "self-signed certificate in certificate chain" or
/// "hostname mismatch", and what kind of problem that is), or any other handshake failure.
pub fn classify_handshake_error(
    host: &str,
    how: Handshake,
    first: Option<u8>,
    e: &impl std::fmt::Display,
) -> ConnectionError {
    if let Some(b) = first.filter(|b| !starts_tls_record(*b)) {
        return match how {
            Handshake::Direct { port } => ConnectionError::NotTls {
                host: host.to_owned(),
                port,
                telnet: b == IAC,
            },
            Handshake::StartTls => ConnectionError::TlsHandshake {
                host: host.to_owned(),
                reason: "after STARTTLS the host sent something that is not TLS".to_owned(),
            },
        };
    }
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
            problem: CertProblem::of(&why),
            reason: why,
            cert: None,
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
    fn connectors_are_shared_per_setting_and_file_version() {
        let dir = std::env::temp_dir().join(format!("r3270-tls-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, "x").unwrap();
        let with_ca = TlsOptions {
            ca_file: Some(ca.clone()),
            ..TlsOptions::default()
        };
        let plain = TlsOptions::default();
        assert_eq!(plain.cache_key(), TlsOptions::default().cache_key());
        assert_ne!(plain.cache_key(), with_ca.cache_key());
        let before = with_ca.cache_key();
        // The CA file rewritten (a newer modification time): a new connector.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&ca)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert_ne!(before, with_ca.cache_key());
        // The same setting twice builds once: both work.
        assert!(plain.connector().is_ok() && plain.connector().is_ok());
    }

    #[test]
    fn pem_blocks_split_a_bundle() {
        let pem = "junk\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
                   -----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n";
        let blocks = pem_blocks(pem.as_bytes(), "CERTIFICATE");
        assert_eq!(blocks.len(), 2);
        assert!(blocks[1].contains("BBB"));
    }

    #[test]
    fn a_telnet_answer_to_a_client_hello_is_not_tls() {
        let e = classify_handshake_error(
            "mvs",
            Handshake::Direct { port: 3270 },
            Some(IAC),
            &"unexpected EOF",
        );
        assert!(
            matches!(e, ConnectionError::NotTls { ref host, port: 3270, telnet: true } if host == "mvs"),
            "{e:?}"
        );
        // Any other byte that cannot start a TLS record (an SSH banner, say).
        let e = classify_handshake_error("mvs", Handshake::Direct { port: 22 }, Some(b'S'), &"");
        assert!(
            matches!(e, ConnectionError::NotTls { telnet: false, .. }),
            "{e:?}"
        );
        // After STARTTLS there is no `L:` to drop: a plain handshake failure.
        let e = classify_handshake_error("mvs", Handshake::StartTls, Some(IAC), &"");
        assert!(matches!(e, ConnectionError::TlsHandshake { .. }), "{e:?}");
        // A TLS alert or handshake record is left to OpenSSL's own words.
        for first in [Some(21), Some(22), None] {
            let e = classify_handshake_error(
                "mvs",
                Handshake::Direct { port: 992 },
                first,
                &"sslv3 alert handshake failure",
            );
            assert!(matches!(e, ConnectionError::TlsHandshake { .. }), "{e:?}");
        }
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
