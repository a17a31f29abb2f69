//! The errors of the connection layer, worded for the person at the terminal.
//!
//! Each variant is one thing a user can act on: a name that does not resolve, a port nobody
//! listens on, a port that does not speak TLS, a certificate that does not verify (and why,
//! in the TLS library's words), a host that hung up or stopped reading. This module only describes failures; it does no I/O.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// The front end adds how to fix it in its own terms (`--cafile` for `r3270 screen`, a
    /// profile's `ca-file` in the TUI).
    #[error("the certificate of {host} could not be verified: {reason}")]
    CertificateVerification { host: String, reason: String },
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
}

impl ConnectionError {
    /// Whether this is the orderly end of a session rather than a failure.
    pub fn is_host_close(&self) -> bool {
        matches!(self, ConnectionError::HostClosed)
    }
}
