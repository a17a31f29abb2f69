//! Shared helpers for the tests that meet real hosts: starting mainframe-mocker and
//! Hercules on free loopback ports, driving s3270 (the reference client), and a small
//! blocking driver that moves bytes between a socket and a sans-IO `Session`.
//!
//! Every process started here is killed by PID when its guard drops. A test whose program
//! is missing prints `skipped: ...` and returns (under CI it fails instead); `.ci/run` installs all of them, so CI always
//! runs these tests.
#![allow(
    dead_code,
    clippy::missing_panics_doc,
    clippy::unwrap_used,
    clippy::panic
)]

use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use r3270::proto::{Key, Session, TerminalConfig};

pub mod api;
pub mod relay;
pub mod tmux;
pub mod tn3270_host;

/// Report a missing far side: a skip on a developer's machine, a failure under CI (`CI` is
/// set when `.ci/run` runs), where `.ci/run` installed everything and a skip would hide a
/// broken install behind a green run.
pub fn skip(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is not installed under CI: .ci/run should have installed it"
    );
    println!("skipped: {what} not installed");
}

/// Find a program on PATH or in the CI virtual environment.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".ci/venv/bin")
        .join(name);
    if venv.is_file() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// A free TCP port on 127.0.0.1 (bound, then released for the host to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed (by PID) when dropped.
pub struct Guard {
    pub child: Child,
    pub log: PathBuf,
}

impl Drop for Guard {
    fn drop(&mut self) {
        // Already exited (and reaped): its PID may belong to someone else by now.
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        // Hercules can hang in shutdown after a rejected connection: TERM, then KILL.
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for_log(log: &Path, needle: &str, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::fs::read_to_string(log).is_ok_and(|s| s.contains(needle)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn temp_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("r3270-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Start mainframe-mocker's demo on a free port. `extra` adds flags (e.g. `--no-tn3270e`).
pub fn start_mfmock(extra: &[&str]) -> Option<(Guard, u16)> {
    let Some(prog) = find_program("mfmock") else {
        skip("mfmock (mainframe-mocker)");
        return None;
    };
    for _ in 0..3 {
        let port = free_port();
        let log = temp_path(&format!("mfmock-{port}.log"));
        let child = Command::new(&prog)
            .args(["demo", "--host", "127.0.0.1", "--port", &port.to_string()])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log).unwrap())
            .stderr(std::fs::File::create(log.with_extension("err")).unwrap())
            .spawn()
            .unwrap();
        let guard = Guard {
            child,
            log: log.clone(),
        };
        let ready = format!("event=listening host=127.0.0.1 port={port}");
        if wait_for_log(&log, &ready, Duration::from_secs(20))
            || wait_for_log(
                &log.with_extension("err"),
                &ready,
                Duration::from_millis(10),
            )
        {
            return Some((guard, port));
        }
    }
    panic!("mfmock did not start listening");
}

/// Start Hercules with `devices` 3270 devices from 0010 on a free port.
pub fn start_hercules(devices: u16) -> Option<(Guard, u16)> {
    let Some(prog) = find_program("hercules") else {
        skip("hercules");
        return None;
    };
    let port = free_port();
    let conf = temp_path(&format!("hercules-{port}.cnf"));
    std::fs::write(
        &conf,
        format!(
            "CPUSERIAL 002623\nCPUMODEL 3090\nMAINSIZE 16\nXPNDSIZE 0\nNUMCPU 1\n\
             ARCHMODE S/370\nCNSLPORT 127.0.0.1:{port}\n0010.{devices} 3270\n"
        ),
    )
    .unwrap();
    let log = temp_path(&format!("hercules-{port}.log"));
    let child = Command::new(prog)
        .arg("-f")
        .arg(&conf)
        .arg("-d")
        .current_dir(conf.parent().unwrap())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let guard = Guard {
        child,
        log: log.clone(),
    };
    let ready = format!("Waiting for console connection on port {port}");
    assert!(
        wait_for_log(&log, &ready, Duration::from_secs(30)),
        "hercules did not start"
    );
    Some((guard, port))
}

/// s3270, the reference client, driven through its stdin/stdout action protocol.
pub struct S3270 {
    guard: Guard,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl S3270 {
    /// Start s3270 with extra options (e.g. `-model 3279-2`); `None` if not installed.
    pub fn start(args: &[&str]) -> Option<Self> {
        let Some(prog) = find_program("s3270") else {
            skip("s3270");
            return None;
        };
        let mut child = Command::new(prog)
            .args(["-clear", "aidWait"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Some(S3270 {
            guard: Guard {
                child,
                log: PathBuf::new(),
            },
            stdin,
            stdout,
        })
    }

    /// Run one action; returns its `data:` lines, or Err with them if it said `error`.
    pub fn run(&mut self, action: &str) -> Result<Vec<String>, Vec<String>> {
        writeln!(self.stdin, "{action}").unwrap();
        self.stdin.flush().unwrap();
        let mut data = Vec::new();
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "s3270 exited during {action}"
            );
            let line = line.trim_end_matches(['\n', '\r']);
            if let Some(d) = line.strip_prefix("data: ") {
                data.push(d.to_owned());
            } else if line == "data:" {
                data.push(String::new());
            } else if line == "ok" {
                return Ok(data);
            } else if line == "error" {
                return Err(data);
            }
        }
    }

    /// `Ascii()`: the screen text, one string per row.
    pub fn screen(&mut self) -> Vec<String> {
        self.run("Ascii()").unwrap()
    }

    /// Press an AID and wait (bounded) for the host to unlock the keyboard, then a little
    /// more for any further record.
    pub fn aid(&mut self, action: &str) {
        self.run(action).unwrap();
        let _ = self.run("Wait(10,Unlock)");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// A blocking driver for a sans-IO `Session` over a real TCP socket: the smallest possible
/// runtime, for tests only (the real one is the tokio runtime of the connections issue).
pub struct Driver {
    pub session: Session,
    stream: TcpStream,
    pub closed: bool,
}

impl Driver {
    pub fn connect(port: u16, cfg: TerminalConfig) -> Self {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        stream.set_nodelay(true).unwrap();
        Driver {
            session: Session::new(cfg),
            stream,
            closed: false,
        }
    }

    fn flush(&mut self) {
        while let Some(b) = self.session.poll_transmit() {
            self.stream.write_all(&b).unwrap();
        }
        while self.session.poll_event().is_some() {}
    }

    /// Move bytes until `done(session)` has held for `quiet` with no input, or `timeout`.
    /// Returns whether `done` held at the end.
    pub fn pump_until(
        &mut self,
        timeout: Duration,
        quiet: Duration,
        done: impl Fn(&Session) -> bool,
    ) -> bool {
        let deadline = Instant::now() + timeout;
        let mut last_input = Instant::now();
        let mut buf = vec![0u8; 65536];
        self.flush();
        while Instant::now() < deadline && !self.closed {
            match self.stream.read(&mut buf) {
                Ok(0) => self.closed = true,
                Ok(n) => {
                    self.session.handle_input(Instant::now(), &buf[..n]);
                    last_input = Instant::now();
                    self.flush();
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if done(&self.session) && last_input.elapsed() >= quiet {
                        return true;
                    }
                }
                Err(_) => self.closed = true,
            }
        }
        done(&self.session)
    }

    /// Wait for the first screen: keyboard unlocked and quiet.
    pub fn wait_ready(&mut self) -> bool {
        self.pump_until(Duration::from_secs(15), Duration::from_millis(300), |s| {
            !s.is_locked() && s.mode().is_3270()
        })
    }

    pub fn key(&mut self, key: Key) {
        self.session.handle_key(key, Instant::now());
        self.flush();
    }

    pub fn text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(Key::Char(c));
        }
    }

    /// Press an AID key and wait (bounded) for the host's unlocking answer.
    pub fn aid(&mut self, key: Key) -> bool {
        self.key(key);
        self.pump_until(Duration::from_secs(10), Duration::from_millis(300), |s| {
            !s.is_locked()
        })
    }
}

/// Blank out what legitimately differs between two connections to the same host: a
/// `dd/mm/yy hh:mm` clock (mainframe-mocker's header) and the device number Hercules gave
/// each connection.
pub fn mask_clock(rows: &[String]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            for label in ["Device number     : ", "Subchannel        : "] {
                if let Some(i) = r.find(label) {
                    let mut out = r.clone();
                    let start = i + label.len();
                    out.replace_range(start..(start + 4).min(r.len()), "####");
                    return out;
                }
            }
            let b = r.as_bytes();
            let mut out = r.clone();
            for i in 0..b.len().saturating_sub(13) {
                let w = &b[i..i + 14];
                let d = |k: usize| w[k].is_ascii_digit();
                if d(0)
                    && d(1)
                    && w[2] == b'/'
                    && d(3)
                    && d(4)
                    && w[5] == b'/'
                    && d(6)
                    && d(7)
                    && w[8] == b' '
                    && d(9)
                    && d(10)
                    && w[11] == b':'
                    && d(12)
                    && d(13)
                {
                    out.replace_range(i..i + 14, "dd/mm/yy hh:mm");
                }
            }
            out
        })
        .collect()
}

/// What one run of the built `r3270` binary produced.
#[derive(Debug)]
pub struct Run {
    /// The exit status (`None` if it was killed by a signal).
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The screen rows printed on stdout.
    pub fn rows(&self) -> Vec<String> {
        self.stdout.lines().map(str::to_owned).collect()
    }
}

/// A `Command` for the r3270 binary under test whose config, data and log directories are
/// a fresh temporary home: a developer's own `~/.config/r3270/config.toml` must not change
/// what a test sees, and test runs must not leave log files in the real home.
pub fn r3270_command() -> Command {
    let home = temp_dir("r3270-home");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_r3270"));
    cmd.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env_remove("R3270_CONFIG")
        .env_remove("R3270_LOG");
    cmd
}

/// `r3270 serve-demo` in a child process (killed by PID when dropped), on a free port.
pub struct DemoHost {
    _guard: Guard,
    /// Kept open: the host writes to it and must not get EPIPE.
    _stdout: BufReader<ChildStdout>,
    pub port: u16,
}

impl DemoHost {
    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// Start the demo host with `serve-demo` options `extra`; returns once it listens.
pub fn start_demo(extra: &[&str]) -> DemoHost {
    let mut child = r3270_command()
        .args(["serve-demo", "--port", "0"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let guard = Guard {
        child,
        log: PathBuf::new(),
    };
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port = line
        .trim()
        .strip_prefix("r3270 demo host listening on 127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    DemoHost {
        _guard: guard,
        _stdout: stdout,
        port,
    }
}

/// Run `r3270 ARGS...`. A run that outlives `hang_guard` is killed (by PID) and reported as
/// a hang; the guard only catches hangs and is far above any normal run.
pub fn r3270(args: &[&str], hang_guard: Duration) -> Run {
    let out = temp_path(&format!("r3270-{}.out", unique()));
    let err = out.with_extension("err");
    let child = r3270_command()
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
    let deadline = Instant::now() + hang_guard;
    let status = loop {
        if let Some(status) = guard.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "r3270 {} did not exit (hang); stderr so far:\n{}",
            args.join(" "),
            std::fs::read_to_string(&err).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        code: status.code(),
        stdout: std::fs::read_to_string(&out).unwrap(),
        stderr: std::fs::read_to_string(&err).unwrap(),
    };
    let _ = std::fs::remove_file(&out);
    let _ = std::fs::remove_file(&err);
    assert!(
        !run.stderr.contains("panicked"),
        "r3270 panicked:\n{}",
        run.stderr
    );
    run
}

/// A process-wide counter for unique temporary names.
pub fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A fresh temporary directory for one test's files.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = temp_path(&format!("{name}-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The s3270 action for an `r3270 screen` KEY argument, and whether it is an AID.
pub fn s3270_action(key: &str) -> (String, bool) {
    if let Some(text) = key.strip_prefix('=') {
        return (format!("String(\"{text}\")"), false);
    }
    if let Some(rc) = key.strip_prefix("cursor:") {
        return (format!("MoveCursor({rc})"), false);
    }
    let lower = key.to_ascii_lowercase();
    for (prefix, action) in [("pf", "PF"), ("pa", "PA")] {
        if let Some(n) = lower.strip_prefix(prefix) {
            if n.parse::<u8>().is_ok() {
                return (format!("{action}({n})"), true);
            }
        }
    }
    let aid = matches!(lower.as_str(), "enter" | "clear" | "sysreq" | "attn");
    (format!("{key}()"), aid)
}

/// A test CA and a server certificate for `127.0.0.1` (IP SAN) and `localhost`, as PEM
/// files in a fresh temporary directory.
pub struct TestPki {
    pub dir: PathBuf,
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    pub cert_pem: String,
    pub key_pem: String,
}

pub fn make_pki() -> TestPki {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
        KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "r3270 test CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &ca).unwrap();
    let dir = temp_dir("pki");
    let pki = TestPki {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        dir,
    };
    std::fs::write(&pki.ca, ca.pem()).unwrap();
    std::fs::write(&pki.cert, &pki.cert_pem).unwrap();
    std::fs::write(&pki.key, &pki.key_pem).unwrap();
    pki
}

/// The PIDs of `parent`'s child processes, from /proc.
pub fn children(parent: &str) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        // `pid (comm) state ppid ...`: the command may hold spaces, so split after `)`.
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1));
        if ppid == Some(parent) {
            out.push(name);
        }
    }
    out
}
