//! r3270: a TN3270/TN3270E terminal emulator.
//!
//! The crate is split so that the protocol can be tested without any I/O:
//! - [`proto`] is the sans-IO engine (telnet, TN3270E, the 3270 data stream, screen, keyboard,
//!   OIA). It never touches sockets, clocks or threads and builds with no default features.
//! - [`trace`] reads x3270 trace files.
//! - With the default `tui` feature: [`runtime`] puts sessions on real sockets (tokio, TLS),
//!   [`headless`] is the scriptable `r3270 screen` client, and [`demo`] is the built-in demo
//!   host (`r3270 serve-demo`, `r3270 --demo`); [`limits`] and [`logging`] are the
//!   `[limits]` and `[logging]` sections of the configuration and what applies them; [`ui`]
//!   holds the TUI's views, [`app`] the interactive client's state and logic, and [`tui`] its
//!   terminal and event loop. [`driver`] is the one session driver under every front end,
//!   [`script`] the one script vocabulary and runner, [`script_mode`] r3270 as s3270, and
//!   [`replay`] drives the driver through an x3270 trace, as the golden tests and
//!   `r3270 replay` do. [`config`] loads and validates the TOML configuration, with
//!   its vocabulary: [`action`] (what the operator wants, by name), [`keymap`] (chords to
//!   actions) and [`theme`] (colours). [`suggest`] finds the nearest name for "did you mean".

pub mod proto;
pub mod suggest;
pub mod trace;

#[cfg(feature = "tui")]
pub mod action;
#[cfg(feature = "tui")]
pub mod app;
#[cfg(feature = "tui")]
pub mod audit;
#[cfg(feature = "tui")]
pub mod config;
#[cfg(feature = "tui")]
pub mod demo;
#[cfg(feature = "tui")]
pub mod driver;
#[cfg(feature = "tui")]
pub mod endpoints;
#[cfg(feature = "tui")]
pub mod headless;
#[cfg(feature = "tui")]
pub mod keymap;
#[cfg(feature = "tui")]
pub mod limits;
#[cfg(feature = "tui")]
pub mod logging;
#[cfg(feature = "tui")]
pub mod macros;
#[cfg(feature = "tui")]
pub mod replay;
#[cfg(feature = "tui")]
pub mod runtime;
#[cfg(feature = "tui")]
pub mod script;
#[cfg(feature = "tui")]
pub mod script_mode;
#[cfg(feature = "tui")]
pub mod serve;
#[cfg(feature = "tui")]
pub mod theme;
#[cfg(feature = "tui")]
pub mod tui;
#[cfg(feature = "tui")]
pub mod ui;
