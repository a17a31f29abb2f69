//! The demo host (`r3270 serve-demo`, a child process) walked end to end by s3270, the
//! reference client that nobody on this project wrote: TN3270E and TN3270, models 2, 4 and 5,
//! IBM-DYNAMIC at 62x160, a basic 3278, direct TLS and STARTTLS.
//!
//! Each walk signs on with a wrong password first, fills the order form with its two
//! validation errors (checking where s3270 says the cursor is), pages the catalogue to both
//! ends, opens the colour chart, help and Clear, and signs off, after which s3270 must report
//! the connection closed. Every process started here is killed by PID at the end.

#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{S3270, mask_clock, start_demo};

/// What a walk expects of the connection.
struct Expect {
    state: &'static str,
    rows: usize,
    cols: usize,
    extended: bool,
}

fn text(s: &mut S3270) -> String {
    mask_clock(&s.screen()).join("\n")
}

fn expect(s: &mut S3270, needle: &str, after: &str) -> String {
    let t = text(s);
    assert!(t.contains(needle), "{needle:?} missing after {after}:\n{t}");
    t
}

fn cursor(s: &mut S3270) -> String {
    s.run("Query(Cursor)").unwrap().join(" ")
}

fn connect(s: &mut S3270, target: &str) {
    s.run(&format!("Connect({target})")).unwrap();
    s.run("Wait(15,Unlock)").unwrap();
    std::thread::sleep(Duration::from_millis(300));
}

/// The whole application, from a connected sign-on screen to the host hanging up.
fn walk(s: &mut S3270, e: &Expect) {
    sign_on_screen(s, e);
    sign_on(s);
    order_form(s);
    catalogue(s);
    colour_chart(s, e.extended);
    sign_off(s);
}

/// The sign-on screen fits the connection: its size, the data stream and the terminal name.
fn sign_on_screen(s: &mut S3270, e: &Expect) {
    assert_eq!(s.run("Query(ConnectionState)").unwrap(), vec![e.state]);
    let rows = s.screen();
    assert_eq!(rows.len(), e.rows);
    assert!(rows.iter().all(|r| r.chars().count() == e.cols));
    let t = expect(s, "Sign on", "connect");
    assert!(
        t.contains("dd/mm/yy hh:mm"),
        "the clock is shown in the fixed form"
    );
    assert!(t.contains(&format!("{}x{}", e.rows, e.cols)), "{t}");
    let kind = if e.extended { "extended" } else { "basic" };
    assert!(t.contains(&format!("{kind} data stream")), "{t}");
    assert!(t.contains("Terminal DEMO0"), "{t}");
}

/// Sign-on: a wrong password, then the right one.
fn sign_on(s: &mut S3270) {
    s.run("String(\"demo\")").unwrap();
    s.run("Tab()").unwrap();
    s.run("String(\"wrong\")").unwrap();
    s.aid("Enter()");
    let t = expect(
        s,
        "DMO001E User ID or password is not valid",
        "a wrong password",
    );
    assert!(!t.contains("wrong"), "the password is never shown");
    assert_eq!(cursor(s), "8 19", "the cursor is back on the password");
    s.run("String(\"demo\")").unwrap();
    s.aid("Enter()");
    expect(s, "Main menu", "signing on");
    expect(s, "User DEMO", "signing on");
}

/// The order form and its server-side validation.
fn order_form(s: &mut S3270) {
    s.run("String(\"1\")").unwrap();
    s.aid("Enter()");
    expect(s, "Order entry", "option 1");
    s.aid("Enter()");
    expect(s, "DMO201E Customer name is required.", "an empty form");
    assert_eq!(cursor(s), "6 22", "the cursor is on the customer name");
    s.run("String(\"Acme Ltd\")").unwrap();
    s.run("Tab()").unwrap();
    s.run("Tab()").unwrap();
    s.run("String(\"12x\")").unwrap();
    s.aid("Enter()");
    let t = expect(
        s,
        "DMO203E Quantity must be a whole number",
        "a bad quantity",
    );
    assert!(
        t.contains("Acme Ltd") && t.contains("12x"),
        "typing stays:\n{t}"
    );
    assert_eq!(cursor(s), "8 22", "the cursor is on the quantity");
    s.run("EraseEOF()").unwrap();
    s.run("String(\"12\")").unwrap();
    s.aid("Enter()");
    expect(
        s,
        "DMO210I Order 00001 accepted: 12 x P-1001 for ACME LTD.",
        "a good order",
    );
    s.aid("PF(1)");
    expect(s, "Help: Order entry", "PF1");
    s.aid("PF(3)");
    expect(s, "Order number  . . : 00002", "PF3 from help");
    s.aid("Clear()");
    expect(s, "Customer name", "Clear");
    s.aid("PF(3)");
    expect(s, "Main menu", "PF3 from the form");
}

/// The catalogue, to both ends.
fn catalogue(s: &mut S3270) {
    s.run("String(\"2\")").unwrap();
    s.aid("Enter()");
    expect(s, "Lines 1-", "option 2");
    expect(s, "P-1001", "option 2");
    s.aid("PF(7)");
    expect(s, "DMO301W TOP OF LIST", "PF7 on the first page");
    let mut pages = 0;
    loop {
        s.aid("PF(8)");
        if text(s).contains("BOTTOM OF LIST") {
            break;
        }
        pages += 1;
        assert!(pages < 10, "never reached the bottom");
    }
    expect(s, "P-1060", "the last page");
    expect(s, "of 60", "the last page");
    s.aid("PF(3)");
}

/// The colour chart, in colour only on an extended data stream.
fn colour_chart(s: &mut S3270, extended: bool) {
    s.run("String(\"3\")").unwrap();
    s.aid("Enter()");
    expect(s, "Colour chart", "option 3");
    if extended {
        expect(s, "Turquoise", "option 3");
        expect(s, "Reverse video", "option 3");
    } else {
        expect(s, "basic data stream", "option 3");
    }
    s.aid("PF(3)");
}

/// A key with no function, then sign off with the command; the host hangs up.
fn sign_off(s: &mut S3270) {
    s.aid("PF(5)");
    expect(s, "DMO005W PF5 has no function on this screen.", "PF5");
    s.run("String(\"x\")").unwrap();
    s.aid("Enter()");
    expect(s, "DEMO signed off. Goodbye.", "signing off");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = s.run("Query(ConnectionState)").unwrap();
        if state == ["not-connected"] {
            break;
        }
        assert!(Instant::now() < deadline, "still {state:?} after sign-off");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn run_walk(host_args: &[&str], s3270_args: &[&str], e: &Expect) {
    let Some(mut s) = S3270::start(s3270_args) else {
        return;
    };
    let host = start_demo(host_args);
    connect(&mut s, &format!("127.0.0.1:{}", host.port));
    walk(&mut s, e);
    let _ = s.run("Quit()");
}

const DYNAMIC: [&str; 6] = [
    "-model",
    "3279-4",
    "-tn",
    "IBM-DYNAMIC",
    "-oversize",
    "160x62",
];

fn e(state: &'static str, rows: usize, cols: usize) -> Expect {
    Expect {
        state,
        rows,
        cols,
        extended: true,
    }
}

#[test]
fn tn3270e_model_2() {
    run_walk(&[], &["-model", "3279-2"], &e("connected-tn3270e", 24, 80));
}

#[test]
fn tn3270e_model_4() {
    run_walk(&[], &["-model", "3279-4"], &e("connected-tn3270e", 43, 80));
}

#[test]
fn tn3270e_model_5() {
    run_walk(&[], &["-model", "3279-5"], &e("connected-tn3270e", 27, 132));
}

#[test]
fn tn3270e_ibm_dynamic_62x160() {
    run_walk(&[], &DYNAMIC, &e("connected-tn3270e", 62, 160));
}

#[test]
fn tn3270_model_2() {
    run_walk(
        &["--no-tn3270e"],
        &["-model", "3279-2"],
        &e("connected-3270", 24, 80),
    );
}

#[test]
fn tn3270_model_4() {
    run_walk(
        &["--no-tn3270e"],
        &["-model", "3279-4"],
        &e("connected-3270", 43, 80),
    );
}

#[test]
fn tn3270_model_5() {
    run_walk(
        &["--no-tn3270e"],
        &["-model", "3279-5"],
        &e("connected-3270", 27, 132),
    );
}

#[test]
fn tn3270_ibm_dynamic_62x160() {
    run_walk(&["--no-tn3270e"], &DYNAMIC, &e("connected-3270", 62, 160));
}

#[test]
fn tn3270_basic_3278_model_2() {
    run_walk(
        &["--no-tn3270e"],
        &["-model", "3278-2", "-tn", "IBM-3278-2"],
        &Expect {
            extended: false,
            ..e("connected-3270", 24, 80)
        },
    );
}

/// A self-signed certificate for 127.0.0.1, written to a fresh directory.
fn certificate(name: &str) -> (PathBuf, PathBuf) {
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let dir = std::env::temp_dir().join(format!("r3270-demo-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, key.cert.pem()).unwrap();
    std::fs::write(&key_path, key.signing_key.serialize_pem()).unwrap();
    (cert_path, key_path)
}

#[test]
fn direct_tls() {
    let Some(mut s) = S3270::start(&["-model", "3279-2", "-noverifycert"]) else {
        return;
    };
    let (cert, key) = certificate("direct");
    let host = start_demo(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    connect(&mut s, &format!("L:127.0.0.1:{}", host.port));
    walk(&mut s, &e("connected-tn3270e", 24, 80));
}

#[test]
fn starttls() {
    let Some(mut s) = S3270::start(&["-model", "3279-2", "-noverifycert"]) else {
        return;
    };
    let (cert, key) = certificate("starttls");
    let host = start_demo(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
        "--starttls",
    ]);
    connect(&mut s, &format!("127.0.0.1:{}", host.port));
    // s3270 reports a secure connection once STARTTLS went through.
    let tls = s.run("Query(Tls)").unwrap_or_default().join(" ");
    assert!(tls.starts_with("secure"), "{tls}");
    walk(&mut s, &e("connected-tn3270e", 24, 80));
}

/// `r3270::demo::start` in this process (what `r3270 --demo` does), with r3270's own engine
/// as the client: a free port is chosen, two connections at once get their own LU and state,
/// and sign-off closes only its own connection.
#[test]
fn in_process_start_serves_concurrent_sessions() {
    use common::Driver;
    use r3270::demo::server::{ServerOptions, start};
    use r3270::proto::{Aid, Key, TerminalConfig};

    let rt = tokio::runtime::Runtime::new().unwrap();
    let (addr, server) = rt.block_on(start(ServerOptions::default())).unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let mut a = Driver::connect(addr.port(), TerminalConfig::default());
    let mut b = Driver::connect(addr.port(), TerminalConfig::default());
    assert!(a.wait_ready() && b.wait_ready());
    let lu = |d: &Driver| d.session.tn3270e().device_name().map(<[u8]>::to_vec);
    assert!(lu(&a).is_some() && lu(&a) != lu(&b));
    for d in [&mut a, &mut b] {
        d.text("demo");
        d.key(Key::Tab);
        d.text("demo");
        assert!(d.aid(Key::Aid(Aid::Enter)));
        assert!(d.session.text_rows().join("\n").contains("Main menu"));
    }
    a.text("x");
    a.aid(Key::Aid(Aid::Enter));
    a.pump_until(Duration::from_secs(5), Duration::ZERO, |_| false);
    assert!(a.closed, "the host closed after sign-off");
    b.text("2");
    assert!(b.aid(Key::Aid(Aid::Enter)));
    assert!(b.session.text_rows().join("\n").contains("Parts catalogue"));
    rt.block_on(server.shutdown());
}

/// r3270's own client over STARTTLS to r3270's own demo host: the certificate is verified
/// against the test CA, the status says so, and the sign-on goes through; without the CA the
/// handshake fails with a certificate-verification error.
#[test]
fn r3270_client_over_starttls() {
    use common::{make_pki, r3270};
    let pki = make_pki();
    let host = start_demo(&[
        "--tls-cert",
        pki.cert.to_str().unwrap(),
        "--tls-key",
        pki.key.to_str().unwrap(),
        "--starttls",
    ]);
    let target = format!("127.0.0.1:{}", host.port);
    let guard = std::time::Duration::from_secs(120);
    let ca = pki.ca.to_str().unwrap();
    let ok = r3270(
        &[
            "screen",
            "--timeout",
            "20",
            "--status",
            "--cafile",
            ca,
            &target,
            "=DEMO",
            "Tab",
            "=DEMO",
            "Enter",
        ],
        guard,
    );
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    assert!(ok.stderr.contains("tls: verified"), "{}", ok.stderr);
    assert!(
        ok.stdout.contains("Main menu"),
        "not signed on:\n{}",
        ok.stdout
    );
    let refused = r3270(&["screen", "--timeout", "20", &target], guard);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("could not be verified"),
        "{}",
        refused.stderr
    );
}
