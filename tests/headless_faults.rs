//! `r3270 screen` against hosts that misbehave, each a tiny TCP server on 127.0.0.1 run by
//! the test: nobody listening, a host that hangs up in the middle of a record, one that
//! resets the connection after an AID, one that accepts and says nothing, and ones that
//! send garbage. Every case must end (no hang), never panic, and say what happened in one
//! line on stderr with a non-zero status where the session failed.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use common::{free_port, r3270};

const HANG_GUARD: Duration = Duration::from_secs(60);

const IAC: u8 = 0xFF;
const DO: u8 = 0xFD;
const WILL: u8 = 0xFB;
const SB: u8 = 0xFA;
const SE: u8 = 0xF0;
const EOR: u8 = 0xEF;
const TTYPE: u8 = 24;
const OPT_EOR: u8 = 25;
const BINARY: u8 = 0;

/// A one-connection host: `script` runs on the accepted stream in a thread.
fn host(script: impl FnOnce(TcpStream) + Send + 'static) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            script(stream);
        }
    });
    (port, handle)
}

/// Read whatever the client sends within a short while.
fn drain(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
    }
    got
}

/// Plain TN3270 negotiation (RFC 1576): terminal type, EOR and BINARY both ways.
fn negotiate(s: &mut TcpStream) {
    s.write_all(&[IAC, DO, TTYPE]).unwrap();
    drain(s);
    s.write_all(&[IAC, SB, TTYPE, 1, IAC, SE]).unwrap();
    drain(s);
    s.write_all(&[
        IAC, DO, OPT_EOR, IAC, WILL, OPT_EOR, IAC, DO, BINARY, IAC, WILL, BINARY,
    ])
    .unwrap();
    drain(s);
}

/// Erase/Write, keyboard restore, "HELLO" in a protected field, then IAC EOR.
const HELLO: &[u8] = &[
    0xF5, 0xC2, 0x11, 0x40, 0x40, 0x1D, 0x60, 0xC8, 0xC5, 0xD3, 0xD3, 0xD6, IAC, EOR,
];

/// Wait until the client hangs up.
fn hold(mut s: TcpStream) {
    s.set_read_timeout(None).unwrap();
    let mut buf = [0u8; 4096];
    while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
}

#[test]
fn nobody_listening() {
    let port = free_port();
    let run = r3270(&["screen", &format!("127.0.0.1:{port}")], HANG_GUARD);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("connection to 127.0.0.1:{port} refused")),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn host_closes_mid_record() {
    let (port, h) = host(|mut s| {
        negotiate(&mut s);
        s.write_all(&[0xF5, 0xC2, 0x11, 0x40, 0x40, 0xC1, 0xC2])
            .unwrap();
        drain(&mut s);
    });
    let run = r3270(&["screen", &format!("127.0.0.1:{port}")], HANG_GUARD);
    h.join().unwrap();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "the host closed the connection in the middle of a record (7 bytes of it received) \
             before the first screen"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn host_resets_after_an_aid() {
    let (port, h) = host(|mut s| {
        negotiate(&mut s);
        s.write_all(HELLO).unwrap();
        // Wait for the AID but do not read it: closing with unread data makes the kernel
        // answer with a reset instead of an orderly FIN.
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut one = [0u8; 1];
        let _ = s.peek(&mut one);
        std::thread::sleep(Duration::from_millis(100));
    });
    let run = r3270(
        &[
            "screen",
            "--timeout",
            "20",
            &format!("127.0.0.1:{port}"),
            "Enter",
        ],
        HANG_GUARD,
    );
    h.join().unwrap();
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("the connection was reset by the host"),
        "{}",
        run.stderr
    );
    // What the host drew is still shown.
    assert!(run.stdout.starts_with(" HELLO"), "{}", run.stdout);
}

#[test]
fn silent_host_is_bounded_by_the_timeout() {
    let (port, h) = host(hold);
    let run = r3270(
        &["screen", "--timeout", "2", &format!("127.0.0.1:{port}")],
        HANG_GUARD,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        "r3270: timed out after 2s: the host never finished telnet negotiation"
    );
    h.join().unwrap();
}

/// Deterministic noise (xorshift), with IAC, EOR and SB bytes sprinkled in on purpose.
fn noise(len: usize, mut seed: u32) -> Vec<u8> {
    (0..len)
        .map(|i| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            match i % 29 {
                0 => IAC,
                7 => EOR,
                13 => SB,
                _ => seed.to_le_bytes()[0],
            }
        })
        .collect()
}

#[test]
fn garbage_before_negotiation() {
    let (port, h) = host(|mut s| {
        s.write_all(&noise(4000, 0x1234_5678)).unwrap();
        drain(&mut s);
    });
    let run = r3270(
        &[
            "screen",
            "--timeout",
            "5",
            &format!("127.0.0.1:{port}"),
            "=x",
            "Enter",
        ],
        HANG_GUARD,
    );
    h.join().unwrap();
    assert!(matches!(run.code, Some(0..=3)), "{run:?}");
    assert!(!run.stderr.is_empty(), "a message says what happened");
    for line in run.stderr.lines() {
        assert!(line.starts_with("r3270: "), "{}", run.stderr);
    }
}

#[test]
fn garbage_records_in_3270_mode() {
    let (port, h) = host(|mut s| {
        negotiate(&mut s);
        for seed in 1..40u32 {
            let mut rec = noise(200, seed.wrapping_mul(0x9E37_79B9));
            // Each garbage record is framed, so the engine sees 39 bad records.
            rec.retain(|&b| b != IAC);
            rec.extend_from_slice(&[IAC, EOR]);
            s.write_all(&rec).unwrap();
        }
        s.write_all(HELLO).unwrap();
        hold(s);
    });
    let run = r3270(
        &["screen", "--timeout", "10", &format!("127.0.0.1:{port}")],
        HANG_GUARD,
    );
    h.join().unwrap();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.starts_with(" HELLO"), "{}", run.stdout);
    assert!(
        run.stderr.contains("r3270: host sent bad data: "),
        "{}",
        run.stderr
    );
}
