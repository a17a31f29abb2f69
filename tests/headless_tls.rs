//! `r3270 screen` over direct TLS (`L:`) to mainframe-mocker, with a CA and a server
//! certificate for 127.0.0.1 made here: verified with `--cafile`, refused with a clear
//! certificate-verification error without it, and accepted but shown as unverified with
//! `--insecure`. A plain TN3270 port reached with `L:` is named as such.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{free_port, make_pki, r3270, start_mfmock};

const HANG_GUARD: Duration = Duration::from_secs(120);

#[test]
fn direct_tls_verified_refused_and_insecure() {
    let pki = make_pki();
    let tls_port = free_port();
    let tls_port_s = tls_port.to_string();
    let Some((_host, _port)) = start_mfmock(&[
        "--tls-port",
        &tls_port_s,
        "--tls-cert",
        pki.cert.to_str().unwrap(),
        "--tls-key",
        pki.key.to_str().unwrap(),
    ]) else {
        return;
    };
    let host = format!("L:127.0.0.1:{tls_port}");
    let ca = pki.ca.to_str().unwrap();

    let ok = r3270(
        &[
            "screen",
            "--timeout",
            "20",
            "--status",
            "--cafile",
            ca,
            &host,
        ],
        HANG_GUARD,
    );
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);
    assert!(ok.stdout.contains("SIGN ON"), "{}", ok.stdout);
    assert!(ok.stderr.contains("tls: verified"), "{}", ok.stderr);

    // The same CA by name: `localhost` is in the certificate too.
    let by_name = format!("L:localhost:{tls_port}");
    let ok = r3270(
        &["screen", "--timeout", "20", "--cafile", ca, &by_name],
        HANG_GUARD,
    );
    assert_eq!(ok.code, Some(0), "{}", ok.stderr);

    let refused = r3270(&["screen", "--timeout", "20", &host], HANG_GUARD);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert!(
        refused
            .stderr
            .contains("the certificate of 127.0.0.1 could not be verified"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("trust its CA with --cafile"),
        "the fix is said in this command's options: {}",
        refused.stderr
    );
    assert!(refused.stdout.is_empty());

    let insecure = r3270(
        &["screen", "--timeout", "20", "--status", "--insecure", &host],
        HANG_GUARD,
    );
    assert_eq!(insecure.code, Some(0), "{}", insecure.stderr);
    assert!(
        insecure.stderr.contains("tls: verification OFF"),
        "{}",
        insecure.stderr
    );

    let _ = std::fs::remove_dir_all(&pki.dir);
}

#[test]
fn a_missing_ca_file_is_a_usage_error() {
    let run = r3270(
        &[
            "screen",
            "--cafile",
            "/nonexistent/r3270-ca.pem",
            "L:127.0.0.1:1",
        ],
        HANG_GUARD,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot read CA file /nonexistent/r3270-ca.pem"),
        "{}",
        run.stderr
    );
}

#[test]
fn tls_to_a_plain_telnet_port_says_the_host_does_not_speak_tls() {
    // The demo host speaks plain TN3270 here: it opens with telnet negotiation (IAC DO ...)
    // while the client waits for a TLS ServerHello.
    let demo = common::start_demo(&[]);
    let host = format!("L:{}", demo.addr());
    let run = r3270(&["screen", "--timeout", "20", &host], HANG_GUARD);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        format!(
            "r3270: 127.0.0.1 does not speak TLS on port {}: it answered the TLS handshake \
             with telnet negotiation, as a plain TN3270 port does (drop `L:` to connect \
             without TLS; r3270 still starts TLS there if the host offers STARTTLS)",
            demo.port
        )
    );
    assert!(run.stdout.is_empty());
}
