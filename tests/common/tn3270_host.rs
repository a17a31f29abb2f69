//! The telnet bytes and the negotiation that the misbehaving hosts written in tests share:
//! a tokio host negotiates plain TN3270 (RFC 1576) and draws a small screen, then misbehaves
//! in its own way (an endless record, a query flood, ...).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const IAC: u8 = 0xFF;
pub const DO: u8 = 0xFD;
pub const WILL: u8 = 0xFB;
pub const SB: u8 = 0xFA;
pub const SE: u8 = 0xF0;
pub const EOR: u8 = 0xEF;
pub const TTYPE: u8 = 24;
pub const OPT_EOR: u8 = 25;
pub const BINARY: u8 = 0;

/// Erase/Write, keyboard restore, "HELLO" in a protected field, IAC EOR.
pub const HELLO: &[u8] = &[
    0xF5, 0xC2, 0x11, 0x40, 0x40, 0x1D, 0x60, 0xC8, 0xC5, 0xD3, 0xD3, 0xD6, IAC, EOR,
];

/// Read what the client sends within a short while (negotiation replies).
pub async fn drain(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(200), s.read(&mut buf)).await {
        if n == 0 {
            break;
        }
    }
}

/// Plain TN3270 negotiation (RFC 1576): terminal type, EOR and BINARY both ways.
pub async fn negotiate(s: &mut TcpStream) {
    s.write_all(&[IAC, DO, TTYPE]).await.unwrap();
    drain(s).await;
    s.write_all(&[IAC, SB, TTYPE, 1, IAC, SE]).await.unwrap();
    drain(s).await;
    s.write_all(&[
        IAC, DO, OPT_EOR, IAC, WILL, OPT_EOR, IAC, DO, BINARY, IAC, WILL, BINARY,
    ])
    .await
    .unwrap();
    drain(s).await;
}
