//! Webhooks of `r3270 serve` against a real receiver: a small Python HTTP server (run with
//! the CI venv's python) that verifies every delivery with the `standardwebhooks` package
//! and logs what it verified (or why it could not). Sessions are opened and closed through
//! the API on the demo host; the receiver is down then up, r3270 is restarted with events
//! pending, a receiver with the wrong secret refuses every delivery, and no file r3270
//! wrote holds the secret.
//!
//! Every process is killed by PID when its guard drops (on panic too).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::Guard;
use common::tn3270_host::{EOR, HELLO, IAC, negotiate};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The secret r3270 signs with (what the receiver verifies with in the good cases).
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Another valid secret, for the receiver that must refuse.
const WRONG: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// How long a test waits for something that should happen in well under a second; only a
/// hang ever reaches it.
const PATIENCE: Duration = Duration::from_secs(60);

const RECEIVER: &str = r#"
import json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from standardwebhooks.webhooks import Webhook

port, log = int(sys.argv[1]), sys.argv[2]
hook = Webhook(os.environ["RECEIVER_SECRET"])
lock = threading.Lock()

class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = dict(self.headers.items())
        rec = {"id": self.headers.get("webhook-id")}
        try:
            payload = hook.verify(body, headers)
            rec.update(ok=True, type=payload["type"], data=payload["data"])
            code = 204
        except Exception as e:
            rec.update(ok=False, error=f"{type(e).__name__}: {e}")
            code = 400
        with lock, open(log, "a") as f:
            f.write(json.dumps(rec) + "\n")
        self.send_response(code)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print("ready", flush=True)
server.serve_forever()
"#;

fn python() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python3");
    let ok = p.is_file()
        && Command::new(&p)
            .args(["-c", "import standardwebhooks"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
    if ok {
        Some(p)
    } else {
        common::skip("python3 with standardwebhooks in .ci/venv");
        None
    }
}

/// The test receiver on `port`, verifying with `secret`; it logs to `log`.
struct Receiver {
    _guard: Guard,
}

impl Receiver {
    fn start(python: &Path, dir: &Path, port: u16, secret: &str, log: &Path) -> Receiver {
        let script = dir.join("receiver.py");
        std::fs::write(&script, RECEIVER).unwrap();
        let mut child = Command::new(python)
            .arg(&script)
            .arg(port.to_string())
            .arg(log)
            .env("RECEIVER_SECRET", secret)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let guard = Guard {
            child,
            log: PathBuf::new(),
        };
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready", "the receiver did not start");
        Receiver { _guard: guard }
    }
}

/// One line of the receiver's log.
#[derive(Debug)]
struct Got {
    ok: bool,
    id: String,
    kind: String,
    data: Value,
    error: String,
}

fn received(log: &Path) -> Vec<Got> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            Got {
                ok: v["ok"].as_bool().unwrap(),
                id: v["id"].as_str().unwrap_or_default().to_owned(),
                kind: v["type"].as_str().unwrap_or_default().to_owned(),
                data: v["data"].clone(),
                error: v["error"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

/// Verified deliveries by (type, session).
fn tally(got: &[Got]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for g in got.iter().filter(|g| g.ok) {
        let session = g.data["session"].as_str().unwrap_or_default().to_owned();
        *out.entry((g.kind.clone(), session)).or_insert(0) += 1;
    }
    out
}

fn key(kind: &str, session: &str) -> (String, String) {
    (kind.to_owned(), session.to_owned())
}

/// Waits until `cond` holds (or panics with `what` after [`PATIENCE`]).
fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !cond() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A home for r3270 (config, data, state) and the test's own files.
struct Home {
    root: PathBuf,
    /// The config file and the secret file: written by the test, outside r3270's dirs.
    etc: PathBuf,
}

impl Home {
    fn new(name: &str) -> Home {
        let root = common::temp_dir(name);
        let etc = root.join("etc");
        std::fs::create_dir_all(&etc).unwrap();
        let secret = etc.join("hook.secret");
        std::fs::write(&secret, format!("{SECRET}\n")).unwrap();
        set_mode(&secret, 0o600);
        Home { root, etc }
    }

    fn config(&self, text: &str) -> PathBuf {
        let f = self.etc.join("config.toml");
        std::fs::write(&f, text).unwrap();
        f
    }

    /// The directories r3270 writes to.
    fn written(&self) -> Vec<PathBuf> {
        ["home", "data", "state", "cache", "config"]
            .iter()
            .map(|d| self.root.join(d))
            .collect()
    }

    fn data(&self) -> PathBuf {
        self.root.join("data/r3270")
    }
}

fn set_mode(f: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(f, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A webhook table for a receiver on `port`.
fn webhook(port: u16, extra: &str) -> String {
    format!(
        "[[webhooks]]\nname = \"test\"\nurl = \"http://127.0.0.1:{port}/hook\"\nsecret-file = \"hook.secret\"\nretry-initial-ms = 100\nretry-max-ms = 400\n{extra}\n"
    )
}

/// The binary under test: cargo's, unless `R3270_TEST_BIN` names a copy (for a target
/// directory that other checkouts build into at the same time).
fn r3270_bin() -> PathBuf {
    std::env::var_os("R3270_TEST_BIN")
        .map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_r3270")), PathBuf::from)
}

/// `r3270 serve` in a child process.
struct Serve {
    guard: Guard,
    port: u16,
    token: String,
    out: PathBuf,
}

impl Serve {
    fn start(home: &Home, config: &Path, args: &[&str]) -> Serve {
        let out = home.root.join(format!("serve-{}.out", common::unique()));
        let err = out.with_extension("err");
        let h = &home.root;
        let child = Command::new(r3270_bin())
            .env("HOME", h.join("home"))
            .env("XDG_CONFIG_HOME", h.join("config"))
            .env("XDG_DATA_HOME", h.join("data"))
            .env("XDG_STATE_HOME", h.join("state"))
            .env("XDG_CACHE_HOME", h.join("cache"))
            .env_remove("R3270_CONFIG")
            .env_remove("R3270_LOG")
            .arg("--config")
            .arg(config)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let mut guard = Guard {
            child,
            log: out.clone(),
        };
        let mut line = String::new();
        wait_for("r3270 serve to listen", || {
            if let Ok(Some(status)) = guard.child.try_wait() {
                panic!(
                    "r3270 serve exited ({status}):\n{}",
                    std::fs::read_to_string(&err).unwrap_or_default()
                );
            }
            line = std::fs::read_to_string(&out).unwrap_or_default();
            line.contains('\n')
        });
        let rest = line
            .lines()
            .next()
            .unwrap()
            .strip_prefix("r3270 serve listening on http://127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let (port, token_file) = rest.split_once(" (token in ").unwrap();
        let token = std::fs::read_to_string(token_file.trim_end_matches(')'))
            .unwrap()
            .trim()
            .to_owned();
        Serve {
            guard,
            port: port.parse().unwrap(),
            token,
            out,
        }
    }

    /// One request; (status, body).
    fn call(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(PATIENCE)).unwrap();
        let body = body.unwrap_or("");
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.token,
            body.len()
        )
        .unwrap();
        let mut reply = String::new();
        s.read_to_string(&mut reply).unwrap();
        let status = reply
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = reply
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    fn json(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let (code, text) = self.call(method, path, body);
        (code, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// The first webhook's figures from `GET /api/v1/webhooks`.
    fn hook_status(&self) -> Value {
        let (code, v) = self.json("GET", "/api/v1/webhooks", None);
        assert_eq!(code, 200, "{v}");
        v["webhooks"][0].clone()
    }

    fn open(&self, target: &str, name: &str) {
        let body = format!("{{\"target\": \"{target}\", \"name\": \"{name}\"}}");
        let (code, v) = self.json("POST", "/api/v1/sessions", Some(&body));
        assert_eq!(code, 201, "opening {name} on {target}: {v}");
    }

    fn close(&self, name: &str) {
        let (code, body) = self.call("DELETE", &format!("/api/v1/sessions/{name}"), None);
        assert_eq!(code, 204, "closing {name}: {body}");
    }

    /// The endpoint the default session (the demo host) is connected to.
    fn demo_endpoint(&self) -> String {
        let (_, v) = self.json("GET", "/api/v1/sessions/default", None);
        v["endpoint"].as_str().unwrap().to_owned()
    }

    /// SIGTERM, then wait for the exit; what it printed (stdout and stderr).
    fn stop(mut self) -> String {
        let pid = self.guard.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        wait_for("r3270 serve to exit after SIGTERM", || {
            matches!(self.guard.child.try_wait(), Ok(Some(_)))
        });
        let err = std::fs::read_to_string(self.out.with_extension("err")).unwrap_or_default();
        assert!(!err.contains("panicked"), "r3270 serve panicked:\n{err}");
        std::fs::read_to_string(&self.out).unwrap_or_default() + &err
    }
}

/// The `webhook` records of the audit log under `data`.
fn audit_records(data: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(data.join("audit")) else {
        return out;
    };
    for e in rd.flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        for l in text.lines() {
            if let Ok(v) = serde_json::from_str::<Value>(l) {
                if v["kind"] == "webhook" {
                    out.push(v);
                }
            }
        }
    }
    out
}

fn no_duplicates(got: &[Got]) {
    let mut ids: Vec<&str> = got.iter().filter(|g| g.ok).map(|g| g.id.as_str()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "an event arrived twice: {got:#?}");
}

#[test]
fn connected_and_disconnected_arrive_signed() {
    let Some(py) = python() else { return };
    let home = Home::new("wh-basic");
    // Readable by others: r3270 warns (and still runs).
    set_mode(&home.etc.join("hook.secret"), 0o644);
    let port = common::free_port();
    let log = home.root.join("received.jsonl");
    let _receiver = Receiver::start(&py, &home.root, port, SECRET, &log);
    let config = home.config(&webhook(port, ""));
    let serve = Serve::start(&home, &config, &["--demo"]);
    let demo = serve.demo_endpoint();
    serve.open(&demo, "api1");
    serve.close("api1");
    wait_for("connected and disconnected of api1", || {
        let got = received(&log);
        assert!(
            got.iter().all(|g| g.ok),
            "a delivery failed verification: {got:#?}"
        );
        let t = tally(&got);
        t.get(&key("session.connected", "default")) == Some(&1)
            && t.get(&key("session.connected", "api1")) == Some(&1)
            && t.get(&key("session.disconnected", "api1")) == Some(&1)
    });
    let got = received(&log);
    assert!(got.iter().all(|g| g.ok), "{got:#?}");
    no_duplicates(&got);
    let connected = got
        .iter()
        .find(|g| g.kind == "session.connected" && g.data["session"] == "api1")
        .unwrap();
    assert_eq!(connected.data["endpoint"].as_str(), Some(demo.as_str()));
    assert!(connected.id.starts_with("msg_"), "{}", connected.id);
    let status = serve.hook_status();
    assert_eq!(status["name"], "test");
    assert!(status["delivered"].as_u64().unwrap() >= 3, "{status}");
    assert_eq!(status["failed"], 0, "{status}");
    let printed = serve.stop();
    assert!(
        printed.contains("warning: webhook `test`: the secret file")
            && printed.contains("chmod 600"),
        "{printed}"
    );
    let records = audit_records(&home.data());
    let delivered = records
        .iter()
        .filter(|r| r["outcome"] == "delivered" && r["webhook"] == "test")
        .count();
    assert!(delivered >= 3, "webhook audit records: {records:#?}");
}

#[test]
fn a_receiver_down_then_up_gets_every_event_exactly_once() {
    let Some(py) = python() else { return };
    let home = Home::new("wh-down-up");
    let port = common::free_port();
    let log = home.root.join("received.jsonl");
    let config = home.config(&webhook(
        port,
        "events = [\"session.connected\", \"session.disconnected\"]",
    ));
    let serve = Serve::start(&home, &config, &["--demo"]);
    let demo = serve.demo_endpoint();
    for name in ["a", "b"] {
        serve.open(&demo, name);
        serve.close(name);
    }
    // Nothing listens yet: every event fails at least once and waits.
    wait_for("failed attempts with 5 events pending", || {
        let s = serve.hook_status();
        s["failed"].as_u64().unwrap() >= 5 && s["pending"] == 5
    });
    assert!(received(&log).is_empty());
    let _receiver = Receiver::start(&py, &home.root, port, SECRET, &log);
    wait_for("the pending events to be delivered", || {
        serve.hook_status()["pending"] == 0
    });
    let got = received(&log);
    assert!(got.iter().all(|g| g.ok), "{got:#?}");
    no_duplicates(&got);
    let want: BTreeMap<_, _> = [
        (key("session.connected", "default"), 1),
        (key("session.connected", "a"), 1),
        (key("session.disconnected", "a"), 1),
        (key("session.connected", "b"), 1),
        (key("session.disconnected", "b"), 1),
    ]
    .into_iter()
    .collect();
    assert_eq!(tally(&got), want, "{got:#?}");
    let status = serve.hook_status();
    assert_eq!(status["delivered"], 5, "{status}");
    assert!(
        status["last-error"].as_str().unwrap().contains("connect"),
        "{status}"
    );
    serve.stop();
}

#[test]
fn a_restart_with_events_pending_loses_none() {
    let Some(py) = python() else { return };
    let home = Home::new("wh-restart");
    let port = common::free_port();
    let log = home.root.join("received.jsonl");
    let config = home.config(&webhook(
        port,
        "events = [\"session.connected\", \"session.disconnected\"]",
    ));
    // First run: the receiver is down; `first` is opened, then r3270 is stopped.
    let serve = Serve::start(&home, &config, &["--demo"]);
    serve.open(&serve.demo_endpoint(), "first");
    wait_for("two events pending", || {
        let s = serve.hook_status();
        s["pending"] == 2 && s["failed"].as_u64().unwrap() >= 2
    });
    serve.stop();
    let outbox = std::fs::read_to_string(home.data().join("webhooks/outbox.jsonl")).unwrap();
    // Both connects, and both disconnects announced while stopping.
    assert_eq!(outbox.lines().count(), 4, "{outbox}");
    assert!(received(&log).is_empty());
    // Second run, with the receiver up: the first run's events arrive, then this run's.
    let _receiver = Receiver::start(&py, &home.root, port, SECRET, &log);
    let serve = Serve::start(&home, &config, &["--demo"]);
    wait_for("the first run's events and this run's connect", || {
        let t = tally(&received(&log));
        t.get(&key("session.connected", "default")) == Some(&2)
            && t.get(&key("session.disconnected", "default")) == Some(&1)
            && t.get(&key("session.connected", "first")) == Some(&1)
            && t.get(&key("session.disconnected", "first")) == Some(&1)
    });
    wait_for("nothing pending", || serve.hook_status()["pending"] == 0);
    serve.stop();
    let got = received(&log);
    assert!(got.iter().all(|g| g.ok), "{got:#?}");
    no_duplicates(&got);
    let t = tally(&got);
    assert_eq!(t.get(&key("session.connected", "first")), Some(&1));
    assert_eq!(t.get(&key("session.disconnected", "first")), Some(&1));
    // The first run's four events were delivered before the second run's connect (the
    // second `session.connected` of `default`).
    let run_two = got
        .iter()
        .enumerate()
        .filter(|(_, g)| g.kind == "session.connected" && g.data["session"] == "default")
        .nth(1)
        .map(|(i, _)| i)
        .unwrap();
    assert_eq!(run_two, 4, "{got:#?}");
}

#[test]
fn a_receiver_with_the_wrong_secret_refuses_every_delivery() {
    let Some(py) = python() else { return };
    let home = Home::new("wh-wrong");
    let port = common::free_port();
    let log = home.root.join("received.jsonl");
    let _receiver = Receiver::start(&py, &home.root, port, WRONG, &log);
    let config = home.config(&webhook(port, "max-attempts = 2"));
    let serve = Serve::start(&home, &config, &["--demo"]);
    wait_for("the webhook to give up", || {
        serve.hook_status()["gave-up"].as_u64().unwrap() >= 1
    });
    let got = received(&log);
    assert!(got.len() >= 2, "{got:#?}");
    assert!(got.iter().all(|g| !g.ok), "{got:#?}");
    assert!(
        got.iter()
            .all(|g| g.error.contains("No matching signature")),
        "{got:#?}"
    );
    // Both attempts carried the same id.
    assert_eq!(got[0].id, got[1].id);
    let status = serve.hook_status();
    assert!(
        status["last-error"].as_str().unwrap().contains("400"),
        "{status}"
    );
    serve.stop();
    let records = audit_records(&home.data());
    assert!(
        records
            .iter()
            .any(|r| r["outcome"] == "gave-up" && r["attempts"] == 2),
        "webhook audit records: {records:#?}"
    );
}

/// Every file under `dirs`, recursively.
fn files(dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = dirs.to_vec();
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn no_file_r3270_writes_holds_the_secret() {
    let Some(py) = python() else { return };
    let home = Home::new("wh-secret");
    let port = common::free_port();
    let log = home.root.join("received.jsonl");
    // The secret inline in the config (the worse case) and a first receiver that is down,
    // so events wait in the outbox and failures are logged.
    let table = webhook(port, "").replace(
        "secret-file = \"hook.secret\"",
        &format!("secret = \"{SECRET}\""),
    );
    let config = home.config(&format!("[logging]\nlevel = \"debug\"\n\n{table}"));
    let serve = Serve::start(&home, &config, &["--demo"]);
    wait_for("a failed attempt", || {
        serve.hook_status()["failed"].as_u64().unwrap() >= 1
    });
    let _receiver = Receiver::start(&py, &home.root, port, SECRET, &log);
    wait_for("the delivery", || serve.hook_status()["delivered"] == 1);
    let (_, api) = serve.call("GET", "/api/v1/webhooks", None);
    let printed = serve.stop();
    let raw = SECRET.strip_prefix("whsec_").unwrap();
    for (what, text) in [("the API", api), ("the output", printed)] {
        assert!(!text.contains(raw), "{what} holds the secret");
    }
    let written = files(&home.written());
    assert!(
        written.iter().any(|f| f.ends_with("outbox.jsonl")),
        "{written:?}"
    );
    // The diagnostic log was written, failed attempts included, and is scanned too.
    assert!(
        written.iter().any(|f| {
            f.extension().is_some_and(|e| e == "log")
                && std::fs::read_to_string(f).is_ok_and(|t| t.contains("will retry"))
        }),
        "{written:?}"
    );
    for f in &written {
        let bytes = std::fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(raw), "{} holds the secret", f.display());
    }
}

#[test]
fn a_failover_to_the_alternate_is_announced() {
    let Some(py) = python() else { return };
    let home = Home::new("wh-failover");
    let demo = common::start_demo(&[]);
    let closed = common::free_port();
    let port = common::free_port();
    let log = home.root.join("received.jsonl");
    let _receiver = Receiver::start(&py, &home.root, port, SECRET, &log);
    let config = home.config(&format!(
        "[profile.flaky]\nhost = \"127.0.0.1\"\nport = {closed}\nconnect-timeout = 5\nalternates = [\"{}\"]\n\n{}",
        demo.addr(),
        webhook(port, "events = [\"session.failed-over\", \"session.connected\"]")
    ));
    let serve = Serve::start(&home, &config, &[]);
    serve.open("flaky", "fo");
    wait_for("session.failed-over", || {
        tally(&received(&log)).contains_key(&key("session.failed-over", "fo"))
    });
    let got = received(&log);
    let fo = got
        .iter()
        .find(|g| g.kind == "session.failed-over")
        .unwrap();
    assert!(fo.ok, "{fo:?}");
    assert_eq!(fo.data["profile"], "flaky");
    assert!(
        fo.data["from"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":{closed}")),
        "{fo:?}"
    );
    assert!(
        fo.data["endpoint"]
            .as_str()
            .unwrap()
            .ends_with(&format!(":{}", demo.port)),
        "{fo:?}"
    );
    assert!(!fo.data["reason"].as_str().unwrap().is_empty(), "{fo:?}");
    serve.stop();
}

/// A TN3270 host that draws HELLO and answers each AID with HELLO again: the first one
/// after `delay`, the others at once. Runs on its own thread until the test ends.
fn start_slow_host(delay: Duration) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    negotiate(&mut s).await;
                    s.write_all(HELLO).await.unwrap();
                    let mut buf = [0u8; 4096];
                    let mut aids = 0;
                    while let Ok(n) = s.read(&mut buf).await {
                        if n == 0 {
                            return;
                        }
                        if buf[..n].windows(2).any(|w| w == [IAC, EOR]) {
                            aids += 1;
                            if aids == 1 {
                                tokio::time::sleep(delay).await;
                            }
                            if s.write_all(HELLO).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
    });
    port
}

#[test]
fn a_slow_host_response_is_announced_once() {
    let Some(py) = python() else { return };
    let home = Home::new("wh-slow");
    let host = start_slow_host(Duration::from_millis(1500));
    let port = common::free_port();
    let log = home.root.join("received.jsonl");
    let _receiver = Receiver::start(&py, &home.root, port, SECRET, &log);
    let config = home.config(&webhook(
        port,
        "events = [\"session.response-slow\"]\nresponse-slow-seconds = 0.5",
    ));
    let serve = Serve::start(&home, &config, &[]);
    serve.open(&format!("127.0.0.1:{host}"), "slow");
    // The first Enter is answered after 1.5 s, the second at once.
    for _ in 0..2 {
        let (code, body) = serve.call(
            "GET",
            "/session/slow/3270/rest/json/Enter()%20Wait(10,Unlock)",
            None,
        );
        assert_eq!(code, 200, "{body}");
    }
    wait_for("session.response-slow", || {
        tally(&received(&log)).contains_key(&key("session.response-slow", "slow"))
    });
    serve.stop();
    let got = received(&log);
    assert!(got.iter().all(|g| g.ok), "{got:#?}");
    assert_eq!(got.len(), 1, "only the first response was slow: {got:#?}");
    let ms = got[0].data["response-ms"].as_u64().unwrap();
    assert!(ms >= 500, "{got:#?}");
    assert_eq!(got[0].data["profile"], format!("127.0.0.1:{host}"));
}
