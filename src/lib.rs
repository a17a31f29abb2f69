//! r3270: a TN3270/TN3270E terminal emulator.
//!
//! The crate is split so that the protocol can be tested without any I/O:
//! - [`proto`] is the sans-IO engine (telnet, TN3270E, the 3270 data stream, screen, keyboard,
//!   OIA). It never touches sockets, clocks or threads and builds with no default features.
//! - [`trace`] reads x3270 trace files, and [`replay`] drives a [`proto::Session`] through one,
//!   as the golden tests and `r3270 replay` do.

pub mod proto;
pub mod replay;
pub mod trace;
