//! The sans-IO TN3270/TN3270E engine.
//!
//! Bytes from the host go in through [`Session::handle_input`], operator keys through
//! [`Session::handle_key`], time through [`Session::handle_timeout`]; bytes to send come out of
//! [`Session::poll_transmit`] and notifications out of [`Session::poll_event`]. Nothing in this
//! module opens a socket, reads a clock or spawns a thread (see `docs/ARCHITECTURE.md`).
//!
//! Layers, bottom up: [`telnet`] (RFC 854/855/1143 byte stream, records at IAC EOR),
//! [`tn3270e`] (RFC 2355 negotiation and header), [`ds`] (the 3270 data stream, IBM GA23-0059),
//! [`screen`] (cells and fields), [`keyboard`] (operator keys under field rules), [`oia`]
//! (the operator information area), [`codepage`] (EBCDIC <-> Unicode).

#![deny(clippy::disallowed_methods)]

pub mod addr;
pub mod attr;
pub mod codepage;
pub mod ds;
pub mod error;
pub mod ge;
pub mod key;
pub mod keyboard;
pub mod model;
pub mod nvt;
pub mod oia;
pub mod screen;
pub mod session;
pub mod stats;
pub mod telnet;
pub mod tn3270e;

pub use addr::{AddressMode, BufferAddr, Dimensions, Position};
pub use codepage::CodePage;
pub use key::{Aid, Key};
pub use model::{Model, TerminalConfig};
pub use oia::{LockReason, Mode, Oia, OperatorError};
pub use screen::Screen;
pub use session::{Session, SessionEvent};
pub use stats::SessionStats;
