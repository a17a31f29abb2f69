//! `r3270 screen` over direct TLS (`L:`) to mainframe-mocker, with a CA and a server
//! certificate for 127.0.0.1 made here: verified with `--cafile`, refused with a clear
//! certificate-verification error without it, and accepted but shown as unverified with
//! `--insecure`. Certificates that expired or name another host are refused with advice
//! that fits (served by the demo host), and a plain TN3270 port reached with `L:` is named
//! as such.

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
    // The certificate the host presented: its fingerprint as openssl computes it from the
    // file the host serves (a witness that is not r3270).
    let fp = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(&pki.cert)
        .output()
        .unwrap();
    assert!(fp.status.success(), "openssl x509 failed");
    {
        let fp = String::from_utf8_lossy(&fp.stdout);
        let hex: String = fp
            .split('=')
            .nth(1)
            .unwrap_or_default()
            .trim()
            .replace(':', "")
            .to_ascii_lowercase();
        assert_eq!(hex.len(), 64, "{fp}");
        assert!(
            ok.stderr.contains(&format!("sha256 {hex})")),
            "the fingerprint {hex} is not in:\n{}",
            ok.stderr
        );
        assert!(ok.stderr.contains("certificate: "), "{}", ok.stderr);
    }

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

/// A CA (PEM file in `dir`) and a server certificate + key it signed, as PEM texts.
fn issue(
    dir: &std::path::Path,
    names: &[&str],
    from: (i32, u8, u8),
    to: (i32, u8, u8),
) -> [std::path::PathBuf; 3] {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, date_time_ymd,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "r3270 hint-test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    params.distinguished_name.push(DnType::CommonName, names[0]);
    params.not_before = date_time_ymd(from.0, from.1, from.2);
    params.not_after = date_time_ymd(to.0, to.1, to.2);
    let cert = params.signed_by(&key, &ca).unwrap();
    let paths = [
        dir.join("ca.pem"),
        dir.join("server.pem"),
        dir.join("server.key"),
    ];
    std::fs::write(&paths[0], ca.pem()).unwrap();
    std::fs::write(&paths[1], cert.pem()).unwrap();
    std::fs::write(&paths[2], key.serialize_pem()).unwrap();
    paths
}

/// `r3270 screen --cafile CA L:127.0.0.1:PORT` against the demo host serving `cert`.
fn screen_against(paths: &[std::path::PathBuf; 3]) -> common::Run {
    let demo = common::start_demo(&[
        "--tls-cert",
        paths[1].to_str().unwrap(),
        "--tls-key",
        paths[2].to_str().unwrap(),
    ]);
    r3270(
        &[
            "screen",
            "--timeout",
            "20",
            "--cafile",
            paths[0].to_str().unwrap(),
            &format!("L:{}", demo.addr()),
        ],
        HANG_GUARD,
    )
}

#[test]
fn an_expired_certificate_is_called_expired_with_its_dates() {
    let dir = common::temp_dir("expired");
    let run = screen_against(&issue(&dir, &["127.0.0.1"], (2020, 1, 1), (2021, 1, 1)));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        "r3270: the certificate of 127.0.0.1 could not be verified: certificate has expired: \
         it was valid from 2020-01-01 00:00:00 UTC to 2021-01-01 00:00:00 UTC (the host's \
         certificate must be renewed, unless this machine's clock is wrong; --insecure \
         connects without verification)"
    );
    // The CA is trusted already: pointing at --cafile would send the user the wrong way.
    assert!(!run.stderr.contains("--cafile"), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_certificate_for_another_host_names_both() {
    let dir = common::temp_dir("misnamed");
    let run = screen_against(&issue(
        &dir,
        &["mvs.example.com", "tso.example.com"],
        (2020, 1, 1),
        (2090, 1, 1),
    ));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stderr.trim(),
        "r3270: the certificate of 127.0.0.1 could not be verified: IP address mismatch: it \
         names mvs.example.com, tso.example.com, not `127.0.0.1` (connect with a host name the \
         certificate names; --insecure skips the check)"
    );
    assert!(!run.stderr.contains("--cafile"), "{}", run.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}
