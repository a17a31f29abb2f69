//! `r3270 serve`'s pool against real hosts: demo hosts in child processes (`r3270
//! serve-demo`), each behind a counting relay where the host's own view is needed (how many
//! connections it took, which it saw end), and the LU names the hosts hand out on their
//! sign-on screens (`DEMO0001`, `DEMO0002`, ... per host: a probe that took an LU would
//! move that counter). Covered: round-robin balancing, health checks (a stopped host marked
//! down and avoided; probes take no LU), reconnect with failover and the logon macro
//! replayed, and pause, resume and migrate with the screen checked after each.
//!
//! Every process is killed by PID when its guard drops (on a panic too). The waits below
//! are hang guards, not time limits: they only fail a test that would otherwise hang.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{ChildStdout, Stdio};
use std::time::{Duration, Instant};

use common::relay::Relay;
use common::{DemoHost, Guard, start_demo, temp_dir};
use serde_json::{Value, json};

/// The longest any wait below may take before the test is reported as hung.
const HANG: Duration = Duration::from_secs(60);

/// `r3270 serve` in a child process with `config`, and a blocking client for its API.
struct Serve {
    _guard: Guard,
    _stdout: BufReader<ChildStdout>,
    stderr: PathBuf,
    base: String,
    token: String,
    rt: tokio::runtime::Runtime,
    http: reqwest::Client,
}

/// The macro that signs on to the demo host; the password is a secret prompt, which
/// `r3270 serve` reads from `R3270_PROMPT_PASSWORD`.
const SIGNON: &str = r#"
[macros.signon]
timeout = 20
steps = ["wait input-field", "type demo", "tab", "prompt password secret", "enter", "wait text \"Main menu\""]
"#;

fn start_serve(config: &str) -> Serve {
    let dir = temp_dir("api-pool");
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, config).unwrap();
    let token_file = dir.join("token");
    let stderr = dir.join("serve.err");
    let mut child = common::r3270_command()
        .arg("--config")
        .arg(&cfg)
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
        .arg(&token_file)
        .env("R3270_PROMPT_PASSWORD", "demo")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let guard = Guard {
        child,
        log: stderr.clone(),
    };
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("r3270 serve listening on http://")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| {
            panic!(
                "unexpected first line {line:?}; stderr:\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
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
        stderr,
        base: format!("http://{addr}"),
        token,
        rt: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap(),
        http: reqwest::Client::new(),
    }
}

impl Serve {
    fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        self.rt.block_on(async {
            let r = req.bearer_auth(&self.token).send().await.unwrap();
            let code = r.status().as_u16();
            let text = r.text().await.unwrap();
            let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
            (code, value)
        })
    }

    fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}{path}", self.base)))
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
    }

    fn post_empty(&self, path: &str) -> (u16, Value) {
        self.send(self.http.post(format!("{}{path}", self.base)))
    }

    /// Opens a session on `target`; returns its summary.
    fn open(&self, target: &str, name: &str) -> Value {
        let (code, v) = self.post("/api/v1/sessions", &json!({"target": target, "name": name}));
        assert_eq!(code, 201, "{v}; stderr:\n{}", self.stderr());
        v
    }

    fn session(&self, name: &str) -> Value {
        let (code, v) = self.get(&format!("/api/v1/sessions/{name}"));
        assert_eq!(code, 200, "{v}");
        v
    }

    /// s3270 actions on session `name` (the compatible path): the answer's data lines.
    fn actions(&self, name: &str, line: &str) -> Vec<String> {
        let (code, v) = self.send(
            self.http
                .post(format!("{}/session/{name}/3270/rest/post", self.base))
                .header("Content-Type", "text/plain")
                .body(line.to_owned()),
        );
        assert_eq!(code, 200, "{line}: {v}");
        // No data lines: `null`, as x3270 answers.
        v["result"]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect()
    }

    /// The session's screen as text.
    fn screen(&self, name: &str) -> String {
        self.actions(name, "Ascii()").join("\n")
    }

    /// `GET /api/v1/endpoints`, the entry for `endpoint`.
    fn endpoint(&self, endpoint: &str) -> Value {
        let (code, v) = self.get("/api/v1/endpoints");
        assert_eq!(code, 200, "{v}");
        v["endpoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["endpoint"] == endpoint)
            .cloned()
            .unwrap_or_else(|| panic!("{endpoint} is not listed: {v}"))
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

/// Polls `check` until it gives a value; a hang guard, not a time limit.
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + HANG;
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(Instant::now() < deadline, "hung waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The LU name the demo host printed on its sign-on screen.
fn lu_on(screen: &str) -> String {
    let at = screen
        .find("Terminal ")
        .unwrap_or_else(|| panic!("no terminal line on\n{screen}"));
    screen[at + "Terminal ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

fn relay_to(host: &DemoHost) -> Relay {
    Relay::start(host.port, Duration::ZERO)
}

fn addr(relay: &Relay) -> String {
    format!("127.0.0.1:{}", relay.port)
}

#[test]
fn round_robin_spreads_six_sessions_two_to_each_of_three_hosts() {
    let hosts: Vec<DemoHost> = (0..3).map(|_| start_demo(&[])).collect();
    let relays: Vec<Relay> = hosts.iter().map(relay_to).collect();
    let serve = start_serve(&format!(
        r#"
[profile.rr]
host = "127.0.0.1"
port = {}
alternates = ["{}", "{}"]
balance = "round-robin"
"#,
        relays[0].port,
        addr(&relays[1]),
        addr(&relays[2])
    ));
    let mut lus = Vec::new();
    for i in 0..6 {
        let name = format!("rr{i}");
        serve.open("rr", &name);
        lus.push(lu_on(&serve.screen(&name)));
    }
    // Each host took exactly two connections, and none of them ended.
    let seen: Vec<(u64, u64)> = relays
        .iter()
        .map(|r| (r.connections(), r.ended()))
        .collect();
    assert_eq!(seen, [(2, 0), (2, 0), (2, 0)], "{}", serve.stderr());
    // Each host handed out its first two LU names: three hosts, each name three times.
    lus.sort();
    assert_eq!(
        lus,
        [
            "DEMO0001", "DEMO0001", "DEMO0001", "DEMO0002", "DEMO0002", "DEMO0002"
        ]
    );
    // Sessions 1 and 4 on the first endpoint, 2 and 5 on the second, 3 and 6 on the third.
    let on: Vec<String> = (0..6)
        .map(|i| serve.session(&format!("rr{i}"))["endpoint"].to_string())
        .collect();
    assert_eq!(on[0], on[3]);
    assert_eq!(on[1], on[4]);
    assert_eq!(on[2], on[5]);
}

#[test]
fn a_stopped_host_is_marked_down_and_avoided_and_probes_take_no_lu() {
    let a = start_demo(&[]);
    let b = start_demo(&[]);
    let relay_b = relay_to(&b);
    let a_addr = a.addr();
    let serve = start_serve(&format!(
        r#"
[profile.hc]
host = "127.0.0.1"
port = {}
alternates = ["{}"]
health-check = {{ interval = 1, timeout = 0.5 }}
"#,
        a.port,
        addr(&relay_b)
    ));
    let s1 = serve.open("hc", "first");
    assert_eq!(s1["endpoint"], a_addr.as_str());
    // The host behind the relay sees the probes: several connections, no session yet.
    wait_for("three probes of the alternate", || {
        (relay_b.connections() >= 3).then_some(())
    });
    let e = serve.endpoint(&addr(&relay_b));
    assert_eq!(e["health"], "up", "{e}");
    assert!(e["latency-ms"].as_f64().is_some(), "{e}");
    assert!(e["last-probe"].as_str().is_some(), "{e}");
    assert_eq!(e["sessions"], 0, "{e}");
    // Stop the first host: the probes mark it down.
    let tried_before = serve.endpoint(&a_addr)["attempts"].as_u64().unwrap();
    drop(a);
    let down = wait_for("the stopped host marked down", || {
        let e = serve.endpoint(&a_addr);
        (e["health"] == "down").then_some(e)
    });
    assert!(down["last-error"].as_str().is_some(), "{down}");
    assert!(down["down-since"].as_str().is_some(), "{down}");
    // A new session avoids it: straight to the alternate, never trying the host.
    let s2 = serve.open("hc", "second");
    assert_eq!(s2["endpoint"], addr(&relay_b).as_str(), "{s2}");
    assert_eq!(
        serve.endpoint(&a_addr)["attempts"].as_u64().unwrap(),
        tried_before
    );
    // After all those probes, the session is the first LU the host handed out.
    assert!(relay_b.connections() >= 4);
    assert_eq!(lu_on(&serve.screen("second")), "DEMO0001");
    let e = serve.endpoint(&addr(&relay_b));
    assert_eq!(
        (e["health"].as_str(), e["sessions"].as_u64()),
        (Some("up"), Some(1))
    );
    assert_eq!(e["profiles"], json!(["hc"]));
}

#[test]
fn a_session_whose_host_dies_reconnects_to_the_alternate_and_signs_on_again() {
    let a = start_demo(&[]);
    let b = start_demo(&[]);
    let relay_b = relay_to(&b);
    let a_addr = a.addr();
    let serve = start_serve(&format!(
        r#"
[profile.ha]
host = "127.0.0.1"
port = {}
alternates = ["{}"]
reconnect = {{ enabled = true, delay = 0.2, max-delay = 1 }}
logon-macro = "signon"
{SIGNON}"#,
        a.port,
        addr(&relay_b)
    ));
    let s = serve.open("ha", "s");
    assert_eq!(s["endpoint"], a_addr.as_str());
    // The logon macro signed on.
    assert!(
        serve.screen("s").contains("Main menu"),
        "{}",
        serve.screen("s")
    );
    assert_eq!(relay_b.connections(), 0);
    drop(a);
    let s = wait_for("the session back on the alternate", || {
        let s = serve.session("s");
        (s["state"] == "connected" && s["endpoint"] == addr(&relay_b).as_str()).then_some(s)
    });
    assert_eq!(s["profile"], "ha");
    // The alternate's host took one connection, and kept it.
    assert_eq!((relay_b.connections(), relay_b.ended()), (1, 0));
    // A new connection starts at the sign-on screen: the main menu means the logon macro
    // played again.
    let screen = wait_for("the logon macro's main menu", || {
        let screen = serve.screen("s");
        screen.contains("Main menu").then_some(screen)
    });
    assert!(screen.contains("User DEMO"), "{screen}");
    let e = serve.endpoint(&a_addr);
    assert!(e["failures"].as_u64().unwrap() >= 1, "{e}");
}

#[test]
fn pause_resume_and_migrate_keep_the_session_and_show_the_right_screen() {
    let a = start_demo(&[]);
    let b = start_demo(&[]);
    let relay_a = relay_to(&a);
    // The second host's answers are held a while, so that the old connection can be seen
    // open while the new one negotiates.
    let relay_b = Relay::start(b.port, Duration::from_millis(150));
    let serve = start_serve(&format!(
        r#"
[profile.pm]
host = "127.0.0.1"
port = {}
alternates = ["{}"]
logon-macro = "signon"
{SIGNON}"#,
        relay_a.port,
        addr(&relay_b)
    ));
    serve.open("pm", "s");
    serve.actions("s", "String(2) Enter()");
    let parts = serve.screen("s");
    assert!(parts.contains("Parts catalogue"), "{parts}");

    // Pause: the host sees its connection end; the last screen stays.
    let (code, v) = serve.post_empty("/api/v1/sessions/s/pause");
    assert_eq!((code, v["state"].as_str()), (200, Some("paused")), "{v}");
    wait_for("the host to see the close", || {
        (relay_a.ended() == 1).then_some(())
    });
    assert_eq!(serve.screen("s"), parts);
    let (code, v) = serve.post_empty("/api/v1/sessions/s/pause");
    assert_eq!(code, 409, "{v}");
    assert!(
        v["error"].as_str().unwrap().contains("already paused"),
        "{v}"
    );

    // Resume: a new connection to the same host, signed on again by the logon macro.
    let (code, v) = serve.post_empty("/api/v1/sessions/s/resume");
    assert_eq!((code, v["state"].as_str()), (200, Some("connected")), "{v}");
    assert_eq!((relay_a.connections(), relay_a.ended()), (2, 1));
    let screen = serve.screen("s");
    assert!(screen.contains("Main menu"), "{screen}");
    let (code, v) = serve.post_empty("/api/v1/sessions/s/resume");
    assert_eq!(code, 409, "{v}");

    // Migrate to the other endpoint: the old connection stays open while the new host
    // negotiates, and closes once it has drawn.
    let target = addr(&relay_b);
    let migrating = std::thread::scope(|scope| {
        let call = scope.spawn(|| {
            serve.post(
                "/api/v1/sessions/s/migrate",
                &json!({ "target": target.as_str() }),
            )
        });
        wait_for("the new host to start negotiating", || {
            (relay_b.down() > 0).then_some(())
        });
        let old_open = relay_a.ended() == 1;
        (call.join().unwrap(), old_open)
    });
    let ((code, v), old_open_meanwhile) = migrating;
    assert_eq!(code, 200, "{v}");
    assert!(
        old_open_meanwhile,
        "the old connection closed before the new host drew"
    );
    assert_eq!(v["endpoint"], target.as_str(), "{v}");
    wait_for("the old host to see the close", || {
        (relay_a.ended() == 2).then_some(())
    });
    assert_eq!((relay_b.connections(), relay_b.ended()), (1, 0));
    let screen = serve.screen("s");
    assert!(screen.contains("Main menu"), "{screen}");

    // A migration that cannot happen leaves the session where it was.
    let closed = common::free_port();
    let (code, v) = serve.post(
        "/api/v1/sessions/s/migrate",
        &json!({ "target": format!("127.0.0.1:{closed}") }),
    );
    assert_eq!(code, 502, "{v}");
    assert!(v["error"].as_str().unwrap().contains("stays on"), "{v}");
    let s = serve.session("s");
    assert_eq!(
        (s["state"].as_str(), s["endpoint"].as_str()),
        (Some("connected"), Some(target.as_str()))
    );
    assert_eq!(serve.screen("s"), screen);
    assert_eq!(relay_b.ended(), 0);

    // Back by the profile's name: balanced over its endpoints, the logon macro again.
    let (code, v) = serve.post("/api/v1/sessions/s/migrate", &json!({ "target": "pm" }));
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["endpoint"], addr(&relay_a).as_str(), "{v}");
    assert!(serve.screen("s").contains("Main menu"));
    wait_for("the second host to see the close", || {
        (relay_b.ended() == 1).then_some(())
    });
    let (code, v) = serve.post_empty("/api/v1/sessions/nope/pause");
    assert_eq!(code, 404, "{v}");
}
