//! The operator information area: what the status line under a 3270 screen shows.
//!
//! The OIA is a model, not a rendering: the TUI draws it, the headless client prints it, the
//! monitor reads it. Lock reasons use the words a 3270 operator knows (`X SYSTEM`, `X (clock)`,
//! `X Protected`, `X NUM`, ...), so help texts and scripts can name them.

use std::fmt;
use std::time::{Duration, Instant};

use crate::proto::addr::Position;

/// The connection's protocol state as the OIA shows it in its first box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// No connection, or telnet negotiation still going on.
    #[default]
    Negotiating,
    /// Line-by-line NVT (the host never entered 3270 mode).
    Nvt,
    /// Plain TN3270 (RFC 1576): the OIA's "4A".
    Tn3270,
    /// TN3270E (RFC 2355) in 3270 mode: "4B".
    Tn3270e,
    /// TN3270E, the SSCP-LU session (before a BIND or after an UNBIND).
    SscpLu,
    /// TN3270E with NVT data from the host.
    Tn3270eNvt,
}

impl Mode {
    /// The short form the OIA shows.
    pub const fn label(self) -> &'static str {
        match self {
            Mode::Negotiating => "--",
            Mode::Nvt | Mode::Tn3270eNvt => "NVT",
            Mode::Tn3270 => "4A",
            Mode::Tn3270e => "4B",
            Mode::SscpLu => "SSCP-LU",
        }
    }

    /// Whether 3270 data (screens, fields, AIDs) is flowing.
    pub const fn is_3270(self) -> bool {
        matches!(self, Mode::Tn3270 | Mode::Tn3270e | Mode::SscpLu)
    }
}

/// An operator error: a key the field rules refused. The keyboard stays locked until Reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperatorError {
    /// Typing into a protected field or onto an attribute position.
    Protected,
    /// A non-numeric character in a numeric field.
    Numeric,
    /// Insert mode with no room left in the field.
    Overflow,
    /// A function not allowed here (e.g. Dup/Field Mark in a numeric field, a key the
    /// current mode does not support).
    MinusFunction,
    /// A character the host code page cannot represent.
    NotInCodePage,
    /// A mandatory-entry field left empty, or a mandatory-fill field left partly filled.
    FieldValidation,
}

impl OperatorError {
    pub const fn label(self) -> &'static str {
        match self {
            OperatorError::Protected => "X Protected",
            OperatorError::Numeric => "X NUM",
            OperatorError::Overflow => "X More",
            OperatorError::MinusFunction => "X -f",
            OperatorError::NotInCodePage => "X ?+",
            OperatorError::FieldValidation => "X Field",
        }
    }
}

/// Why the keyboard is locked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockReason {
    /// Not connected, or not yet in a mode where keys mean anything.
    NotConnected,
    /// An AID was sent and the host has not answered yet: "X (clock)".
    TimeWait,
    /// The host wrote to the screen without restoring the keyboard: "X SYSTEM".
    System,
    /// A key was refused; Reset clears it.
    Operator(OperatorError),
}

impl LockReason {
    pub const fn label(self) -> &'static str {
        match self {
            LockReason::NotConnected => "X Not Connected",
            LockReason::TimeWait => "X (clock)",
            LockReason::System => "X SYSTEM",
            LockReason::Operator(e) => e.label(),
        }
    }
}

impl fmt::Display for LockReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Everything the status line shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Oia {
    pub mode: Mode,
    /// The LU / device name the host assigned (TN3270E CONNECT or the one requested).
    pub lu: Option<String>,
    /// The terminal type the host accepted.
    pub terminal_type: Option<String>,
    /// Set by the runtime once TLS is up; `verified` false means the user opted out.
    pub secure: Option<Secure>,
    pub lock: Option<LockReason>,
    pub insert: bool,
    /// Keys waiting in the type-ahead queue.
    pub typeahead: usize,
    pub cursor: Position,
    /// When the host last sent a record.
    pub last_host_activity: Option<Instant>,
    /// Time from the last AID to the host's unlocking answer.
    pub last_response_time: Option<Duration>,
    /// The host rang the alarm in its last write and nobody has looked yet.
    pub alarm: bool,
}

/// The TLS state of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Secure {
    /// Whether the certificate and host name were verified.
    pub verified: bool,
}
