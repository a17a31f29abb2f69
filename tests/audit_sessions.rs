//! The audit log in real sessions of the built binary (`r3270 screen`) against
//! mainframe-mocker and r3270's demo host: the records are there, a planted password and a
//! Luhn-valid card number are nowhere on disk (every file r3270 wrote is scanned, the audit
//! log, its keys, the logs and a trace), and `audit verify` passes; two processes writing
//! at once; and `kill -9` in the middle of a run of AIDs loses none the host received
//! (counted from mainframe-mocker's own log).

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A temporary home for r3270: config, data, state; the audit log and its keys in it.
struct Home {
    base: PathBuf,
    config: PathBuf,
}

fn home(name: &str, extra: &str) -> Home {
    let base = common::temp_dir(name);
    let config = base.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[audit]\ndir = \"{}\"\nkey-dir = \"{}\"\n{extra}",
            base.join("audit").display(),
            base.join("keys").display()
        ),
    )
    .unwrap();
    Home { base, config }
}

impl Home {
    fn cmd(&self) -> Command {
        let h = self.base.join("home");
        let mut c = Command::new(env!("CARGO_BIN_EXE_r3270"));
        c.env("HOME", &h)
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_DATA_HOME", h.join("data"))
            .env("XDG_STATE_HOME", h.join("state"))
            .env("XDG_CACHE_HOME", h.join("cache"))
            .env_remove("R3270_CONFIG")
            .env_remove("R3270_LOG")
            .arg("--config")
            .arg(&self.config)
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{err}");
        out
    }

    fn verify(&self) -> (Option<i32>, String) {
        let out = self.run(&["audit", "verify"]);
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// The records of one kind, parsed.
    fn records(&self, kind: &str) -> Vec<serde_json::Value> {
        let out = self.run(&["audit", "show", "--json", "--kind", kind]);
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// A password nobody else types (letters from the process id and a counter).
fn unique_password() -> String {
    let mut n = u64::from(std::process::id()) * 7919 + common::unique() + 17;
    (0..7)
        .map(|_| {
            let c = char::from(b'A' + u8::try_from(n % 26).unwrap());
            n /= 26;
            c
        })
        .collect::<String>()
        .replace(['D', 'E', 'M', 'O'], "X")
}

/// A Luhn-valid 16-digit card number nobody else types.
fn unique_card() -> String {
    let n = u64::from(std::process::id()) * 1000 + common::unique();
    let body = format!("4{:014}", n % 100_000_000_000_000);
    let digits: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
    // The check digit makes the whole number's Luhn sum a multiple of ten.
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let v = d * 2;
                if v > 9 { v - 9 } else { v }
            } else {
                d
            }
        })
        .sum();
    let card = format!("{body}{}", (10 - sum % 10) % 10);
    assert!(r3270::audit::redact::luhn(
        &card.bytes().map(|b| b - b'0').collect::<Vec<_>>()
    ));
    card
}

fn ebcdic_hex(s: &str) -> String {
    s.chars()
        .map(|c| r3270::proto::CodePage::default().from_unicode(c).unwrap())
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .concat()
}

/// Every file under `dir` (gzip archives decompressed), as (path, bytes).
fn every_file(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            every_file(&p, out);
        } else {
            let mut bytes = std::fs::read(&p).unwrap();
            if p.extension().is_some_and(|x| x == "gz") {
                use std::io::Read;
                let mut d = Vec::new();
                flate2::read::GzDecoder::new(bytes.as_slice())
                    .read_to_end(&mut d)
                    .unwrap();
                bytes = d;
            }
            out.push((p, bytes));
        }
    }
}

/// No file under the home holds any of `secrets` (as text, or as EBCDIC in hex the way
/// a trace shows bytes). Returns how many files were scanned.
fn assert_nowhere(home: &Home, secrets: &[&str]) -> usize {
    let mut files = Vec::new();
    every_file(&home.base, &mut files);
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes)
            .to_lowercase()
            .replace(' ', "");
        for s in secrets {
            assert!(
                !text.contains(&s.to_lowercase()) && !text.contains(&ebcdic_hex(s)),
                "{s} is in {}",
                path.display()
            );
        }
    }
    files.len()
}

fn check_sign_on_records(home: &Home, card: &str) {
    let aids = home.records("aid");
    // The sign-on: the user id as typed, the password as a marker with the field's length.
    let sign_on = &aids[0];
    let fields = sign_on["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f["text"] == "DEMO"), "{sign_on}");
    let hidden: Vec<_> = fields.iter().filter(|f| f["hidden"] == true).collect();
    assert_eq!(hidden.len(), 1, "{sign_on}");
    assert!(hidden[0]["length"].as_u64().unwrap() > 0);
    assert!(hidden[0].get("text").is_none());
    // The card, first six and last four kept, and the rule counted.
    let masked = format!("{}******{}", &card[..6], &card[12..]);
    let with_card = aids
        .iter()
        .find(|a| a.to_string().contains(&masked))
        .unwrap_or_else(|| panic!("no AID with {masked}: {aids:?}"));
    assert_eq!(with_card["redactions"]["card"], 1, "{with_card}");
    for kind in [
        "session-start",
        "session-end",
        "screen",
        "log-start",
        "checkpoint",
    ] {
        assert!(!home.records(kind).is_empty(), "no {kind} record");
    }
    let start = &home.records("session-start")[0];
    assert!(start["user"].as_str().is_some_and(|u| !u.is_empty()));
    assert!(
        start["endpoint"]
            .as_str()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
}

#[test]
fn mfmock_sign_on_and_greeting_leave_no_secret_on_disk() {
    let Some((_host, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let home = home("audit-mfmock", "");
    let addr = format!("127.0.0.1:{port}");
    let password = unique_password();
    let card = unique_card();
    let trace = home.base.join("session.trc");
    // A wrong password: the host gets it (and refuses it).
    let out = home.run(&[
        "screen",
        "--trace",
        trace.to_str().unwrap(),
        &addr,
        "=DEMO",
        "Tab",
        &format!("={password}"),
        "Enter",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Signed on, the greeting form echoes the card number on the screen.
    let out = home.run(&[
        "screen",
        &addr,
        "=DEMO",
        "Tab",
        "=DEMO",
        "Enter",
        "=1",
        "Enter",
        &format!("={card}"),
        "Enter",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&card),
        "the host did not echo the card"
    );
    let (code, text) = home.verify();
    assert_eq!(code, Some(0), "{text}");
    check_sign_on_records(&home, &card);
    // The echoed greeting is recorded masked.
    let screens = home.records("screen");
    assert!(
        screens.iter().any(|s| s
            .to_string()
            .contains(&format!("HELLO, {}******", &card[..6]))),
        "{screens:?}"
    );
    let scanned = assert_nowhere(&home, &[&password, &card]);
    assert!(scanned >= 5, "only {scanned} files");
}

#[test]
fn demo_host_sign_on_leaves_no_secret_on_disk() {
    let host = common::start_demo(&[]);
    let home = home("audit-demo", "");
    let password = unique_password();
    let card = unique_card();
    let out = home.run(&[
        "screen",
        &host.addr(),
        "=DEMO",
        "Tab",
        &format!("={password}"),
        "Enter",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = home.run(&[
        "screen",
        &host.addr(),
        "=DEMO",
        "Tab",
        "=DEMO",
        "Enter",
        &format!("={card}"),
        "Enter",
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (code, text) = home.verify();
    assert_eq!(code, Some(0), "{text}");
    check_sign_on_records(&home, &card);
    assert_nowhere(&home, &[&password, &card]);
}

#[test]
fn no_audit_and_enabled_false_write_nothing() {
    let host = common::start_demo(&[]);
    let home = home("audit-off", "");
    let out = home.run(&["screen", "--no-audit", &host.addr()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!home.base.join("audit").exists());
    let home = home_with_disabled();
    let out = home.run(&["screen", &host.addr()]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!home.base.join("audit").exists());
}

fn home_with_disabled() -> Home {
    home("audit-disabled", "enabled = false\n")
}

#[test]
fn two_processes_write_at_once_and_both_chains_verify() {
    let host = common::start_demo(&[]);
    let home = home("audit-two", "");
    let steps = ["=DEMO", "Tab", "=DEMO", "Enter", "PF3", "Enter", "PF3"];
    let children: Vec<_> = (0..2)
        .map(|_| {
            home.cmd()
                .arg("screen")
                .arg(host.addr())
                .args(steps)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let guards: Vec<common::Guard> = children
        .into_iter()
        .map(|child| common::Guard {
            child,
            log: PathBuf::new(),
        })
        .collect();
    for mut g in guards {
        let status = g.child.wait().unwrap();
        assert!(status.code().is_some(), "killed? {status:?}");
    }
    let (code, text) = home.verify();
    assert_eq!(code, Some(0), "{text}");
    let starts = home.records("session-start");
    assert_eq!(starts.len(), 2);
    let aids = home.records("aid");
    for s in &starts {
        let id = s["session"].as_str().unwrap();
        let n = aids.iter().filter(|a| a["session"] == id).count();
        assert!(n >= 2, "session {id} has {n} AID records");
    }
    // Each process kept its own chain (slot) unless one finished before the other began.
    let logs = home.records("log-start");
    assert_eq!(logs.len(), 2);
    let slots: Vec<u64> = logs.iter().map(|l| l["slot"].as_u64().unwrap()).collect();
    eprintln!("slots used: {slots:?}");
}

/// How many AIDs mainframe-mocker's log says it received.
fn host_aids(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .chain(
            std::fs::read_to_string(log.with_extension("err"))
                .unwrap_or_default()
                .lines(),
        )
        .filter(|l| l.contains("event=aid "))
        .count()
}

#[test]
fn kill_9_during_aids_loses_no_aid_the_host_received() {
    let Some((host, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let home = home("audit-kill", "");
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec!["screen", addr.as_str(), "=DEMO", "Tab", "=DEMO", "Enter"];
    args.extend(std::iter::repeat_n("Enter", 2000));
    let child = home
        .cmd()
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut guard = common::Guard {
        child,
        log: PathBuf::new(),
    };
    // Kill it once the host has answered a good number of AIDs (not at a set time).
    let give_up = Instant::now() + Duration::from_secs(60);
    while host_aids(&host.log) < 40 {
        assert!(Instant::now() < give_up, "the host never got 40 AIDs");
        assert!(
            guard.child.try_wait().unwrap().is_none(),
            "r3270 ended early"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let pid = guard.child.id().to_string();
    Command::new("kill").args(["-KILL", &pid]).status().unwrap();
    guard.child.wait().unwrap();
    // Let the host log what reached it before the socket closed.
    std::thread::sleep(Duration::from_millis(300));
    let received = host_aids(&host.log);
    // The restart: the next run recovers the log, then verify passes.
    let out = home.run(&["screen", &addr]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let (code, text) = home.verify();
    assert_eq!(code, Some(0), "{text}");
    let recovery = home.records("recovery");
    assert_eq!(recovery.len(), 1, "{recovery:?}");
    assert_eq!(recovery[0]["unclean"], true);
    let first = home.records("session-start")[0]["session"]
        .as_str()
        .unwrap()
        .to_owned();
    let recorded = home
        .records("aid")
        .iter()
        .filter(|a| a["session"] == first.as_str())
        .count();
    eprintln!("host received {received} AIDs; the log has {recorded}");
    assert!(
        recorded >= received,
        "the host received {received} AIDs, the log has {recorded}"
    );
}
