//! `r3270 serve`'s defaults keep the API to its owner: every request needs the token (401
//! without, 403 when wrong, no detail either way), x3270's cookie works as the bearer, the
//! token file is 0600, anything but loopback is refused at start without `allow-remote` and
//! TLS, TLS serves with the configured certificate (verified by curl against the test's CA),
//! bodies and request rates are bounded, and a thousand concurrent requests do not stall a
//! session that is typing.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::api::{Serve, curl, enc, files_under};

#[test]
fn every_request_needs_the_token() {
    let demo = common::start_demo(&[]);
    let s = Serve::start(&[&demo.addr()], None);
    for path in [
        format!("/3270/rest/json/{}", enc("Ascii()")),
        "/api/v1/sessions".to_owned(),
        "/metrics".to_owned(),
        "/nothing/here".to_owned(),
    ] {
        let url = format!("{}{path}", s.base);
        let none = curl("GET", &url, None, &[], &[]);
        assert_eq!(none.status, 401, "{path}: {none:?}");
        assert!(none.body.is_empty(), "{path}: {none:?}");
        let wrong = curl(
            "GET",
            &url,
            None,
            &["Authorization: Bearer 0123456789abcdef0123"],
            &[],
        );
        assert_eq!(wrong.status, 403, "{path}: {wrong:?}");
        assert!(wrong.body.is_empty(), "{path}: {wrong:?}");
        let almost = format!("Authorization: Bearer {}x", s.token);
        assert_eq!(curl("GET", &url, None, &[&almost], &[]).status, 403);
    }
    // The token as x3270's cookie.
    let cookie = format!("Cookie: x3270-security={}", s.token);
    let r = curl(
        "GET",
        &format!(
            "{}/3270/rest/json/{}",
            s.base,
            enc("Query(ConnectionState)")
        ),
        None,
        &[&cookie],
        &[],
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["result"][0], "connected-tn3270e");
    // The token file is the owner's alone.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&s.token_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Changing calls are recorded (with the caller); the token is in no file but its own.
    let r = s.call(
        "GET",
        &format!(
            "/3270/rest/json/{}",
            enc("String(demo) Tab() String(demo) Enter()")
        ),
        None,
        &["X-R3270-Caller: security-test"],
    );
    assert_eq!(r.status, 200, "{r:?}");
    let out = common::r3270_command()
        .env("HOME", &s.home)
        .env("XDG_DATA_HOME", s.home.join("data"))
        .env("XDG_STATE_HOME", s.home.join("state"))
        .env("XDG_CONFIG_HOME", s.home.join("config"))
        .args(["audit", "show", "--json"])
        .output()
        .unwrap();
    let audit = String::from_utf8_lossy(&out.stdout);
    assert!(audit.contains("\"api-call\""), "{audit}");
    assert!(audit.contains("security-test"), "{audit}");
    // The action names are recorded, not what was typed.
    assert!(audit.contains("String Tab String Enter"), "{audit}");
    for f in files_under(&s.home) {
        if f == s.token_file {
            continue;
        }
        let bytes = std::fs::read(&f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&s.token), "the token is in {}", f.display());
    }
}

#[test]
fn other_addresses_are_refused_without_allow_remote_and_tls() {
    let run = |config: Option<&str>| {
        let mut cmd = common::r3270_command();
        let dir = common::temp_dir("remote");
        if let Some(c) = config {
            let f = dir.join("config.toml");
            std::fs::write(&f, c).unwrap();
            cmd.arg("--config").arg(f);
        }
        let out = cmd
            .args(["serve", "--listen", "0.0.0.0:0"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(None);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("refusing to listen on 0.0.0.0:0: it is not a loopback address"),
        "{err}"
    );
    let (code, err) = run(Some("[api]\nallow-remote = true\n"));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("without TLS"), "{err}");
    let out = common::r3270_command()
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not ADDRESS:PORT"));
}

#[test]
fn tls_serves_the_configured_certificate() {
    let pki = common::make_pki();
    let demo = common::start_demo(&[]);
    let config = format!(
        "[api]\ntls-cert = \"{}\"\ntls-key = \"{}\"\n",
        pki.cert.display(),
        pki.key.display()
    );
    let s = Serve::start(&[&demo.addr()], Some(&config));
    assert!(s.base.starts_with("https://"), "{}", s.base);
    let auth = format!("Authorization: Bearer {}", s.token);
    let url = format!("{}/3270/rest/json/{}", s.base, enc("Ascii(0,1,6)"));
    let ca = pki.ca.to_str().unwrap();
    let r = curl("GET", &url, None, &[&auth], &["--cacert", ca]);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["result"][0], "DMO000");
    // Without the CA, curl refuses the certificate (no HTTP status at all).
    let r = curl("GET", &url, None, &[&auth], &[]);
    assert_eq!(r.status, 0, "{r:?}");
    // Plain HTTP to the TLS port gets no answer.
    let plain = url.replacen("https://", "http://", 1);
    assert_ne!(curl("GET", &plain, None, &[&auth], &[]).status, 200);
}

#[test]
fn bodies_and_rates_are_bounded() {
    let s = Serve::start(&[], Some("[api]\nmax-body-bytes = 2048\nrate-limit = 5\n"));
    let big = "x".repeat(4096);
    let r = s.call(
        "POST",
        "/3270/rest/post",
        Some(&big),
        &["Content-Type: text/plain"],
    );
    assert_eq!(r.status, 413, "{r:?}");
    // Burst of twice the rate, then 429.
    let codes: Vec<u16> = (0..30)
        .map(|_| {
            s.get(&format!(
                "/3270/rest/json/{}",
                enc("Query(ConnectionState)")
            ))
            .status
        })
        .collect();
    assert!(codes.contains(&429), "{codes:?}");
    assert!(
        codes.iter().filter(|&&c| c == 200).count() >= 10,
        "{codes:?}"
    );
}

/// A Python client fires `n` concurrent requests (one thread each) and prints the count of
/// each status code.
const LOAD: &str = r#"
import sys, threading, urllib.request, urllib.error, collections
base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
codes = collections.Counter()
lock = threading.Lock()
start = threading.Barrier(n)
def one(i):
    req = urllib.request.Request(base + ("/metrics" if i % 2 else "/3270/rest/json/Ascii(0,0,10)"),
                                 headers={"Authorization": "Bearer " + token})
    start.wait()
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            r.read(); c = r.status
    except urllib.error.HTTPError as e:
        c = e.code
    except Exception as e:
        c = type(e).__name__
    with lock:
        codes[c] += 1
threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print(dict(codes))
"#;

#[test]
fn a_thousand_concurrent_requests_do_not_stall_a_typing_session() {
    let Some(python) = common::find_program("python3") else {
        common::skip("python3");
        return;
    };
    let demo = common::start_demo(&[]);
    let s = Serve::start(&[&demo.addr()], None);
    let r = s.post_json(
        "/api/v1/sessions",
        &serde_json::json!({"target": demo.addr(), "name": "typist"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let r = s.get(&format!(
        "/session/typist/3270/rest/json/{}",
        enc("Wait(InputField) String(demo) Tab() String(demo) Enter() Wait(InputField)")
    ));
    assert_eq!(r.status, 200, "{r:?}");
    // On the main menu, an option that does not exist: the host answers with an error
    // message, as often as it is asked.
    let typist = |s: &Serve| {
        let t = Instant::now();
        let r = s.get(&format!(
            "/session/typist/3270/rest/json/{}",
            enc("String(9) Enter() Wait(InputField) Ascii(0,1,6)")
        ));
        assert_eq!(r.status, 200, "{r:?}");
        t.elapsed()
    };
    let quiet: Vec<Duration> = (0..5).map(|_| typist(&s)).collect();
    let script = common::temp_dir("load").join("load.py");
    std::fs::write(&script, LOAD).unwrap();
    let mut load = std::process::Command::new(python)
        .arg(&script)
        .args([&s.base, &s.token, "1000"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut busy = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    while load.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the load did not finish");
        busy.push(typist(&s));
    }
    let out = load.wait_with_output().unwrap();
    let codes = String::from_utf8_lossy(&out.stdout);
    // Every request answered, all with 200 (the default rate limit is above this burst).
    assert_eq!(codes.trim(), "{200: 1000}", "{codes}");
    assert!(!busy.is_empty());
    eprintln!(
        "typing round trip: quiet {:?}, under 1000 concurrent requests {:?} ({} round trips)",
        median(&quiet),
        median(&busy),
        busy.len()
    );
}

fn median(v: &[Duration]) -> Duration {
    let mut v = v.to_vec();
    v.sort();
    v[v.len() / 2]
}

#[test]
fn reads_never_return_what_was_typed_into_a_hidden_field() {
    let demo = common::start_demo(&[]);
    let s = Serve::start(&[&demo.addr()], None);
    let secret = "Zq7Xw9Kp";
    // EBCDIC (CP037) of the secret, as Ebcdic() and ReadBuffer(Ebcdic) would print it.
    let ebcdic: Vec<String> = secret
        .chars()
        .map(|c| {
            let b = match c {
                'a'..='i' => 0x81 + (c as u8 - b'a'),
                'j'..='r' => 0x91 + (c as u8 - b'j'),
                's'..='z' => 0xa2 + (c as u8 - b's'),
                'A'..='I' => 0xc1 + (c as u8 - b'A'),
                'J'..='R' => 0xd1 + (c as u8 - b'J'),
                'S'..='Z' => 0xe2 + (c as u8 - b'S'),
                '0'..='9' => 0xf0 + (c as u8 - b'0'),
                _ => 0x40,
            };
            format!("{b:02x}")
        })
        .collect();
    // Ebcdic() prints bytes separated by spaces.
    let ebcdic = ebcdic.join(" ");
    // The user name, then the password into the non-display field, no Enter.
    let r = s.get(&format!(
        "/3270/rest/json/{}",
        enc(&format!(
            "Wait(InputField) String(demo) Tab() String({secret})"
        ))
    ));
    assert_eq!(r.status, 200, "{r:?}");
    let mut seen = String::new();
    for line in [
        "Ascii()",
        "Ebcdic()",
        "ReadBuffer(Ascii)",
        "ReadBuffer(Ebcdic)",
        "AsciiField()",
        "EbcdicField()",
    ] {
        let r = s.get(&format!("/3270/rest/json/{}", enc(line)));
        assert_eq!(r.status, 200, "{line}: {r:?}");
        seen.push_str(&r.body.to_ascii_lowercase());
    }
    let r = s.get("/api/v1/sessions/default/screen");
    assert_eq!(r.status, 200, "{r:?}");
    seen.push_str(&r.body.to_ascii_lowercase());
    assert!(!seen.contains(&secret.to_ascii_lowercase()), "{seen}");
    assert!(!seen.contains(&ebcdic), "{seen}");
    // The user name in its ordinary field is there: the reads did read the screen.
    let r = s.get(&format!("/3270/rest/json/{}", enc("Ebcdic()")));
    assert!(r.body.contains("84 85 94 96"), "{r:?}");
}
