//! `/metrics` of `r3270 serve` after real session flows, checked against witnesses that are
//! not r3270: `promtool check metrics` (Prometheus's own checker) on every scrape; a
//! counting TCP relay in the test, between r3270 and the demo host, for the bytes both ways
//! (over two connections of one session, and after the session is closed); the keys the
//! test sent for the AIDs by key; openssl for the certificate's expiry; and r3270's REST
//! (`GET /api/v1/sessions/NAME`) for the same session's figures. curl is the HTTP client.
#![allow(clippy::unwrap_used, clippy::panic, clippy::missing_panics_doc)]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::relay::Relay;
use common::{Guard, find_program, free_port, make_pki, r3270_command, start_demo, temp_dir};

/// How long a figure may take to settle before the test gives up (a hang guard only).
const SETTLE: Duration = Duration::from_secs(30);

/// Each chunk the host sends is held this long by the relay, so every host response
/// takes at least this long as r3270 sees it.
const DELAY: Duration = Duration::from_millis(150);

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// `r3270 serve` in a child process (killed by PID when dropped).
struct Serve {
    _guard: Guard,
    _stdout: BufReader<ChildStdout>,
    base: String,
    token: String,
    dir: PathBuf,
}

/// One HTTP answer.
struct Reply {
    code: u16,
    content_type: String,
    body: String,
}

impl Serve {
    fn start(config: &str) -> Serve {
        let dir = temp_dir("api-metrics");
        let cfg = dir.join("config.toml");
        std::fs::write(&cfg, config).unwrap();
        let token_file = dir.join("token");
        let mut child = r3270_command()
            .arg("--config")
            .arg(&cfg)
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--token-file"])
            .arg(&token_file)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("serve.err")).unwrap())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let guard = Guard {
            child,
            log: dir.join("serve.err"),
        };
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("r3270 serve listening on ")
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| {
                panic!(
                    "unexpected first line {line:?}; stderr: {}",
                    std::fs::read_to_string(dir.join("serve.err")).unwrap_or_default()
                )
            })
            .to_owned();
        let token = std::fs::read_to_string(&token_file)
            .unwrap()
            .trim()
            .to_owned();
        Serve {
            _guard: guard,
            _stdout: stdout,
            base,
            token,
            dir,
        }
    }

    /// A request with curl; `token` None sends none.
    fn call(&self, method: &str, path: &str, body: Option<&str>, token: Option<&str>) -> Reply {
        let out = self.dir.join(format!("reply-{}", common::unique()));
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-S", "-g", "--max-time", "60", "-X", method, "-o"])
            .arg(&out)
            .args(["-w", "%{http_code} %{content_type}"]);
        if let Some(t) = token {
            cmd.arg("-H").arg(format!("Authorization: Bearer {t}"));
        }
        if let Some(b) = body {
            cmd.args(["-H", "Content-Type: application/json", "--data-binary", b]);
        }
        cmd.arg(format!("{}{}", self.base, path.replace(' ', "%20")));
        let done = cmd.output().unwrap();
        assert!(
            done.status.success(),
            "curl {method} {path}: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        let w = String::from_utf8(done.stdout).unwrap();
        let (code, content_type) = w.split_once(' ').unwrap_or((&w, ""));
        let body = std::fs::read_to_string(&out).unwrap_or_default();
        let _ = std::fs::remove_file(&out);
        Reply {
            code: code.parse().unwrap(),
            content_type: content_type.to_owned(),
            body,
        }
    }

    fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None, Some(&self.token))
    }

    /// Runs an s3270 action line on a session (`None`: the default one); it must succeed.
    fn actions(&self, session: Option<&str>, line: &str) -> serde_json::Value {
        let path = match session {
            Some(n) => format!("/session/{n}/3270/rest/json/{line}"),
            None => format!("/3270/rest/json/{line}"),
        };
        let r = self.get(&path);
        assert_eq!(r.code, 200, "{line}: {}", r.body);
        serde_json::from_str(&r.body).unwrap()
    }

    fn session(&self, name: &str) -> serde_json::Value {
        let r = self.get(&format!("/api/v1/sessions/{name}"));
        assert_eq!(r.code, 200, "{}", r.body);
        serde_json::from_str(&r.body).unwrap()
    }

    /// A scrape, checked by promtool, as a map of series to values.
    fn scrape(&self) -> Scrape {
        let r = self.get("/metrics");
        assert_eq!(r.code, 200, "{}", r.body);
        assert_eq!(r.content_type, CONTENT_TYPE);
        promtool(&self.dir, &r.body);
        Scrape::parse(r.body)
    }
}

/// `promtool check metrics` must pass on `text`.
fn promtool(dir: &Path, text: &str) {
    let file = dir.join(format!("scrape-{}.txt", common::unique()));
    std::fs::write(&file, text).unwrap();
    let out = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&file).unwrap())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics failed:\n{}{}\non:\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scrape's samples by series (`name{labels}`, labels as r3270 writes them).
struct Scrape {
    text: String,
    samples: BTreeMap<String, f64>,
}

impl Scrape {
    fn parse(text: String) -> Scrape {
        let mut samples = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (series, value) = line.rsplit_once(' ').unwrap();
            let v = match value {
                "+Inf" => f64::INFINITY,
                v => v.parse().unwrap(),
            };
            assert!(
                samples.insert(series.to_owned(), v).is_none(),
                "{series} twice"
            );
        }
        Scrape { text, samples }
    }

    /// The sample of `name` with these labels, in this order.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let series = if labels.is_empty() {
            name.to_owned()
        } else {
            let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
            format!("{name}{{{}}}", l.join(","))
        };
        self.samples.get(&series).copied()
    }

    /// Like [`Scrape::get`], as a count (0 when absent).
    #[allow(clippy::cast_sign_loss, clippy::cast_possible_truncation)] // checked first
    fn n(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let v = self.get(name, labels).unwrap_or(0.0);
        assert!(v >= 0.0 && v.fract() == 0.0, "{name} {labels:?} = {v}");
        v as u64
    }

    fn bytes(&self, profile: &str) -> (u64, u64) {
        let p = [("profile", profile)];
        (
            self.n("r3270_received_bytes_total", &p),
            self.n("r3270_sent_bytes_total", &p),
        )
    }

    /// The histogram's buckets of `profile` in order, checked cumulative and ending in
    /// `+Inf` = `_count`; returns them with `_sum` and `_count`.
    fn histogram(&self, profile: &str) -> (Vec<(String, u64)>, f64, u64) {
        let prefix = format!("r3270_host_response_seconds_bucket{{profile=\"{profile}\",le=\"");
        let buckets: Vec<(String, u64)> = self
            .text
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .map(|rest| {
                let (le, v) = rest.split_once("\"} ").unwrap();
                (le.to_owned(), v.parse().unwrap())
            })
            .collect();
        let les: Vec<&str> = buckets.iter().map(|(le, _)| le.as_str()).collect();
        assert_eq!(
            les,
            [
                "0.05", "0.1", "0.25", "0.5", "1", "2", "5", "10", "30", "+Inf"
            ],
            "the engine's buckets"
        );
        assert!(
            buckets.windows(2).all(|w| w[0].1 <= w[1].1),
            "not cumulative: {buckets:?}"
        );
        let p = [("profile", profile)];
        let count = self.n("r3270_host_response_seconds_count", &p);
        let sum = self.get("r3270_host_response_seconds_sum", &p).unwrap();
        assert_eq!(buckets.last().unwrap().1, count, "+Inf is the count");
        (buckets, sum, count)
    }
}

/// Scrapes until `done` holds (or [`SETTLE`] passes), returning the last scrape.
fn settle(serve: &Serve, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = Instant::now() + SETTLE;
    loop {
        let s = serve.scrape();
        if done(&s) || Instant::now() > deadline {
            return s;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The certificate's `notAfter` as a unix time, by openssl and date (not r3270).
fn not_after(cert: &Path) -> i64 {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-enddate", "-in"])
        .arg(cert)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let when = text.trim().strip_prefix("notAfter=").unwrap();
    let out = Command::new("date")
        .args(["-u", "-d", when, "+%s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "date -d {when}");
    String::from_utf8(out.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

fn tools() -> bool {
    for tool in ["curl", "promtool", "openssl"] {
        if find_program(tool).is_none() {
            common::skip(tool);
            return false;
        }
    }
    true
}

/// The text of the screen a session shows, in pieces as it is laid out (runs of text
/// between wider gaps, 6 characters or more): a scrape must contain none of them.
fn screen_pieces(serve: &Serve, session: Option<&str>) -> Vec<String> {
    let screen = serve.actions(session, "Ascii()");
    let mut pieces: Vec<String> = screen["result"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| {
            row.as_str()
                .unwrap()
                .split("  ")
                .map(str::trim)
                .filter(|p| p.len() >= 6 && p.chars().any(|c| c.is_ascii_alphabetic()))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    pieces.sort();
    pieces.dedup();
    assert!(pieces.len() >= 3, "little screen text: {screen}");
    pieces
}

const SIGN_ON: &str = "String(demo) Tab() String(demo) Enter() Wait(10,Output)";

#[test]
fn metrics_without_the_token_are_refused() {
    if !tools() {
        return;
    }
    let serve = Serve::start("");
    let none = serve.call("GET", "/metrics", None, None);
    assert_eq!(none.code, 401);
    assert!(!none.body.contains("r3270_"), "{}", none.body);
    let wrong = serve.call("GET", "/metrics", None, Some("not-the-token"));
    assert_eq!(wrong.code, 403);
    assert!(!wrong.body.contains("r3270_"), "{}", wrong.body);
    // The refusals are counted by status class.
    let s = serve.scrape();
    assert_eq!(s.n("r3270_api_requests_total", &[("code", "4xx")]), 2);
}

#[test]
#[allow(clippy::too_many_lines)] // one flow, checked step by step
fn metrics_after_session_flows_equal_the_witnesses() {
    if !tools() {
        return;
    }
    let pki = make_pki();
    let tls_host = start_demo(&[
        "--tls-cert",
        pki.cert.to_str().unwrap(),
        "--tls-key",
        pki.key.to_str().unwrap(),
    ]);
    let host = start_demo(&[]);
    let relay = Relay::start(host.port, DELAY);
    let dead = free_port();
    let relay_ep = format!("127.0.0.1:{}", relay.port);
    let dead_ep = format!("127.0.0.1:{dead}");
    let tls_ep = format!("L:127.0.0.1:{}", tls_host.port);
    let serve = Serve::start(&format!(
        r#"
[profile.witness]
host = "127.0.0.1"
port = {dead}
alternates = ["{relay_ep}"]

[profile.secure]
host = "127.0.0.1"
port = {}
tls = "direct"
ca-file = "{}"
"#,
        tls_host.port,
        pki.ca.display()
    ));

    // The default session (--demo): sign on through the s3270-compatible path.
    let default = serve.session("default");
    let demo_profile = default["profile"].as_str().unwrap().to_owned();
    serve.actions(None, SIGN_ON);
    let mut screens = screen_pieces(&serve, None);

    // A second session, on the profile whose first endpoint is down: it fails over to
    // the relay.
    let r = serve.call(
        "POST",
        "/api/v1/sessions",
        Some(r#"{"target": "witness", "name": "zq-first"}"#),
        Some(&serve.token),
    );
    assert_eq!(r.code, 201, "{}", r.body);
    let first = Some("zq-first");
    serve.actions(first, SIGN_ON);
    serve.actions(first, "Clear() Wait(10,Output)");
    serve.actions(first, "PF(1) Wait(10,Output)");
    screens.extend(screen_pieces(&serve, first));

    // A session that cannot connect at all.
    let r = serve.call(
        "POST",
        "/api/v1/sessions",
        Some(&format!(r#"{{"target": "{dead_ep}", "name": "zq-dead"}}"#)),
        Some(&serve.token),
    );
    assert_eq!(r.code, 502, "{}", r.body);

    // Every byte the relay carried is counted, both ways.
    let s1 = settle(&serve, |s| s.bytes("witness") == (relay.down(), relay.up()));
    assert_eq!(
        s1.bytes("witness"),
        (relay.down(), relay.up()),
        "{}\n{}",
        s1.text,
        serve.session("zq-first")
    );
    assert!(relay.down() > 0 && relay.up() > 0);
    // ... and equals what the REST reports for the same session (one connection so far).
    let rest = serve.session("zq-first");
    let w = [("profile", "witness")];
    for (metric, field) in [
        ("r3270_received_bytes_total", "bytes_in"),
        ("r3270_sent_bytes_total", "bytes_out"),
        ("r3270_received_records_total", "records_in"),
        ("r3270_sent_records_total", "records_out"),
    ] {
        assert_eq!(
            s1.n(metric, &w),
            rest[field].as_u64().unwrap(),
            "{metric} vs {field}"
        );
    }
    let rest = serve.session("default");
    let d = [("profile", demo_profile.as_str())];
    assert_eq!(
        s1.n("r3270_received_bytes_total", &d),
        rest["bytes_in"].as_u64().unwrap()
    );
    assert_eq!(
        s1.n("r3270_sent_records_total", &d),
        rest["records_out"].as_u64().unwrap()
    );

    // AIDs by key: what was sent.
    let key = |s: &Scrape, p: &str, k: &str| s.n("r3270_aids_total", &[("profile", p), ("key", k)]);
    assert_eq!(key(&s1, "witness", "enter"), 1);
    assert_eq!(key(&s1, "witness", "clear"), 1);
    assert_eq!(key(&s1, "witness", "pf1"), 1);
    assert_eq!(key(&s1, &demo_profile, "enter"), 1);
    assert_eq!(key(&s1, &demo_profile, "clear"), 0);

    // Host response time: one per AID, none faster than the relay's hold.
    let (buckets, sum, count) = s1.histogram("witness");
    assert_eq!(count, 3);
    assert_eq!(buckets[1], ("0.1".to_owned(), 0), "{buckets:?}");
    assert!(sum >= 3.0 * DELAY.as_secs_f64(), "sum {sum}");
    let (_, _, count) = s1.histogram(&demo_profile);
    assert_eq!(count, 1);

    // Sessions by profile and state.
    let state =
        |s: &Scrape, p: &str, st: &str| s.n("r3270_sessions", &[("profile", p), ("state", st)]);
    assert_eq!(state(&s1, "witness", "connected"), 1);
    assert_eq!(state(&s1, &demo_profile, "connected"), 1);
    assert_eq!(state(&s1, &dead_ep, "failed"), 1);
    assert_eq!(state(&s1, "witness", "failed"), 0);

    // Connects, and the endpoint that failed first.
    let link = |s: &Scrape, m: &str, p: &str, e: &str| s.n(m, &[("profile", p), ("endpoint", e)]);
    assert_eq!(link(&s1, "r3270_connects_total", "witness", &relay_ep), 1);
    assert_eq!(relay.connections(), 1);
    assert_eq!(link(&s1, "r3270_reconnects_total", "witness", &relay_ep), 0);
    let fails = "r3270_endpoint_connect_failures_total";
    let tries = "r3270_endpoint_connect_attempts_total";
    assert_eq!(link(&s1, fails, "witness", &dead_ep), 1);
    assert_eq!(link(&s1, tries, "witness", &dead_ep), 1);
    assert_eq!(link(&s1, tries, "witness", &relay_ep), 1);
    assert_eq!(link(&s1, fails, "witness", &relay_ep), 0);
    assert_eq!(link(&s1, fails, &dead_ep, &dead_ep), 1);

    // Script commands: every action line above (the Ascii() reads too).
    assert_eq!(s1.n("r3270_script_commands_total", &[]), 6);
    assert_eq!(s1.n("r3270_script_command_errors_total", &[]), 0);
    // The API calls that changed something were recorded in the audit log.
    assert_eq!(s1.n("r3270_audit_api_records_total", &[]), 6);
    assert!(s1.n("r3270_audit_records_total", &[]) > s1.n("r3270_audit_api_records_total", &[]));
    assert_eq!(s1.n("r3270_audit_write_failures_total", &[]), 0);

    // A second connection of the same session: the first one's figures are kept.
    serve.actions(first, "Disconnect()");
    serve.actions(first, &format!("Connect({relay_ep}) Wait(10,InputField)"));
    serve.actions(first, SIGN_ON);
    let s2 = settle(&serve, |s| s.bytes("witness") == (relay.down(), relay.up()));
    assert_eq!(relay.connections(), 2);
    assert_eq!(s2.bytes("witness"), (relay.down(), relay.up()));
    let rest = serve.session("zq-first");
    assert!(
        rest["bytes_in"].as_u64().unwrap() < s2.bytes("witness").0,
        "the REST shows the current connection, the counter all of them"
    );
    assert!(s2.bytes("witness").0 > s1.bytes("witness").0);
    assert_eq!(link(&s2, "r3270_connects_total", "witness", &relay_ep), 2);
    assert_eq!(link(&s2, "r3270_reconnects_total", "witness", &relay_ep), 1);
    assert_eq!(key(&s2, "witness", "enter"), 2);
    assert_eq!(s2.histogram("witness").2, 4);

    // Closing the session keeps its figures: the counters do not go down.
    let r = serve.call(
        "DELETE",
        "/api/v1/sessions/zq-first",
        None,
        Some(&serve.token),
    );
    assert_eq!(r.code, 204, "{}", r.body);
    let s3 = settle(&serve, |s| s.bytes("witness") == (relay.down(), relay.up()));
    assert_eq!(s3.bytes("witness"), (relay.down(), relay.up()));
    assert!(s3.bytes("witness").0 >= s2.bytes("witness").0);
    assert!(s3.bytes("witness").1 >= s2.bytes("witness").1);
    assert_eq!(key(&s3, "witness", "enter"), 2);
    assert_eq!(s3.histogram("witness").2, 4);
    assert_eq!(link(&s3, "r3270_connects_total", "witness", &relay_ep), 2);
    assert_eq!(state(&s3, "witness", "connected"), 0);

    // TLS: the certificate's expiry, as openssl reads the file the host serves.
    let r = serve.call(
        "POST",
        "/api/v1/sessions",
        Some(r#"{"target": "secure", "name": "zq-secure"}"#),
        Some(&serve.token),
    );
    assert_eq!(r.code, 201, "{}", r.body);
    let s4 = serve.scrape();
    let expiry = s4
        .get(
            "r3270_tls_cert_expiry_timestamp_seconds",
            &[("endpoint", &tls_ep)],
        )
        .unwrap_or_else(|| panic!("no expiry for {tls_ep} in\n{}", s4.text));
    #[allow(clippy::cast_precision_loss)]
    let want = not_after(&pki.cert) as f64;
    assert!((expiry - want).abs() < 1.0, "{expiry} vs {want}");
    assert_eq!(state(&s4, "secure", "connected"), 1);

    // No session name and no screen text in any scrape.
    assert!(
        screens.iter().any(|p| p.contains("DEMONSTRATION")),
        "{screens:?}"
    );
    for s in [&s1, &s2, &s3, &s4] {
        for name in ["zq-", "default"] {
            assert!(!s.text.contains(name), "`{name}` in\n{}", s.text);
        }
        for w in &screens {
            assert!(
                !s.text.contains(w.as_str()),
                "screen text `{w}` in\n{}",
                s.text
            );
        }
    }
}
