//! What a host can do wrong, as types: the engine reports each with
//! [`SessionEvent::HostError`](crate::proto::SessionEvent::HostError), counts it by
//! [`HostErrorKind`] in the session's statistics, and chooses the TN3270E sense code of the
//! negative response from it.
//!
//! The engine never turns these into sentences for an operator beyond their `Display`
//! (which names the fact, e.g. "order 0x11 at offset 3 is cut short"); what to tell the
//! operator, and whether to hang up, is the front end's business.

use thiserror::Error;

use crate::proto::ds::parse::DsError;
use crate::proto::telnet::TelnetError;
use crate::proto::tn3270e::NegativeCode;

/// Something the host sent that the session could not take as it was. The session kept
/// going in every case: what was applied before the fault stays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum HostError {
    /// A 3270 data-stream record that does not parse (GA23-0059): cut short, a bad buffer
    /// address, an unknown command, a malformed structured field. Applied up to the fault.
    #[error(transparent)]
    DataStream(#[from] DsError),
    /// A telnet rule broken (RFC 854/855): a subnegotiation too long or interrupted.
    #[error(transparent)]
    Telnet(#[from] TelnetError),
    /// A record longer than the configured limit (`limits.max-record-bytes`); dropped whole.
    #[error("the host sent a record larger than the limit of {limit} bytes; dropped")]
    RecordTooLarge { limit: usize },
    /// A record (IAC EOR) before 3270 mode was negotiated; x3270 ignores it too
    /// (b3270/ignore_eor.trc).
    #[error("{bytes}-byte record before 3270 mode was negotiated; ignored")]
    RecordBeforeNegotiation { bytes: usize },
    /// Bytes after STARTTLS FOLLOWS and before the TLS handshake finished: they belong to
    /// neither telnet nor TLS as far as we can tell, so they are dropped.
    #[error("{bytes} bytes arrived before the TLS handshake; ignored")]
    DataBeforeTls { bytes: usize },
    /// A TN3270E record shorter than its 5-byte header (RFC 2355 section 8).
    #[error("TN3270E record of {bytes} bytes has no header")]
    MissingTn3270eHeader { bytes: usize },
}

/// The three kinds of host error, for counting and for monitors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostErrorKind {
    /// The data was malformed (cannot be parsed as what it claims to be).
    Malformed,
    /// The host broke a rule of the protocol's order or limits.
    Violation,
    /// The host asked for something r3270 does not do.
    Unsupported,
}

impl HostErrorKind {
    /// The kind's name, as statistics and metrics label it.
    pub const fn name(self) -> &'static str {
        match self {
            HostErrorKind::Malformed => "malformed",
            HostErrorKind::Violation => "violation",
            HostErrorKind::Unsupported => "unsupported",
        }
    }
}

impl HostError {
    /// Which kind of error this is.
    pub const fn kind(&self) -> HostErrorKind {
        match self {
            HostError::DataStream(DsError::UnknownCommand(_)) => HostErrorKind::Unsupported,
            HostError::DataStream(_) | HostError::MissingTn3270eHeader { .. } => {
                HostErrorKind::Malformed
            }
            HostError::Telnet(_)
            | HostError::RecordTooLarge { .. }
            | HostError::RecordBeforeNegotiation { .. }
            | HostError::DataBeforeTls { .. } => HostErrorKind::Violation,
        }
    }

    /// The sense code of the TN3270E negative response for a 3270-DATA record that failed
    /// this way (RFC 2355 section 10.4), when the host asked for a response.
    ///
    /// x3270 4.1 answers every rejected record with OPERATION-CHECK, an unknown command
    /// included (every malformed-record trace in b3270/ shows `... 02 IAC EOR`, and so does
    /// the one for command 0x7F), and hosts are written against x3270; so do we. A record
    /// whose size or timing was the fault never reaches the point of a response.
    pub const fn sense(&self) -> NegativeCode {
        NegativeCode::OperationCheck
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::telnet::TelnetOption;

    #[test]
    fn each_error_has_a_kind_and_keeps_the_words_of_its_source() {
        let cases = [
            (
                HostError::from(DsError::Truncated {
                    order: 0x11,
                    offset: 3,
                }),
                HostErrorKind::Malformed,
                "order 0x11 at offset 3 is cut short",
            ),
            (
                HostError::from(DsError::UnknownCommand(0x7F)),
                HostErrorKind::Unsupported,
                "unknown command 0x7F",
            ),
            (
                HostError::from(TelnetError::SubnegotiationInterrupted {
                    option: TelnetOption::TN3270E,
                    command: 0xF1,
                }),
                HostErrorKind::Violation,
                "subnegotiation for option TN3270E interrupted by IAC 241, dropped",
            ),
            (
                HostError::RecordTooLarge { limit: 64 },
                HostErrorKind::Violation,
                "the host sent a record larger than the limit of 64 bytes; dropped",
            ),
            (
                HostError::MissingTn3270eHeader { bytes: 3 },
                HostErrorKind::Malformed,
                "TN3270E record of 3 bytes has no header",
            ),
        ];
        for (error, kind, text) in cases {
            assert_eq!(error.kind(), kind, "{error:?}");
            assert_eq!(error.to_string(), text);
            assert_eq!(error.sense(), NegativeCode::OperationCheck);
        }
    }
}
