//! `r3270 screen` against hosts that misbehave, each a tiny TCP server on 127.0.0.1 run by
//! the test: nobody listening, a host that hangs up in the middle of a record, one that
//! resets the connection after an AID, one that accepts and says nothing, ones that send
//! garbage, one that redraws every 50 ms with the keyboard unlocked, and one that never
//! answers an AID (and counts what reaches it, a witness that is not r3270). Every case
//! must end (no hang), never panic, and say what happened on stderr with a non-zero status
//! where the session failed.

#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

use common::tn3270_host::{BINARY, DO, EOR, IAC, OPT_EOR, SB, SE, TTYPE, WILL};
use common::{free_port, r3270};

const HANG_GUARD: Duration = Duration::from_secs(60);

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

/// A one-connection host whose script returns what it saw.
fn witness<T: Send + 'static>(
    script: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (u16, JoinHandle<Option<T>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || listener.accept().ok().map(|(s, _)| script(s)));
    (port, handle)
}

/// Erase/Write with keyboard restore: `label` in a protected field at 0, an unprotected
/// field with the cursor in it after it, ended by a protected field at 40.
fn form(label: &str) -> Vec<u8> {
    let mut rec = vec![0xF5, 0xC2, 0x11, 0x40, 0x40, 0x1D, 0x60];
    rec.extend(label.bytes().map(|b| match b {
        b'0'..=b'9' => 0xF0 + (b - b'0'),
        _ => 0x40,
    }));
    // SF unprotected, IC, then SBA to 40 (12-bit address code 0x40 0xE8), SF protected.
    rec.extend_from_slice(&[0x1D, 0x40, 0x13, 0x11, 0x40, 0xE8, 0x1D, 0x60, IAC, EOR]);
    rec
}

/// The records a host read: split at IAC EOR (no data byte here is 0xFF).
fn records(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split(|&b| b == EOR)
        .filter_map(|r| r.strip_suffix(&[IAC]))
        .map(<[u8]>::to_vec)
        .collect()
}

/// A host that redraws its screen every 50 ms, each time with the keyboard unlocked, is
/// never quiet for the 200 ms the client would like; the keys must still go on, and no
/// message may call the unlocked keyboard locked.
#[test]
fn host_that_redraws_every_50ms_with_the_keyboard_unlocked() {
    let (port, h) = witness(|mut s| {
        negotiate(&mut s);
        s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let guard = std::time::Instant::now() + HANG_GUARD;
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        for tick in 0u32.. {
            if std::time::Instant::now() > guard
                || s.write_all(&form(&format!("{tick:06}"))).is_err()
            {
                break;
            }
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(_) => break,
            }
        }
        got
    });
    let run = r3270(
        &[
            "screen",
            "--timeout",
            "10",
            &format!("127.0.0.1:{port}"),
            "=7",
            "Enter",
        ],
        HANG_GUARD,
    );
    let got = h.join().unwrap().unwrap();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!run.stderr.contains("locked"), "{}", run.stderr);
    // The screen was printed, and the host got the Enter with what was typed.
    assert!(run.stdout.starts_with(' '), "{}", run.stdout);
    let aids: Vec<Vec<u8>> = records(&got);
    assert_eq!(aids.len(), 1, "{got:02x?}");
    assert_eq!(aids[0].first(), Some(&0x7D), "{got:02x?}");
    assert!(aids[0].ends_with(&[0xF7]), "{got:02x?}");
}

/// Read until the client hangs up (or a generous guard passes), returning what came.
fn read_all(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let guard = std::time::Instant::now() + HANG_GUARD;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while std::time::Instant::now() < guard {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => break,
        }
    }
    got
}

/// A host that never answers an AID: the first Enter is sent and not answered; the keys
/// after it are not sent, and stderr and --json say exactly that. The host counts the
/// records that reach it.
#[test]
fn keys_after_an_unanswered_aid_are_reported_not_sent() {
    let (port, h) = witness(|mut s| {
        negotiate(&mut s);
        s.write_all(&form("NAME")).unwrap();
        read_all(&mut s)
    });
    let run = r3270(
        &[
            "screen",
            "--json",
            "--timeout",
            "2",
            &format!("127.0.0.1:{port}"),
            "=7",
            "Enter",
            "=8",
            "Enter",
        ],
        HANG_GUARD,
    );
    let got = h.join().unwrap().unwrap();
    let recs = records(&got);
    assert_eq!(recs.len(), 1, "one record reached the host: {got:02x?}");
    assert!(
        recs[0].starts_with(&[0x7D]) && recs[0].ends_with(&[0xF7]),
        "{got:02x?}"
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "r3270: the keyboard stayed locked after Enter (X (clock)): no answer within 2s \
             (step 2 was sent)\n"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "r3270: not sent (the keyboard stayed locked after step 2 Enter): step 3 =***, \
             step 4 Enter\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("stayed locked after Enter").count(),
        1,
        "{}",
        run.stderr
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        json["unanswered_aids"],
        serde_json::json!([{"step": 2, "key": "Enter"}])
    );
    assert_eq!(
        json["not_sent"],
        serde_json::json!([{"step": 3, "key": "=***"}, {"step": 4, "key": "Enter"}])
    );
    assert_eq!(
        json["not_sent_reason"],
        "the keyboard stayed locked after step 2 Enter"
    );
}

/// SIGTERM while `screen` waits for an answer: the status a shell gives death by SIGTERM
/// (143), one line saying so, no screen, and the trace so far flushed to its file.
#[test]
fn sigterm_ends_screen_with_143_and_keeps_the_trace() {
    let (got_aid, aid_seen) = std::sync::mpsc::channel();
    let (port, h) = host(move |mut s| {
        negotiate(&mut s);
        s.write_all(&form("NAME")).unwrap();
        // Wait for the AID, tell the test, then never answer.
        s.set_read_timeout(Some(HANG_GUARD)).unwrap();
        let mut one = [0u8; 1];
        if s.peek(&mut one).is_ok() {
            let _ = got_aid.send(());
        }
        hold(s);
    });
    let dir = common::temp_dir("sigterm");
    let trace = dir.join("session.trc");
    let mut child = common::r3270_command()
        .args([
            "screen",
            "--trace",
            trace.to_str().unwrap(),
            "--timeout",
            "60",
            &format!("127.0.0.1:{port}"),
            "=7",
            "Enter",
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    aid_seen.recv_timeout(HANG_GUARD).unwrap();
    let pid = child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = std::time::Instant::now() + HANG_GUARD;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "r3270 ignored SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = child.wait_with_output().unwrap();
    h.join().unwrap();
    assert_eq!(status.code(), Some(143), "{status:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "r3270: stopped by SIGTERM\n"
    );
    let text = std::fs::read_to_string(&trace).unwrap();
    let parsed = r3270::trace::Trace::parse(&text).unwrap();
    assert!(parsed.header.command.is_some(), "{text}");
    let client: Vec<u8> = parsed.client_bytes().flatten().copied().collect();
    assert!(
        client.windows(2).any(|w| w == [0x7D, 0x40]),
        "the AID is in the trace:\n{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
