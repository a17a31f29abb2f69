//! The TUI's views: ratatui drawing functions that borrow state and never mutate it.
//!
//! Each submodule draws one thing from data it is handed: [`screen`] the 3270 presentation
//! space, [`oia`] the status line, [`tabs`] the tab bar, [`overlay`] the help, palette,
//! picker, confirmation and message popups, [`monitor`] the session monitor's table and
//! detail. [`failure`] words connection failures for the OIA and the status line. [`text`]
//! holds the pure helpers over a
//! [`Screen`](crate::proto::Screen) the app needs for mouse and clipboard (selection text,
//! PF-key hotspots) and has no ratatui dependency.
//!
//! Views must not own or change application state, start I/O, read the clock or decide what
//! a key does: the app (`App` and its event loop) does that and calls these functions with
//! the state to show. Anything a view needs to know (blink phase, pan offset, focus) comes
//! in as a parameter.

pub mod audit;
pub mod failure;
pub mod monitor;
pub mod oia;
pub mod overlay;
pub mod screen;
pub mod tabs;
pub mod text;

#[cfg(test)]
mod tests;
