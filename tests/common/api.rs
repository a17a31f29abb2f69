//! `r3270 serve` in a child process (isolated home, killed by PID when dropped) and a real
//! HTTP client (curl) to call it.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, Stdio};

use super::{Guard, find_program, r3270_command, skip};

/// A running `r3270 serve`.
pub struct Serve {
    pub guard: Guard,
    _stdout: BufReader<ChildStdout>,
    /// `http://127.0.0.1:PORT` (or https).
    pub base: String,
    pub port: u16,
    pub token: String,
    pub token_file: PathBuf,
    /// The isolated home: config, data (audit log, token) and log directories.
    pub home: PathBuf,
}

/// One HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

impl Serve {
    /// `r3270 serve ARGS --listen 127.0.0.1:0`, with `config` (TOML) as its config file when
    /// given. Returns once it listens.
    pub fn start(args: &[&str], config: Option<&str>) -> Serve {
        let mut cmd = r3270_command();
        let home = PathBuf::from(
            cmd.get_envs()
                .find(|(k, _)| *k == "HOME")
                .and_then(|(_, v)| v)
                .unwrap(),
        );
        if let Some(text) = config {
            let file = home.join("config.toml");
            std::fs::create_dir_all(&home).unwrap();
            std::fs::write(&file, text).unwrap();
            cmd.arg("--config").arg(&file);
        }
        let mut child = cmd
            .arg("serve")
            .args(args)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let guard = Guard {
            child,
            log: PathBuf::new(),
        };
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let rest = line
            .trim()
            .strip_prefix("r3270 serve listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let (base, token) = rest.split_once(" (token in ").unwrap();
        let token_file = PathBuf::from(token.trim_end_matches(')'));
        let port = base.rsplit(':').next().unwrap().parse().unwrap();
        let token = std::fs::read_to_string(&token_file)
            .unwrap()
            .trim()
            .to_owned();
        Serve {
            guard,
            _stdout: stdout,
            base: base.to_owned(),
            port,
            token,
            token_file,
            home,
        }
    }

    /// The process's PID.
    pub fn pid(&self) -> u32 {
        self.guard.child.id()
    }

    /// GET `path` with the token.
    pub fn get(&self, path: &str) -> Reply {
        self.call("GET", path, None, &[])
    }

    /// POST a JSON body with the token.
    pub fn post_json(&self, path: &str, body: &serde_json::Value) -> Reply {
        self.call(
            "POST",
            path,
            Some(&body.to_string()),
            &["Content-Type: application/json"],
        )
    }

    /// Any call with the token (and extra headers).
    pub fn call(&self, method: &str, path: &str, body: Option<&str>, headers: &[&str]) -> Reply {
        let auth = format!("Authorization: Bearer {}", self.token);
        let mut all = vec![auth.as_str()];
        all.extend_from_slice(headers);
        curl(method, &format!("{}{path}", self.base), body, &all, &[])
    }
}

/// `curl` one request; `extra` adds curl options (e.g. `--cacert F`).
pub fn curl(
    method: &str,
    url: &str,
    body: Option<&str>,
    headers: &[&str],
    extra: &[&str],
) -> Reply {
    let Some(prog) = find_program("curl") else {
        skip("curl");
        panic!("curl is needed to call the API");
    };
    let dir = super::temp_dir("curl");
    let head = dir.join("head");
    let out = dir.join("body");
    let mut cmd = Command::new(prog);
    cmd.args(["-s", "-g", "-X", method, "-D"])
        .arg(&head)
        .arg("-o")
        .arg(&out)
        .args(["-w", "%{http_code}", "--max-time", "120"]);
    if method == "HEAD" {
        cmd.arg("-I");
    }
    for h in headers {
        cmd.args(["-H", h]);
    }
    if let Some(b) = body {
        cmd.args(["--data-binary", b]);
    }
    cmd.args(extra).arg(url);
    let o = cmd.output().unwrap();
    let status = String::from_utf8_lossy(&o.stdout)
        .trim()
        .parse()
        .unwrap_or(0);
    let reply = Reply {
        status,
        headers: std::fs::read_to_string(&head).unwrap_or_default(),
        body: std::fs::read_to_string(&out).unwrap_or_default(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    reply
}

/// Percent-encode an s3270 action line for a URL path.
pub fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~,".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Every regular file under `dir`.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
