//! `r3270 screen`: a one-shot, scriptable client in the manner of s3270.
//!
//! It connects, waits for the host's first screen, applies the keys given on the command
//! line in order, and prints the final screen as text (what s3270's `Ascii()` prints), with
//! the field map, the connection status or all of it as JSON on request. Every failure ends
//! in a line on stderr and a documented exit status. A key is never dropped without a word:
//! when the keyboard is locked (an AID not answered, a key refused) the keys left are
//! reported as not sent, with the reason, instead of being queued or lost.
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
use crate::config::Config;
use crate::keymap::{KeyChord, KeyState, Keymap, Layer};
use crate::proto::{
    BufferAddr, CodePage, Dimensions, Key, LockReason, Mode, Model, TerminalConfig,
};
use crate::runtime::client::Trace;
use crate::runtime::{
    Answer, CertProblem, Client, ClientIdentity, ConnectOptions, ConnectionError, HostSpec, Wait,
};
use crate::script::{Runner, Step as ScriptStep, Until};
use crate::trace::writer::{TraceInfo, TraceWriter};

pub mod play;

/// Exit status: the screen was printed and every AID was answered.
pub const EXIT_OK: u8 = 0;
/// Exit status: no usable session (connect, TLS, no first screen in time, the connection
/// failed mid-session).
pub const EXIT_FAILED: u8 = 1;
/// Exit status: bad arguments or keys, unreadable files (nothing was sent).
pub const EXIT_USAGE: u8 = 2;
/// Exit status: the screen was printed, but the keyboard stayed locked: after an AID
/// (which was sent; the keys after it were not), after the host's first screen, or by a
/// key refused under field rules. Stderr and `--json` name the keys that were not sent.
pub const EXIT_LOCKED: u8 = 3;

const AFTER_HELP: &str = "\
KEYS, applied in order after the first screen:
  =TEXT              type TEXT at the cursor under field rules
  Enter Clear PF1..PF24 PA1..PA3 SysReq Attn
                     send, then wait (up to --timeout) for the host to unlock the keyboard
                     and fall quiet for 0.2s (a host that keeps redrawing: 1s at most)
  Tab BackTab Home NewLine EraseEOF EraseInput Reset Delete BackSpace Insert Dup
  FieldMark Up Down Left Right
                     editing keys (names are case-insensitive)
  cursor:ROW,COL     move the cursor (0-based)
  key:CHORD          the key chord as the keymap binds it (e.g. key:f3, key:shift-f1,
                     key:ctrl-u): the configured screen layer, then global, decides
  sleep:SECONDS      wait, still serving the connection

TARGET is a profile from the configuration (as in `r3270 PROFILE`: its host, port, TLS,
model, code page, LU and certificates; the options given here win over it) or a host,
[L:][N:][LU@]host[:port]: L: for TLS from the first byte (default port 992), N: to refuse
TN3270E, LU@ to ask for an LU or device; IPv6 as [::1]:3270. A profile's alternates,
reconnect and logon macro are the interactive client's; this command connects once.

EXIT STATUS
  0  the screen was printed
  1  no usable session: cannot connect, TLS failure, no first screen within --timeout, or
     the connection failed during the keys
  2  bad arguments or keys (rejected before connecting), unreadable files
  3  the screen was printed, but the keyboard stayed locked: an AID got no answer, the
     first screen never unlocked, or a key was refused (e.g. typing into a protected
     field). Keys are only pressed on an unlocked keyboard (Reset and sleep: always), so
     the keys from there on were not sent; stderr and --json (not_sent, not_sent_reason)
     name them, with typed text shown as =***
  129, 130, 143  stopped by SIGHUP, SIGINT (Ctrl-C) or SIGTERM: no screen is printed; the
     trace so far is kept";

/// `r3270 screen`.
#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Terminal model: 2-5, 3278-N or 3279-N (-E optional: as in x3270, the extended data
    /// stream is always on). The default is the profile's, else 3279-2, x3270's
    /// interactive default (s3270's own is 3279-4-E).
    #[arg(long, value_parser = parse_model)]
    pub model: Option<Model>,
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
    /// Seconds to wait for the connection and first screen, and for each AID's answer
    /// (default 30; a profile's connect-timeout bounds the connection when this is not
    /// given).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,
    /// Send a telnet NOP after this many idle seconds.
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub nop: Option<Duration>,
    /// Disconnect if the host sends a record larger than this (4096 to 16777216; the
    /// default is the configuration's limits.max-record-bytes, itself 262144 by default).
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
    /// Write the data stream to FILE in the x3270 trace format. Typed text on the command
    /// line shows as `=***` in its header, and input to non-display (password) fields is
    /// recorded as eight asterisks whatever its length.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Do not record this run in the audit log (`[audit] enabled = false` does so for
    /// every run).
    #[arg(long)]
    pub no_audit: bool,
    /// After the first screen and after each AID's answer, wait until the host has been
    /// quiet for MS milliseconds (at most 1 s) before going on. 0 (the default) goes on as
    /// soon as the keyboard unlocks, as s3270's Wait(Unlock) does; a host that sends a
    /// second record right after the one that unlocks needs a few hundred.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub settle: u64,
    /// The value of a macro's `prompt NAME` (not for a secret one: those come from the
    /// environment, R3270_PROMPT_NAME, or standard input). Repeatable.
    #[arg(long, value_name = "NAME=VALUE")]
    pub set: Vec<String>,
    /// A profile from the configuration, or a host: `[L:][N:][LU@]host[:port]`.
    #[arg(value_name = "PROFILE|HOST[:PORT]")]
    pub target: String,
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
    /// `macro:NAME`: a macro from the configuration, played with its waits.
    Macro(String),
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
        if lower.starts_with("macro:") {
            let name = s[6..].trim();
            if name.is_empty() {
                return Err(format!("`{s}`: expected macro:NAME"));
            }
            return Ok(Step::Macro(name.to_owned()));
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

/// How a step is named in messages. Typed text is shown as `=***`, never repeated: it may
/// be a password, and stderr and `--json` end up in logs.
impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Text(_) => f.write_str("=***"),
            Step::Aid(Key::Aid(a)) => write!(f, "{a}"),
            Step::Aid(k) | Step::Key(k) => write!(f, "{k:?}"),
            Step::Cursor { row, col } => write!(f, "cursor:{row},{col}"),
            Step::Sleep(d) => write!(f, "sleep:{}", d.as_secs_f64()),
            Step::Chord(c) => write!(f, "key:{c}"),
            Step::Macro(name) => write!(f, "macro:{name}"),
        }
    }
}

impl Step {
    /// This step in the one script vocabulary ([`crate::script::Step`]); `None` for a
    /// `key:CHORD` not yet resolved. An AID becomes a key step, whose wait for the answer
    /// the runner adds.
    pub fn script_step(&self) -> Option<ScriptStep> {
        Some(match self {
            Step::Text(t) => ScriptStep::Text(t.clone()),
            Step::Aid(k) | Step::Key(k) => ScriptStep::Key(*k),
            Step::Cursor { row, col } => ScriptStep::Key(Key::MoveCursor {
                row: *row,
                col: *col,
            }),
            Step::Sleep(d) => ScriptStep::Wait(crate::script::Wait::new(Until::Seconds(*d))),
            Step::Chord(_) | Step::Macro(_) => return None,
        })
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

/// How long to wait for the first screen and for each AID's answer without --timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where and how `r3270 screen` connects: the target's profile (or a bare host with every
/// default) with the command line's options over it.
#[derive(Clone, Debug)]
pub struct Resolved {
    pub spec: HostSpec,
    pub terminal: TerminalConfig,
    pub connect: ConnectOptions,
    /// For the first screen and each AID.
    pub timeout: Duration,
}

impl Args {
    /// Resolves the target as the interactive client does ([`Config::resolve_target`]: a
    /// profile's name first, then a host; a bare word one typo away from a profile is an
    /// error with "did you mean", so a typo never becomes a DNS query) and puts the
    /// options given on the command line over the profile's settings.
    pub fn resolve(&self, config: &Config) -> Result<Resolved, String> {
        let profile = config.resolve_target(&self.target)?;
        let from_config = config.profile(&self.target).is_some();
        let mut spec = profile.host_spec();
        let mut terminal = profile.terminal_config();
        if let Some(model) = self.model {
            terminal.model = model;
        }
        if self.tn.is_some() {
            terminal.terminal_type.clone_from(&self.tn);
        }
        if self.oversize.is_some() {
            terminal.oversize = self.oversize;
        }
        if let Some(cp) = self.code_page {
            terminal.code_page = cp;
        }
        // --lu wins over a profile's `lu`; for a host, LU@host wins over --lu, as before
        // profiles were accepted here.
        if let Some(lu) = &self.lu {
            if from_config || spec.lu.is_none() {
                spec.lu = Some(lu.clone());
                terminal.lu = Some(lu.clone());
            }
        }
        let mut connect = profile.connect_options();
        if let Some(t) = self.timeout {
            connect.connect_timeout = t;
        }
        if self.cafile.is_some() {
            connect.tls.ca_file.clone_from(&self.cafile);
        }
        if let Some(cert) = &self.client_cert {
            connect.tls.identity = Some(ClientIdentity::from_files(
                cert.clone(),
                self.client_key.clone(),
                self.client_password.clone(),
            ));
        }
        connect.tls.insecure |= self.insecure;
        if self.nop.is_some() {
            connect.nop_interval = self.nop;
        }
        connect.tcp_keepalive = true;
        connect.limits = config.limits.clone();
        if let Some(bytes) = self.max_record_bytes {
            connect.limits.max_record_bytes = bytes;
        }
        // A host that takes none of our bytes for the timeout has stopped reading.
        connect.write_timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        Ok(Resolved {
            spec,
            terminal,
            connect,
            timeout: self.timeout.unwrap_or(DEFAULT_TIMEOUT),
        })
    }
}

/// Runs the subcommand on a tokio runtime of its own and returns the exit status.
pub fn main(args: &Args, config: &Config) -> ExitCode {
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
    ExitCode::from(rt.block_on(run(args, config)))
}

/// One KEY argument named in the output: its 1-based position and how it reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct StepRef {
    step: usize,
    key: String,
}

impl StepRef {
    fn new(index: usize, step: &Step) -> Self {
        StepRef {
            step: index + 1,
            key: step.to_string(),
        }
    }
}

impl std::fmt::Display for StepRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {} {}", self.step, self.key)
    }
}

/// What the run found, for the output.
#[derive(Debug, Default)]
struct Outcome {
    /// The AID that was sent and not answered (nothing is sent after it).
    unanswered: Vec<StepRef>,
    /// The keys that were not sent, in order, and why.
    not_sent: Vec<StepRef>,
    not_sent_reason: Option<String>,
    /// Every key was applied, but one was refused under field rules and the keyboard is
    /// still locked: why.
    locked_at_end: Option<String>,
    failure: Option<String>,
}

impl Outcome {
    /// Steps `from..` were not sent, for `why`.
    fn stop(&mut self, steps: &[Step], from: usize, why: String) {
        self.not_sent = steps
            .iter()
            .enumerate()
            .skip(from)
            .map(|(i, s)| StepRef::new(i, s))
            .collect();
        if !self.not_sent.is_empty() {
            self.not_sent_reason = Some(why);
        }
    }
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

/// The whole session; returns the exit status. `config` gives the keymap `key:` steps go
/// through, the profiles a target may name and the limits.
///
/// SIGTERM, SIGINT and SIGHUP end it with the status a shell reports for death by that
/// signal (128 + its number) and one line on stderr, but as an orderly exit: the session is
/// dropped (the trace file is flushed) and no screen is printed. The terminal is never
/// touched by this command, so there is nothing to restore.
pub async fn run(args: &Args, config: &Config) -> u8 {
    tokio::select! {
        code = run_session(args, config) => code,
        (name, number) = terminating_signal() => {
            eprintln!("r3270: stopped by {name}");
            128 + number
        }
    }
}

/// The first of SIGTERM, SIGINT and SIGHUP to arrive, as (name, number); never, for one
/// that cannot be watched (the default action then still ends the process).
async fn terminating_signal() -> (&'static str, u8) {
    use tokio::signal::unix::{SignalKind, signal};
    async fn next(kind: SignalKind) {
        match signal(kind) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    }
    tokio::select! {
        () = next(SignalKind::terminate()) => ("SIGTERM", 15),
        () = next(SignalKind::interrupt()) => ("SIGINT", 2),
        () = next(SignalKind::hangup()) => ("SIGHUP", 1),
    }
}

async fn run_session(args: &Args, config: &Config) -> u8 {
    let (steps, target, trace) = match prepare(args, config) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let audit = match open_audit(args, config) {
        Ok(a) => a,
        Err(code) => return code,
    };
    // Macros are expanded, their values found, before a byte goes out.
    let plans = match play::plans(&steps, config, &args.set) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("r3270: {e}");
            return EXIT_USAGE;
        }
    };
    let mut client = match open_client(&target, trace, args.settle).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    let audit_writer = audit.map(|(writer, sink)| {
        client.set_audit(Box::new(sink));
        writer
    });
    let first_lock = match first_screen(&mut client, target.timeout).await {
        Ok(lock) => lock,
        Err(code) => return code,
    };
    let first_locked = first_lock.is_some();
    let outcome = apply_keys(&mut client, target.timeout, (&steps, &plans), first_lock).await;
    report_host_errors(&client);
    let code = if outcome.failure.is_some() {
        EXIT_FAILED
    } else if outcome.unanswered.is_empty()
        && outcome.not_sent.is_empty()
        && outcome.locked_at_end.is_none()
        && !first_locked
    {
        EXIT_OK
    } else {
        EXIT_LOCKED
    };
    print_result(&client, args, &outcome);
    report_outcome(&client, &outcome);
    if let Some(e) = client.driver().audit_failure() {
        eprintln!("r3270: {e}");
    }
    if let Err(e) = client.close().await {
        eprintln!("r3270: {e}");
    }
    if let Some(w) = audit_writer {
        if let Err(e) = w.close() {
            eprintln!("r3270: cannot close the audit log: {e}");
        }
    }
    code
}

/// The audit log opens before anything is sent: with `on-failure = "block"` a log that
/// cannot be written stops the run here (status 1); with `warn` the run goes on unrecorded.
/// `Ok(None)` when recording is off (`--no-audit`, `[audit] enabled = false`).
fn open_audit(
    args: &Args,
    config: &Config,
) -> Result<Option<(crate::audit::SharedWriter, crate::audit::SessionAudit)>, u8> {
    if args.no_audit || !config.audit.enabled {
        return Ok(None);
    }
    let profile = config.profile(&args.target).map(|p| p.name.clone());
    let opts = crate::audit::WriterOptions::from_settings(
        &config.audit,
        &config.paths.data_dir,
        &config.paths.log_dir,
    );
    let opened = crate::audit::SharedWriter::open(opts)
        .map_err(|e| e.to_string())
        .and_then(|w| Ok((w.session(&config.audit, profile.as_deref())?, w)));
    match opened {
        Ok((sink, writer)) => Ok(Some((writer, sink))),
        Err(e) if config.audit.on_failure == crate::audit::OnFailure::Block => {
            eprintln!("r3270: cannot open the audit log: {e} (fix it, or run with --no-audit)");
            Err(EXIT_FAILED)
        }
        Err(e) => {
            eprintln!("r3270: warning: not recording this session: {e}");
            Ok(None)
        }
    }
}

/// Everything is checked before a byte goes out: the keys, then the target, then the trace
/// file.
fn prepare(args: &Args, config: &Config) -> Result<(Vec<Step>, Resolved, Option<Trace>), u8> {
    let steps = resolve_chords(&args.keys, &config.keymap).map_err(|e| {
        eprintln!("r3270: {e}");
        EXIT_USAGE
    })?;
    let target = args.resolve(config).map_err(|e| {
        eprintln!("r3270: {e}");
        EXIT_USAGE
    })?;
    let trace = match &args.trace {
        None => None,
        Some(path) => Some(open_trace(&target, path).map_err(|e| {
            eprintln!("r3270: cannot write trace {}: {e}", path.display());
            EXIT_USAGE
        })?),
    };
    Ok((steps, target, trace))
}

async fn open_client(
    target: &Resolved,
    trace: Option<Trace>,
    settle_ms: u64,
) -> Result<Client, u8> {
    let mut client = Client::connect(&target.spec, &target.connect, target.terminal.clone())
        .await
        .map_err(|e| {
            eprintln!("r3270: {}", explain(&e));
            match e {
                ConnectionError::ReadFile { .. } | ConnectionError::TlsSetup(_) => EXIT_USAGE,
                _ => EXIT_FAILED,
            }
        })?;
    if let Some(t) = trace {
        client.set_trace(t);
    }
    client.set_settle(Duration::from_millis(settle_ms));
    Ok(client)
}

/// Waits for the host's first screen. `Ok(Some(why))` when it came with the keyboard still
/// locked at `timeout` (the screen is shown, the exit status says so).
async fn first_screen(client: &mut Client, timeout: Duration) -> Result<Option<String>, u8> {
    let secs = timeout.as_secs_f64();
    let mut first_lock = None;
    match client.wait_ready(timeout).await {
        Wait::Ready => {}
        Wait::TimedOut if client.drawn() && client.session().is_locked() => {
            // "Until --timeout": show what the host drew, but say so, and let the exit
            // status tell a script the keyboard never unlocked.
            let lock = client.session().oia().lock.map_or("", |l| l.label());
            eprintln!(
                "r3270: the keyboard stayed locked ({lock}) for {secs}s after the first screen"
            );
            first_lock = Some(format!(
                "the keyboard stayed locked ({lock}) after the first screen"
            ));
        }
        Wait::TimedOut => {
            let what = if client.session().mode() == Mode::Negotiating {
                "the host never finished telnet negotiation"
            } else {
                "the host never drew a screen"
            };
            eprintln!("r3270: timed out after {secs}s: {what}");
            report_host_errors(client);
            return Err(EXIT_FAILED);
        }
        Wait::Ended => {
            let why = client
                .ended()
                .map_or_else(|| "the connection ended".to_owned(), explain);
            eprintln!("r3270: {why} before the first screen");
            report_host_errors(client);
            return Err(EXIT_FAILED);
        }
    }
    if client.session().mode() == Mode::Nvt {
        eprintln!("r3270: the host did not enter 3270 mode; showing its NVT text");
    }
    Ok(first_lock)
}

/// What stderr says after the screen: a failure or how the connection ended, the keys not
/// sent and why, a lock left at the end.
fn report_outcome(client: &Client, outcome: &Outcome) {
    if let Some(f) = &outcome.failure {
        eprintln!("r3270: {f}");
    } else if let Some(e) = client.ended() {
        // An orderly close after the last screen (a sign-off) is not a failure.
        eprintln!("r3270: {e}");
    }
    if let Some(why) = &outcome.not_sent_reason {
        let list: Vec<String> = outcome.not_sent.iter().map(ToString::to_string).collect();
        eprintln!("r3270: not sent ({why}): {}", list.join(", "));
    }
    if let Some(why) = &outcome.locked_at_end {
        eprintln!("r3270: {why}");
    }
}

/// Applies the keys in order. A key is only pressed on an unlocked keyboard (Reset and
/// sleep excepted, which an operator uses on a locked one): on a locked keyboard it would be
/// queued or dropped without a word, so the keys from there on are reported as not sent,
/// with the reason. An AID that gets no answer stops the run the same way.
async fn apply_keys(
    client: &mut Client,
    timeout: Duration,
    (steps, plans): (
        &[Step],
        &std::collections::BTreeMap<String, crate::macros::Plan>,
    ),
    first_lock: Option<String>,
) -> Outcome {
    let mut out = Outcome::default();
    let secs = timeout.as_secs_f64();
    // What locked the keyboard, for the message if a later key finds it locked.
    let mut locked_by = first_lock;
    for (i, step) in steps.iter().enumerate() {
        if let Some(e) = client.ended() {
            out.failure = Some(e.to_string());
            out.stop(steps, i, "the connection had ended".to_owned());
            break;
        }
        let local = matches!(step, Step::Sleep(_) | Step::Key(Key::Reset));
        if let (false, Some(lock)) = (local, client.session().oia().lock) {
            let why = locked_by
                .clone()
                .unwrap_or_else(|| format!("the keyboard was locked ({})", lock.label()));
            out.stop(steps, i, why);
            break;
        }
        let before = client.session().oia().lock;
        match step {
            Step::Text(_) | Step::Key(_) | Step::Cursor { .. } | Step::Sleep(_) => {
                // The script runner carries out the step, as it does every front end's.
                if let Some(script_step) = step.script_step() {
                    let mut runner = Runner::new([script_step], client.options());
                    client.run(&mut runner).await;
                }
            }
            // Resolved before connecting; one left here has no binding to run.
            Step::Chord(_) => {}
            Step::Macro(name) => {
                if let Some(Err(lines)) = play_macro(client, plans.get(name)).await {
                    out.failure = Some(lines.join("\n"));
                    out.stop(steps, i + 1, format!("macro `{name}` stopped"));
                    break;
                }
            }
            Step::Aid(k) => match client.press_and_wait(*k, timeout).await {
                Answer::Answered => {}
                Answer::Locked(lock) => {
                    let why = format!("the keyboard was locked ({})", lock.label());
                    out.stop(steps, i, why);
                    break;
                }
                Answer::Refused(lock) => {
                    let why = format!("{} was refused ({})", StepRef::new(i, step), lock.label());
                    out.stop(steps, i, why);
                    break;
                }
                Answer::NoAnswer | Answer::Ended => {
                    let lock = client
                        .session()
                        .oia()
                        .lock
                        .map_or("unlocked", |l| l.label());
                    let why = match client.ended() {
                        Some(e) => format!("the connection ended: {e}"),
                        None => format!("no answer within {secs}s"),
                    };
                    eprintln!(
                        "r3270: the keyboard stayed locked after {step} ({lock}): {why} \
                         (step {} was sent)",
                        i + 1
                    );
                    out.unanswered.push(StepRef::new(i, step));
                    if client.ended().is_none() {
                        let why = format!("the keyboard stayed locked after step {} {step}", i + 1);
                        out.stop(steps, i + 1, why);
                        break;
                    }
                }
            },
        }
        let after = client.session().oia().lock;
        if after.is_none() {
            locked_by = None;
        } else if after != before {
            locked_by = after.map(|lock| {
                format!(
                    "the keyboard locked ({}) at {}",
                    lock.label(),
                    StepRef::new(i, step)
                )
            });
        }
        if let Some(e) = client.ended() {
            if !e.is_host_close() {
                out.failure = Some(e.to_string());
                out.stop(steps, i + 1, "the connection had ended".to_owned());
                break;
            }
        }
    }
    if out.not_sent_reason.is_none() && out.failure.is_none() {
        // Nothing left to send, but a key was refused on the way (typing into a protected
        // field, say): the rest of its text was dropped, and the script must hear of it.
        if let Some(lock @ LockReason::Operator(_)) = client.session().oia().lock {
            out.locked_at_end = Some(
                locked_by.unwrap_or_else(|| format!("the keyboard is locked ({})", lock.label())),
            );
        }
    }
    out
}

/// A macro's plan played (`None` when there is no plan: `plans` covers every name).
async fn play_macro(
    client: &mut Client,
    plan: Option<&crate::macros::Plan>,
) -> Option<Result<(), Vec<String>>> {
    Some(play::run(client, plan?).await)
}

fn report_host_errors(client: &Client) {
    for e in client.host_errors() {
        eprintln!("r3270: host sent bad data: {e}");
    }
}

/// Options whose value is a secret: a trace's command line shows `***` instead.
const SECRET_OPTIONS: &[&str] = &["--client-password", "--set"];

/// The command line as a trace's `Command:` header shows it: every `=TEXT` key becomes `=***`
/// (typed text may be a password, and its length is a hint too) and the value of a secret
/// option becomes `***`. Everything else (the host, options, key names) stays, so a reader
/// still sees how the session was started.
pub fn masked_command_line<I: IntoIterator<Item = String>>(args: I) -> String {
    let mut out = Vec::new();
    let mut secret_value_next = false;
    for arg in args {
        if std::mem::take(&mut secret_value_next) {
            out.push("***".to_owned());
        } else if arg.starts_with('=') {
            out.push("=***".to_owned());
        } else if let Some(opt) = SECRET_OPTIONS.iter().find(|o| {
            arg.strip_prefix(**o)
                .is_some_and(|rest| rest.starts_with('='))
        }) {
            out.push(format!("{opt}=***"));
        } else {
            secret_value_next = SECRET_OPTIONS.contains(&arg.as_str());
            out.push(arg);
        }
    }
    out.join(" ")
}

/// What a trace says, once, about what it leaves out.
const MASK_NOTE: &str = "r3270: typed text (=TEXT) and secret options on the command line \
    are shown as ***; input to non-display fields is recorded as 8 asterisks (5c), whatever \
    its length";

fn open_trace(target: &Resolved, path: &PathBuf) -> std::io::Result<crate::runtime::client::Trace> {
    let file = std::fs::File::create(path)?;
    let cfg = &target.terminal;
    let dims = cfg.alternate_dims();
    let info = TraceInfo {
        model: cfg.model.to_string(),
        rows: dims.rows,
        cols: dims.cols,
        host_code_page: cfg.code_page.number(),
        command: masked_command_line(std::env::args()),
        host: target.spec.host.clone(),
        port: target.spec.port,
    };
    let out: Box<dyn Write + Send> = Box::new(std::io::BufWriter::new(file));
    let mut trace = TraceWriter::new(out, &info, SystemTime::now())?;
    trace.note(SystemTime::now(), MASK_NOTE)?;
    Ok(trace)
}

/// One field of the field map (also the REST API's, `serve::rest`).
#[derive(Debug, Serialize)]
pub(crate) struct FieldInfo {
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
pub(crate) struct Status {
    /// TN3270 / TN3270E / NVT / SSCP-LU / negotiating.
    pub(crate) mode: &'static str,
    pub(crate) terminal_type: String,
    pub(crate) lu: Option<String>,
    pub(crate) rows: u16,
    pub(crate) cols: u16,
    pub(crate) cursor_row: u16,
    pub(crate) cursor_col: u16,
    /// none / verified / unverified.
    pub(crate) tls: &'static str,
    /// The host's certificate, over TLS: its names, expiry and SHA-256 fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) certificate: Option<CertOut>,
    pub(crate) keyboard: String,
    pub(crate) host: String,
    /// Why the connection ended, if it did.
    pub(crate) ended: Option<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct CertOut {
    names: Vec<String>,
    not_after: String,
    sha256: String,
}

#[derive(Debug, Serialize)]
struct JsonOut<'a> {
    screen: Vec<String>,
    fields: Vec<FieldInfo>,
    status: Status,
    /// The AID that was sent and got no answer, as `{"step": N, "key": "Enter"}`.
    unanswered_aids: &'a [StepRef],
    /// The keys that were not sent, in order, and why.
    not_sent: &'a [StepRef],
    not_sent_reason: Option<&'a str>,
    host_errors: Vec<String>,
    error: Option<&'a str>,
    /// The session's figures, as counted where each fact happened.
    stats: StatsOut,
}

/// Milliseconds, with microseconds kept (JSON has no duration type).
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One response-time bucket: responses that took at most `le_seconds` (no bound: above
/// the last), not cumulative.
#[derive(Debug, Serialize)]
pub(crate) struct BucketOut {
    le_seconds: Option<f64>,
    count: u64,
}

#[derive(Debug, Serialize)]
pub(crate) struct ResponseOut {
    count: u64,
    last_ms: Option<f64>,
    mean_ms: Option<f64>,
    max_ms: f64,
    buckets: Vec<BucketOut>,
}

#[derive(Debug, Serialize)]
pub(crate) struct HostErrorsOut {
    malformed: u64,
    violation: u64,
    unsupported: u64,
}

/// `--json`'s `stats`: the driver's snapshot (crate::driver::Snapshot), in plain units.
#[derive(Debug, Serialize)]
pub(crate) struct StatsOut {
    endpoint: Option<String>,
    connect_ms: Option<f64>,
    /// From the connection opening to the host's first byte.
    first_byte_ms: Option<f64>,
    /// none / verified / unverified, and whether it came by STARTTLS.
    tls: &'static str,
    starttls: bool,
    mode: &'static str,
    tn3270e_functions: Vec<&'static str>,
    terminal_type: Option<String>,
    lu: Option<String>,
    connections: u32,
    reconnects: u32,
    /// The telnet stream, inside TLS.
    bytes_in: u64,
    bytes_out: u64,
    records_in: u64,
    records_out: u64,
    aids: std::collections::BTreeMap<String, u64>,
    response: ResponseOut,
    keyboard_locked_ms: f64,
    host_errors: HostErrorsOut,
    negative_responses: u64,
    oversized_records: u64,
    alarms: u64,
}

fn stats(client: &Client) -> StatsOut {
    stats_of(&client.driver().stats())
}

/// `--json`'s `stats` from a snapshot (also the REST API's, from a session's published
/// figures).
pub(crate) fn stats_of(snap: &crate::driver::Snapshot) -> StatsOut {
    let (s, l) = (&snap.session, &snap.link);
    let first_byte_ms = match (l.connected_at, s.first_byte_at) {
        (Some(open), Some(first)) => Some(ms(first.saturating_duration_since(open))),
        _ => None,
    };
    StatsOut {
        endpoint: l.endpoint.clone(),
        connect_ms: l.connect_time.map(ms),
        first_byte_ms,
        tls: match l.tls {
            None => "none",
            Some(true) => "verified",
            Some(false) => "unverified",
        },
        starttls: l.starttls,
        mode: mode_name(snap.mode),
        tn3270e_functions: snap.functions.clone(),
        terminal_type: l.terminal_type.clone(),
        lu: l.lu.clone(),
        connections: l.connections,
        reconnects: l.reconnects,
        bytes_in: s.bytes_in,
        bytes_out: s.bytes_out,
        records_in: s.records_in,
        records_out: s.records_out,
        aids: s.aids.by_name().into_iter().collect(),
        response: ResponseOut {
            count: s.response.count(),
            last_ms: s.response.last().map(ms),
            mean_ms: s.response.mean().map(ms),
            max_ms: ms(s.response.max()),
            buckets: s
                .response
                .buckets()
                .map(|(le, count)| BucketOut {
                    le_seconds: le.map(|d| d.as_secs_f64()),
                    count,
                })
                .collect(),
        },
        keyboard_locked_ms: ms(s.keyboard_locked),
        host_errors: HostErrorsOut {
            malformed: s.host_errors.malformed,
            violation: s.host_errors.violation,
            unsupported: s.host_errors.unsupported,
        },
        negative_responses: s.negative_responses,
        oversized_records: s.oversized_records,
        alarms: s.alarms,
    }
}

pub(crate) fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Negotiating => "negotiating",
        Mode::Nvt | Mode::Tn3270eNvt => "NVT",
        Mode::Tn3270 => "TN3270",
        Mode::Tn3270e => "TN3270E",
        Mode::SscpLu => "SSCP-LU",
    }
}

pub(crate) fn status(client: &Client) -> Status {
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
        certificate: client.driver().stats().link.cert.map(|c| CertOut {
            names: c.names,
            not_after: c.not_after,
            sha256: c.sha256,
        }),
        keyboard: oia.lock.map_or_else(
            || "unlocked".to_owned(),
            |l| format!("locked ({})", l.label()),
        ),
        host: client.peer().to_string(),
        ended: client.ended().map(ToString::to_string),
    }
}

/// The field map; `rows` are the session's `text_rows` (non-display fields blank).
pub(crate) fn fields(session: &crate::proto::Session, rows: &[String]) -> Vec<FieldInfo> {
    let screen = session.screen();
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
            fields: fields(client.session(), &rows),
            screen: rows,
            status: status(client),
            unanswered_aids: &outcome.unanswered,
            not_sent: &outcome.not_sent,
            not_sent_reason: outcome.not_sent_reason.as_deref(),
            host_errors: client.host_errors(),
            error: outcome.failure.as_deref(),
            stats: stats(client),
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
        fields_text(client, &rows, &mut text);
    }
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if args.status {
        print_status(client);
    }
}

/// `--fields`: one line a field after the screen.
fn fields_text(client: &Client, rows: &[String], text: &mut String) {
    text.push_str("-- fields (row,col len attributes \"text\") --\n");
    for f in fields(client.session(), rows) {
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

/// `--status`: the session's state and figures, on stderr.
fn print_status(client: &Client) {
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
    if let Some(c) = &s.certificate {
        eprintln!(
            "certificate: {} (expires {}; sha256 {})",
            c.names.join(", "),
            c.not_after,
            c.sha256
        );
    }
    eprintln!("keyboard: {}", s.keyboard);
    eprintln!("host: {}", s.host);
    let st = stats(client);
    eprintln!(
        "bytes: {} in, {} out; records: {} in, {} out",
        st.bytes_in, st.bytes_out, st.records_in, st.records_out
    );
    let aids: Vec<String> = st.aids.iter().map(|(k, n)| format!("{k} {n}")).collect();
    eprintln!(
        "aids: {}",
        if aids.is_empty() {
            "none".to_owned()
        } else {
            aids.join(", ")
        }
    );
    if let (Some(last), Some(mean)) = (st.response.last_ms, st.response.mean_ms) {
        eprintln!(
            "response: last {last:.1} ms, mean {mean:.1} ms, max {:.1} ms",
            st.response.max_ms
        );
    }
    if let Some(c) = st.connect_ms {
        eprintln!("connect: {c:.1} ms");
    }
    let e = &st.host_errors;
    if e.malformed + e.violation + e.unsupported > 0 {
        eprintln!(
            "host errors: {} malformed, {} violation, {} unsupported; {} negative responses",
            e.malformed, e.violation, e.unsupported, st.negative_responses
        );
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
    fn trace_command_line_hides_typed_text_and_secret_options() {
        let args = [
            "r3270",
            "screen",
            "--trace",
            "t.trc",
            "--client-cert",
            "c.p12",
            "--client-password",
            "pkcs12-pass",
            "--client-password=other-pass",
            "host:23",
            "=USER",
            "Tab",
            "=PASSWORD",
            "Enter",
            "=",
        ]
        .map(str::to_owned);
        assert_eq!(
            masked_command_line(args),
            "r3270 screen --trace t.trc --client-cert c.p12 --client-password *** \
             --client-password=*** host:23 =*** Tab =*** Enter =***"
        );
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
