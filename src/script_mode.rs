//! `r3270 script`: r3270 as a drop-in s3270.
//!
//! Test-automation tools (py3270, Robot Framework's Mainframe3270, x3270if, ...) start
//! s3270 and talk to it over its standard input and output: one action a line; for each,
//! zero or more `data: ` lines, the 12-field status line, then `ok` or `error`. This module
//! speaks that protocol on standard input and output (and on `-scriptport`), with the same
//! words, status line and error texts as s3270 4.1, so that those tools run unchanged with
//! r3270 on `PATH` as `s3270`.
//!
//! The actions are parsed by [`crate::script::s3270`] and carried out by the one script
//! runner ([`crate::script::Runner`]) on a [`Client`]; the screen is read through the same
//! text conversion as `r3270 screen` and the TUI ([`grid`]). What it must not do: print
//! anything but the protocol on standard output (notes go to stderr), or block on a host
//! while standard input has closed.

pub mod args;
pub mod grid;

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::proto::{Dimensions, Key, LockReason, Mode, Model, TerminalConfig};
use crate::runtime::client::Client;
use crate::runtime::connection::ConnectOptions;
use crate::runtime::host::HostSpec;
use crate::runtime::tls::{ClientIdentity, TlsOptions};
use crate::script::s3270::{Call, Typed, action_keys, parse_line, string_keys};
use crate::script::{self, Failure, Options, Progress, Runner, Step, Until};
use args::ScriptArgs;
use grid::Grid;

/// The s3270 version whose protocol r3270 speaks, for `-minversion` and `Query(Version)`.
pub const S3270_VERSION: &str = "4.1";

/// Longest line taken from a script; a longer one is refused with an error reply (and the
/// rest of it skipped), never buffered without end.
const MAX_LINE: usize = 4 << 20;

/// Actions r3270 knows, for exact and unique-prefix matching as x3270 does.
const ACTIONS: &[&str] = &[
    "Ascii",
    "Ascii1",
    "AsciiField",
    "Attn",
    "BackSpace",
    "BackTab",
    "Clear",
    "Close",
    "Connect",
    "CursorSelect",
    "Delete",
    "DeleteField",
    "DeleteWord",
    "Disconnect",
    "Down",
    "Dup",
    "Ebcdic",
    "Ebcdic1",
    "EbcdicField",
    "Enter",
    "Erase",
    "EraseEOF",
    "EraseInput",
    "Exit",
    "FieldEnd",
    "FieldMark",
    "Home",
    "ignore",
    "Insert",
    "Key",
    "Left",
    "Left2",
    "MoveCursor",
    "MoveCursor1",
    "Newline",
    "Open",
    "PA",
    "PF",
    "PrintText",
    "Query",
    "Quit",
    "ReadBuffer",
    "Reset",
    "Right",
    "Right2",
    "Set",
    "Snap",
    "String",
    "SysReq",
    "Tab",
    "Toggle",
    "ToggleInsert",
    "Up",
    "Wait",
];

/// Entry point: `args` are the words after `script` (or after the program name when run
/// as `s3270`).
pub fn main(words: &[String]) -> ExitCode {
    if words.iter().any(|a| a == "-help" || a == "--help") {
        print!("{}", args::USAGE);
        return ExitCode::SUCCESS;
    }
    let args = match args::parse(words) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            eprint!("{}", args::USAGE);
            return ExitCode::from(1);
        }
    };
    if args.version {
        println!("{}", version_text());
        return ExitCode::SUCCESS;
    }
    if let Some(min) = &args.min_version {
        if !version_at_least(S3270_VERSION, min) {
            eprintln!("Version {S3270_VERSION} < requested {min}, aborting");
            return ExitCode::from(1);
        }
    }
    for r in &args.ignored {
        eprintln!("r3270: ignoring resource `{r}` (no such setting in r3270)");
    }
    if args.accept_hostname.is_some() {
        eprintln!("r3270: -accepthostname is not supported; the certificate must name the host");
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("r3270: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let code = rt.block_on(run(args));
    // The standard-input reader sits in a blocking read that cannot be cancelled; a client
    // that says Quit and keeps the pipe open must not keep r3270 from exiting.
    rt.shutdown_background();
    code
}

fn version_text() -> String {
    format!(
        "s3270 v{S3270_VERSION} (r3270 v{} script mode)",
        env!("CARGO_PKG_VERSION")
    )
}

/// Whether version `have` is at least `want` (dotted numbers; `4.1ga10` reads as 4.1.10).
fn version_at_least(have: &str, want: &str) -> bool {
    let parts = |v: &str| -> Vec<u32> {
        v.split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    let (h, w) = (parts(have), parts(want));
    for i in 0..h.len().max(w.len()) {
        let (a, b) = (
            h.get(i).copied().unwrap_or(0),
            w.get(i).copied().unwrap_or(0),
        );
        if a != b {
            return a > b;
        }
    }
    true
}

async fn run(args: ScriptArgs) -> ExitCode {
    let mut state = match State::new(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("r3270: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some(host) = args.host.clone() {
        let reply = state.connect(&[host]).await;
        if let Err(e) = reply {
            eprintln!("r3270: {}", e.join(": "));
        }
    }
    let code = if let Some(port) = &args.script_port {
        serve_port(&mut state, port, args.script_port_once).await
    } else {
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(read_lines(tokio::io::stdin(), tx));
        let mut out = tokio::io::stdout();
        state.serve(rx, &mut out).await;
        ExitCode::SUCCESS
    };
    state.shutdown().await;
    code
}

/// `-scriptport`: script clients over TCP, one at a time, on 127.0.0.1 unless an address
/// is given.
async fn serve_port(state: &mut State, spec: &str, once: bool) -> ExitCode {
    let addr = if spec.contains(':') {
        spec.to_owned()
    } else {
        format!("127.0.0.1:{spec}")
    };
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("r3270: cannot listen on {addr}: {e}");
            return ExitCode::from(1);
        }
    };
    loop {
        let stream = tokio::select! {
            a = listener.accept() => match a {
                Ok((s, _)) => s,
                Err(e) => {
                    eprintln!("r3270: script port: {e}");
                    continue;
                }
            },
            () = state.idle() => continue,
        };
        let (r, mut w) = stream.into_split();
        let (tx, rx) = mpsc::channel(64);
        tokio::spawn(read_lines(r, tx));
        let quit = state.serve(rx, &mut w).await;
        if once || quit {
            return ExitCode::SUCCESS;
        }
    }
}

/// A line from the script, or why there is none.
enum Line {
    Text(String),
    TooLong,
}

/// Reads lines into the channel until end of input (the channel then closes).
async fn read_lines<R: AsyncRead + Unpin>(r: R, tx: mpsc::Sender<Line>) {
    let mut reader = BufReader::new(r);
    loop {
        let mut buf = Vec::new();
        let mut too_long = false;
        loop {
            let Ok(chunk) = reader.fill_buf().await else {
                return;
            };
            if chunk.is_empty() {
                if buf.is_empty() && !too_long {
                    return;
                }
                break;
            }
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(p) => (p + 1, true),
                None => (chunk.len(), false),
            };
            if buf.len() + take > MAX_LINE {
                too_long = true;
            } else {
                buf.extend_from_slice(&chunk[..take]);
            }
            reader.consume(take);
            if done {
                break;
            }
        }
        let line = if too_long {
            Line::TooLong
        } else {
            let text = String::from_utf8_lossy(&buf);
            Line::Text(text.trim_end_matches(['\n', '\r']).to_owned())
        };
        if tx.send(line).await.is_err() {
            return;
        }
    }
}

/// What one action answered.
type Reply = Result<Vec<String>, Vec<String>>;

/// The emulator's state between actions.
struct State {
    client: Option<Client>,
    /// The screen of the connection that ended (s3270 keeps showing it).
    last: Option<Grid>,
    /// The host name as the status line shows it, while connected.
    host_name: Option<String>,
    host_port: u16,
    terminal: TerminalConfig,
    connect: ConnectOptions,
    default_port: u16,
    trace_file: Option<std::path::PathBuf>,
    toggles: HashMap<String, bool>,
    snap: Option<(Grid, String)>,
    /// A screen was read since the host last wrote: `Wait(Output)` must wait.
    output_needed: bool,
    read_at: u64,
    connected_at: Option<Instant>,
    /// Lines read while an action was waiting, to run next.
    pending: VecDeque<Line>,
    /// Standard input ended while an action was waiting.
    input_closed: bool,
    /// Screen text goes out as UTF-8 (`-utf8`, or a UTF-8 locale); otherwise as ASCII.
    utf8: bool,
}

impl State {
    fn new(args: &ScriptArgs) -> Result<Self, String> {
        let mut model: Model = args
            .model
            .as_deref()
            .unwrap_or("3279-4-E")
            .parse()
            .map_err(|e| format!("{e}"))?;
        // s3270 always asks for the extended data stream (`-model 3278-2` sends
        // IBM-3278-2-E); a drop-in must ask the host for the same.
        model.extended = true;
        let mut terminal = TerminalConfig {
            model,
            terminal_type: args.terminal_type.clone(),
            ..TerminalConfig::default()
        };
        if let Some(o) = &args.oversize {
            let (c, r) = o
                .split_once('x')
                .and_then(|(c, r)| Some((c.trim().parse().ok()?, r.trim().parse().ok()?)))
                .ok_or_else(|| format!("invalid -oversize `{o}` (COLSxROWS)"))?;
            terminal.oversize = Some(Dimensions::new(r, c));
        }
        if let Some(cp) = &args.code_page {
            terminal.code_page = crate::proto::CodePage::from_name(cp)
                .ok_or_else(|| format!("unknown code page `{cp}`"))?;
        }
        let identity = match (&args.cert_file, &args.key_file) {
            (Some(cert), Some(key)) => Some(ClientIdentity::Pem {
                cert: cert.clone(),
                key: key.clone(),
            }),
            (None, None) => None,
            _ => return Err("-certfile and -keyfile go together".to_owned()),
        };
        let connect = ConnectOptions {
            tls: TlsOptions {
                ca_file: args.ca_file.clone(),
                identity,
                insecure: args.no_verify_cert,
            },
            ..ConnectOptions::default()
        };
        let mut toggles = HashMap::new();
        toggles.insert("aidwait".to_owned(), true);
        for (name, on) in &args.toggles {
            toggles.insert(name.to_ascii_lowercase(), *on);
        }
        let trace_file = match (&args.trace_file, args.trace) {
            (Some(f), _) => Some(f.clone()),
            (None, true) => {
                Some(std::env::temp_dir().join(format!("x3trc.{}", std::process::id())))
            }
            (None, false) => None,
        };
        Ok(State {
            client: None,
            last: None,
            host_name: None,
            host_port: 23,
            terminal,
            connect,
            default_port: args.port.unwrap_or(23),
            trace_file,
            toggles,
            snap: None,
            output_needed: false,
            read_at: 0,
            connected_at: None,
            pending: VecDeque::new(),
            input_closed: false,
            utf8: args.utf8 || locale_is_utf8(),
        })
    }

    /// Serves one script source until it ends or says Quit; true on Quit.
    async fn serve<W: AsyncWrite + Unpin>(
        &mut self,
        mut rx: mpsc::Receiver<Line>,
        out: &mut W,
    ) -> bool {
        self.input_closed = false;
        loop {
            let line = if let Some(l) = self.pending.pop_front() {
                l
            } else if self.input_closed {
                return false;
            } else {
                tokio::select! {
                    l = rx.recv() => match l {
                        Some(l) => l,
                        None => return false,
                    },
                    () = self.idle() => continue,
                }
            };
            // What the host has already sent is taken in before the next action (a sign-off
            // screen and the close right behind it read as disconnected, as in s3270).
            self.take_pending().await;
            let started = Instant::now();
            let (reply, quit) = match line {
                Line::TooLong => (Err(vec!["Line too long".to_owned()]), false),
                Line::Text(text) => self.line(&text, &mut rx).await,
            };
            let mut text = String::new();
            let (ok, data) = match reply {
                Ok(d) => (true, d),
                Err(d) => (false, d),
            };
            for d in data {
                for part in d.split('\n') {
                    text.push_str("data: ");
                    if self.utf8 {
                        text.push_str(part);
                    } else {
                        // s3270 without -utf8 writes in the locale's charset; in a C
                        // locale that is ASCII, with `?` for what it cannot show.
                        text.extend(part.chars().map(|c| if c.is_ascii() { c } else { '?' }));
                    }
                    text.push('\n');
                }
            }
            text.push_str(&self.status_line());
            let took = started.elapsed();
            let _ = writeln!(text, " {}.{:03}", took.as_secs(), took.subsec_millis());
            text.push_str(if ok { "ok\n" } else { "error\n" });
            if out.write_all(text.as_bytes()).await.is_err() || out.flush().await.is_err() {
                return false;
            }
            if quit {
                return true;
            }
        }
    }

    /// Keeps the connection served while nothing else happens.
    async fn idle(&mut self) {
        match self.client.as_mut() {
            Some(c) if c.ended().is_none() => {
                c.serve(Instant::now() + Duration::from_secs(3600)).await;
                self.note_end();
            }
            _ => std::future::pending().await,
        }
    }

    /// Handles every connection event that is already waiting, without waiting for more.
    async fn take_pending(&mut self) {
        if let Some(c) = self.client.as_mut() {
            c.take_pending().await;
        }
        self.note_end();
    }

    /// After the connection ended by itself: keep its last screen, drop the client.
    fn note_end(&mut self) {
        if self.client.as_ref().is_some_and(|c| c.ended().is_some()) {
            if let Some(c) = self.client.take() {
                self.last = Some(Grid::of(c.session()));
                self.host_name = None;
                self.connected_at = None;
            }
        }
    }

    async fn shutdown(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = c.close().await;
        }
    }

    /// Runs the actions of one line; stops at the first that fails.
    async fn line(&mut self, text: &str, rx: &mut mpsc::Receiver<Line>) -> (Reply, bool) {
        let calls = match parse_line(text) {
            Ok(c) => c,
            Err(e) => return (Err(vec![e.to_string()]), false),
        };
        let mut data = Vec::new();
        for call in calls {
            let name = match resolve(&call.name) {
                Ok(n) => n,
                Err(e) => {
                    data.push(e);
                    return (Err(data), false);
                }
            };
            if name == "Quit" || name == "Exit" {
                return (Ok(data), true);
            }
            match self.action(name, &call, rx).await {
                Ok(mut d) => data.append(&mut d),
                Err(mut d) => {
                    data.append(&mut d);
                    return (Err(data), false);
                }
            }
        }
        (Ok(data), false)
    }

    async fn action(&mut self, name: &str, call: &Call, rx: &mut mpsc::Receiver<Line>) -> Reply {
        let args = &call.args;
        match name {
            "Connect" | "Open" => self.connect(args).await,
            "Disconnect" | "Close" => {
                // s3270 keeps showing the last screen after a disconnect.
                if let Some(c) = self.client.take() {
                    self.last = Some(Grid::of(c.session()));
                    let _ = c.close().await;
                }
                self.host_name = None;
                self.connected_at = None;
                Ok(vec![])
            }
            "Wait" => self.wait(args, rx).await,
            "ignore" => Ok(vec![]),
            "Ascii" | "Ascii1" | "Ebcdic" | "Ebcdic1" => {
                let origin = usize::from(name.ends_with('1'));
                let ebcdic = name.starts_with('E');
                self.mark_read();
                self.grid()
                    .dump(name, args, origin, ebcdic)
                    .map_err(|e| vec![e])
            }
            "AsciiField" | "EbcdicField" => {
                self.mark_read();
                self.grid()
                    .field(name, name.starts_with('E'))
                    .map_err(|e| vec![e])
            }
            "ReadBuffer" => {
                self.mark_read();
                let ebcdic = match args.first().map(|a| a.to_ascii_lowercase()) {
                    None => false,
                    Some(a) if "ascii".starts_with(&a) && !a.is_empty() => false,
                    Some(a) if "ebcdic".starts_with(&a) && !a.is_empty() => true,
                    Some(_) => {
                        return Err(vec![
                            "ReadBuffer(): Parameter must be Ascii, Ebcdic, Unicode or Field"
                                .to_owned(),
                        ]);
                    }
                };
                Ok(self.grid().read_buffer(ebcdic))
            }
            "Query" => self.query(args),
            "Snap" => self.snap(args, rx).await,
            "PrintText" => self.print_text(args),
            "Set" | "Toggle" => self.set(name, args),
            "DeleteField" | "DeleteWord" => {
                self.edit_field(name);
                Ok(vec![])
            }
            _ => self.keys(name, args, rx).await,
        }
    }

    fn mark_read(&mut self) {
        self.output_needed = true;
        self.read_at = self.client.as_ref().map_or(0, |c| c.driver().screens());
    }

    fn grid(&self) -> Grid {
        match (&self.client, &self.last) {
            (Some(c), _) => Grid::of(c.session()),
            (None, Some(g)) => g.clone(),
            (None, None) => Grid::blank(24, 80),
        }
    }

    async fn connect(&mut self, args: &[String]) -> Reply {
        if self.client.is_some() {
            return Err(vec!["Already connected".to_owned()]);
        }
        let target = match args {
            [h] => h.clone(),
            [h, p] => format!("{h}:{p}"),
            _ => return Err(vec!["Connect requires 1 or 2 arguments".to_owned()]),
        };
        let (spec, name) = match self.host_spec(&target) {
            Ok(s) => s,
            Err(e) => return Err(vec![format!("Connection failed:"), e]),
        };
        let mut client = match Client::connect(&spec, &self.connect, self.terminal.clone()).await {
            Ok(c) => c,
            Err(e) => return Err(vec!["Connection failed:".to_owned(), e.to_string()]),
        };
        client.set_settle(Duration::ZERO);
        if let Some(path) = &self.trace_file {
            match open_trace(path, &self.terminal, &spec) {
                Ok(t) => client.set_trace(t),
                Err(e) => eprintln!("r3270: cannot write the trace {}: {e}", path.display()),
            }
        }
        self.host_name = Some(name);
        self.host_port = spec.port;
        self.connected_at = Some(Instant::now());
        self.last = None;
        self.client = Some(client);
        let mut runner = Runner::new(
            [Step::Wait(script::Wait::new(Until::Connected))],
            Options::default(),
        );
        match self.run_runner(&mut runner, None).await {
            Progress::Failed(Failure::Ended { .. } | Failure::NotConnected { .. }) => {
                let why = self
                    .client
                    .as_ref()
                    .and_then(|c| c.ended().map(ToString::to_string))
                    .unwrap_or_else(|| "the host closed the connection".to_owned());
                self.note_end();
                Err(vec!["Connection failed:".to_owned(), why])
            }
            _ => Ok(vec![]),
        }
    }

    /// `[prefix:]...[LU@]host[:port]` in s3270's syntax; returns the spec and the host name
    /// for the status line.
    fn host_spec(&self, target: &str) -> Result<(HostSpec, String), String> {
        let mut rest = target.trim();
        let mut tls = false;
        let mut tn3270e = true;
        // Single-letter prefixes, any order: L: TLS, N: no TN3270E; the others (B: bind
        // lock, C: no login, P: passthru, S: no SSL, Y: ...) change nothing in r3270.
        while rest.len() > 2
            && rest.as_bytes()[1] == b':'
            && rest.as_bytes()[0].is_ascii_alphabetic()
        {
            match rest.as_bytes()[0].to_ascii_uppercase() {
                b'L' => tls = true,
                b'N' => tn3270e = false,
                b'A' | b'B' | b'C' | b'P' | b'S' | b'Y' | b'T' => {}
                _ => break,
            }
            rest = &rest[2..];
        }
        let (lu, hostport) = match rest.rsplit_once('@') {
            Some((lu, h)) => (Some(lu.to_owned()), h),
            None => (None, rest),
        };
        let has_port = if let Some(h) = hostport.strip_prefix('[') {
            h.contains("]:")
        } else {
            hostport.matches(':').count() == 1
        };
        let hostport = if has_port {
            hostport.to_owned()
        } else if hostport.contains(':') && !hostport.starts_with('[') {
            format!("[{hostport}]:{}", self.default_port)
        } else {
            format!("{hostport}:{}", self.default_port)
        };
        let mut spec: HostSpec = hostport.parse().map_err(|e| format!("{e}"))?;
        spec.tls = tls;
        spec.tn3270e = tn3270e;
        spec.lu = lu;
        let name = spec.host.clone();
        Ok((spec, name))
    }

    /// Runs a script to its end, keeping standard input read: lines that arrive are kept
    /// for later (the connection and the script are both served while an action waits).
    async fn run_runner(
        &mut self,
        runner: &mut Runner,
        mut rx: Option<&mut mpsc::Receiver<Line>>,
    ) -> Progress {
        loop {
            let Some(client) = self.client.as_mut() else {
                return Progress::Failed(Failure::Ended {
                    step: runner.position(),
                    until: None,
                });
            };
            let progress = client.poll_runner(runner);
            let Progress::Pending(wake) = progress else {
                return progress;
            };
            let until = wake.map_or_else(
                || Instant::now() + Duration::from_secs(3600),
                Instant::from_std,
            );
            match rx.as_deref_mut() {
                Some(rx) if !self.input_closed => {
                    tokio::select! {
                        l = rx.recv() => match l {
                            Some(l) => self.pending.push_back(l),
                            // The script has said all it will; what it already sent still
                            // runs, as in s3270, and the wait goes on.
                            None => self.input_closed = true,
                        },
                        () = client.serve(until) => {}
                    }
                }
                _ => client.serve(until).await,
            }
        }
    }

    async fn wait(&mut self, args: &[String], rx: &mut mpsc::Receiver<Line>) -> Reply {
        let (timeout, rest) = match args.first().map(|a| a.trim().parse::<f64>()) {
            Some(Ok(t)) if t >= 0.0 && t.is_finite() => {
                (Some(Duration::from_secs_f64(t)), &args[1..])
            }
            _ => (None, args),
        };
        let kw = rest.first().map(|s| s.to_ascii_lowercase());
        let n = |i: usize| rest.get(i).and_then(|a| a.trim().parse::<u16>().ok());
        let pos = |r: Option<u16>, c: Option<u16>| match (r, c) {
            (Some(r), Some(c)) if r >= 1 && c >= 1 => Ok((r - 1, c - 1)),
            _ => Err(vec!["Wait(): Invalid row or column".to_owned()]),
        };
        let until = match kw.as_deref() {
            None | Some("inputfield") if rest.len() <= 1 => Until::InputField,
            Some("output") if rest.len() == 1 => {
                if !self.output_needed {
                    return self.require_connected();
                }
                Until::Output {
                    after: Some(self.read_at),
                }
            }
            Some("unlock") if rest.len() == 1 => Until::Unlock,
            Some("disconnect") if rest.len() == 1 => Until::Disconnect,
            Some("nvtmode" | "ansi") if rest.len() == 1 => Until::NvtMode,
            Some("3270mode" | "3270") if rest.len() == 1 => Until::Mode3270,
            Some("seconds") if rest.len() == 1 => match timeout {
                Some(t) if !t.is_zero() => Until::Seconds(t),
                _ => return Err(vec![WAIT_KEYWORDS.to_owned()]),
            },
            Some("cursorat") if rest.len() == 3 => {
                let (row, col) = pos(n(1), n(2))?;
                Until::CursorAt { row, col }
            }
            Some("inputfieldat") if rest.len() == 3 => {
                let (row, col) = pos(n(1), n(2))?;
                Until::InputFieldAt { row, col }
            }
            Some("stringat") if rest.len() == 4 => {
                let (row, col) = pos(n(1), n(2))?;
                Until::Text {
                    text: rest[3].clone(),
                    at: Some((row, col)),
                }
            }
            Some(_)
                if rest.len() > 1
                    && !matches!(
                        kw.as_deref(),
                        Some("cursorat" | "inputfieldat" | "stringat")
                    ) =>
            {
                return Err(vec![
                    "Too many arguments to Wait() or invalid timeout value".to_owned(),
                ]);
            }
            _ => return Err(vec![WAIT_KEYWORDS.to_owned()]),
        };
        let needs_host = !matches!(until, Until::Seconds(_));
        if needs_host && self.client.is_none() {
            if until == Until::Disconnect {
                return Ok(vec![]);
            }
            return Err(vec!["Wait(): Not connected".to_owned()]);
        }
        let wait = script::Wait { until, timeout };
        let mut runner = Runner::new([Step::Wait(wait)], Options::default());
        let result = match self.run_runner(&mut runner, Some(rx)).await {
            Progress::Done | Progress::Pending(_) => Ok(vec![]),
            Progress::Failed(Failure::TimedOut { .. }) => Err(vec!["Wait(): Timed out".to_owned()]),
            Progress::Failed(Failure::Ended { .. } | Failure::NotConnected { .. }) => {
                Err(vec!["Wait(): Not connected".to_owned()])
            }
        };
        if result.is_ok() {
            // The host has written since the screen was read (or the wait was not for
            // output): a later Wait(Output) needs new output again only after a read.
            self.output_needed = false;
        }
        self.note_end();
        result
    }

    fn require_connected(&self) -> Reply {
        if self.client.is_some() {
            Ok(vec![])
        } else {
            Err(vec!["Wait(): Not connected".to_owned()])
        }
    }

    /// Key actions: what `String`, `Enter`, `PF(n)`, `MoveCursor`, ... press. An AID waits
    /// for the host's answer while `aidWait` is set, as in s3270.
    async fn keys(&mut self, name: &str, args: &[String], rx: &mut mpsc::Receiver<Line>) -> Reply {
        let steps: Vec<Step> = if name == "String" {
            let mut steps = Vec::new();
            for a in args {
                let typed = string_keys(a).map_err(|e| vec![e.to_string()])?;
                for t in typed {
                    match t {
                        Typed::Key(Key::Char(c)) => steps.push(Step::Text(c.to_string())),
                        Typed::Key(k) => steps.push(Step::Key(k)),
                        Typed::Ebcdic(b) => match self.terminal.code_page.to_unicode(b) {
                            c if b >= 0x40 => steps.push(Step::Text(c.to_string())),
                            _ => {}
                        },
                    }
                }
            }
            steps
        } else {
            match action_keys(name, args) {
                Some(Ok(keys)) => keys.into_iter().map(Step::Key).collect(),
                Some(Err(e)) => return Err(vec![e]),
                None => return Err(vec![format!("Unknown action: {name}")]),
            }
        };
        if self.client.is_none() {
            // Keys with no connection go nowhere; s3270 answers ok.
            return Ok(vec![]);
        }
        let options = Options {
            aid_wait: self.toggles.get("aidwait").copied().unwrap_or(true),
            ..Options::default()
        };
        if let Some(c) = self.client.as_mut() {
            if matches!(c.session().oia().lock, Some(LockReason::Operator(_))) {
                // An operator error from an earlier action: s3270 drops an AID pressed on
                // it (ok, still locked, nothing sent) and clears it for any other key
                // (its status line shows U again).
                let aid = steps
                    .first()
                    .is_some_and(|s| matches!(s, Step::Key(Key::Aid(_) | Key::Attn)));
                if aid {
                    return Ok(vec![]);
                }
                c.key(Key::Reset);
            }
        }
        let mut runner = Runner::new(steps, options);
        let result = self.run_runner(&mut runner, Some(rx)).await;
        let refused = self
            .client
            .as_ref()
            .is_some_and(|c| matches!(c.session().oia().lock, Some(LockReason::Operator(_))));
        self.note_end();
        match result {
            Progress::Failed(Failure::TimedOut { .. }) => Err(vec![format!("{name}(): Timed out")]),
            // A key refused by the field rules (a protected field, a numeric one): s3270
            // reports the action failed, in these words.
            _ if refused => Err(vec![
                "Keyboard locked".to_owned(),
                "Operator error".to_owned(),
            ]),
            _ => Ok(vec![]),
        }
    }

    /// DeleteField (erase the field, cursor to its start) and DeleteWord (the word before
    /// the cursor), made of the engine's keys.
    fn edit_field(&mut self, name: &str) {
        let Some(client) = self.client.as_mut() else {
            return;
        };
        let grid = Grid::of(client.session());
        if grid.cursor_protected() || !grid.formatted {
            return;
        }
        let cols = grid.cols;
        let text: Vec<char> = grid.plain().concat().chars().collect();
        let cursor = grid.cursor;
        let mut start = cursor;
        // The field's first position: after the attribute before the cursor.
        let session = client.session();
        let screen = session.screen();
        let dims = screen.dims();
        if let Some(f) =
            crate::proto::BufferAddr::new(cursor, dims).and_then(|a| screen.field_at(a))
        {
            start = f.start(dims).index();
        }
        let keys: Vec<Key> = if name == "DeleteField" {
            vec![
                Key::MoveCursor {
                    row: (start / cols) as u16,
                    col: (start % cols) as u16,
                },
                Key::EraseEof,
            ]
        } else {
            // Back over blanks, then over the word; delete that many characters.
            let mut i = cursor;
            while i > start && text.get(i - 1) == Some(&' ') {
                i -= 1;
            }
            while i > start && text.get(i - 1).is_some_and(|c| *c != ' ') {
                i -= 1;
            }
            let mut keys = vec![Key::MoveCursor {
                row: (i / cols) as u16,
                col: (i % cols) as u16,
            }];
            keys.extend(std::iter::repeat_n(Key::Delete, cursor - i));
            keys
        };
        for k in keys {
            client.key(k);
        }
    }

    fn set(&mut self, name: &str, args: &[String]) -> Reply {
        let Some(setting) = args.first() else {
            return Err(vec![format!("{name}(): Requires at least 1 argument")]);
        };
        let key = setting.to_ascii_lowercase();
        let current = self.toggles.get(&key).copied().unwrap_or(false);
        let parse = |v: &str| match v.to_ascii_lowercase().as_str() {
            "true" | "set" | "on" | "1" => Ok(true),
            "false" | "clear" | "off" | "0" => Ok(false),
            _ => Err(vec![format!("{name}(): Invalid value '{v}'")]),
        };
        match (name, args.get(1)) {
            ("Set", None) => Ok(vec![current.to_string()]),
            ("Set" | "Toggle", Some(v)) => {
                let on = parse(v)?;
                self.toggles.insert(key, on);
                Ok(vec![])
            }
            _ => {
                self.toggles.insert(key, !current);
                Ok(vec![])
            }
        }
    }

    fn print_text(&mut self, args: &[String]) -> Reply {
        let mut html = false;
        let mut to_string = false;
        let mut append = false;
        let mut file: Option<String> = None;
        let mut i = 0;
        while i < args.len() {
            match args[i].to_ascii_lowercase().as_str() {
                "html" => html = true,
                "text" | "plain" | "nomodal" | "modal" | "replace" | "wait" => {}
                "string" => to_string = true,
                "append" => append = true,
                "file" => {
                    i += 1;
                    file = Some(args.get(i).cloned().ok_or_else(|| {
                        vec!["PrintText(): Missing filename after 'file'".to_owned()]
                    })?);
                }
                "rtf" | "postscript" | "gdi" | "printer" => {
                    return Err(vec![format!(
                        "PrintText(): '{}' is not supported by r3270 (use html or text)",
                        args[i]
                    )]);
                }
                _ if i == args.len() - 1 && file.is_none() => file = Some(args[i].clone()),
                _ => return Err(vec![format!("PrintText(): Unknown keyword '{}'", args[i])]),
            }
            i += 1;
        }
        self.mark_read();
        let grid = self.grid();
        let body = if html {
            grid.html()
        } else {
            let mut t = grid.plain().join("\n");
            t.push('\n');
            t
        };
        if to_string || file.is_none() {
            return Ok(body.lines().map(str::to_owned).collect());
        }
        let Some(path) = file else { return Ok(vec![]) };
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true);
        if append {
            opts.append(true);
        } else {
            opts.write(true).truncate(true);
        }
        match opts
            .open(&path)
            .and_then(|mut f| std::io::Write::write_all(&mut f, body.as_bytes()))
        {
            Ok(()) => Ok(vec![]),
            Err(e) => Err(vec![format!("PrintText(): {path}: {e}")]),
        }
    }

    async fn snap(&mut self, args: &[String], rx: &mut mpsc::Receiver<Line>) -> Reply {
        let Some(first) = args.first() else {
            self.snap_save();
            return Ok(vec![]);
        };
        let kw = first.to_ascii_lowercase();
        if kw == "wait" {
            let (timeout, rest) = match args.get(1).map(|a| a.trim().parse::<f64>()) {
                Some(Ok(t)) if t >= 0.0 && t.is_finite() => {
                    (Some(Duration::from_secs_f64(t)), &args[2..])
                }
                _ => (None, &args[1..]),
            };
            if rest.len() != 1 || !rest[0].eq_ignore_ascii_case("output") {
                return Err(vec!["Snap(): Unknown parameter to Snap(Wait)".to_owned()]);
            }
            if self.client.is_none() {
                return Err(vec!["Snap(): Not connected".to_owned()]);
            }
            if self.output_needed {
                let wait = script::Wait {
                    until: Until::Output {
                        after: Some(self.read_at),
                    },
                    timeout,
                };
                let mut runner = Runner::new([Step::Wait(wait)], Options::default());
                if let Progress::Failed(f) = self.run_runner(&mut runner, Some(rx)).await {
                    return Err(vec![match f {
                        Failure::TimedOut { .. } => "Wait(): Timed out".to_owned(),
                        _ => "Snap(): Not connected".to_owned(),
                    }]);
                }
            }
            self.snap_save();
            return Ok(vec![]);
        }
        if kw == "save" {
            if args.len() != 1 {
                return Err(vec!["Snap(): Extra argument(s)".to_owned()]);
            }
            self.snap_save();
            return Ok(vec![]);
        }
        let Some((grid, status)) = &self.snap else {
            return Err(vec!["Snap(): No saved state".to_owned()]);
        };
        let rest = &args[1..];
        match kw.as_str() {
            "status" => Ok(vec![status.clone()]),
            "rows" => Ok(vec![grid.rows.to_string()]),
            "cols" => Ok(vec![grid.cols.to_string()]),
            "ascii" => grid.dump("Ascii", rest, 0, false).map_err(|e| vec![e]),
            "ascii1" => grid.dump("Ascii1", rest, 1, false).map_err(|e| vec![e]),
            "ebcdic" => grid.dump("Ebcdic", rest, 0, true).map_err(|e| vec![e]),
            "ebcdic1" => grid.dump("Ebcdic1", rest, 1, true).map_err(|e| vec![e]),
            "readbuffer" => Ok(grid.read_buffer(rest.first().is_some_and(|a| a.eq_ignore_ascii_case("ebcdic")))),
            _ => Err(vec![
                "Snap(): Argument must be Save, Status, Rows, Cols, Wait, Ascii, Ascii1, Ebcdic, Ebcdic1 or ReadBuffer"
                    .to_owned(),
            ]),
        }
    }

    fn snap_save(&mut self) {
        self.mark_read();
        self.snap = Some((self.grid(), self.status_fields()));
    }

    fn query(&self, args: &[String]) -> Reply {
        match args {
            // The listing s3270 4.1 prints: its keywords in its order, multi-line ones as
            // `...`, `Cursor` and `Model` left out (they are answered when asked by name).
            [] => Ok(QUERY_LIST
                .iter()
                .map(|k| {
                    let v = self.query_one(k).unwrap_or_default();
                    if v.is_empty() {
                        format!("{k}:")
                    } else {
                        format!("{k}: {v}")
                    }
                })
                .collect()),
            [k] => {
                let name = QUERY_LIST
                    .iter()
                    .chain(QUERY_HIDDEN)
                    .find(|n| n.eq_ignore_ascii_case(k))
                    .ok_or_else(|| vec!["Query: Unknown parameter".to_owned()])?;
                Ok(vec![self.query_one(name).unwrap_or_default()])
            }
            _ => Err(vec!["Query requires 0 or 1 arguments".to_owned()]),
        }
    }

    fn query_one(&self, key: &str) -> Option<String> {
        let client = self.client.as_ref();
        let snapshot = client.map(|c| c.driver().stats());
        let grid = self.grid();
        // s3270 reports the terminal type it asks for, whatever the host answered.
        let terminal_name = self.terminal.terminal_type();
        Some(match key {
            "ConnectionState" => connection_state(client),
            "Cursor" => format!("{} {}", grid.cursor / grid.cols, grid.cursor % grid.cols),
            "Cursor1" => format!(
                "row {} column {} offset {}",
                grid.cursor / grid.cols + 1,
                grid.cursor % grid.cols + 1,
                grid.cursor
            ),
            "Formatted" => if grid.formatted {
                "formatted"
            } else {
                "unformatted"
            }
            .to_owned(),
            "Host" => match &self.host_name {
                Some(h) => format!("host {h} {}", self.host_port),
                None => String::new(),
            },
            "LuName" => snapshot
                .as_ref()
                .and_then(|s| s.link.lu.clone())
                .unwrap_or_default(),
            "TerminalName" | "Model" => terminal_name,
            "ScreenSizeCurrent" => format!("rows {} columns {}", grid.rows, grid.cols),
            "ScreenSizeMax" => {
                let d = self
                    .terminal
                    .oversize
                    .unwrap_or_else(|| self.terminal.model.alternate_dims());
                format!("rows {} columns {}", d.rows, d.cols)
            }
            "StatsRx" => snapshot.as_ref().map_or_else(String::new, |s| {
                format!(
                    "records {} bytes {}",
                    s.session.records_in, s.session.bytes_in
                )
            }),
            "StatsTx" => snapshot.as_ref().map_or_else(String::new, |s| {
                format!(
                    "records {} bytes {}",
                    s.session.records_out, s.session.bytes_out
                )
            }),
            "Tls" => match (client, snapshot.as_ref().and_then(|s| s.link.tls)) {
                (None, _) => String::new(),
                (Some(_), Some(true)) => "secure host-verified".to_owned(),
                (Some(_), Some(false)) => "secure host-unverified".to_owned(),
                (Some(_), None) => "not secure".to_owned(),
            },
            "ConnectTime" => match self.connected_at {
                Some(t) => {
                    let s = t.elapsed().as_secs();
                    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
                }
                None => String::new(),
            },
            "CodePage" => {
                let cp = self.terminal.code_page;
                let id = cp.cgcsgid();
                format!(
                    "{} sbcs gcsgid {} cpgid {}",
                    cp.name(),
                    id >> 16,
                    id & 0xffff
                )
            }
            "LocalEncoding" => if self.utf8 { "UTF-8" } else { "ANSI_X3.4-1968" }.to_owned(),
            "About" | "Actions" | "CodePages" | "Copyright" | "Proxies" | "Tasks" => {
                "...".to_owned()
            }
            "BuildOptions" => format!("r3270 {}", env!("CARGO_PKG_VERSION")),
            "Prefixes" => "ACLNPSBYT".to_owned(),
            "TelnetMyOptions" => match client.map(|c| c.session().mode()) {
                Some(Mode::Tn3270e | Mode::SscpLu | Mode::Tn3270eNvt) => "TN3270E".to_owned(),
                _ => String::new(),
            },
            "TraceFile" => self
                .trace_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            "TlsProvider" => "native-tls".to_owned(),
            "BindPluName" | "Proxy" | "ScreenTraceFile" | "TelnetHostOptions" | "TlsCertInfo"
            | "TlsSessionInfo" | "TlsSubjectNames" | "Tn3270eOptions" => String::new(),
            "Version" => version_text(),
            _ => return None,
        })
    }

    /// The status line's first eleven fields.
    fn status_fields(&self) -> String {
        let grid = self.grid();
        let session = self.client.as_ref().map(Client::session);
        // s3270 4.1 shows any lock, an operator error included, as L.
        let kb = match session.map(|s| s.oia().lock) {
            Some(None) => 'U',
            _ => 'L',
        };
        let formatted = if grid.formatted { 'F' } else { 'U' };
        let protected = if grid.cursor_protected() { 'P' } else { 'U' };
        let conn = match &self.host_name {
            Some(h) if self.client.is_some() => format!("C({h})"),
            _ => "N".to_owned(),
        };
        let mode = match session.map(crate::proto::Session::mode) {
            None => 'N',
            Some(Mode::Negotiating) => 'P',
            Some(Mode::Nvt | Mode::Tn3270eNvt) => 'C',
            Some(_) => 'I',
        };
        format!(
            "{kb} {formatted} {protected} {conn} {mode} {} {} {} {} {} 0x0",
            self.terminal.model.number,
            grid.rows,
            grid.cols,
            grid.cursor / grid.cols,
            grid.cursor % grid.cols
        )
    }

    fn status_line(&mut self) -> String {
        self.note_end();
        self.status_fields()
    }
}

/// `Query()`'s keywords, in s3270 4.1's order.
const QUERY_LIST: &[&str] = &[
    "About",
    "Actions",
    "BindPluName",
    "BuildOptions",
    "CodePage",
    "CodePages",
    "ConnectionState",
    "ConnectTime",
    "Copyright",
    "Cursor1",
    "Formatted",
    "Host",
    "LocalEncoding",
    "LuName",
    "Prefixes",
    "Proxies",
    "Proxy",
    "ScreenSizeCurrent",
    "ScreenSizeMax",
    "ScreenTraceFile",
    "StatsRx",
    "StatsTx",
    "Tasks",
    "TelnetHostOptions",
    "TelnetMyOptions",
    "TerminalName",
    "Tls",
    "TlsCertInfo",
    "TlsProvider",
    "TlsSessionInfo",
    "TlsSubjectNames",
    "Tn3270eOptions",
    "TraceFile",
    "Version",
];

/// Keywords answered by name but not listed.
const QUERY_HIDDEN: &[&str] = &["Cursor", "Model"];

const WAIT_KEYWORDS: &str = "Wait(): Parameter must be inputfield, nvtmode, 3270mode, output, seconds, disconnect or unlock";

/// An x3270 trace of the script's session; typed secrets are masked by the driver.
fn open_trace(
    path: &std::path::Path,
    cfg: &TerminalConfig,
    spec: &HostSpec,
) -> std::io::Result<crate::runtime::client::Trace> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let dims = cfg.alternate_dims();
    let info = crate::trace::writer::TraceInfo {
        model: cfg.model.to_string(),
        rows: dims.rows,
        cols: dims.cols,
        host_code_page: cfg.code_page.number(),
        command: crate::headless::masked_command_line(std::env::args()),
        host: spec.host.clone(),
        port: spec.port,
    };
    let out: Box<dyn std::io::Write + Send> = Box::new(std::io::BufWriter::new(file));
    #[allow(clippy::disallowed_methods)] // a trace header carries the wall-clock time
    let now = std::time::SystemTime::now();
    crate::trace::writer::TraceWriter::new(out, &info, now)
}

fn connection_state(client: Option<&Client>) -> String {
    let Some(c) = client else {
        return "not-connected".to_owned();
    };
    match c.session().mode() {
        Mode::Negotiating => "telnet-pending",
        Mode::Nvt => "connected-nvt",
        Mode::Tn3270eNvt => "connected-e-nvt",
        Mode::Tn3270 => "connected-3270",
        Mode::Tn3270e => "connected-tn3270e",
        Mode::SscpLu => "connected-sscp",
    }
    .to_owned()
}

/// Whether the locale (`LC_ALL`, `LC_CTYPE`, `LANG`, the first one set) asks for UTF-8, as
/// s3270 decides its output charset.
fn locale_is_utf8() -> bool {
    ["LC_ALL", "LC_CTYPE", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .is_some_and(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("utf-8") || l.contains("utf8")
        })
}

/// An action name as typed, matched exactly (without case) or by a unique prefix.
fn resolve(name: &str) -> Result<&'static str, String> {
    if let Some(n) = ACTIONS.iter().find(|a| a.eq_ignore_ascii_case(name)) {
        return Ok(n);
    }
    let lower = name.to_ascii_lowercase();
    let mut found = ACTIONS
        .iter()
        .filter(|a| a.to_ascii_lowercase().starts_with(&lower));
    match (found.next(), found.next()) {
        (Some(n), None) => Ok(n),
        (Some(_), Some(_)) => Err(format!("Ambiguous action name: {name}")),
        _ => Err(format!("Unknown action: {name}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_exactly_or_by_unique_prefix() {
        assert_eq!(resolve("enter"), Ok("Enter"));
        assert_eq!(resolve("ASCII"), Ok("Ascii"));
        assert_eq!(resolve("Discon"), Ok("Disconnect"));
        assert_eq!(resolve("Foo"), Err("Unknown action: Foo".to_owned()));
        assert!(resolve("E").unwrap_err().starts_with("Ambiguous"));
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version_at_least("4.1", "4.0"));
        assert!(version_at_least("4.1", "4.1"));
        assert!(!version_at_least("4.1", "4.2"));
        assert!(!version_at_least("4.1", "4.10"));
        assert!(version_at_least("4.1", "3.6ga4"));
    }
}
