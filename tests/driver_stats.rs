//! The session's statistics, as `r3270 screen --json` prints them, against a witness that
//! is not r3270: a TCP relay in the test, between r3270 and mainframe-mocker, counts every
//! byte and every telnet end-of-record mark in each direction. After a sign-on (one Enter),
//! r3270's counts must equal the relay's, both ways.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// What crossed the relay in one direction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Flow {
    bytes: u64,
    records: u64,
}

/// Counts IAC EOR marks in a telnet stream (IAC IAC is a data byte; a sub-negotiation's
/// bytes are skipped), fed in any chunking.
#[derive(Default)]
struct EorCounter {
    iac: bool,
    in_sb: bool,
    sb_iac: bool,
    option_next: bool,
    records: u64,
}

impl EorCounter {
    fn feed(&mut self, bytes: &[u8]) {
        const IAC: u8 = 0xFF;
        for &b in bytes {
            if self.in_sb {
                if self.sb_iac {
                    self.sb_iac = false;
                    self.in_sb = b != 0xF0;
                } else {
                    self.sb_iac = b == IAC;
                }
            } else if self.option_next {
                self.option_next = false;
            } else if self.iac {
                self.iac = false;
                match b {
                    0xEF => self.records += 1,
                    0xFA => self.in_sb = true,
                    0xFB..=0xFE => self.option_next = true,
                    _ => {}
                }
            } else if b == IAC {
                self.iac = true;
            }
        }
    }
}

/// Copy `from` to `to` until `from` ends, counting; then pass the end on.
fn pump(mut from: TcpStream, mut to: TcpStream, done: &mpsc::Sender<Flow>) {
    let mut counter = EorCounter::default();
    let mut bytes = 0u64;
    let mut buf = [0u8; 8192];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                bytes += n as u64;
                counter.feed(&buf[..n]);
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = done.send(Flow {
        bytes,
        records: counter.records,
    });
}

/// A relay on a free port to `127.0.0.1:host_port` for one connection. Returns the port and
/// a receiver of the two flows, (host to client, client to host), once both have ended.
fn relay(host_port: u16) -> (u16, mpsc::Receiver<(Flow, Flow)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (client, _) = listener.accept().unwrap();
        let host = TcpStream::connect(("127.0.0.1", host_port)).unwrap();
        let (down_tx, down_rx) = mpsc::channel();
        let (up_tx, up_rx) = mpsc::channel();
        let (c2, h2) = (client.try_clone().unwrap(), host.try_clone().unwrap());
        thread::spawn(move || pump(host, client, &down_tx));
        thread::spawn(move || pump(c2, h2, &up_tx));
        let down = down_rx.recv().unwrap();
        let up = up_rx.recv().unwrap();
        let _ = tx.send((down, up));
    });
    (port, rx)
}

#[test]
fn json_statistics_equal_what_a_relay_counted_both_ways() {
    let Some((_mfmock, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let (relay_port, flows) = relay(port);
    let target = format!("127.0.0.1:{relay_port}");
    let run = common::r3270(
        &[
            "screen", "--json", "--model", "2", &target, "=DEMO", "Tab", "=DEMO", "Enter",
        ],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(0), "{run:?}");
    let (down, up) = flows
        .recv_timeout(Duration::from_secs(30))
        .expect("the relay saw both directions end");
    let json: serde_json::Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let stats = &json["stats"];
    let screen = json["screen"].to_string();
    assert!(screen.contains("SELECTION"), "signed on: {screen}");
    // Bytes and records, both ways, as the relay counted them.
    assert_eq!(stats["bytes_in"], down.bytes, "{stats}");
    assert_eq!(stats["bytes_out"], up.bytes, "{stats}");
    assert_eq!(stats["records_in"], down.records, "{stats}");
    assert_eq!(stats["records_out"], up.records, "{stats}");
    assert!(down.records >= 2 && up.records >= 2, "{down:?} {up:?}");
    // One Enter, one answer, in a bucket of its own time.
    assert_eq!(stats["aids"], serde_json::json!({ "enter": 1 }), "{stats}");
    assert_eq!(stats["response"]["count"], 1, "{stats}");
    let last = stats["response"]["last_ms"].as_f64().unwrap();
    assert!(last > 0.0, "{stats}");
    let counted: u64 = stats["response"]["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .sum();
    assert_eq!(counted, 1, "{stats}");
    // The connection's facts.
    assert_eq!(stats["endpoint"], target, "{stats}");
    assert_eq!(stats["mode"], "TN3270E", "{stats}");
    assert_eq!(
        stats["lu"].as_str().map(|l| l.starts_with("DEMO")),
        Some(true)
    );
    assert_eq!(stats["tls"], "none");
    assert_eq!(stats["connections"], 1);
    assert_eq!(stats["host_errors"]["malformed"], 0);
}
