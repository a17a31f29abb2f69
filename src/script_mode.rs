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
pub(crate) mod lifecycle;
mod reading;
mod typing;

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::proto::{Dimensions, Model, TerminalConfig};
use crate::runtime::client::Client;
use crate::runtime::connection::ConnectOptions;
use crate::runtime::host::HostSpec;
use crate::runtime::tls::{ClientIdentity, TlsOptions};
use crate::script::s3270::{Call, parse_line};
use crate::script::{self, Failure, Options, Progress, Runner, Step, Until};
use args::ScriptArgs;
use grid::Grid;
pub(crate) use reading::{connection_state_word, session_status};

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
    if !args.no_audit {
        // r3270's configuration says whether and where sessions are recorded; a broken one
        // stops the run, as it stops every r3270 command that reads it.
        match crate::config::load(&crate::config::LoadOptions { file: None }) {
            Ok(c) if c.audit.enabled => {
                state.audit_paths = (c.paths.data_dir.clone(), c.paths.log_dir.clone());
                state.audit = Some(c.audit);
            }
            Ok(_) => {}
            Err(errors) => {
                eprintln!("{errors}");
                eprintln!("r3270: the configuration has errors (or run with -noaudit)");
                return ExitCode::from(1);
            }
        }
    }
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
        // Standard input is read on a thread of its own (tokio's stdin hands every read to
        // its blocking pool, a thread switch per read); answers go to stdout directly.
        std::thread::spawn(move || read_stdin(&tx));
        let mut out = Out::Stdout(std::io::stdout());
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
        let quit = state.serve(rx, &mut Out::Tcp(&mut w)).await;
        if once || quit {
            return ExitCode::SUCCESS;
        }
    }
}

/// Where answers go.
enum Out<'a> {
    /// Written directly: a pipe write is short, and the client is waiting for it.
    Stdout(std::io::Stdout),
    Tcp(&'a mut tokio::net::tcp::OwnedWriteHalf),
}

impl Out<'_> {
    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Out::Stdout(o) => {
                let mut lock = o.lock();
                std::io::Write::write_all(&mut lock, bytes)?;
                std::io::Write::flush(&mut lock)
            }
            Out::Tcp(w) => {
                w.write_all(bytes).await?;
                w.flush().await
            }
        }
    }
}

/// Reads standard input line by line into the channel, on a thread of its own, until end
/// of input.
fn read_stdin(tx: &mpsc::Sender<Line>) {
    use std::io::BufRead;
    let stdin = std::io::stdin();
    let mut reader = stdin.lock();
    let mut lines = LineBuf::default();
    loop {
        let Ok(chunk) = reader.fill_buf() else { return };
        if chunk.is_empty() {
            if let Some(last) = lines.finish() {
                let _ = tx.blocking_send(last);
            }
            return;
        }
        let (used, line) = lines.take(chunk);
        reader.consume(used);
        if let Some(line) = line {
            if tx.blocking_send(line).is_err() {
                return;
            }
        }
    }
}

/// Assembles a script's lines from the chunks read, each at most [`MAX_LINE`]: a longer
/// one becomes [`Line::TooLong`] and its bytes are skipped, never kept.
#[derive(Default)]
struct LineBuf {
    buf: Vec<u8>,
    too_long: bool,
}

impl LineBuf {
    /// Takes what it can of `chunk`: how many bytes it used, and the line if one ended.
    fn take(&mut self, chunk: &[u8]) -> (usize, Option<Line>) {
        let (used, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(p) => (p + 1, true),
            None => (chunk.len(), false),
        };
        if self.buf.len() + used > MAX_LINE {
            self.too_long = true;
            self.buf.clear();
        } else if !self.too_long {
            self.buf.extend_from_slice(&chunk[..used]);
        }
        (used, done.then(|| self.line()))
    }

    /// The end of input: the last line, when it had no newline.
    fn finish(&mut self) -> Option<Line> {
        (!self.buf.is_empty() || self.too_long).then(|| self.line())
    }

    fn line(&mut self) -> Line {
        let line = if self.too_long {
            Line::TooLong
        } else {
            let text = String::from_utf8_lossy(&self.buf);
            Line::Text(text.trim_end_matches(['\n', '\r']).to_owned())
        };
        self.buf.clear();
        self.too_long = false;
        line
    }
}

/// A line from the script, or why there is none.
pub enum Line {
    Text(String),
    TooLong,
}

/// Reads lines from a script-port client into the channel until end of input (the
/// channel then closes).
async fn read_lines<R: AsyncRead + Unpin>(r: R, tx: mpsc::Sender<Line>) {
    let mut reader = BufReader::new(r);
    let mut lines = LineBuf::default();
    loop {
        let Ok(chunk) = reader.fill_buf().await else {
            return;
        };
        if chunk.is_empty() {
            if let Some(last) = lines.finish() {
                let _ = tx.send(last).await;
            }
            return;
        }
        let (used, line) = lines.take(chunk);
        reader.consume(used);
        if let Some(line) = line {
            if tx.send(line).await.is_err() {
                return;
            }
        }
    }
}

/// What one action answered.
type Reply = Result<Vec<String>, Vec<String>>;

/// What one script line answered, as s3270 reports it.
#[derive(Clone, Debug)]
pub struct Answer {
    /// The `data:` lines (on an error, the error's text).
    pub data: Vec<String>,
    /// The status line, ending with the time the line took.
    pub status: String,
    pub ok: bool,
    /// The line was `Quit` or `Exit`.
    pub quit: bool,
}

/// The emulator's state between actions.
pub struct State {
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
    /// r3270's audit settings (from its configuration), unless `-noaudit`.
    audit: Option<crate::audit::AuditSettings>,
    audit_paths: (std::path::PathBuf, std::path::PathBuf),
    /// The audit log, opened at the first Connect; each connection is a session in it.
    audit_writer: Option<crate::audit::SharedWriter>,
    /// Where each connection publishes its figures (`r3270 serve`).
    live: Option<std::sync::Arc<std::sync::Mutex<crate::runtime::client::Live>>>,
    /// The profile the session was made from (`r3270 serve`), named in its audit records.
    profile_name: Option<String>,
    /// Why the last connection ended.
    last_end: Option<String>,
    /// Read non-display fields as blanks (`r3270 serve`: an API answer never holds them;
    /// `r3270 script` shows them as s3270 does).
    mask_hidden: bool,
    /// Told of each connection opened (`true`, before it publishes into `live`) or that
    /// could not be opened (`false`), with its endpoint (`r3270 serve`'s metrics).
    on_connect: Option<OnConnect>,
}

/// See [`State::set_on_connect`].
pub(crate) type OnConnect = Box<dyn FnMut(&str, bool) + Send>;

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
            audit: None,
            audit_paths: (std::path::PathBuf::new(), std::path::PathBuf::new()),
            audit_writer: None,
            live: None,
            profile_name: None,
            last_end: None,
            mask_hidden: false,
            on_connect: None,
        })
    }

    /// A session of `r3270 serve`: the profile's terminal and connection settings, the
    /// process's audit log (shared by every session), its figures published into `live`.
    pub(crate) fn for_serve(
        profile: &crate::config::Profile,
        connect: ConnectOptions,
        audit: Option<(crate::audit::AuditSettings, crate::audit::SharedWriter)>,
        live: std::sync::Arc<std::sync::Mutex<crate::runtime::client::Live>>,
    ) -> Self {
        let mut toggles = HashMap::new();
        toggles.insert("aidwait".to_owned(), true);
        let (audit, audit_writer) = match audit {
            Some((s, w)) => (Some(s), Some(w)),
            None => (None, None),
        };
        State {
            client: None,
            last: None,
            host_name: None,
            host_port: 23,
            terminal: profile.terminal_config(),
            connect,
            default_port: 23,
            trace_file: None,
            toggles,
            snap: None,
            output_needed: false,
            read_at: 0,
            connected_at: None,
            pending: VecDeque::new(),
            input_closed: false,
            utf8: true,
            audit,
            audit_paths: (std::path::PathBuf::new(), std::path::PathBuf::new()),
            audit_writer,
            live: Some(live),
            profile_name: Some(profile.name.clone()),
            last_end: None,
            mask_hidden: true,
            on_connect: None,
        }
    }

    /// Call `f` with the endpoint of each connection opened (`true`, before the new
    /// connection publishes into `live`, so the old figures can be kept) and of each that
    /// could not be opened (`false`).
    pub(crate) fn set_on_connect(&mut self, f: OnConnect) {
        self.on_connect = Some(f);
    }

    /// Why the last connection ended (the host closed it, a failure, or `Disconnect()`).
    pub(crate) fn ended_reason(&self) -> Option<String> {
        self.last_end.clone()
    }

    /// The live connection, if any.
    pub(crate) fn client(&self) -> Option<&Client> {
        self.client.as_ref()
    }

    /// The live connection, to drive with the script runner or a macro playback
    /// (`r3270 serve`'s REST steps and macros).
    pub(crate) fn client_mut(&mut self) -> Option<&mut Client> {
        self.client.as_mut()
    }

    /// Serves one script source until it ends or says Quit; true on Quit.
    async fn serve(&mut self, mut rx: mpsc::Receiver<Line>, out: &mut Out<'_>) -> bool {
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
            let answer = self.answer(line, &mut rx).await;
            let mut text = String::new();
            for d in answer.data {
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
            text.push_str(&answer.status);
            text.push('\n');
            text.push_str(if answer.ok { "ok\n" } else { "error\n" });
            if out.write(text.as_bytes()).await.is_err() {
                return false;
            }
            if answer.quit {
                return true;
            }
        }
    }

    /// Runs one script line and says what s3270 would: the data lines, the status line
    /// (with the time the line took), success, and whether it was `Quit`.
    pub(crate) async fn answer(&mut self, line: Line, rx: &mut mpsc::Receiver<Line>) -> Answer {
        // What the host has already sent is taken in before the next action (a sign-off
        // screen and the close right behind it read as disconnected, as in s3270).
        self.take_pending().await;
        let started = Instant::now();
        let (reply, quit) = match line {
            Line::TooLong => (Err(vec!["Line too long".to_owned()]), false),
            Line::Text(text) => self.line(&text, rx).await,
        };
        let (ok, data) = match reply {
            Ok(d) => (true, d),
            Err(d) => (false, d),
        };
        let mut status = self.status_line();
        let took = started.elapsed();
        let _ = write!(status, " {}.{:03}", took.as_secs(), took.subsec_millis());
        Answer {
            data,
            status,
            ok,
            quit,
        }
    }

    /// Keeps the connection served while nothing else happens.
    pub(crate) async fn idle(&mut self) {
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
                self.last = Some(self.grid_of(c.session()));
                self.last_end = c.ended().map(ToString::to_string);
                self.host_name = None;
                self.connected_at = None;
            }
        }
    }

    async fn shutdown(&mut self) {
        if let Some(c) = self.client.take() {
            let _ = c.close().await;
        }
        if let Some(w) = self.audit_writer.take() {
            if let Err(e) = w.close() {
                eprintln!("r3270: cannot close the audit log: {e}");
            }
        }
    }

    /// The audit sink for a new connection: the log opened at the first one. A log that
    /// cannot be opened stops the connect with `on-failure = "block"` and is a warning on
    /// stderr with `warn`.
    fn audit_sink(&mut self) -> Result<Option<crate::audit::SessionAudit>, String> {
        let Some(settings) = &self.audit else {
            return Ok(None);
        };
        if self.audit_writer.is_none() {
            let opts = crate::audit::WriterOptions::from_settings(
                settings,
                &self.audit_paths.0,
                &self.audit_paths.1,
            );
            match crate::audit::SharedWriter::open(opts) {
                Ok(w) => self.audit_writer = Some(w),
                Err(e) if settings.on_failure == crate::audit::OnFailure::Block => {
                    return Err(format!(
                        "cannot open the audit log: {e} (or run with -noaudit)"
                    ));
                }
                Err(e) => {
                    eprintln!("r3270: warning: not recording this session: {e}");
                    self.audit = None;
                    return Ok(None);
                }
            }
        }
        match &self.audit_writer {
            Some(w) => w.session(settings, self.profile_name.as_deref()).map(Some),
            None => Ok(None),
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
                    self.last = Some(self.grid_of(c.session()));
                    self.last_end = Some(lifecycle::BY_CLIENT.to_owned());
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

    /// The screen as the read actions see it (non-display fields blanked for the API).
    fn grid_of(&self, session: &crate::proto::Session) -> Grid {
        if self.mask_hidden {
            Grid::of_masked(session)
        } else {
            Grid::of(session)
        }
    }

    fn grid(&self) -> Grid {
        match (&self.client, &self.last) {
            (Some(c), _) => self.grid_of(c.session()),
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
        self.connect_spec(&spec, name).await
    }

    /// Connects to `spec` (`name` for the status line) and waits for the host to negotiate.
    pub(crate) async fn connect_spec(&mut self, spec: &HostSpec, name: String) -> Reply {
        if self.client.is_some() {
            return Err(vec!["Already connected".to_owned()]);
        }
        let mut client = self.open_client(spec).await?;
        if let Some(live) = &self.live {
            client.set_live(live.clone());
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

    /// A new connection to `spec` with this session's settings: its audit sink and trace,
    /// no settle time (its figures are not published yet).
    async fn open_client(&mut self, spec: &HostSpec) -> Result<Client, Vec<String>> {
        let sink = match self.audit_sink() {
            Ok(s) => s,
            Err(e) => return Err(vec!["Connection failed:".to_owned(), e]),
        };
        let mut client = match Client::connect(spec, &self.connect, self.terminal.clone()).await {
            Ok(c) => c,
            Err(e) => {
                if let Some(f) = &mut self.on_connect {
                    f(&spec.to_string(), false);
                }
                return Err(vec!["Connection failed:".to_owned(), e.to_string()]);
            }
        };
        client.set_settle(Duration::ZERO);
        if let Some(f) = &mut self.on_connect {
            f(&spec.to_string(), true);
        }
        if let Some(sink) = sink {
            client.set_audit(Box::new(sink));
        }
        if let Some(path) = &self.trace_file {
            match open_trace(path, &self.terminal, spec) {
                Ok(t) => client.set_trace(t),
                Err(e) => eprintln!("r3270: cannot write the trace {}: {e}", path.display()),
            }
        }
        Ok(client)
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
}

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
pub(crate) fn resolve(name: &str) -> Result<&'static str, String> {
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

    fn text(l: Line) -> Option<String> {
        match l {
            Line::Text(t) => Some(t),
            Line::TooLong => None,
        }
    }

    #[test]
    fn lines_are_assembled_from_any_chunks_and_a_long_one_is_refused() {
        let mut lb = LineBuf::default();
        assert!(lb.take(b"Ent").1.is_none());
        let (used, line) = lb.take(b"er\r\nAscii");
        assert_eq!((used, line.and_then(text)), (4, Some("Enter".to_owned())));
        // "Ascii" was not taken (the caller gives it again): nothing is left over.
        assert!(lb.finish().is_none());
        let mut lb = LineBuf::default();
        lb.take(b"Ascii");
        assert_eq!(lb.finish().and_then(text), Some("Ascii".to_owned()));
        let mut lb = LineBuf::default();
        let big = vec![b'x'; MAX_LINE];
        assert!(lb.take(&big).1.is_none());
        let (_, line) = lb.take(b"yy\n");
        assert!(matches!(line, Some(Line::TooLong)));
        assert!(lb.buf.is_empty(), "a refused line is not kept");
        let (_, line) = lb.take(b"Enter\n");
        assert_eq!(line.and_then(text), Some("Enter".to_owned()));
    }

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
