//! The API the interactive client serves for its own tabs (`[api] enabled = true`), in a
//! real terminal (tmux) against the built-in demo host (`r3270 --demo`), called with curl:
//! no token is refused; what the operator types in the pane reads back through `Ascii()`;
//! the API signs on (String/Tab/Enter) and the pane shows the menu; steps page the list;
//! a password typed into the non-display field (by the operator, and through the API)
//! never shows in any answer nor in any file r3270 wrote. With `[api] enabled = false`
//! (the default) nothing listens.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::api::{Reply, curl, enc, files_under};
use common::tmux::Tmux;

/// Far above a normal run; only catches a hang.
const DEADLINE: Duration = Duration::from_secs(30);

/// Passwords nobody else types: one the operator types, one the API types (both into the
/// sign-on's non-display field).
const TYPED_SECRET: &str = "Pq7wZk";
const API_SECRET: &str = "Xv3mHj";

fn locked(screen: &str) -> bool {
    let line = screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    line.starts_with("X ") || line.contains(" X ")
}

fn wait_ready(t: &Tmux, text: &str) -> String {
    t.wait_until(
        DEADLINE,
        &format!("`{text}` and an unlocked keyboard"),
        |s| s.contains(text) && !locked(s),
    )
}

/// A secret as EBCDIC hex (code page 037: letters and digits), as `Ebcdic()` and
/// `ReadBuffer(Ebcdic)` would write it.
fn ebcdic_hex(s: &str) -> Vec<String> {
    s.chars()
        .map(|c| {
            let b = match c {
                'A'..='I' => 0xc1 + (c as u8 - b'A'),
                'J'..='R' => 0xd1 + (c as u8 - b'J'),
                'S'..='Z' => 0xe2 + (c as u8 - b'S'),
                'a'..='i' => 0x81 + (c as u8 - b'a'),
                'j'..='r' => 0x91 + (c as u8 - b'j'),
                's'..='z' => 0xa2 + (c as u8 - b's'),
                '0'..='9' => 0xf0 + (c as u8 - b'0'),
                _ => panic!("{c}"),
            };
            format!("{b:02x}")
        })
        .collect()
}

/// The interactive client in tmux with its API, and everything it was given.
struct Tui {
    t: Tmux,
    dir: PathBuf,
    base: String,
    token: String,
    /// Every answer the API gave, to scan for the secrets.
    seen: Vec<String>,
}

impl Tui {
    /// `r3270 --config CFG --demo` with `api` as the `[api]` section (everything it writes
    /// under one temporary directory); `None` when tmux is missing.
    fn start(name: &str, api: &str, port: u16) -> Option<Tui> {
        let dir = common::temp_dir(name);
        let cfg = dir.join("config.toml");
        std::fs::write(
            &cfg,
            format!(
                "[paths]\ndata-dir = \"{d}/data\"\nlog-dir = \"{d}/logs\"\n\n\
                 [audit]\ndir = \"{d}/audit\"\nkey-dir = \"{d}/keys\"\n\n[api]\n{api}\n",
                d = dir.display()
            ),
        )
        .unwrap();
        let script = format!(
            "'{}' --config '{}' --demo; echo \"r3270 exited with $?\"; sleep 60",
            env!("CARGO_BIN_EXE_r3270"),
            cfg.display()
        );
        let t = Tmux::start(name, 100, 32, Path::new("/bin/sh"), &["-c", &script])?;
        Some(Tui {
            t,
            base: format!("http://127.0.0.1:{port}"),
            token: String::new(),
            dir,
            seen: Vec::new(),
        })
    }

    /// A call with the token; its answer is kept for the secrets' scan.
    fn call(&mut self, method: &str, path: &str, body: Option<&str>, headers: &[&str]) -> Reply {
        let auth = format!("Authorization: Bearer {}", self.token);
        let mut all = vec![auth.as_str()];
        all.extend_from_slice(headers);
        let r = curl(method, &format!("{}{path}", self.base), body, &all, &[]);
        self.seen.push(format!("{}\n{}", r.headers, r.body));
        r
    }

    fn get(&mut self, path: &str) -> Reply {
        self.call("GET", path, None, &[])
    }

    /// `/3270/rest/json/ACTIONS` (on `/session/NAME` when given).
    fn s3270(&mut self, session: Option<&str>, actions: &str) -> (u16, serde_json::Value) {
        let prefix = session.map_or_else(String::new, |s| format!("/session/{s}"));
        let r = self.get(&format!("{prefix}/3270/rest/json/{}", enc(actions)));
        (r.status, r.json())
    }

    /// Quits through the confirmation and waits for the exit status.
    fn quit(&self) {
        self.t.keys(&["C-q"]);
        self.t.wait_for("Quit r3270", DEADLINE);
        self.t.text("y");
        self.t.wait_for("r3270 exited with 0", DEADLINE);
    }
}

#[test]
fn the_api_drives_the_operators_tab_and_never_shows_a_password() {
    let port = common::free_port();
    let listen = format!("enabled = true\nlisten = \"127.0.0.1:{port}\"");
    let Some(mut tui) = Tui::start("tui-api", &listen, port) else {
        common::skip("tmux");
        return;
    };
    wait_ready(&tui.t, "Sign on");
    // Listening before the terminal was taken over; the token file was made then.
    let screen = tui.t.capture();
    assert!(
        screen.contains(&format!("API listening on http://127.0.0.1:{port}")),
        "{screen}"
    );
    let token_file = tui.dir.join("data/api-token");
    tui.token = std::fs::read_to_string(&token_file)
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(tui.token.len(), 64);

    refusals_and_the_list(&mut tui);
    reads_never_show_the_operators_password(&mut tui);
    the_api_signs_on_and_pages(&mut tui);
    tui.quit();
    no_password_in_answers_or_files(&tui);
}

/// No token, a wrong one: refused; the cookie and the bearer token: taken.
fn refusals_and_the_list(tui: &mut Tui) {
    // No token, a wrong token: refused with no detail.
    let url = format!("{}/3270/rest/json/Ascii()", tui.base);
    let r = curl("GET", &url, None, &[], &[]);
    assert_eq!((r.status, r.body.as_str()), (401, ""), "{r:?}");
    let r = curl("GET", &url, None, &["Authorization: Bearer nope"], &[]);
    assert_eq!((r.status, r.body.as_str()), (403, ""), "{r:?}");
    let r = curl(
        "GET",
        &format!("{}/api/v1/sessions", tui.base),
        None,
        &[],
        &[],
    );
    assert_eq!(r.status, 401, "{r:?}");
    // x3270's cookie is a token too.
    let cookie = format!("Cookie: x3270-security={}", tui.token);
    let r = curl("GET", &url, None, &[&cookie], &[]);
    assert_eq!(r.status, 200, "{r:?}");

    let r = tui.get("/api/v1/sessions");
    assert_eq!(r.status, 200, "{r:?}");
    let list = r.json();
    assert_eq!(list["sessions"][0]["name"], "demo", "{list}");
    assert_eq!(list["sessions"][0]["state"], "connected", "{list}");
}

/// What the operator types reads back; the password in the non-display field never does.
fn reads_never_show_the_operators_password(tui: &mut Tui) {
    // The operator types a password into the non-display field, then a user id.
    tui.t.keys(&["Tab"]);
    tui.t.text(TYPED_SECRET);
    tui.t.keys(&["Home"]);
    tui.t.text("tuiop");
    tui.t.wait_for("tuiop", DEADLINE);
    let (code, a) = tui.s3270(None, "Ascii()");
    assert_eq!(code, 200, "{a}");
    assert!(a["result"].to_string().contains("tuiop"), "{a}");
    let status = a["status"].as_str().unwrap();
    assert!(status.starts_with("U F U C(127.0.0.1) I "), "{status}");
    for read in [
        "Ebcdic()",
        "ReadBuffer(Ebcdic)",
        "ReadBuffer(Ascii)",
        "Tab() AsciiField() EbcdicField()",
    ] {
        let (code, a) = tui.s3270(Some("demo"), read);
        assert_eq!(code, 200, "{read}: {a}");
    }
    let r = tui.get("/api/v1/sessions/1/screen");
    assert_eq!(r.status, 200, "{r:?}");
    let screen = r.json();
    assert!(
        screen["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["hidden"] == true),
        "{screen}"
    );
}

/// The API signs on (a wrong password first) and pages the list; the pane follows.
fn the_api_signs_on_and_pages(tui: &mut Tui) {
    // The API types a wrong password (the host says so), then signs on; the pane follows.
    let body = format!(
        "Home() EraseEOF() String(\"demo\") Tab() EraseEOF() String(\"{API_SECRET}\") Enter()"
    );
    let r = tui.call(
        "POST",
        "/3270/rest/post",
        Some(&body),
        &["Content-Type: text/plain"],
    );
    assert_eq!(r.status, 200, "{r:?}");
    wait_ready(&tui.t, "DMO001E");
    let (code, a) = tui.s3270(
        None,
        "Home() EraseEOF() String(\"demo\") Tab() EraseEOF() String(\"demo\") Enter()",
    );
    assert_eq!(code, 200, "{a}");
    assert!(a["result"].is_null(), "{a}");
    wait_ready(&tui.t, "Main menu");
    let (_, a) = tui.s3270(Some("demo"), "Query(ConnectionState) Ascii(0,0,6)");
    assert_eq!(a["result"][0], "connected-tn3270e", "{a}");

    // Steps page the list; the pane shows it.
    let steps = serde_json::json!({"steps": [
        {"text": "2"},
        {"key": "Enter"},
        {"wait": {"text": "Lines 1-"}},
    ]});
    let r = tui.call(
        "POST",
        "/api/v1/sessions/demo/steps",
        Some(&steps.to_string()),
        &["Content-Type: application/json"],
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.body.contains("Lines 1-"), "{r:?}");
    wait_ready(&tui.t, "Lines 1-");

    // What the interactive client does not do, it says; the tab is still the operator's.
    let (code, a) = tui.s3270(None, "Quit()");
    assert_eq!(code, 400, "{a}");
    assert!(
        a["result"][0].as_str().unwrap().contains("not available"),
        "{a}"
    );
    let r = tui.get("/session/nope/3270/rest/text/Ascii()");
    assert_eq!(r.status, 404, "{r:?}");
    let r = tui.get("/metrics");
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.body.contains("r3270_sessions{state=\"connected\"} 1"),
        "{}",
        r.body
    );
    tui.t.wait_for("Lines 1-", DEADLINE);
}

fn no_password_in_answers_or_files(tui: &Tui) {
    // Neither password is in any answer, nor in any file r3270 wrote (the audit log with its
    // api-call records, the log, the token, the tab list).
    let audit: String = files_under(&tui.dir.join("audit"))
        .iter()
        .map(|p| String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned())
        .collect();
    assert!(audit.contains("api-call"), "no api-call record");
    let files = files_under(&tui.dir);
    assert!(
        files.iter().any(|p| p.starts_with(tui.dir.join("logs"))),
        "{files:?}"
    );
    let texts: Vec<(String, String)> = files
        .iter()
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            (
                p.display().to_string(),
                String::from_utf8_lossy(&bytes).to_lowercase(),
            )
        })
        .chain(
            tui.seen
                .iter()
                .map(|s| ("an answer".to_owned(), s.to_lowercase())),
        )
        .collect();
    for secret in [TYPED_SECRET, API_SECRET] {
        let hex = ebcdic_hex(secret);
        for (what, text) in &texts {
            assert!(!text.contains(&secret.to_lowercase()), "{secret} in {what}");
            assert!(
                !text.contains(&hex.join(" ")),
                "{secret} (EBCDIC) in {what}"
            );
            assert!(!text.contains(&hex.concat()), "{secret} (EBCDIC) in {what}");
        }
    }
}

#[test]
fn nothing_listens_unless_enabled() {
    let port = common::free_port();
    // `listen` is set, `enabled` is not: off by default.
    let listen = format!("listen = \"127.0.0.1:{port}\"");
    let Some(tui) = Tui::start("tui-api-off", &listen, port) else {
        common::skip("tmux");
        return;
    };
    wait_ready(&tui.t, "Sign on");
    // An enabled API listens before the terminal is taken over, so before the sign-on
    // shows: here the connection is refused.
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "something listens on {port}"
    );
    assert!(!tui.dir.join("data/api-token").exists());
    assert!(!tui.t.capture().contains("API listening"));
    tui.quit();
}
