//! Criterion benches of the audit log (docs/PERFORMANCE.md, "Audit log").
//!
//! - `append/group`: records appended per second with `sync = "group"` (each record
//!   written to the OS, fsync at most every 50 ms and at checkpoints), AID-sized records
//!   (~350 bytes a line). Goal: 100,000/s.
//! - `append/each`: the same with `sync = "each"` (fsync per record): the time a record costs
//!   on this machine's disk.
//! - `verify`: `audit verify` over a 32 MB log, in bytes per second. Goal: 300 MB/s.
//! - `aid_write_ahead`: one Enter AID through the session driver to the built-in demo host's
//!   sans-IO side and back (answer included), with and without the audit sink: the
//!   difference is what write-ahead adds to an AID.
//!
//! Logs are written under the system's temporary directory.

#![allow(clippy::expect_used, clippy::panic, clippy::many_single_char_names)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use r3270::audit::verify::{VerifyOptions, verify};
use r3270::audit::{AuditSettings, SharedWriter, SyncMode, Writer, WriterOptions};
use r3270::demo::{HostConfig, HostConnection, LuPool, WallClock};
use r3270::driver::{Connected, Driver, Output};
use r3270::proto::{Aid, Key, TerminalConfig};

const WALL: WallClock = WallClock {
    day: 2,
    month: 3,
    year: 26,
    hour: 4,
    minute: 5,
};

fn base(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("r3270-bench-audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn aid_body(i: u64) -> serde_json::Value {
    serde_json::json!({
        "session": "12345-1-0a1b2c3d",
        "key": "Enter",
        "cursor": {"row": 9, "col": 20},
        "fields": [
            {"row": 8, "col": 20, "text": format!("USER{i:04}")},
            {"row": 9, "col": 20, "hidden": true, "length": 8},
            {"row": 13, "col": 16, "text": "ACCOUNT INQUIRY 00042 BRANCH 7 REGION NORTH-EAST"},
        ],
        "redactions": {},
    })
}

fn append(c: &mut Criterion) {
    let mut g = c.benchmark_group("append");
    g.throughput(Throughput::Elements(1));
    for (name, sync) in [("group", SyncMode::Group), ("each", SyncMode::Each)] {
        let dir = base(name);
        let mut o = WriterOptions::new(&dir.join("log"), &dir.join("keys"));
        o.sync = sync;
        o.keep_days = 0;
        let mut w = Writer::open(o).expect("writer");
        let body = aid_body(1).to_string();
        let mut i = 0u64;
        g.bench_function(name, |b| {
            b.iter(|| {
                i += 1;
                black_box(w.append_json("aid", &body).expect("append"));
            });
        });
        drop(w);
        let _ = std::fs::remove_dir_all(&dir);
    }
    g.finish();
}

fn verify_speed(c: &mut Criterion) {
    let dir = base("verify");
    let mut o = WriterOptions::new(&dir.join("log"), &dir.join("keys"));
    o.sync = SyncMode::Os;
    o.keep_days = 0;
    o.rotate_bytes = 8 * 1024 * 1024;
    let mut w = Writer::open(o.clone()).expect("writer");
    let mut i = 0;
    while w.seq() < 90_000 {
        w.append("aid", &aid_body(i)).expect("append");
        i += 1;
    }
    w.close().expect("close");
    drop(w);
    let opts = VerifyOptions {
        dir: o.dir.clone(),
        archive_dir: None,
        key_dir: o.key_dir.clone(),
    };
    let bytes = verify(&opts).expect("verify").bytes;
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Bytes(bytes));
    g.sample_size(10);
    g.bench_function("log", |b| {
        b.iter(|| {
            let r = verify(&opts).expect("verify");
            assert!(r.problem.is_none());
            black_box(r);
        });
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A driver connected to the demo host in memory, signed on.
struct Rig {
    driver: Driver,
    host: HostConnection,
    now: Instant,
}

impl Rig {
    fn new(audit: Option<&SharedWriter>) -> Rig {
        let now = Instant::now();
        let mut driver = Driver::new(TerminalConfig::default(), 256 * 1024, 512);
        if let Some(w) = audit {
            let sink = w.session(&AuditSettings::default(), None).expect("sink");
            driver.set_audit(Box::new(sink));
        }
        driver.connected(
            now,
            Connected {
                endpoint: "127.0.0.1:3270".into(),
                peer: "127.0.0.1:3270".parse().expect("addr"),
                direct_tls: None,
                connect_time: None,
            },
        );
        let mut rig = Rig {
            driver,
            host: HostConnection::new(HostConfig::default(), LuPool::shared()),
            now,
        };
        rig.pump();
        // Sign on: the benchmark presses Enter on the main menu.
        for k in "demo\tdemo".chars() {
            let key = if k == '\t' { Key::Tab } else { Key::Char(k) };
            rig.driver.key(now, key);
        }
        rig.driver.key(now, Key::Aid(Aid::Enter));
        rig.pump();
        let text = rig.driver.session().text_rows().join("\n");
        assert!(text.contains("Main menu"), "not signed on:\n{text}");
        rig
    }

    fn pump(&mut self) {
        loop {
            let mut moved = false;
            while let Some(o) = self.driver.poll_output() {
                if let Output::Send(b) = o {
                    self.host.handle_input(self.now, WALL, &b);
                    moved = true;
                }
            }
            while self.driver.poll_event().is_some() {}
            while let Some(b) = self.host.poll_transmit() {
                self.driver.input(self.now, &b);
                moved = true;
            }
            while self.host.poll_event().is_some() {}
            if !moved {
                // The engine's unlock delay (x3270's) runs on a virtual clock here.
                match self.driver.poll_timeout() {
                    Some(t) if self.driver.session().is_locked() => {
                        self.now = self.now.max(t);
                        self.driver.timeout(self.now);
                    }
                    _ => break,
                }
            }
        }
    }
}

fn aid_write_ahead(c: &mut Criterion) {
    let dir = base("aid");
    let mut o = WriterOptions::new(&dir.join("log"), &dir.join("keys"));
    o.keep_days = 0;
    let writer = SharedWriter::open(o).expect("writer");
    let mut g = c.benchmark_group("aid_write_ahead");
    for (name, audit) in [("without_audit", None), ("with_audit", Some(&writer))] {
        let mut rig = Rig::new(audit);
        // The host's answer to Enter on the menu, captured once and replayed: every
        // iteration then does the same work (the AID, its record, the answer, the unlock).
        rig.driver.key(rig.now, Key::Aid(Aid::Enter));
        let mut answer = Vec::new();
        while let Some(o) = rig.driver.poll_output() {
            if let Output::Send(b) = o {
                rig.host.handle_input(rig.now, WALL, &b);
            }
        }
        while let Some(b) = rig.host.poll_transmit() {
            answer.extend_from_slice(&b);
        }
        rig.driver.input(rig.now, &answer);
        assert!(!rig.driver.session().is_locked(), "the host did not answer");
        g.bench_function(name, |b| {
            b.iter(|| {
                rig.driver.key(rig.now, Key::Aid(Aid::Enter));
                while let Some(o) = rig.driver.poll_output() {
                    black_box(o);
                }
                rig.driver.input(rig.now, &answer);
                while rig.driver.poll_event().is_some() {}
                while rig.driver.poll_output().is_some() {}
                assert!(!rig.driver.session().is_locked());
            });
        });
    }
    g.finish();
    drop(writer);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, append, verify_speed, aid_write_ahead);
criterion_main!(benches);
