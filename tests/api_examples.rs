//! The examples in `examples/` run as a user would run them, against `r3270 serve --demo`:
//! the batch macro job (and its failure when the macro fails), the load test, the audit
//! summary over the log those runs wrote; the Prometheus examples pass promtool and name
//! metrics a real scrape has; the Kubernetes manifest parses and wires the token Secret and
//! the scrape.
#![allow(clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::api::Serve;

const CONFIG: &str = r#"
[macros.signon]
timeout = 5
steps = [
    "wait input-field",
    "prompt user",
    "tab",
    "prompt password secret",
    "enter",
    "wait text \"Main menu\"",
]
"#;

fn python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/venv/bin/python3");
    if venv.exists() {
        return Some(venv);
    }
    common::find_program("python3")
}

fn example(s: &Serve, script: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let py = python().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/api");
    let mut cmd = Command::new(py);
    cmd.arg(dir.join(script))
        .args(args)
        .env("R3270_API", &s.base)
        .env("R3270_TOKEN_FILE", &s.token_file);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn demo_target(s: &Serve) -> String {
    let list = s.get("/api/v1/sessions").json();
    list["sessions"][0]["endpoint"].as_str().unwrap().to_owned()
}

#[test]
fn the_batch_job_the_load_test_and_the_audit_summary_run_on_the_demo_host() {
    if python().is_none() {
        common::skip("python3");
        return;
    }
    let s = Serve::start(&["--demo"], Some(CONFIG));
    let target = demo_target(&s);
    let password = "DEMO";
    let ok = example(
        &s,
        "batch_macro.py",
        &[
            &target,
            "signon",
            "--sessions",
            "4",
            "--parallel",
            "2",
            "--set",
            "user=demo",
            "--set-env",
            "password=EXAMPLE_PW",
        ],
        &[("EXAMPLE_PW", password)],
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    assert!(
        text(&ok).contains("4 of 4 sessions ran signon"),
        "{}",
        text(&ok)
    );
    // A wrong password: the host does not show the menu, the macro's wait fails, and so does
    // the job.
    let bad = example(
        &s,
        "batch_macro.py",
        &[
            &target,
            "signon",
            "--sessions",
            "1",
            "--set",
            "user=demo",
            "--set",
            "password=WRONG",
        ],
        &[],
    );
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(
        text(&bad).contains("0 of 1 sessions ran signon"),
        "{}",
        text(&bad)
    );

    let load = example(
        &s,
        "load_test.py",
        &[&target, "--sessions", "3", "--rounds", "5"],
        &[],
    );
    assert_eq!(load.status.code(), Some(0), "{}", text(&load));
    let out = text(&load);
    assert!(out.contains("15 round trips over 3 sessions"), "{out}");
    assert!(out.contains("round trip p50"), "{out}");
    assert!(out.contains("host response time buckets"), "{out}");

    // The audit summary over what those runs recorded.
    let export = common::r3270_command()
        .env("HOME", &s.home)
        .env("XDG_DATA_HOME", s.home.join("data"))
        .env("XDG_STATE_HOME", s.home.join("state"))
        .env("XDG_CONFIG_HOME", s.home.join("config"))
        .args(["audit", "export", "--format", "jsonl"])
        .output()
        .unwrap();
    assert!(export.status.success());
    let jsonl = s.home.join("export.jsonl");
    std::fs::write(&jsonl, &export.stdout).unwrap();
    let sum = example(&s, "audit_summary.py", &[jsonl.to_str().unwrap()], &[]);
    let out = text(&sum);
    assert_eq!(sum.status.code(), Some(0), "{out}");
    // 1 default + 4 + 1 batch sessions + 3 load sessions, each a session-start.
    let starts = String::from_utf8_lossy(&export.stdout)
        .lines()
        .filter(|l| l.contains("\"kind\":\"session-start\""))
        .count();
    assert!(starts >= 9, "{starts}");
    let user_line = out.lines().nth(1).unwrap();
    let n: usize = user_line
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(n, starts, "{out}");
    assert!(out.contains("batch_macro.py"), "{out}");
    assert!(out.contains("load_test.py"), "{out}");
    // The password went through the API into hidden fields; no file holds it.
    for f in common::api::files_under(&s.home) {
        let t = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(!t.contains("WRONG"), "{}", f.display());
    }
}

#[test]
fn the_prometheus_examples_pass_promtool_and_name_real_metrics() {
    let Some(promtool) = common::find_program("promtool") else {
        common::skip("promtool");
        return;
    };
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/prometheus");
    let dir = common::temp_dir("prom");
    let token = dir.join("token");
    std::fs::write(&token, "x".repeat(32)).unwrap();
    let cfg = std::fs::read_to_string(src.join("prometheus.yml"))
        .unwrap()
        .replace("/etc/prometheus/r3270-token", token.to_str().unwrap());
    std::fs::write(dir.join("prometheus.yml"), cfg).unwrap();
    std::fs::copy(src.join("alerts.yml"), dir.join("alerts.yml")).unwrap();
    let out = Command::new(&promtool)
        .args(["check", "config"])
        .arg(dir.join("prometheus.yml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // Every r3270_ metric the alerts use is in a real scrape.
    let demo = common::start_demo(&[]);
    let cfg = format!(
        "[profile.watched]\nhost = \"127.0.0.1\"\nport = {}\nhealth-check = {{ interval = 1, timeout = 0.5 }}\n",
        demo.port
    );
    let s = Serve::start(&["watched"], Some(&cfg));
    // An AID, so the response histogram has a sample; then the first probe's verdict.
    let r = s.get(&format!(
        "/3270/rest/json/{}",
        common::api::enc("Wait(InputField) Enter() Wait(InputField)")
    ));
    assert_eq!(r.status, 200, "{r:?}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let scrape = loop {
        let scrape = s.get("/metrics").body;
        if scrape.contains("r3270_endpoint_up{") {
            break scrape;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no probe verdict:\n{scrape}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let up = format!(
        "r3270_endpoint_up{{endpoint=\"127.0.0.1:{}\"}} 1",
        demo.port
    );
    assert!(scrape.contains(&up), "{scrape}");
    // The scrape with the health figures is valid exposition text.
    let mut check = Command::new(&promtool)
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut check.stdin.take().unwrap(), scrape.as_bytes()).unwrap();
    let out = check.wait_with_output().unwrap();
    assert!(out.status.success(), "{}\n{scrape}", text(&out));
    let alerts = std::fs::read_to_string(src.join("alerts.yml")).unwrap();
    let mut names = Vec::new();
    for word in alerts.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with("r3270_") && !names.contains(&word) {
            names.push(word);
        }
    }
    assert!(!names.is_empty());
    for n in names {
        let family = n.trim_end_matches("_bucket");
        assert!(
            scrape
                .lines()
                .any(|l| l.starts_with(n) || l.starts_with(&format!("# TYPE {family} "))),
            "{n} is not in the scrape:\n{scrape}"
        );
    }
}

#[test]
fn the_kubernetes_example_wires_the_token_and_the_scrape() {
    let Some(py) = python() else {
        common::skip("python3");
        return;
    };
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kubernetes/r3270-serve.yaml");
    let script = r#"
import sys, yaml, tomllib
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = {d["kind"]: d for d in docs}
cfg = tomllib.loads(kinds["ConfigMap"]["data"]["config.toml"])
dep = kinds["Deployment"]["spec"]["template"]["spec"]
c = dep["containers"][0]
mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
vols = {v["name"]: v for v in dep["volumes"]}
assert c["args"][0] == "serve"
assert cfg["api"]["token-file"].startswith(mounts["token"]), cfg["api"]
assert vols["token"]["secret"]["secretName"] == "r3270-token"
assert cfg["api"]["tls-cert"].startswith(mounts["tls"])
assert kinds["ServiceMonitor"]["spec"]["endpoints"][0]["path"] == "/metrics"
assert kinds["ServiceMonitor"]["spec"]["endpoints"][0]["authorization"]["credentials"]["name"] == "r3270-token"
print(cfg["api"]["listen"])
"#;
    let out = Command::new(py)
        .args(["-c", script])
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // The ConfigMap's configuration is one r3270 accepts.
    let py_out = Command::new(python().unwrap())
        .args(["-c", "import sys,yaml; d=[d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d['kind']=='ConfigMap'][0]; sys.stdout.write(d['data']['config.toml'])"])
        .arg(&file)
        .output()
        .unwrap();
    let dir = common::temp_dir("k8s");
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, &py_out.stdout).unwrap();
    let check = common::r3270_command()
        .args(["config", "check"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check));
}
