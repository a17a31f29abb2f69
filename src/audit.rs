//! The audit log: a tamper-evident, local record of what every session did, with secrets
//! never written (issue 10; the PCI DSS 10.2 mapping is in docs/AUDIT.md).
//!
//! What it owns: the `[audit]` configuration section ([`AuditSettings`]); redaction
//! ([`redact`]: non-display fields, Luhn-valid card numbers, user rules and screen areas),
//! applied where a record is built, before anything reaches the writer; the record format
//! and the hash chain ([`chain`]: JSON lines, `seq`, `prev` = SHA-256 of the previous line's
//! exact bytes, HMAC checkpoints with a key that evolves per epoch); the one writer per
//! directory slot ([`writer`]: lock, rotation, fsync policy, torn-line recovery, retention,
//! the checkpoint mirror); the verifier ([`verify`]); reading for `r3270 audit show|export`
//! ([`read`]); and the hook the session driver calls ([`sink`]).
//!
//! What it must not do: see a secret. The driver hands it the engine's masked copy of each
//! read reply (`Session::set_masked_copy`), in which non-display input is already replaced;
//! the screen text it records comes from `Session::text_rows`, which blanks non-display
//! fields. It never re-serialises a line it reads: verification hashes the bytes on disk.
//! It needs no tokio: the driver (tokio-free) calls it synchronously, so an AID's record is
//! written before the AID's bytes are handed to the connection (write-ahead).

pub mod chain;
pub mod cli;
pub mod read;
pub mod redact;
pub mod settings;
pub mod sink;
pub mod time;
pub mod verify;
pub mod writer;

pub use settings::{AuditSettings, OnFailure, SyncMode};
pub use sink::{AuditSink, SessionAudit, SharedWriter};
pub use verify::{Damage, Problem, VerifyReport, verify};
pub use writer::{Writer, WriterOptions};

/// An error of the audit log, naming the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid {
        path: std::path::PathBuf,
        message: String,
    },
}

impl AuditError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        AuditError::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn invalid(path: &std::path::Path, message: impl Into<String>) -> Self {
        AuditError::Invalid {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}
