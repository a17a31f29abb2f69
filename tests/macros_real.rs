//! Macros against real far sides: mainframe-mocker (a TN3270E mock mainframe nobody on the
//! team wrote) and s3270 as the oracle.
//!
//! - `r3270 macro run` signs on with the password from the environment (a `prompt password
//!   secret` step), chooses the guest book and pages it; the final screen equals s3270's for
//!   the same keys.
//! - Through a TCP relay (here, in the test) that holds each host screen back 1-2 s, the
//!   macro still plays right, run after run, where the same keys with fixed half-second
//!   sleeps (what Robot Framework's Mainframe3270 does) go wrong.
//! - A wait that never holds stops the run with the step, what it waited for and the
//!   screen; a host that hangs up mid-macro stops it cleanly; a macro file with a typo gives
//!   FILE:LINE:COL.
//! - No file r3270 wrote (config, macro file, logs, trace) holds the password.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Guard, S3270, mask_clock, start_mfmock};

/// Generous: a hang, not slowness, is what this catches.
const HANG_GUARD: Duration = Duration::from_secs(180);

/// The sign-on and the guest book's second page, as a macro file.
const GUEST_BOOK: &str = r#"# sign on, open the guest book, page forward
timeout = 20
steps = [
    "type \"DEMO\"",
    "tab",
    "prompt password secret",
    "enter",
    "wait text \"MAIN MENU\"",
    "type \"2\"",
    "enter",
    "wait text \"GUEST BOOK\"",
    "send-aid pf8",
]
"#;

/// The same keys for s3270 (every AID followed by `Wait(Unlock)` in [`S3270::aid`]).
const GUEST_BOOK_S3270: &[(&str, bool)] = &[
    ("String(\"DEMO\")", false),
    ("Tab()", false),
    ("String(\"DEMO\")", false),
    ("Enter()", true),
    ("String(\"2\")", false),
    ("Enter()", true),
    ("PF(8)", true),
];

/// A home for one run: config (pointing data and logs inside it) and macro files.
struct Home {
    dir: PathBuf,
    config: PathBuf,
}

fn home(macros: &[(&str, &str)], extra_config: &str) -> Home {
    let dir = common::temp_dir("macro-home");
    let data = dir.join("data");
    std::fs::create_dir_all(data.join("macros")).unwrap();
    for (name, text) in macros {
        std::fs::write(data.join("macros").join(format!("{name}.toml")), text).unwrap();
    }
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[paths]\ndata-dir = {:?}\nlog-dir = {:?}\n{extra_config}",
            data.display().to_string(),
            dir.join("logs").display().to_string()
        ),
    )
    .unwrap();
    Home { dir, config }
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `r3270 --config HOME/config.toml ARGS` with `env` set, HOME inside the test's directory.
fn run(home: &Home, args: &[&str], env: &[(&str, &str)]) -> Out {
    let out = home.dir.join(format!("out-{}", common::unique()));
    let err = out.with_extension("err");
    let mut cmd = common::r3270_command();
    cmd.env("HOME", &home.dir)
        .arg("--config")
        .arg(&home.config)
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut guard = Guard {
        child: cmd.spawn().unwrap(),
        log: out.clone(),
    };
    let deadline = Instant::now() + HANG_GUARD;
    let status = loop {
        if let Some(s) = guard.child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "r3270 {} hung", args.join(" "));
        std::thread::sleep(Duration::from_millis(20));
    };
    let o = Out {
        code: status.code(),
        stdout: std::fs::read_to_string(&out).unwrap(),
        stderr: std::fs::read_to_string(&err).unwrap(),
    };
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&err);
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    o
}

fn rows(text: &str) -> Vec<String> {
    mask_clock(&text.lines().map(str::to_owned).collect::<Vec<_>>())
}

/// s3270's screen after the guest-book keys at `host` (each AID waits for the unlock).
fn s3270_guest_book(host: &str) -> Option<Vec<String>> {
    let mut oracle = S3270::start(&["-model", "3279-2"])?;
    oracle.run(&format!("Connect({host})")).unwrap();
    oracle.run("Wait(30,Unlock)").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    for (action, aid) in GUEST_BOOK_S3270 {
        if *aid {
            oracle.aid(action);
        } else {
            oracle.run(action).unwrap();
        }
    }
    let screen = mask_clock(&oracle.screen());
    let _ = oracle.run("Disconnect()");
    Some(screen)
}

/// The same keys the way scripts with fixed sleeps press them (Robot Framework's
/// Mainframe3270 sleeps 0.5 s after each key): r3270's engine with type-ahead, each AID
/// followed by half a second of serving the connection, then the screen is read.
fn sleepy_guest_book(port: u16) -> Vec<String> {
    use r3270::proto::{Aid, Key, TerminalConfig};
    let mut d = common::Driver::connect(port, TerminalConfig::default());
    assert!(d.wait_ready(), "no first screen through the relay");
    let half = |d: &mut common::Driver| {
        d.pump_until(Duration::from_millis(500), Duration::ZERO, |_| false);
    };
    d.text("DEMO");
    d.key(Key::Tab);
    d.text("DEMO");
    d.key(Key::Aid(Aid::Enter));
    half(&mut d);
    d.text("2");
    d.key(Key::Aid(Aid::Enter));
    half(&mut d);
    d.key(Key::Aid(Aid::Pf(8)));
    half(&mut d);
    mask_clock(&d.session.text_rows())
}

/// Every file under `dir`, recursively.
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn has(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_macro_signs_on_with_the_password_from_the_environment_as_s3270_does() {
    let Some((_mf, port)) = start_mfmock(&[]) else {
        return;
    };
    let host = format!("127.0.0.1:{port}");
    let home = home(&[("guest", GUEST_BOOK)], "");
    let out = run(
        &home,
        &["macro", "run", "guest", &host, "--model", "2"],
        &[("R3270_PROMPT_PASSWORD", "DEMO")],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let mine = rows(&out.stdout);
    assert!(
        mine.iter().any(|r| r.contains("GUEST BOOK")),
        "{}",
        out.stdout
    );
    let Some(theirs) = s3270_guest_book(&host) else {
        return;
    };
    assert_eq!(
        mine,
        theirs,
        "r3270:\n{}\ns3270:\n{}",
        mine.join("\n"),
        theirs.join("\n")
    );
    // The same macro through `r3270 screen HOST macro:NAME`, the password on stdin is not
    // possible with stdin closed: the run says where a secret comes from.
    let out = run(&home, &["screen", &host, "macro:guest"], &[]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("no value for prompt `password`: set R3270_PROMPT_PASSWORD"),
        "{}",
        out.stderr
    );
    // And never from the command line.
    let out = run(
        &home,
        &["macro", "run", "guest", &host, "--set", "password=DEMO"],
        &[],
    );
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("is a secret and is never taken from the command line")
    );
}

#[test]
fn no_file_r3270_writes_holds_the_password() {
    let Some((_mf, port)) = start_mfmock(&[]) else {
        return;
    };
    let host = format!("127.0.0.1:{port}");
    // A password nobody else types: the host refuses it, so it did reach the host.
    let password = format!(
        "PW{}",
        1000 + common::unique() + u64::from(std::process::id()) % 9000
    );
    let wrong = GUEST_BOOK.replace("wait text \\\"MAIN MENU\\\"", "wait text \\\"INCORRECT\\\"");
    let home = home(&[("wrong", &wrong)], "[logging]\nlevel = \"trace\"\n");
    let trace = home.dir.join("session.trc");
    let out = run(
        &home,
        &[
            "--log-level",
            "trace",
            "macro",
            "run",
            "wrong",
            &host,
            "--trace",
            trace.to_str().unwrap(),
        ],
        &[("R3270_PROMPT_PASSWORD", &password)],
    );
    // The macro stops at `type "2"`... or goes on: either way the host said INCORRECT.
    assert!(
        out.stdout.contains("INCORRECT") || out.stderr.contains("INCORRECT"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    let mut all = Vec::new();
    files(&home.dir, &mut all);
    assert!(all.iter().any(|p| p == &trace), "{all:?}");
    assert!(
        all.iter().any(|p| p.starts_with(home.dir.join("logs"))),
        "no log written: {all:?}"
    );
    let ebcdic: Vec<u8> = password
        .chars()
        .map(|c| r3270::proto::CodePage::default().from_unicode(c).unwrap())
        .collect();
    for f in &all {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            !has(&bytes, password.as_bytes()),
            "{} holds the password",
            f.display()
        );
        assert!(
            !has(&bytes, &ebcdic),
            "{} holds the password in EBCDIC",
            f.display()
        );
        let text = String::from_utf8_lossy(&bytes);
        // The trace's data stream as hex: EBCDIC bytes written as two hex digits each.
        let hex = ebcdic.iter().fold(String::new(), |mut h, b| {
            use std::fmt::Write as _;
            let _ = write!(h, "{b:02x}");
            h
        });
        assert!(
            !text.contains(&hex),
            "{} holds the password as hex",
            f.display()
        );
    }
    assert!(!out.stdout.contains(&password) && !out.stderr.contains(&password));
}

/// How many times the macro plays through the slow relay.
const PLAYBACKS: usize = 3;

/// A relay between r3270 and the host that holds back every host screen (a chunk of more
/// than 100 bytes: telnet negotiation passes at once) by 1, 1.5 or 2 s in turn.
struct Relay {
    port: u16,
}

fn pump_delayed(mut from: TcpStream, mut to: TcpStream) {
    let mut buf = vec![0u8; 65536];
    let mut turn = 0u32;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if n > 100 {
            turn += 1;
            std::thread::sleep(Duration::from_millis(1000 + 500 * u64::from(turn % 3)));
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(std::net::Shutdown::Write);
}

fn pump(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Write);
}

fn start_relay(upstream: u16) -> Relay {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(host) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let (c2, h2) = (client.try_clone().unwrap(), host.try_clone().unwrap());
            std::thread::spawn(move || pump(client, host));
            std::thread::spawn(move || pump_delayed(h2, c2));
        }
    });
    Relay { port }
}

#[test]
fn through_a_slow_relay_the_macro_plays_right_where_fixed_sleeps_go_wrong() {
    let Some((_mf, port)) = start_mfmock(&[]) else {
        return;
    };
    let direct = format!("127.0.0.1:{port}");
    let Some(want) = s3270_guest_book(&direct) else {
        return;
    };
    let relay = start_relay(port);
    let slow = format!("127.0.0.1:{}", relay.port);
    let home = home(&[("guest", GUEST_BOOK)], "");
    for i in 0..PLAYBACKS {
        let out = run(
            &home,
            &[
                "macro",
                "run",
                "guest",
                &slow,
                "--model",
                "2",
                "--timeout",
                "60",
            ],
            &[("R3270_PROMPT_PASSWORD", "DEMO")],
        );
        assert_eq!(out.code, Some(0), "playback {i}: {}", out.stderr);
        assert_eq!(rows(&out.stdout), want, "playback {i}:\n{}", out.stdout);
    }
    // The same keys, each AID followed by a half-second sleep instead of a wait: what the
    // script reads at the end is not the guest book's second page.
    let sleepy = sleepy_guest_book(relay.port);
    assert_ne!(
        sleepy,
        want,
        "fixed sleeps happened to be enough:\n{}",
        sleepy.join("\n")
    );
}

#[test]
fn a_wait_that_never_holds_stops_with_the_step_and_the_screen() {
    let Some((_mf, port)) = start_mfmock(&[]) else {
        return;
    };
    let host = format!("127.0.0.1:{port}");
    let home = home(
        &[(
            "never",
            "steps = [\"wait text \\\"READY\\\" at 1 2 timeout 1\", \"enter\"]\n",
        )],
        "",
    );
    let out = run(&home, &["screen", &host, "macro:never", "Tab"], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "r3270: macro `never` stopped at step 1/2 `wait text \"READY\" at 1 2 timeout 1`: it did not hold within 1 s\nthe screen showed (cursor at "
        ),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("SIGN ON"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("not sent (macro `never` stopped): step 2 Tab"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_host_that_hangs_up_mid_macro_stops_it_cleanly() {
    let Some((_mf, port)) = start_mfmock(&[]) else {
        return;
    };
    let host = format!("127.0.0.1:{port}");
    let bye = "steps = [\"type \\\"DEMO\\\"\", \"tab\", \"env MF_PASSWORD\", \"enter\", \
               \"wait text \\\"MAIN MENU\\\"\", \"send-aid pf3\", \"wait text \\\"NEVER\\\" timeout 60\"]\n";
    let home = home(&[("bye", bye)], "");
    let out = run(
        &home,
        &["screen", &host, "macro:bye"],
        &[("MF_PASSWORD", "DEMO")],
    );
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "macro `bye` stopped at step 7/7 `wait text \"NEVER\" timeout 60`: the connection ended"
        ),
        "{}",
        out.stderr
    );
    assert!(out.stdout.contains("THANK YOU"), "{}", out.stdout);
}

#[test]
fn a_macro_file_with_a_typo_gives_the_file_line_and_column() {
    let home = home(
        &[(
            "typo",
            "timeout = 5\nsteps = [\n  \"type \\\"x\\\"\",\n  \"wait unlok\",\n]\nkey = \"alt-f99\"\n",
        )],
        "[macros]\ncycle = [\"play-macro typo2\"]\ntypo2 = [\"play-macro cycle\"]\n",
    );
    let out = run(&home, &["config", "check"], &[]);
    assert_eq!(out.code, Some(1), "{}", out.stdout);
    let file = home.dir.join("data/macros/typo.toml");
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains(&format!(
            "{}:4:3: steps[1]: unknown wait `unlok` (did you mean `unlock`?)",
            file.display()
        )),
        "{all}"
    );
    assert!(
        all.contains("macro \"cycle\" would play itself through \"typo2\""),
        "{all}"
    );
    assert!(
        all.contains(&format!("{}:6:7: key: ", file.display())),
        "{all}"
    );
}
