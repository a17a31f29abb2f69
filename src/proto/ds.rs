//! The 3270 data stream (IBM GA23-0059): commands, orders, structured fields.
//!
//! [`parse`] turns one complete outbound record into commands and orders without copying,
//! [`apply`] executes them on a [`Screen`](super::screen::Screen), [`inbound`] builds what the
//! terminal sends back, [`sf`] parses Write Structured Field payloads and [`query`] builds the
//! Query Reply structured fields.

pub mod apply;
pub mod build;
pub mod inbound;
pub mod parse;
pub mod query;
pub mod sf;

pub use parse::{Command, DsError, Order, Record, Wcc};
