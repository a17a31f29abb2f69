//! LU (device) names for the demo host's connections (RFC 2355 CONNECT, RFC 1646 `TYPE@LU`).
//!
//! One [`LuPool`] is shared by every connection of a server so that no two live connections
//! get the same name; a connection gives its name back when it ends. No I/O, no clock.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// RFC 2355 reason codes for DEVICE-TYPE REJECT.
pub mod reason {
    pub const DEVICE_IN_USE: u8 = 1;
    pub const INV_ASSOCIATE: u8 = 2;
    pub const INV_NAME: u8 = 3;
    pub const INV_DEVICE_TYPE: u8 = 4;
}

/// LU names in use, shared by every connection of one server. Names are handed out as
/// `DEMO0001`, `DEMO0002`, ... skipping any in use; a client may ask for a name of its own.
#[derive(Debug, Default)]
pub struct LuPool {
    in_use: BTreeSet<String>,
    next: u32,
}

impl LuPool {
    pub fn new() -> Self {
        Self::default()
    }

    /// A pool ready to share between connections.
    pub fn shared() -> Arc<Mutex<LuPool>> {
        Arc::new(Mutex::new(LuPool::new()))
    }

    /// Claims `requested` if it is free, or the next counter name.
    pub fn claim(&mut self, requested: Option<&str>) -> Result<String, u8> {
        if let Some(name) = requested {
            let name = name.to_ascii_uppercase();
            let valid = (1..=8).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'@' | b'#' | b'$'));
            if !valid {
                return Err(reason::INV_NAME);
            }
            if !self.in_use.insert(name.clone()) {
                return Err(reason::DEVICE_IN_USE);
            }
            return Ok(name);
        }
        loop {
            self.next = if self.next >= 9999 { 1 } else { self.next + 1 };
            let name = format!("DEMO{:04}", self.next);
            if self.in_use.insert(name.clone()) {
                return Ok(name);
            }
            if self.in_use.len() >= 9999 {
                return Err(reason::DEVICE_IN_USE);
            }
        }
    }

    /// Gives a name back.
    pub fn release(&mut self, name: &str) {
        self.in_use.remove(name);
    }

    /// How many names are in use.
    pub fn len(&self) -> usize {
        self.in_use.len()
    }

    pub fn is_empty(&self) -> bool {
        self.in_use.is_empty()
    }
}
