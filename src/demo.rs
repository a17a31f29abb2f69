//! The built-in demo host: a small TN3270/TN3270E server application for trying r3270 (and
//! any other 3270 client) without a mainframe. `docs/DEMO.md` describes its screens and keys.
//!
//! - [`app`]: the application, a per-connection state machine over the screens (sans-IO).
//! - [`paint`]: drawing labels, inputs and messages with the outbound record builder.
//! - [`host`]: the server side of telnet, STARTTLS, TN3270E and TN3270 negotiation, the Query
//!   that sizes `IBM-DYNAMIC` screens, and record framing (sans-IO: bytes in, bytes out).
//! - [`lu`]: the LU names shared by a server's connections.
//! - [`server`]: the tokio layer: listens on 127.0.0.1 only, one task per connection, direct
//!   TLS or STARTTLS with a PEM certificate; `r3270 serve-demo` and `r3270 --demo` use it.
//!
//! Only [`server`] touches sockets and the real-time clock; everything else takes time as an
//! argument so tests drive it on a virtual clock.

pub mod app;
pub mod host;
pub mod lu;
pub mod paint;
pub mod server;

pub use app::{App, WallClock};
pub use host::{HostConfig, HostConnection, HostEvent, HostMode};
pub use lu::LuPool;
pub use server::{DemoServer, ServerOptions, start};
