//! Screen text equal to s3270's `Ascii()` for all 256 EBCDIC code points of the base
//! character set and of the GE (APL) set, control points and nulls included, on every code
//! page that both r3270 and Debian's s3270 know.
//!
//! A host in the test writes each code point into a cell of its own with Repeat to Address
//! (so order bytes such as SBA or SF are placed as characters, as a host can), the GE set
//! with RA + GE. s3270 is the oracle; `r3270 script` must print the same.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{find_program, skip};
use r3270::proto::{AddressMode, BufferAddr, CodePage, Dimensions};

const IAC: u8 = 0xFF;
const DO: u8 = 0xFD;
const WILL: u8 = 0xFB;
const SB: u8 = 0xFA;
const SE: u8 = 0xF0;
const EOR: u8 = 0xEF;

fn addr(i: usize) -> [u8; 2] {
    BufferAddr::new(i, Dimensions::new(24, 80))
        .unwrap()
        .encode(AddressMode::Coded12)
}

/// The record: the base set from row 1, the GE set from row 6, each byte in a cell.
fn record() -> Vec<u8> {
    let mut r = vec![0xF5, 0xC3];
    r.push(0x11);
    r.extend(addr(80));
    for (k, b) in (0u8..=255).enumerate() {
        let next = 80 + k + 1;
        if b == 0x08 {
            // RA's character 0x08 means "GE follows": the base cell stays a null.
            r.push(0x11);
            r.extend(addr(next));
            continue;
        }
        r.push(0x3C);
        r.extend(addr(next));
        r.push(b);
    }
    r.push(0x11);
    r.extend(addr(480));
    for (k, b) in (0u8..=255).enumerate() {
        r.push(0x3C);
        r.extend(addr(480 + k + 1));
        r.extend([0x08, b]);
    }
    // A field at the end so the screen is formatted and input can be waited for.
    r.push(0x11);
    r.extend(addr(1760));
    r.extend([0x1D, 0x40, 0x13]);
    let mut out = Vec::new();
    for b in r {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
    out.extend([IAC, EOR]);
    out
}

fn drain(s: &mut TcpStream) {
    let mut buf = [0u8; 512];
    let _ = s.set_read_timeout(Some(Duration::from_millis(150)));
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
    }
}

/// Serves the record to every client (plain TN3270), until the test ends.
fn serve() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            std::thread::spawn(move || {
                let _ = s.write_all(&[IAC, DO, 24]);
                drain(&mut s);
                let _ = s.write_all(&[IAC, SB, 24, 1, IAC, SE]);
                drain(&mut s);
                let _ = s.write_all(&[IAC, DO, 25, IAC, WILL, 25, IAC, DO, 0, IAC, WILL, 0]);
                drain(&mut s);
                let _ = s.write_all(&record());
                let _ = s.set_read_timeout(None);
                let mut buf = [0u8; 512];
                while s.read(&mut buf).is_ok_and(|n| n > 0) {}
            });
        }
    });
    port
}

/// The program's home and configuration in a temporary directory (r3270 records sessions
/// in its audit log under the data directory).
fn isolated(cmd: &mut Command) -> &mut Command {
    let home = common::temp_dir("codepoints-home");
    cmd.env("HOME", &home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env_remove("R3270_CONFIG")
}

/// Runs a script through `program` in a temporary home under locale `lc_all`; what it
/// printed.
fn run(program: &std::path::Path, args: &[&str], lc_all: &str, script: &str) -> String {
    let mut child = isolated(&mut Command::new(program))
        .args(args)
        .env("LC_ALL", lc_all)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout).into_owned()
}

fn ascii(program: &std::path::Path, args: &[&str], port: u16) -> Option<String> {
    let script = format!(
        "Connect(127.0.0.1:{port})\nWait(10,InputField)\nQuery(CodePage)\nAscii(1,0,9,80)\nQuit\n"
    );
    let text = run(program, args, "C.UTF-8", &script);
    // Every action answered ok (r3270 must take every code page it lists).
    (text.lines().filter(|l| *l == "ok").count() == 5).then_some(text)
}

/// The screen cells the script read, rows joined (row 1 on: the base set, then the GE set
/// from the 400th cell).
fn cells(out: &str) -> String {
    out.lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .skip(1)
        .collect()
}

fn cut_time(s: &str) -> String {
    s.lines()
        .map(|l| match l.rsplit_once(' ') {
            Some((head, _)) if head.contains(" 0x") => head,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_code_point_reads_as_s3270_reads_it() {
    let Some(s3270) = find_program("s3270") else {
        skip("s3270");
        return;
    };
    let r3270 = std::path::PathBuf::from(env!("CARGO_BIN_EXE_r3270"));
    let port = serve();
    let mut compared = Vec::new();
    let mut wrong = Vec::new();
    let mut not_in_s3270 = Vec::new();
    // Every code page on model 2; the models' other sizes on the default page.
    let runs = CodePage::all()
        .iter()
        .map(|cp| ("2", *cp))
        .chain(["3", "4", "5"].map(|m| (m, CodePage::default())));
    for (model, cp) in runs {
        let name = cp.name();
        let args = ["-model", model, "-utf8", "-codepage", name];
        // s3270 4.1 takes a code page it does not have and falls back to its default
        // without a word; what it answers to Query(CodePage) tells.
        let Some(theirs) = ascii(&s3270, &args, port).filter(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("data: "))
                .is_some_and(|q| q.ends_with(&format!("cpgid {}", cp.number())))
        }) else {
            not_in_s3270.push(name);
            continue;
        };
        let mut r_args = vec!["script"];
        r_args.extend_from_slice(&args);
        let ours = ascii(&r3270, &r_args, port)
            .unwrap_or_else(|| panic!("r3270 script failed on code page {name}"));
        compared.push(name);
        let (t, o) = (cells(&theirs), cells(&ours));
        for (i, (a, b)) in t.chars().zip(o.chars()).enumerate() {
            if a != b {
                let (set, byte) = if i < 256 {
                    ("base", i)
                } else {
                    ("GE", i - 400)
                };
                wrong.push(format!(
                    "{name} {set} 0x{byte:02X}: s3270 {a:?} (U+{:04X}), r3270 {b:?} (U+{:04X})",
                    u32::from(a),
                    u32::from(b)
                ));
            }
        }
        assert_eq!(
            cut_time(&theirs)
                .lines()
                .filter(|l| !l.starts_with("data: "))
                .collect::<Vec<_>>(),
            cut_time(&ours)
                .lines()
                .filter(|l| !l.starts_with("data: "))
                .collect::<Vec<_>>(),
            "code page {name}: the status lines differ"
        );
    }
    println!("compared with s3270: {compared:?}; not in s3270 4.1: {not_in_s3270:?}");
    assert!(
        wrong.is_empty(),
        "{} code points read differently:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(
        compared.len() >= 5,
        "too few code pages compared: {compared:?} (s3270 lacked {not_in_s3270:?})"
    );
}

#[test]
fn in_a_c_locale_both_write_ascii_with_question_marks() {
    let Some(s3270) = find_program("s3270") else {
        skip("s3270");
        return;
    };
    let r3270 = std::path::PathBuf::from(env!("CARGO_BIN_EXE_r3270"));
    let port = serve();
    // Without -utf8 both write in the locale's charset: in a C locale, ASCII with `?`.
    let script = format!(
        "Connect(127.0.0.1:{port})\nWait(10,InputField)\nAscii(1,0,9,80)\nQuery(LocalEncoding)\nQuit\n"
    );
    let c_locale =
        |program: &std::path::Path, args: &[&str]| cut_time(&run(program, args, "C", &script));
    let theirs = c_locale(&s3270, &["-model", "2"]);
    let ours = c_locale(&r3270, &["script", "-model", "2"]);
    assert!(theirs.contains('?') && theirs.is_ascii(), "{theirs}");
    assert_eq!(theirs, ours, "in a C locale (s3270 left, r3270 right)");
}
