//! The s3270-compatible paths of `r3270 serve` against the oracle, `s3270 -httpd` (Debian's
//! s3270 4.1), in the same run: the same requests to both, on the demo host and on
//! mainframe-mocker; the same HTTP status codes, the same result lines and the same status
//! line (all but the command's timing). Replies differ by choice only in shape (docs/API.md):
//! r3270 writes x3270 4.6's JSON (`result-err`, and `status` on errors too).
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::api::{Reply, Serve, curl, enc};
use common::{Guard, find_program, free_port, skip};

/// `s3270 -httpd 127.0.0.1:PORT`, killed when dropped.
struct Oracle {
    _guard: Guard,
    base: String,
}

fn oracle() -> Option<Oracle> {
    let Some(prog) = find_program("s3270") else {
        skip("s3270");
        return None;
    };
    let port = free_port();
    let child = Command::new(prog)
        .args(["-httpd", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let o = Oracle {
        _guard: Guard {
            child,
            log: std::path::PathBuf::new(),
        },
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "s3270 -httpd did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(o)
}

/// The host's clock, the LU the host gave each connection, and the seconds field of the
/// status line differ between two connections; everything else must not.
fn mask(s: &str) -> String {
    let lu = regex_lite(s);
    common::mask_clock(&[lu])[0].clone()
}

fn regex_lite(s: &str) -> String {
    // DEMOnnnn (the demo host's LU names) and hh:mm:ss clocks.
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        if s[i..].starts_with("DEMO")
            && b.len() >= i + 8
            && b[i + 4..i + 8].iter().all(u8::is_ascii_digit)
        {
            out.push_str("DEMO####");
            i += 8;
            continue;
        }
        if b.len() >= i + 8
            && b[i].is_ascii_digit()
            && b[i + 1].is_ascii_digit()
            && b[i + 2] == b':'
            && b[i + 3].is_ascii_digit()
            && b[i + 4].is_ascii_digit()
            && b[i + 5] == b':'
            && b[i + 6].is_ascii_digit()
            && b[i + 7].is_ascii_digit()
        {
            out.push_str("hh:mm:ss");
            i += 8;
            continue;
        }
        out.push(b[i] as char);
        i += 1;
    }
    out
}

/// The status line without its last field (the time the command took).
fn status_head(status: &str) -> String {
    let mut f: Vec<&str> = status.split(' ').collect();
    f.pop();
    f.join(" ")
}

struct Pair<'a> {
    ours: &'a Serve,
    oracle: &'a Oracle,
}

impl Pair<'_> {
    fn both(&self, method: &str, path: &str) -> (Reply, Reply) {
        let auth = format!("Authorization: Bearer {}", self.ours.token);
        let ours = curl(
            method,
            &format!("{}{path}", self.ours.base),
            None,
            &[&auth],
            &[],
        );
        let theirs = curl(
            method,
            &format!("{}{path}", self.oracle.base),
            None,
            &[],
            &[],
        );
        (ours, theirs)
    }

    /// A JSON action line on both: same code, same result lines, same status line.
    fn json(&self, line: &str) -> serde_json::Value {
        let path = format!("/3270/rest/json/{}", enc(line));
        let (ours, theirs) = self.both("GET", &path);
        assert_eq!(ours.status, theirs.status, "{line}: {ours:?} vs {theirs:?}");
        let (o, t) = (ours.json(), theirs.json());
        let lines = |v: &serde_json::Value| -> Vec<String> {
            match &v["result"] {
                serde_json::Value::Null => vec![],
                serde_json::Value::Array(a) => {
                    a.iter().map(|l| mask(l.as_str().unwrap())).collect()
                }
                other => panic!("result is {other}"),
            }
        };
        assert_eq!(lines(&o), lines(&t), "{line}: result");
        // 4.1 writes no status with an error; r3270 writes it always (as 4.6 does).
        if let Some(ts) = t["status"].as_str() {
            assert_eq!(
                status_head(o["status"].as_str().unwrap()),
                status_head(ts),
                "{line}: status"
            );
        }
        assert!(o["status"].is_string(), "{line}: {o}");
        if ours.status == 200 {
            assert!(
                ours.headers
                    .to_ascii_lowercase()
                    .contains("application/json")
            );
        }
        let n = lines(&o).len();
        assert_eq!(o["result-err"].as_array().unwrap().len(), n, "{o}");
        o
    }

    /// A text or stext line on both: same code, same body (masked; stext's status line
    /// without its timing).
    fn text(&self, mode: &str, line: &str) {
        let path = format!("/3270/rest/{mode}/{}", enc(line));
        let (ours, theirs) = self.both("GET", &path);
        assert_eq!(ours.status, theirs.status, "{mode} {line}");
        let norm = |r: &Reply| -> Vec<String> {
            r.body
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    if mode == "stext" && i == 0 && r.status == 200 {
                        status_head(l)
                    } else {
                        mask(l)
                    }
                })
                .collect()
        };
        assert_eq!(norm(&ours), norm(&theirs), "{mode} {line}");
    }
}

fn flow(pair: &Pair<'_>, host_port: u16, sign_on: &[&str]) {
    let o = pair.json("Query(ConnectionState)");
    assert_eq!(o["result"][0], "not-connected");
    pair.json(&format!("Connect(127.0.0.1:{host_port})"));
    pair.json("Wait(InputField)");
    pair.json("Ascii()");
    pair.text("text", "Ascii(0,0,20)");
    pair.text("stext", "Ascii(0,0,20)");
    pair.json("Query(Cursor)");
    // User errors: 400 with the message, in every mode.
    let o = pair.json("Bogus()");
    assert_eq!(o["result"][0], "Unknown action: Bogus");
    pair.text("text", "Bogus()");
    pair.text("stext", "Bogus()");
    let o = pair.json("Wait(0.2,Output)");
    assert_eq!(o["result"][0], "Wait(): Timed out");
    // Several actions in one request, an AID among them.
    for line in sign_on {
        pair.json(line);
    }
    pair.json("Ascii()");
    pair.json("Ascii(2,0,2,80)");
    pair.json("ReadBuffer(Ascii)");
    // HTML: the same code; the page carries the result.
    let (ours, theirs) = pair.both("GET", &format!("/3270/rest/html/{}", enc("Ascii(0,0,10)")));
    assert_eq!((ours.status, theirs.status), (200, 200));
    assert!(ours.headers.to_ascii_lowercase().contains("text/html"));
    // HEAD: the same code and content type.
    let (ours, theirs) = pair.both("HEAD", &format!("/3270/rest/json/{}", enc("Ascii(0,0,5)")));
    assert_eq!(ours.status, theirs.status);
    assert!(
        ours.headers
            .to_ascii_lowercase()
            .contains("application/json"),
        "{ours:?}"
    );
    // No action, an unknown mode.
    let (ours, theirs) = pair.both("GET", "/3270/rest/json/");
    assert_eq!((ours.status, theirs.status), (400, 400));
    let (ours, theirs) = pair.both("GET", &format!("/3270/rest/xyz/{}", enc("Ascii()")));
    assert_eq!((ours.status, theirs.status), (404, 404));
    pair.json("Disconnect()");
    let o = pair.json("Query(ConnectionState)");
    assert_eq!(o["result"][0], "not-connected");
}

#[test]
fn the_compatible_paths_answer_as_s3270_httpd_on_the_demo_host() {
    let Some(oracle) = oracle() else { return };
    let demo = common::start_demo(&[]);
    let ours = Serve::start(&[], None);
    let pair = Pair {
        ours: &ours,
        oracle: &oracle,
    };
    flow(
        &pair,
        demo.port,
        &[
            "String(demo) Tab() String(demo) Enter()",
            "Wait(InputField)",
            "String(3) Enter()",
            "PF(3)",
        ],
    );
}

#[test]
fn the_compatible_paths_answer_as_s3270_httpd_on_mainframe_mocker() {
    let Some(oracle) = oracle() else { return };
    let Some((_mock, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let ours = Serve::start(&[], None);
    let pair = Pair {
        ours: &ours,
        oracle: &oracle,
    };
    flow(
        &pair,
        port,
        &[
            "String(user) Tab() String(secret) Enter()",
            "Wait(InputField)",
        ],
    );
}

#[test]
fn post_runs_an_action_line_or_json_actions() {
    let demo = common::start_demo(&[]);
    let ours = Serve::start(&[], None);
    let r = ours.call(
        "POST",
        "/3270/rest/post",
        Some(&format!("Connect(127.0.0.1:{})", demo.port)),
        &["Content-Type: text/plain"],
    );
    assert_eq!(r.status, 200, "{r:?}");
    let r = ours.post_json(
        "/3270/rest/post",
        &serde_json::json!([{"action": "Wait", "args": ["InputField"]}, {"action": "Ascii", "args": [0, 1, 6]}]),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["result"][0], "DMO000");
    let r = ours.post_json("/3270/rest/post", &serde_json::json!({"action": "Nope"}));
    assert_eq!(r.status, 400);
    let r = ours.call(
        "POST",
        "/3270/rest/post",
        Some("{"),
        &["Content-Type: application/json"],
    );
    assert_eq!(r.status, 400);
    assert!(r.json()["result"][0].as_str().unwrap().contains("JSON"));
    // A named session by the same paths.
    let r = ours.post_json(
        "/api/v1/sessions",
        &serde_json::json!({"target": demo.addr(), "name": "two"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let r = ours.get(&format!(
        "/session/two/3270/rest/json/{}",
        enc("Wait(InputField) Ascii(0,1,6)")
    ));
    assert_eq!(r.json()["result"][0], "DMO000", "{r:?}");
    let r = ours.get(&format!(
        "/session/nosuch/3270/rest/json/{}",
        enc("Ascii()")
    ));
    assert_eq!(r.status, 404);
}
