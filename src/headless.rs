//! `r3270 screen`: a one-shot, scriptable client in the manner of s3270.
//!
//! It connects, waits for the host's first screen, applies the keys given on the command
//! line in order, and prints the final screen as text (what s3270's `Ascii()` prints), with
//! the field map, the connection status or all of it as JSON on request. Every failure ends
//! in one line on stderr and a documented exit status.
//!
//! This module owns the command line of the subcommand and the wording of its output. It
//! drives a [`Client`]; it opens no sockets itself and knows no protocol detail beyond what
//! `Session`'s getters show. Non-display field contents are never printed.

use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::action::Action;
use crate::keymap::{KeyChord, KeyState, Keymap, Layer};
use crate::proto::{BufferAddr, CodePage, Dimensions, Key, Mode, Model, TerminalConfig};
use crate::runtime::{
    CertProblem, Client, ClientIdentity, ConnectOptions, ConnectionError, HostSpec, TlsOptions,
    Wait,
};
use crate::trace::writer::{TraceInfo, TraceWriter};

/// Exit status: the screen was printed and every AID was answered.
pub const EXIT_OK: u8 = 0;
/// Exit status: no usable session (connect, TLS, no first screen in time, the connection
/// failed mid-session).
pub const EXIT_FAILED: u8 = 1;
/// Exit status: bad arguments or keys, unreadable files (nothing was sent).
pub const EXIT_USAGE: u8 = 2;
/// Exit status: the screen was printed, but the keyboard stayed locked after an AID (or
/// never unlocked after the host's first screen).
pub const EXIT_LOCKED: u8 = 3;

const AFTER_HELP: &str = "\
KEYS, applied in order after the first screen:
  =TEXT              type TEXT at the cursor under field rules
  Enter Clear PF1..PF24 PA1..PA3 SysReq Attn
                     send, then wait (up to --timeout) for the host to unlock the keyboard
  Tab BackTab Home NewLine EraseEOF EraseInput Reset Delete BackSpace Insert Dup
  FieldMark Up Down Left Right
                     editing keys (names are case-insensitive)
  cursor:ROW,COL     move the cursor (0-based)
  key:CHORD          the key chord as the keymap binds it (e.g. key:f3, key:shift-f1,
                     key:ctrl-u): the configured screen layer, then global, decides
  sleep:SECONDS      wait, still serving the connection

HOST is [L:][N:][LU@]host[:port]: L: for TLS from the first byte (default port 992),
N: to refuse TN3270E, LU@ to ask for an LU or device; IPv6 as [::1]:3270.

EXIT STATUS
  0  the screen was printed
  1  no usable session: cannot connect, TLS failure, no first screen within --timeout, or
     the connection failed during the keys
  2  bad arguments or keys (rejected before connecting), unreadable files
  3  the screen was printed, but the keyboard stayed locked after an AID (or never
     unlocked after the first screen)";

/// `r3270 screen`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Terminal model: 2-5, 3278-N or 3279-N (-E optional: as in x3270, the extended data
    /// stream is always on). The default is 3279-2, x3270's interactive default (s3270's
    /// own is 3279-4-E).
    #[arg(long, default_value = "3279-2", value_parser = parse_model)]
    pub model: Model,
    /// Send this terminal type instead of the model's (x3270 -tn); a non-standard name
    /// turns TN3270E off.
    #[arg(long, value_name = "TERMINAL-TYPE")]
    pub tn: Option<String>,
    /// An oversize screen, COLSxROWS (terminal type IBM-DYNAMIC), e.g. 160x62.
    #[arg(long, value_name = "COLSxROWS", value_parser = parse_oversize)]
    pub oversize: Option<Dimensions>,
    /// Host code page (e.g. 37, 1047, cp273).
    #[arg(long, value_name = "CP")]
    pub code_page: Option<CodePage>,
    /// LU or device name to ask for (LU@host does the same).
    #[arg(long, value_name = "NAME")]
    pub lu: Option<String>,
    /// Trust the CA certificate(s) in this PEM file too.
    #[arg(long, value_name = "FILE")]
    pub cafile: Option<PathBuf>,
    /// Client certificate: a PEM certificate (with --client-key) or a PKCS#12 file (with
    /// --client-password).
    #[arg(long, value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// The PKCS#8 PEM private key of --client-cert.
    #[arg(long, value_name = "FILE", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// The password of a PKCS#12 --client-cert.
    #[arg(long, value_name = "PASSWORD", requires = "client_cert")]
    pub client_password: Option<String>,
    /// Do not verify the server's certificate or host name (the status says so).
    #[arg(long)]
    pub insecure: bool,
    /// Seconds to wait for the connection and first screen, and for each AID's answer.
    #[arg(long, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    pub timeout: Duration,
    /// Send a telnet NOP after this many idle seconds.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub nop: Option<Duration>,
    /// Disconnect if the host sends a record larger than this (4096 to 16777216; the
    /// default is limits.max-record-bytes' default, 262144).
    #[arg(long, value_name = "BYTES", value_parser = parse_max_record)]
    pub max_record_bytes: Option<usize>,
    /// Also print the field map after the screen.
    #[arg(long)]
    pub fields: bool,
    /// Print the connection status on stderr.
    #[arg(long)]
    pub status: bool,
    /// Print everything (screen, fields, status) as one JSON object instead.
    #[arg(long)]
    pub json: bool,
    /// Write the data stream to FILE in the x3270 trace format.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// The host: `[L:][N:][LU@]host[:port]`.
    #[arg(value_name = "HOST[:PORT]")]
    pub host: HostSpec,
    /// Keys to apply, in order (see KEYS below).
    #[arg(value_name = "KEY")]
    pub keys: Vec<Step>,
}

fn parse_max_record(s: &str) -> Result<usize, String> {
    let limits = crate::limits::Limits {
        max_record_bytes: s
            .parse()
            .map_err(|_| format!("{s}: not a number of bytes"))?,
        ..crate::limits::Limits::default()
    };
    match limits.validate().into_iter().next() {
        Some((_, message)) => Err(message),
        None => Ok(limits.max_record_bytes),
    }
}

fn parse_model(s: &str) -> Result<Model, String> {
    let mut m = Model::from_str(s).map_err(|e| e.to_string())?;
    // x3270 habit: `-model 3279-2` still means the extended data stream.
    m.extended = true;
    Ok(m)
}

fn parse_oversize(s: &str) -> Result<Dimensions, String> {
    let (c, r) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{s}` is not COLSxROWS (e.g. 160x62)"))?;
    let cols = c
        .trim()
        .parse::<u16>()
        .map_err(|_| format!("`{c}`: not a column count"))?;
    let rows = r
        .trim()
        .parse::<u16>()
        .map_err(|_| format!("`{r}`: not a row count"))?;
    let d = Dimensions::new(rows, cols);
    if rows < 24 || cols < 80 || !d.is_valid() {
        return Err(format!(
            "{s}: an oversize screen must be at least 80x24 and at most 16384 cells"
        ));
    }
    Ok(d)
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .and_then(|n| Duration::try_from_secs_f64(n).ok())
        .ok_or_else(|| format!("`{s}` is not a number of seconds"))
}

/// One KEY argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `=text`
    Text(String),
    /// An AID (or Attn): sent, then the answer is awaited.
    Aid(Key),
    /// An editing key.
    Key(Key),
    /// `cursor:ROW,COL`
    Cursor { row: u16, col: u16 },
    /// `sleep:SECONDS`
    Sleep(Duration),
    /// `key:CHORD`, until [`resolve_chords`] turns it into what the keymap binds.
    Chord(KeyChord),
}

impl FromStr for Step {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(text) = s.strip_prefix('=') {
            return Ok(Step::Text(text.to_owned()));
        }
        let lower = s.to_ascii_lowercase();
        if let Some(rc) = lower.strip_prefix("cursor:") {
            let bad = || format!("`{s}`: expected cursor:ROW,COL (0-based)");
            let (r, c) = rc.split_once(',').ok_or_else(bad)?;
            return Ok(Step::Cursor {
                row: r.trim().parse().map_err(|_| bad())?,
                col: c.trim().parse().map_err(|_| bad())?,
            });
        }
        if let Some(secs) = lower.strip_prefix("sleep:") {
            return parse_seconds(secs).map(Step::Sleep);
        }
        if lower.starts_with("key:") {
            return s[4..]
                .parse::<KeyChord>()
                .map(Step::Chord)
                .map_err(|e| e.to_string());
        }
        match Key::from_str(s) {
            Ok(k @ (Key::Aid(_) | Key::Attn | Key::CursorSelect)) => Ok(Step::Aid(k)),
            Ok(Key::Char(_) | Key::MoveCursor { .. }) | Err(_) => Err(format!(
                "unknown key `{s}` (use =TEXT to type text; see --help for key names)"
            )),
            Ok(k) => Ok(Step::Key(k)),
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Text(t) => write!(f, "={t}"),
            Step::Aid(Key::Aid(a)) => write!(f, "{a}"),
            Step::Aid(k) | Step::Key(k) => write!(f, "{k:?}"),
            Step::Cursor { row, col } => write!(f, "cursor:{row},{col}"),
            Step::Sleep(d) => write!(f, "sleep:{}", d.as_secs_f64()),
            Step::Chord(c) => write!(f, "key:{c}"),
        }
    }
}

/// Turns every `key:CHORD` step into the step its binding means: the keymap's screen
/// layer, then global, as the TUI looks keys up on a connected, unlocked screen. Only 3270
/// keys and typing can run headless; a chord bound to anything else (a tab, the palette)
/// or to nothing that types is an error naming the chord.
pub fn resolve_chords(steps: &[Step], keymap: &Keymap) -> Result<Vec<Step>, String> {
    let state = KeyState {
        connected: true,
        ..KeyState::default()
    };
    steps
        .iter()
        .map(|step| {
            let Step::Chord(chord) = step else {
                return Ok(step.clone());
            };
            match keymap.lookup(Layer::Screen, chord, &state) {
                Some(Action::Key(k @ (Key::Aid(_) | Key::Attn | Key::CursorSelect))) => {
                    Ok(Step::Aid(*k))
                }
                Some(Action::Key(Key::MoveCursor { row, col })) => Ok(Step::Cursor {
                    row: *row,
                    col: *col,
                }),
                Some(Action::Key(Key::Char(c))) => Ok(Step::Text(c.to_string())),
                Some(Action::Key(k)) => Ok(Step::Key(*k)),
                Some(Action::Type(t)) => Ok(Step::Text(t.clone())),
                Some(Action::None) | None => match chord.typed_char() {
                    Some(c) => Ok(Step::Text(c.to_string())),
                    None => Err(format!(
                        "`key:{chord}`: the keymap binds nothing to {chord} in the screen or global layer"
                    )),
                },
                Some(other) => Err(format!(
                    "`key:{chord}` is bound to `{other}`, which only the interactive TUI does; \
                     r3270 screen runs 3270 keys and typing"
                )),
            }
        })
        .collect()
}

impl Args {
    /// The terminal the session emulates.
    pub fn terminal_config(&self) -> TerminalConfig {
        let mut cfg = TerminalConfig {
            model: self.model,
            oversize: self.oversize,
            terminal_type: self.tn.clone(),
            lu: self.lu.clone(),
            ..TerminalConfig::default()
        };
        if let Some(cp) = self.code_page {
            cfg.code_page = cp;
        }
        cfg
    }

    /// TLS and timer settings.
    pub fn connect_options(&self) -> ConnectOptions {
        let identity = self.client_cert.clone().map(|cert| {
            ClientIdentity::from_files(cert, self.client_key.clone(), self.client_password.clone())
        });
        ConnectOptions {
            connect_timeout: self.timeout,
            tls: TlsOptions {
                ca_file: self.cafile.clone(),
                identity,
                insecure: self.insecure,
            },
            nop_interval: self.nop,
            tcp_keepalive: true,
            limits: crate::limits::Limits {
                max_record_bytes: self
                    .max_record_bytes
                    .unwrap_or(crate::limits::Limits::default().max_record_bytes),
                ..crate::limits::Limits::default()
            },
            // A host that takes none of our bytes for --timeout has stopped reading.
            write_timeout: self.timeout,
            ..ConnectOptions::default()
        }
    }
}

/// Runs the subcommand on a tokio runtime of its own and returns the exit status.
pub fn main(args: &Args) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("r3270: cannot start the runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    ExitCode::from(rt.block_on(run(args)))
}

/// What the run found, for the output.
struct Outcome {
    unanswered: Vec<String>,
    failure: Option<String>,
}

/// A connection error in this command's terms: what to do about an unverified certificate
/// or a port without TLS is said with this command's options and host syntax.
fn explain(e: &ConnectionError) -> String {
    let hint = match e {
        ConnectionError::CertificateVerification { problem, .. } => match problem {
            CertProblem::Expired => "the host's certificate must be renewed, unless this \
                machine's clock is wrong; --insecure connects without verification"
                .to_owned(),
            CertProblem::NotYetValid => "check this machine's clock (or the certificate's \
                start date); --insecure connects without verification"
                .to_owned(),
            CertProblem::NameMismatch => "connect with a host name the certificate names; \
                --insecure skips the check"
                .to_owned(),
            CertProblem::UnknownIssuer | CertProblem::Other => {
                "trust its CA with --cafile, or accept it unverified with --insecure".to_owned()
            }
        },
        ConnectionError::NotTls { telnet: true, .. } => "drop `L:` to connect without TLS; \
            r3270 still starts TLS there if the host offers STARTTLS"
            .to_owned(),
        ConnectionError::NotTls { telnet: false, .. } => {
            "check the port, or drop `L:` if it is a plain TN3270 port".to_owned()
        }
        other => return other.to_string(),
    };
    format!("{e} ({hint})")
}

/// The whole session; returns the exit status.
pub async fn run(args: &Args) -> u8 {
    // Callers that did not resolve `key:` steps against a configured keymap get the
    // built-in one, so the steps mean what the default keymap says.
    let steps = match resolve_chords(&args.keys, &crate::config::Config::builtin().keymap) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("r3270: {e}");
            return EXIT_USAGE;
        }
    };
    let trace = match &args.trace {
        None => None,
        Some(path) => match open_trace(args, path) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("r3270: cannot write trace {}: {e}", path.display());
                return EXIT_USAGE;
            }
        },
    };
    let mut client =
        match Client::connect(&args.host, &args.connect_options(), args.terminal_config()).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("r3270: {}", explain(&e));
                return match e {
                    ConnectionError::ReadFile { .. } | ConnectionError::TlsSetup(_) => EXIT_USAGE,
                    _ => EXIT_FAILED,
                };
            }
        };
    if let Some(t) = trace {
        client.set_trace(t);
    }
    let secs = args.timeout.as_secs_f64();
    let mut first_locked = false;
    match client.wait_ready(args.timeout).await {
        Wait::Ready => {}
        Wait::TimedOut if client.drawn() => {
            // "Until --timeout": go on with what the host drew, but say so, and let the
            // exit status tell a script the keyboard never unlocked.
            let lock = client.session().oia().lock.map_or("", |l| l.label());
            eprintln!(
                "r3270: the keyboard stayed locked ({lock}) for {secs}s after the first screen"
            );
            first_locked = true;
        }
        Wait::TimedOut => {
            let what = if client.session().mode() == Mode::Negotiating {
                "the host never finished telnet negotiation"
            } else {
                "the host never drew a screen"
            };
            eprintln!("r3270: timed out after {secs}s: {what}");
            report_host_errors(&client);
            return EXIT_FAILED;
        }
        Wait::Ended => {
            let why = client
                .ended()
                .map_or_else(|| "the connection ended".to_owned(), explain);
            eprintln!("r3270: {why} before the first screen");
            report_host_errors(&client);
            return EXIT_FAILED;
        }
    }
    if client.session().mode() == Mode::Nvt {
        eprintln!("r3270: the host did not enter 3270 mode; showing its NVT text");
    }
    let outcome = apply_keys(&mut client, args, &steps).await;
    report_host_errors(&client);
    let code = if outcome.failure.is_some() {
        EXIT_FAILED
    } else if outcome.unanswered.is_empty() && !first_locked {
        EXIT_OK
    } else {
        EXIT_LOCKED
    };
    print_result(&client, args, &outcome);
    if let Some(f) = &outcome.failure {
        eprintln!("r3270: {f}");
    } else if let Some(e) = client.ended() {
        // An orderly close after the last screen (a sign-off) is not a failure.
        eprintln!("r3270: {e}");
    }
    if let Err(e) = client.close().await {
        eprintln!("r3270: {e}");
    }
    code
}

async fn apply_keys(client: &mut Client, args: &Args, steps: &[Step]) -> Outcome {
    let mut out = Outcome {
        unanswered: Vec::new(),
        failure: None,
    };
    let secs = args.timeout.as_secs_f64();
    for step in steps {
        if let Some(e) = client.ended() {
            out.failure = Some(format!(
                "{e}; key `{step}` and those after it were not sent"
            ));
            break;
        }
        match step {
            Step::Text(t) => client.text(t),
            Step::Key(k) => client.key(*k),
            Step::Cursor { row, col } => client.key(Key::MoveCursor {
                row: *row,
                col: *col,
            }),
            Step::Sleep(d) => client.pause(*d).await,
            // Resolved before connecting; one left here has no binding to run.
            Step::Chord(_) => {}
            Step::Aid(k) => {
                if !client.press_and_wait(*k, args.timeout).await {
                    let lock = client
                        .session()
                        .oia()
                        .lock
                        .map_or("unlocked", |l| l.label());
                    let why = match client.ended() {
                        Some(e) => format!("the connection ended: {e}"),
                        None => format!("no answer within {secs}s"),
                    };
                    eprintln!("r3270: the keyboard stayed locked after {step} ({lock}): {why}");
                    out.unanswered.push(step.to_string());
                }
            }
        }
        if let Some(e) = client.ended() {
            if !e.is_host_close() {
                out.failure = Some(e.to_string());
                break;
            }
        }
    }
    out
}

fn report_host_errors(client: &Client) {
    for e in client.host_errors() {
        eprintln!("r3270: host sent bad data: {e}");
    }
}

fn open_trace(args: &Args, path: &PathBuf) -> std::io::Result<crate::runtime::client::Trace> {
    let file = std::fs::File::create(path)?;
    let cfg = args.terminal_config();
    let dims = cfg.alternate_dims();
    let info = TraceInfo {
        model: cfg.model.to_string(),
        rows: dims.rows,
        cols: dims.cols,
        host_code_page: cfg.code_page.number(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        host: args.host.host.clone(),
        port: args.host.port,
    };
    let out: Box<dyn Write + Send> = Box::new(std::io::BufWriter::new(file));
    TraceWriter::new(out, &info, SystemTime::now())
}

/// One field of the field map.
#[derive(Debug, Serialize)]
struct FieldInfo {
    row: u16,
    col: u16,
    len: usize,
    protected: bool,
    numeric: bool,
    hidden: bool,
    intensified: bool,
    modified: bool,
    /// The field's text; always blank for non-display fields.
    text: String,
}

#[derive(Debug, Serialize)]
struct Status {
    /// TN3270 / TN3270E / NVT / SSCP-LU / negotiating.
    mode: &'static str,
    terminal_type: String,
    lu: Option<String>,
    rows: u16,
    cols: u16,
    cursor_row: u16,
    cursor_col: u16,
    /// none / verified / unverified.
    tls: &'static str,
    keyboard: String,
    host: String,
    /// Why the connection ended, if it did.
    ended: Option<String>,
}

#[derive(Debug, Serialize)]
struct JsonOut<'a> {
    screen: Vec<String>,
    fields: Vec<FieldInfo>,
    status: Status,
    unanswered_aids: &'a [String],
    host_errors: &'a [String],
    error: Option<&'a str>,
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Negotiating => "negotiating",
        Mode::Nvt | Mode::Tn3270eNvt => "NVT",
        Mode::Tn3270 => "TN3270",
        Mode::Tn3270e => "TN3270E",
        Mode::SscpLu => "SSCP-LU",
    }
}

fn status(client: &Client) -> Status {
    let s = client.session();
    let dims = s.screen().dims();
    let cursor = s.screen().cursor_position();
    let oia = s.oia();
    Status {
        mode: mode_name(s.mode()),
        terminal_type: oia
            .terminal_type
            .clone()
            .unwrap_or_else(|| s.config().terminal_type()),
        lu: oia.lu.clone(),
        rows: dims.rows,
        cols: dims.cols,
        cursor_row: cursor.row,
        cursor_col: cursor.col,
        tls: match oia.secure {
            None => "none",
            Some(sec) if sec.verified => "verified",
            Some(_) => "unverified",
        },
        keyboard: oia.lock.map_or_else(
            || "unlocked".to_owned(),
            |l| format!("locked ({})", l.label()),
        ),
        host: client.peer().to_string(),
        ended: client.ended().map(ToString::to_string),
    }
}

fn fields(client: &Client, rows: &[String]) -> Vec<FieldInfo> {
    let screen = client.session().screen();
    let dims = screen.dims();
    let cells: Vec<char> = rows.iter().flat_map(|r| r.chars()).collect();
    let index = |a: BufferAddr| {
        let p = a.position(dims);
        usize::from(p.row) * usize::from(dims.cols) + usize::from(p.col)
    };
    screen
        .fields()
        .into_iter()
        .map(|f| {
            let start = f.start(dims).position(dims);
            // Rows from text_rows already blank non-display fields; never print them.
            let text: String = if f.attr.is_non_display() {
                String::new()
            } else {
                f.positions(dims)
                    .map(|a| cells.get(index(a)).copied().unwrap_or(' '))
                    .collect()
            };
            FieldInfo {
                row: start.row,
                col: start.col,
                len: f.len,
                protected: f.attr.is_protected(),
                numeric: f.attr.is_numeric(),
                hidden: f.attr.is_non_display(),
                intensified: f.attr.is_intensified(),
                modified: f.attr.is_modified(),
                text,
            }
        })
        .collect()
}

fn print_result(client: &Client, args: &Args, outcome: &Outcome) {
    let rows = client.session().text_rows();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let j = JsonOut {
            fields: fields(client, &rows),
            screen: rows,
            status: status(client),
            unanswered_aids: &outcome.unanswered,
            host_errors: client.host_errors(),
            error: outcome.failure.as_deref(),
        };
        match serde_json::to_string(&j) {
            Ok(s) => {
                let _ = writeln!(out, "{s}");
            }
            Err(e) => eprintln!("r3270: cannot format JSON: {e}"),
        }
        return;
    }
    let mut text = String::new();
    for r in &rows {
        text.push_str(r);
        text.push('\n');
    }
    if args.fields {
        text.push_str("-- fields (row,col len attributes \"text\") --\n");
        for f in fields(client, &rows) {
            let mut attrs = vec![if f.protected { "protected" } else { "input" }];
            if f.numeric {
                attrs.push("numeric");
            }
            if f.hidden {
                attrs.push("hidden");
            }
            if f.intensified {
                attrs.push("intensified");
            }
            if f.modified {
                attrs.push("modified");
            }
            let _ = writeln!(
                text,
                "{},{} {} {} {:?}",
                f.row,
                f.col,
                f.len,
                attrs.join(","),
                f.text.trim_end()
            );
        }
    }
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if args.status {
        let s = status(client);
        eprintln!("mode: {}", s.mode);
        eprintln!("terminal type: {}", s.terminal_type);
        eprintln!("lu: {}", s.lu.as_deref().unwrap_or("-"));
        eprintln!("size: {}x{}", s.rows, s.cols);
        eprintln!("cursor: {},{}", s.cursor_row, s.cursor_col);
        eprintln!(
            "tls: {}",
            match s.tls {
                "verified" => "verified (certificate and host name checked)",
                "unverified" => "verification OFF (--insecure)",
                _ => "none",
            }
        );
        eprintln!("keyboard: {}", s.keyboard);
        eprintln!("host: {}", s.host);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Aid;

    #[test]
    fn keys_parse() {
        assert_eq!("=DEMO".parse::<Step>(), Ok(Step::Text("DEMO".into())));
        assert_eq!("pf8".parse::<Step>(), Ok(Step::Aid(Key::Aid(Aid::Pf(8)))));
        assert_eq!("Attn".parse::<Step>(), Ok(Step::Aid(Key::Attn)));
        assert_eq!("EraseEOF".parse::<Step>(), Ok(Step::Key(Key::EraseEof)));
        assert_eq!(
            "cursor:3,10".parse::<Step>(),
            Ok(Step::Cursor { row: 3, col: 10 })
        );
        assert_eq!(
            "sleep:0.5".parse::<Step>(),
            Ok(Step::Sleep(Duration::from_millis(500)))
        );
        let e = "Frobnicate".parse::<Step>().unwrap_err();
        assert!(e.contains("`Frobnicate`"), "{e}");
        assert!("cursor:1".parse::<Step>().is_err());
        assert!("sleep:x".parse::<Step>().is_err());
        assert!("PF25".parse::<Step>().is_err());
    }

    #[test]
    fn max_record_bytes_is_range_checked() {
        assert_eq!(parse_max_record("8192"), Ok(8192));
        assert_eq!(
            parse_max_record("10"),
            Err("10 is out of range: allowed is 4096 to 16777216".to_owned())
        );
        assert!(parse_max_record("lots").is_err());
    }

    #[test]
    fn oversize_and_model() {
        assert_eq!(parse_oversize("160x62"), Ok(Dimensions::new(62, 160)));
        assert!(parse_oversize("10x10").is_err());
        assert!(parse_model("3279-2").unwrap().extended);
        assert!(parse_model("7").is_err());
    }
}
