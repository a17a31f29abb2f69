//! r3270's own REST API (`/api/v1`, docs/API.md) against the running server: `r3270 serve`
//! in a child process, on the built-in demo host (`--demo`), on the demo host as a separate
//! process (`r3270 serve-demo`) and on mainframe-mocker, driven with curl and with a Python
//! client (`requests`, in the CI virtual environment).
//!
//! - curl: open, screen, steps signing on to the demo host; a password typed into the
//!   non-display field never appears in a reply nor in any file r3270 wrote; a wait that
//!   times out is 504 naming the step; audit pages with no record twice; the errors.
//! - macros run with values (a secret prompt), the failures counted and streamed as events.
//! - docs/openapi.json checked against the server (tests/api_rest/openapi_check.py).
//! - the Python client against mainframe-mocker (tests/api_rest/mfmock_client.py).
//!
//! Every process is killed by PID when its guard drops, also on a panic.

#![allow(clippy::unwrap_used, clippy::panic, clippy::missing_panics_doc)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::Guard;
use serde_json::{Value, json};

/// Generous: a hang, not slowness, is what this catches.
const HANG_GUARD: Duration = Duration::from_secs(120);

/// A password nobody else types, unique to the run (no letter of DEMO, so that neither the
/// demo's nor mainframe-mocker's screens can hold it by chance).
fn unique_secret() -> String {
    let mut n = u64::from(std::process::id()) * 7919 + common::unique() + 12_345;
    let letters = b"QXZWKJVYPH";
    (0..7)
        .map(|_| {
            let c = char::from(letters[usize::try_from(n % 10).unwrap()]);
            n /= 10;
            c
        })
        .collect()
}

/// The r3270 binary under test: a hard link to the one cargo built, taken when the tests
/// start, so that another build uplifting its own `r3270` into a shared target directory
/// meanwhile does not swap the program under the tests. One link a source tree, replaced
/// each run (so that old binaries do not pile up).
fn binary() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let built = PathBuf::from(env!("CARGO_BIN_EXE_r3270"));
        let mut h = std::collections::hash_map::DefaultHasher::new();
        env!("CARGO_MANIFEST_DIR").hash(&mut h);
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let link = dir.join(format!("api-rest-r3270-{:x}", h.finish()));
        let fresh = dir.join(format!("api-rest-r3270-{}", std::process::id()));
        let _ = std::fs::remove_file(&fresh);
        match std::fs::hard_link(&built, &fresh).and_then(|()| std::fs::rename(&fresh, &link)) {
            Ok(()) => link,
            Err(_) => built,
        }
    })
    .clone()
}

/// `r3270 serve` in a child process, with everything it writes inside `home`.
struct Serve {
    guard: Guard,
    _stdout: BufReader<ChildStdout>,
    port: u16,
    token_file: PathBuf,
    home: PathBuf,
}

impl Serve {
    /// Starts `r3270 --config HOME/config.toml serve ARGS` with `config` added to the
    /// config file (which points the data and log directories into `home`).
    fn start(name: &str, config: &str, args: &[&str]) -> Serve {
        let home = common::temp_dir(name);
        let config_file = home.join("config.toml");
        std::fs::write(
            &config_file,
            format!(
                "[paths]\ndata-dir = {:?}\nlog-dir = {:?}\n{config}",
                home.join("data").display().to_string(),
                home.join("logs").display().to_string()
            ),
        )
        .unwrap();
        let token_file = home.join("api-token");
        let err = home.join("serve.err");
        let mut child = Command::new(binary())
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("xdg-config"))
            .env("XDG_DATA_HOME", home.join("xdg-data"))
            .env("XDG_STATE_HOME", home.join("xdg-state"))
            .env("XDG_CACHE_HOME", home.join("xdg-cache"))
            .env_remove("R3270_CONFIG")
            .env_remove("R3270_LOG")
            .arg("--config")
            .arg(&config_file)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0", "--token-file"])
            .arg(&token_file)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let guard = Guard {
            child,
            log: err.clone(),
        };
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "r3270 serve did not start: {line:?}\n{}",
                    std::fs::read_to_string(&err).unwrap_or_default()
                )
            });
        Serve {
            guard,
            _stdout: stdout,
            port,
            token_file,
            home,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn token(&self) -> String {
        std::fs::read_to_string(&self.token_file)
            .unwrap()
            .trim()
            .to_owned()
    }

    /// SIGTERM, and the wait for it to close its sessions and the audit log.
    fn stop(mut self) -> PathBuf {
        let pid = self.guard.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + HANG_GUARD;
        while Instant::now() < deadline {
            if self.guard.child.try_wait().unwrap().is_some() {
                return self.home.clone();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("r3270 serve did not stop on SIGTERM");
    }
}

/// One reply: status and body.
struct Reply {
    status: u16,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

fn have_curl() -> bool {
    if common::find_program("curl").is_some() {
        return true;
    }
    common::skip("curl");
    false
}

/// `curl` with the token (unless `token` is `Some("")`: none), a JSON body on stdin.
fn curl_with(
    serve: &Serve,
    method: &str,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
) -> Reply {
    let token = token.map_or_else(|| serve.token(), str::to_owned);
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-S", "--max-time", "100", "-X", method])
        .args(["-w", "\n%{http_code}"])
        .arg(format!("{}{path}", serve.base()));
    if !token.is_empty() {
        cmd.args(["-H", &format!("Authorization: Bearer {token}")]);
    }
    if body.is_some() {
        cmd.args([
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            "@-",
        ]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    if let Some(b) = body {
        stdin.write_all(b.as_bytes()).unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, code) = text.rsplit_once('\n').unwrap();
    Reply {
        status: code.trim().parse().unwrap(),
        body: body.to_owned(),
    }
}

/// `POST /api/v1/sessions/default/steps`.
fn steps(serve: &Serve, body: &Value) -> Reply {
    curl(serve, "POST", "/api/v1/sessions/default/steps", Some(body))
}

fn curl(serve: &Serve, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let text = body.map(Value::to_string);
    curl_with(serve, method, path, text.as_deref(), None)
}

/// Every file under `dir` that holds `needle` (as bytes).
fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p)
                .unwrap_or_default()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
            {
                out.push(p);
            }
        }
    }
    out
}

fn rows(screen: &Value) -> String {
    screen["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The demo's sign-on as a macro, the password from a secret prompt.
const DEMO_SIGN_ON: &str = r#"
[macros.sign-on]
description = "Sign on to the demo host"
timeout = 10
steps = ["wait input-field", "home", "erase-eof", "type \"demo\"", "tab", "erase-eof", "prompt password secret", "enter", "wait text \"Main menu\""]
"#;

#[test]
fn curl_signs_on_to_the_demo_host_and_the_password_stays_secret() {
    if !have_curl() {
        return;
    }
    let serve = Serve::start("api-rest-curl", "", &["--demo"]);
    let secret = unique_secret();
    let mut replies = Vec::new();

    let list = curl(&serve, "GET", "/api/v1/sessions", None);
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.json()["sessions"][0]["state"], "connected");

    let screen = curl(&serve, "GET", "/api/v1/sessions/default/screen", None);
    assert_eq!(screen.status, 200, "{}", screen.body);
    let s = screen.json();
    assert!(rows(&s).contains("Sign on"), "{}", rows(&s));
    assert_eq!(s["size"], json!({"rows": 24, "cols": 80}));
    assert_eq!(s["oia"]["locked"], false);
    let hidden: Vec<&Value> = s["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["hidden"] == true && f["protected"] == false)
        .collect();
    assert_eq!(hidden.len(), 1, "one password field: {}", s["fields"]);
    let pw = hidden[0];
    replies.push(screen.body);

    // A wrong password, typed into the non-display field: an error screen, and the field's
    // entry in the field map is modified, yet empty.
    let wrong = json!({"steps": [
        "String(demo)", "Tab",
        {"text": secret},
        {"key": "Enter"},
        {"wait": {"text": "DMO001E"}, "timeout": 10}
    ], "timeout": 30});
    let r = steps(&serve, &wrong);
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["ok"], true);
    assert_eq!(j["completed"], 5);
    assert!(
        rows(&j["screen"]).contains("not valid"),
        "{}",
        rows(&j["screen"])
    );
    replies.push(r.body);

    // The secret typed again but not sent: the screen shows the field modified and empty.
    let at = json!([pw["row"], pw["col"]]);
    let typed = json!({"steps": [{"cursor": at}, {"key": "EraseEOF"}, {"text": secret}]});
    let r = steps(&serve, &typed);
    assert_eq!(r.status, 200, "{}", r.body);
    let field = r.json()["screen"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["row"] == pw["row"] && f["col"] == pw["col"])
        .cloned()
        .unwrap();
    assert_eq!(field["modified"], true, "{field}");
    assert_eq!(field["text"], "", "{field}");
    replies.push(r.body);

    // The right one, then the main menu.
    let right = json!({"steps": [
        {"cursor": at}, {"key": "EraseEOF"}, {"text": "demo"}, {"key": "Enter"},
        {"wait": {"text": "Main menu"}, "timeout": 10}
    ]});
    let r = steps(&serve, &right);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(rows(&r.json()["screen"]).contains("Main menu"));
    replies.push(r.body);

    waits_that_time_out_name_the_step(&serve);
    inspect_has_the_figures(&serve);

    audit_pages_never_repeat(&serve);

    for body in &replies {
        assert!(!body.contains(&secret), "the password came back: {body}");
    }
    let home = serve.stop();
    assert_eq!(
        files_holding(&home, &secret),
        Vec::<PathBuf>::new(),
        "the password is in a file r3270 wrote"
    );
    // The audit log was written (and holds the api-call records).
    let audit = files_holding(&home.join("data"), "\"api-call\"");
    assert!(
        !audit.is_empty(),
        "no api-call record in {}",
        home.display()
    );
}

/// A wait that never holds: 504, naming the step, with the screen.
fn waits_that_time_out_name_the_step(serve: &Serve) {
    let late = json!({"steps": ["Tab", {"key": "Tab"}, {"wait": {"text": "Not on any screen"}, "timeout": 1}]});
    let r = steps(serve, &late);
    assert_eq!(r.status, 504, "{}", r.body);
    let j = r.json();
    assert_eq!(j["ok"], false);
    assert_eq!(j["completed"], 2);
    assert_eq!(j["failed"]["index"], 2, "{}", j["failed"]);
    assert_eq!(j["failed"]["kind"], "timeout");
    assert!(j["error"].as_str().unwrap().contains("Not on any screen"));
    assert!(rows(&j["screen"]).contains("Main menu"));
    // An s3270 Wait that times out is the same.
    let late = json!({"steps": ["Wait(1,Disconnect)"]});
    let r = steps(serve, &late);
    assert_eq!(r.status, 504, "{}", r.body);
    assert_eq!(r.json()["failed"]["index"], 0);
}

/// Inspect: the figures, response-time buckets included.
fn inspect_has_the_figures(serve: &Serve) {
    let r = curl(serve, "GET", "/api/v1/sessions/default", None);
    assert_eq!(r.status, 200, "{}", r.body);
    let d = r.json();
    assert!(
        d["stats"]["aids"]["enter"].as_u64().unwrap() >= 2,
        "{}",
        d["stats"]
    );
    let buckets = d["stats"]["response"]["buckets"].as_array().unwrap();
    assert!(buckets.iter().any(|b| b["le_seconds"] == 1.0));
    assert!(
        buckets
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .sum::<u64>()
            >= 2
    );
    assert_eq!(d["failed_over"], json!([]));
    assert_eq!(d["certificate"], Value::Null);
}

/// The audit log read five records a page: every record once, in order, as one big page.
fn audit_pages_never_repeat(serve: &Serve) {
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..1000 {
        let r = curl(
            serve,
            "GET",
            &format!("/api/v1/audit?limit=5&cursor={cursor}"),
            None,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        let page = j["records"].as_array().unwrap();
        assert!(page.len() <= 5);
        seen.extend(page.iter().map(|r| (r["slot"].clone(), r["seq"].clone())));
        match j["next_cursor"].as_str() {
            Some(c) => c.clone_into(&mut cursor),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "a record came twice");
    let r = curl(serve, "GET", "/api/v1/audit?limit=1000", None);
    let whole: Vec<(Value, Value)> = r.json()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["slot"].clone(), r["seq"].clone()))
        .collect();
    // Reading the pages added api-call records? No: reads are not recorded.
    assert_eq!(seen, whole);
    assert!(seen.len() > 5, "more than one page: {}", seen.len());
    // Filters: by kind.
    let r = curl(serve, "GET", "/api/v1/audit?kind=session-start", None);
    let kinds: Vec<Value> = r.json()["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["kind"].clone())
        .collect();
    assert_eq!(kinds, vec![json!("session-start")]);
}

/// Calls that fail, and how: (method, path, body, status).
const BAD_CALLS: &[(&str, &str, Option<&str>, u16)] = &[
    ("GET", "/api/v1/sessions/nobody", None, 404),
    ("GET", "/api/v1/sessions/nobody/screen", None, 404),
    ("DELETE", "/api/v1/sessions/nobody", None, 404),
    (
        "POST",
        "/api/v1/sessions/nobody/steps",
        Some(r#"{"steps": []}"#),
        404,
    ),
    (
        "POST",
        "/api/v1/sessions/default/steps",
        Some("{\"steps\": ["),
        400,
    ),
    (
        "POST",
        "/api/v1/sessions/default/steps",
        Some(r#"{"steps": [{"key": "Nope"}]}"#),
        400,
    ),
    (
        "POST",
        "/api/v1/sessions/default/steps",
        Some(r#"{"steps": [], "extra": 1}"#),
        400,
    ),
    (
        "POST",
        "/api/v1/sessions/default/steps",
        Some(r#"{"steps": ["Bogus()"]}"#),
        400,
    ),
    (
        "POST",
        "/api/v1/sessions/default/steps",
        Some(r#"{"steps": [], "timeout": 0}"#),
        400,
    ),
    (
        "POST",
        "/api/v1/sessions/default/macros/nope",
        Some("{}"),
        404,
    ),
    (
        "POST",
        "/api/v1/sessions/nobody/macros/sign-on",
        Some("{}"),
        404,
    ),
    (
        "POST",
        "/api/v1/sessions/default/macros/sign-on",
        Some("{}"),
        400,
    ),
    (
        "POST",
        "/api/v1/sessions",
        Some(r#"{"target": "127.0.0.1:99999"}"#),
        400,
    ),
    (
        "POST",
        "/api/v1/sessions",
        Some(r#"{"target": "demo", "name": "bad name!"}"#),
        400,
    ),
    ("POST", "/api/v1/sessions", Some(r#"{"name": "x"}"#), 400),
    ("GET", "/api/v1/audit?limit=0", None, 400),
    ("GET", "/api/v1/audit?since=yesterday", None, 400),
    ("GET", "/api/v1/audit?cursor=x", None, 400),
    ("GET", "/api/v1/events?stats=0", None, 400),
    ("PUT", "/api/v1/sessions", Some("{}"), 405),
    ("DELETE", "/api/v1/sessions/default/screen", None, 405),
];

#[test]
fn errors_have_fitting_statuses() {
    if !have_curl() {
        return;
    }
    let serve = Serve::start("api-rest-errors", DEMO_SIGN_ON, &["--demo"]);
    let no_token = curl_with(&serve, "GET", "/api/v1/sessions", None, Some(""));
    assert_eq!(no_token.status, 401);
    let wrong = curl_with(
        &serve,
        "GET",
        "/api/v1/sessions",
        None,
        Some("not-the-token"),
    );
    assert_eq!(wrong.status, 403);

    let expect = |method: &str, path: &str, body: Option<&str>, status: u16| {
        let r = curl_with(&serve, method, path, body, None);
        assert_eq!(r.status, status, "{method} {path}: {}", r.body);
        if status != 204 && status != 405 {
            assert!(
                r.json()["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{method} {path}: {}",
                r.body
            );
        }
        r
    };
    for (method, path, body, status) in BAD_CALLS {
        expect(method, path, *body, *status);
    }
    let r = expect(
        "POST",
        "/api/v1/sessions/default/macros/sign-on",
        Some(r#"{"values": {"pasword": "x"}}"#),
        400,
    );
    assert!(r.body.contains("no prompt `pasword`"), "{}", r.body);
    let big = format!(r#"{{"steps": ["{}"]}}"#, "x".repeat(70_000));
    expect("POST", "/api/v1/sessions/default/steps", Some(&big), 413);

    // A host that is not there: 502, and the session is kept, failed, until closed.
    let port = common::free_port();
    let body = format!(r#"{{"target": "127.0.0.1:{port}", "name": "gone"}}"#);
    let r = curl_with(&serve, "POST", "/api/v1/sessions", Some(&body), None);
    assert_eq!(r.status, 502, "{}", r.body);
    assert_eq!(r.json()["state"], "failed");
    assert!(r.json()["last_error"].as_str().is_some());
    expect("POST", "/api/v1/sessions", Some(&body), 409);
    expect("GET", "/api/v1/sessions/gone/screen", None, 409);
    let r = expect(
        "POST",
        "/api/v1/sessions/gone/steps",
        Some(r#"{"steps": [{"key": "Enter"}]}"#),
        409,
    );
    assert_eq!(r.json()["failed"]["kind"], "not-connected");
    expect("DELETE", "/api/v1/sessions/gone", None, 204);
    expect("DELETE", "/api/v1/sessions/gone", None, 404);

    // The audit log off: 404.
    drop(serve);
    let serve = Serve::start(
        "api-rest-noaudit",
        "[audit]\nenabled = false\n",
        &["--demo"],
    );
    let r = curl(&serve, "GET", "/api/v1/audit", None);
    assert_eq!(r.status, 404, "{}", r.body);
}

#[test]
fn macros_run_with_values_and_failures_are_streamed() {
    if !have_curl() {
        return;
    }
    let serve = Serve::start("api-rest-macros", DEMO_SIGN_ON, &["--demo"]);
    let secret = unique_secret();

    let r = curl(&serve, "GET", "/api/v1/macros", None);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["macros"],
        json!([{
            "name": "sign-on",
            "description": "Sign on to the demo host",
            "steps": 9,
            "timeout": 10.0,
            "prompts": [{"name": "password", "secret": true}],
            "env": [],
        }])
    );

    // The event stream, read by curl into a file while the macros run.
    let events = serve.home.join("events.txt");
    let mut sse = Guard {
        child: Command::new("curl")
            .args(["-s", "-N", "--max-time", "100", "-H"])
            .arg(format!("Authorization: Bearer {}", serve.token()))
            .arg(format!("{}/api/v1/events?stats=1", serve.base()))
            .stdout(std::fs::File::create(&events).unwrap())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        log: events.clone(),
    };
    wait_for_file(&events, "event: hello");

    // A wrong password: the wait for the menu times out; 504 names the step.
    let run = |password: &str| {
        let body = json!({"values": {"password": password}});
        curl(
            &serve,
            "POST",
            "/api/v1/sessions/default/macros/sign-on",
            Some(&body),
        )
    };
    let r = run(&secret);
    assert_eq!(r.status, 504, "{}", r.body);
    let j = r.json();
    assert_eq!(j["ok"], false);
    assert_eq!(j["failed"]["index"], 8, "{}", j["failed"]);
    assert_eq!(j["failed"]["kind"], "timeout");
    assert!(rows(&j["screen"]).contains("not valid"));
    assert!(!r.body.contains(&secret), "{}", r.body);

    let r = run("demo");
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["ok"], true, "{}", r.body);
    assert!(rows(&j["screen"]).contains("Main menu"));

    // The failure was announced, and the stream goes on (stats events).
    wait_for_file(&events, "event: macro.failed");
    wait_for_file(&events, "event: stats");
    let streamed = std::fs::read_to_string(&events).unwrap();
    assert!(streamed.contains("\"macro\":\"sign-on\""), "{streamed}");
    assert!(!streamed.contains(&secret));

    // A new session shows in the stream as created and connected.
    let body = json!({"target": format!("127.0.0.1:{}", demo_port(&serve)), "name": "second"});
    let r = curl(&serve, "POST", "/api/v1/sessions", Some(&body));
    assert_eq!(r.status, 201, "{}", r.body);
    // (The default session connected before the stream opened.)
    wait_for_file(&events, "event: session.connected");
    let streamed = std::fs::read_to_string(&events).unwrap();
    assert!(streamed.contains("event: session.created"), "{streamed}");

    // The server stops with the stream open: the stream ends with it.
    let home = serve.stop();
    let deadline = Instant::now() + HANG_GUARD;
    while sse.child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the event stream did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(files_holding(&home, &secret), Vec::<PathBuf>::new());
}

/// The demo host's port, from the default session's endpoint.
fn demo_port(serve: &Serve) -> u16 {
    let r = curl(serve, "GET", "/api/v1/sessions/default", None);
    let endpoint = r.json()["endpoint"].as_str().unwrap().to_owned();
    endpoint.rsplit(':').next().unwrap().parse().unwrap()
}

fn wait_for_file(path: &Path, needle: &str) {
    let deadline = Instant::now() + HANG_GUARD;
    loop {
        if std::fs::read_to_string(path).is_ok_and(|s| s.contains(needle)) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{needle:?} never came: {}",
            std::fs::read_to_string(path).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The CI virtual environment's Python, if it has `requests`.
fn python() -> Option<PathBuf> {
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python3");
    let ok = py.is_file()
        && Command::new(&py)
            .args(["-c", "import requests"])
            .status()
            .is_ok_and(|s| s.success());
    if ok {
        Some(py)
    } else {
        common::skip("python3 with requests (.ci/venv)");
        None
    }
}

fn run_python(py: &Path, script: &str, args: &[&str]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api_rest")
        .join(script);
    let out = Command::new(py)
        .arg(&script)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{} failed:\n{stdout}\n{stderr}",
        script.display()
    );
    println!("{stdout}");
}

#[test]
fn the_openapi_document_matches_the_running_server() {
    let Some(py) = python() else { return };
    let demo = common::start_demo(&[]);
    let config = format!(
        "[profile.demo]\nhost = \"127.0.0.1\"\nport = {}\n{DEMO_SIGN_ON}",
        demo.port
    );
    let serve = Serve::start("api-rest-openapi", &config, &["demo"]);
    let doc = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json");
    run_python(
        &py,
        "openapi_check.py",
        &[
            &serve.base(),
            serve.token_file.to_str().unwrap(),
            doc.to_str().unwrap(),
        ],
    );
    serve.stop();
}

#[test]
fn a_python_client_drives_mainframe_mocker() {
    let Some(py) = python() else { return };
    let Some((_mock, port)) = common::start_mfmock(&[]) else {
        return;
    };
    let config = format!(
        "[profile.mock]\nhost = \"127.0.0.1\"\nport = {port}\n\
         [macros.mock-sign-on]\ntimeout = 10\nsteps = [\"wait input-field\", \"home\", \
         \"erase-eof\", \"type \\\"DEMO\\\"\", \"tab\", \"erase-eof\", \
         \"prompt password secret\", \"enter\", \"wait text \\\"MAIN MENU\\\"\"]\n"
    );
    let serve = Serve::start("api-rest-mfmock", &config, &[]);
    let secret = unique_secret();
    run_python(
        &py,
        "mfmock_client.py",
        &[&serve.base(), serve.token_file.to_str().unwrap(), &secret],
    );
    let home = serve.stop();
    assert_eq!(
        files_holding(&home, &secret),
        Vec::<PathBuf>::new(),
        "the password is in a file r3270 wrote"
    );
}
