//! The errors of the connection layer, worded for the person at the terminal.
//!
//! Each variant is one thing a user can act on: a name that does not resolve, a port nobody
//! listens on, a port that does not speak TLS, a certificate that does not verify (and why,
//! in the TLS library's words, with [`CertProblem`] saying what kind of fix fits), a host
//! that hung up or stopped reading. This module only describes failures; it does no I/O.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::runtime::cert_info::CertInfo;
use crate::runtime::host::HostSpecError;

/// Why a connection could not be made, or ended.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("cannot find host `{host}`: {reason}")]
    NameNotFound { host: String, reason: String },
    #[error("connection to {addr} refused (is a TN3270 server listening on that port?)")]
    Refused { addr: SocketAddr },
    #[error("connection to {host}:{port} timed out after {}s", .after.as_secs_f32())]
    ConnectTimeout {
        host: String,
        port: u16,
        after: Duration,
    },
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot read {what} {}: {source}", .path.display())]
    ReadFile {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("TLS setup: {0}")]
    TlsSetup(String),
    /// TCP connected, but the TLS handshake got no answer in time.
    #[error(
        "the TLS handshake with {host}:{port} got no answer within {}s (the TCP connection \
         was made; is it a TLS port?)",
        .after.as_secs_f32()
    )]
    TlsHandshakeTimeout {
        host: String,
        port: u16,
        after: Duration,
    },
    /// What the host sent first cannot start a TLS record: it is not a TLS port. `telnet`
    /// when that was telnet negotiation (IAC), the mark of a plain TN3270 port. The front
    /// end adds how to fix it in its own terms (drop `L:`; a profile's `tls` key).
    #[error(
        "{host} does not speak TLS on port {port}: {}",
        if *.telnet {
            "it answered the TLS handshake with telnet negotiation, as a plain TN3270 port does"
        } else {
            "what it sent first is not TLS"
        }
    )]
    NotTls {
        host: String,
        port: u16,
        telnet: bool,
    },
    /// The front end adds how to fix it in its own terms, by `problem` (`--cafile` for
    /// `r3270 screen`, a profile's `ca-file` in the TUI, for an unknown CA). `cert` has the
    /// certificate's dates and names when they tell the user something (expired, not yet
    /// valid, issued for other names) and could be fetched.
    #[error(
        "the certificate of {host} could not be verified: {reason}{}",
        cert_facts(*.problem, .host, .cert.as_deref())
    )]
    CertificateVerification {
        host: String,
        reason: String,
        problem: CertProblem,
        cert: Option<Box<CertInfo>>,
    },
    #[error("TLS handshake with {host} failed: {reason}")]
    TlsHandshake { host: String, reason: String },
    #[error("the host asked for STARTTLS on a connection that is already encrypted")]
    AlreadyTls,
    #[error("the host closed the connection")]
    HostClosed,
    #[error(
        "the host closed the connection in the middle of a record ({bytes} bytes of it received)"
    )]
    ClosedMidRecord { bytes: usize },
    #[error("the connection was reset by the host{}", if *.mid_record { " in the middle of a record" } else { "" })]
    Reset { mid_record: bool },
    #[error(
        "the host sent a record larger than the limit of {limit} bytes \
         (limits.max-record-bytes); disconnected"
    )]
    RecordTooLarge { limit: usize },
    /// The outbound budget ran out: the host asks (Read Partition Query, Read Buffer) faster
    /// than it reads the answers, or has stopped reading altogether.
    #[error("the host is not reading what we send ({waiting} bytes waiting); disconnected")]
    HostNotReading { waiting: usize },
    /// A write made no progress for the write timeout.
    #[error(
        "the host is not reading what we send: nothing was taken for {}s ({waiting} bytes \
         waiting); disconnected",
        .after.as_secs_f32()
    )]
    WriteStalled { after: Duration, waiting: usize },
    /// An orderly close did not finish within its grace period, so the connection was
    /// dropped where it stood.
    #[error(
        "the host is not reading what we send: the close did not finish within {}s \
         ({waiting} bytes waiting); dropped the connection",
        .after.as_secs_f32()
    )]
    CloseTimedOut { after: Duration, waiting: usize },
    #[error("connection error: {0}")]
    Io(#[source] std::io::Error),
    #[error("the connection task ended unexpectedly")]
    TaskGone,
    /// An endpoint that does not parse (a profile's alternate made in code; the config file's
    /// are checked when it loads). The front end says where it came from.
    #[error("{0}")]
    InvalidEndpoint(HostSpecError),
}

/// One endpoint tried, and why it could not be connected. A profile with alternates is tried
/// endpoint by endpoint, so a failure to connect is a list of these, in the order tried.
#[derive(Debug)]
pub struct Attempt {
    /// The endpoint as named: the profile's host (`host:port`, `L:host:992`), or an
    /// alternate as written.
    pub endpoint: String,
    pub error: ConnectionError,
}

/// What kind of certificate failure it was, read from OpenSSL's verify result, so that the
/// advice fits: trusting a CA does not help an expired certificate or the wrong host name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CertProblem {
    /// Signed by no CA we trust (self-signed, or a private CA): `--cafile` / `ca-file`.
    UnknownIssuer,
    /// Past its end date: the host's certificate must be renewed, or our clock is wrong.
    Expired,
    /// Before its start date: almost always a wrong clock, here or where it was issued.
    NotYetValid,
    /// Issued for other names than the one we connected to.
    NameMismatch,
    /// Anything else (revoked, bad signature, unsuitable purpose, ...).
    Other,
}

impl CertProblem {
    /// Classify an OpenSSL verify result text (X509_verify_cert_error_string), the only
    /// form native-tls hands it over in.
    pub fn of(reason: &str) -> Self {
        let r = reason.to_ascii_lowercase();
        if r.contains("has expired") {
            CertProblem::Expired
        } else if r.contains("not yet valid") {
            CertProblem::NotYetValid
        } else if r.contains("hostname mismatch")
            || r.contains("ip address mismatch")
            || r.contains("email address mismatch")
        {
            CertProblem::NameMismatch
        } else if r.contains("self-signed")
            || r.contains("self signed")
            || r.contains("unable to get local issuer")
            || r.contains("unable to get issuer")
            || r.contains("unable to verify the first certificate")
        {
            CertProblem::UnknownIssuer
        } else {
            CertProblem::Other
        }
    }
}

/// What the certificate says about the problem, to follow OpenSSL's verify result: when it
/// was valid, or which names it has and which one we expected.
fn cert_facts(problem: CertProblem, host: &str, cert: Option<&CertInfo>) -> String {
    match (problem, cert) {
        (CertProblem::Expired, Some(c)) => {
            format!(": it was valid from {} to {}", c.not_before, c.not_after)
        }
        (CertProblem::NotYetValid, Some(c)) => {
            format!(": it is valid from {} to {}", c.not_before, c.not_after)
        }
        (CertProblem::NameMismatch, Some(c)) if !c.names.is_empty() => {
            format!(": it names {}, not `{host}`", c.names.join(", "))
        }
        (CertProblem::NameMismatch, _) => format!(": it was not issued for `{host}`"),
        _ => String::new(),
    }
}

impl ConnectionError {
    /// Whether this is the orderly end of a session rather than a failure.
    pub fn is_host_close(&self) -> bool {
        matches!(self, ConnectionError::HostClosed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_verify_results_are_classified() {
        // X509_verify_cert_error_string texts (OpenSSL 3, and 1.1's "self signed").
        for (text, problem) in [
            ("certificate has expired", CertProblem::Expired),
            ("certificate is not yet valid", CertProblem::NotYetValid),
            ("hostname mismatch", CertProblem::NameMismatch),
            ("IP address mismatch", CertProblem::NameMismatch),
            ("self-signed certificate", CertProblem::UnknownIssuer),
            (
                "self signed certificate in certificate chain",
                CertProblem::UnknownIssuer,
            ),
            (
                "unable to get local issuer certificate",
                CertProblem::UnknownIssuer,
            ),
            (
                "unable to verify the first certificate",
                CertProblem::UnknownIssuer,
            ),
            ("certificate revoked", CertProblem::Other),
        ] {
            assert_eq!(CertProblem::of(text), problem, "{text}");
        }
    }

    #[test]
    fn a_name_mismatch_says_which_name_was_expected_even_without_the_certificate() {
        let e = ConnectionError::CertificateVerification {
            host: "mvs".to_owned(),
            reason: "hostname mismatch".to_owned(),
            problem: CertProblem::NameMismatch,
            cert: None,
        };
        assert_eq!(
            e.to_string(),
            "the certificate of mvs could not be verified: hostname mismatch: it was not \
             issued for `mvs`"
        );
    }
}
