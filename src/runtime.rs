//! The tokio runtime: connections to hosts (TCP, TLS, STARTTLS), their timers, and a
//! scripted driver for one session.
//!
//! What lives here, and what must not:
//! - [`host`]: the `[L:][N:][LU@]host[:port]` syntax. Parsing only.
//! - [`connection`]: one task per connection that only moves bytes (and runs TLS
//!   handshakes on its own stream); it never sees a `Session`.
//! - [`client`]: [`Client`] owns a `Session` and a [`Connection`] and follows the polling
//!   contract (`docs/ARCHITECTURE.md`); the session is never shared (no `Arc<Mutex<_>>`).
//! - [`tls`]: the native-tls connector and how handshake failures are worded.
//! - [`cert_info`]: the validity dates and names of a certificate, for those words.
//! - [`error`]: [`ConnectionError`], one variant per failure a user can act on.
//!
//! The protocol itself stays in `crate::proto`, which does no I/O: this module is where
//! sockets, clocks and tasks are allowed.

pub mod cert_info;
pub mod client;
pub mod connection;
pub mod error;
pub mod host;
pub mod probe;
pub mod record;
pub mod tls;

#[cfg(test)]
mod tests;

pub use client::{Answer, Client, MAX_SETTLE, QUIET, Wait};
pub use connection::{Command, ConnEvent, ConnectOptions, Connection};
pub use error::{CertProblem, ConnectionError};
pub use host::{HostSpec, HostSpecError};
pub use tls::{ClientIdentity, TlsOptions};
