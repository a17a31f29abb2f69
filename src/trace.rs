//! A reader for x3270 trace files (`.trc`), the conformance corpus of the replay tests.
//!
//! This module owns the text format only; it knows nothing of telnet or the 3270 data stream.
//! The core is [`Trace::parse`], which works on a `&str` and never panics;
//! [`Trace::from_path`] is a convenience that reads a file first. The reader is lenient (any
//! text parses), so a program about to replay calls [`Trace::require_host_data`], which
//! refuses a file that is no trace. The [`writer`] submodule
//! writes the same format for live sessions (`r3270 screen --trace`).
//!
//! # The format
//!
//! An x3270 trace is line oriented:
//!
//! - `< 0xOFF   HEX` carries bytes from the host and `> 0xOFF   HEX` bytes from the client, at
//!   offset `OFF` (hexadecimal) within the current burst. Offset 0 starts a new burst; any
//!   other offset must equal the number of bytes the burst already holds, which is how a long
//!   read is split across lines. A burst is the bytes as they crossed the wire, telnet IAC
//!   sequences and `ff ef` record marks included.
//! - `<`/`>` lines whose text is not `0x...` (`< BIND PLU-name ...`, `> QueryReply(...)`,
//!   `<.. text` for NVT data) are x3270's decoding of the bytes and are skipped.
//! - Lines that start with a timestamp (`20231013.230905.610 ...`) are the emulator's notes.
//!   Since x3270 4.6 a category column (`infra  `, `telnet `, ...) of seven characters follows
//!   the timestamp. Most notes are skipped; the ones a replay needs become events (see below).
//! - Lines that start with a space are the header that x3270 writes when tracing starts
//!   (` Model 3279-4-E, 43 rows x 80 cols, ...`, ` Host codepage: 37`, ` Command: ...`,
//!   ` Settings: k=v ...` continued on lines indented by two spaces) or the tail of a decoded
//!   note (` [invalid SBA address; write aborted]`).
//! - Lines that start with `//` are the symbolic source of generated traces;
//!   `// rows N` and `// columns N` give the screen size the client must have.
//! - Everything else (`... ` continuations, `#` comments of hand-edited traces, blank lines) is
//!   a note and is skipped.
//!
//! # Operator actions
//!
//! x3270 traces every action it runs as `SOURCE -> Name("arg", ...)`, where `SOURCE` says who
//! asked (`ui`, `script`, `command`, `keymap`, `default`, `typeahead`, ...). Such lines become
//! [`TraceEvent::Action`] with [`ActionOrigin::Run`]. Indented lines of the same shape are the
//! inner steps of an action already recorded (a keymap lookup, the `Key()` calls of a
//! `String()`) and are skipped, with one exception: the X11 front end (x3270) records a typed
//! character only as `Event '...' -> Default()` followed by an indented `default -> Key(U+0066)`,
//! so that inner line is kept with [`ActionOrigin::KeyEvent`]. An action that x3270 could not run
//! because the keyboard was locked is followed by `action queued`; it is marked
//! [`ActionOrigin::Queued`] and appears again, as run, with source `typeahead` once the
//! keyboard unlocks. b3270 front-end requests (`ui< <run actions="...">`) become
//! [`ActionOrigin::Requested`]; in b3270's own traces they are followed by the `ui -> ...` lines
//! of the actions actually run, but hand-edited traces may hold only the request.
//! [`Trace::replay_actions`] applies these rules.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod writer;

/// A parsed trace: what the header says about the client, and the events in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// What the header (and, in generated traces, the `// rows`/`// columns` lines) says.
    pub header: TraceHeader,
    /// Bursts, operator actions and kept notes, in the order they appear in the file.
    pub events: Vec<TraceEvent>,
    /// The first line that is none of the trace's kinds of line (x3270's own traces hold a
    /// few; a file that is no trace at all starts with one), as (line number, its start).
    pub first_foreign_line: Option<(usize, String)>,
}

/// The facts of the trace header. Every field is optional because some traces have no header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceHeader {
    /// The model from the ` Model ` line, e.g. `3279-4-E`.
    pub model: Option<String>,
    /// `(rows, columns)` from the ` Model ` line, or from `// rows` and `// columns`.
    pub rows_cols: Option<(u16, u16)>,
    /// The code page named at the end of the ` Model ` line, e.g. `bracket`.
    pub code_page: Option<String>,
    /// The ` Host codepage: ` value, e.g. `37`.
    pub host_code_page: Option<String>,
    /// The ` Command: ` line: the program and its arguments as the user started it.
    pub command: Option<String>,
    /// The ` Settings: ` pairs, with their continuation lines; an empty value stays empty.
    pub settings: BTreeMap<String, String>,
}

/// One thing that happened, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceEvent {
    /// One burst of bytes from the host.
    Host(Vec<u8>),
    /// One burst of bytes from the client.
    Client(Vec<u8>),
    /// An operator (or script) action, placed between the bursts where it happened.
    Action {
        /// The 1-based line number of the note.
        line: usize,
        /// Who asked for it, as x3270 names it: `ui`, `script`, `keymap`, `typeahead`, ...
        source: String,
        /// The action name, e.g. `Enter`, `String`, `PF`, `Connect`.
        name: String,
        /// The arguments with quotes and escapes removed.
        args: Vec<String>,
        /// How the trace recorded it; see [`ActionOrigin`].
        origin: ActionOrigin,
    },
    /// A note kept because a replay needs it: the `SENT ...` and `RCVD ...` telnet decodings.
    Note {
        /// The 1-based line number of the note.
        line: usize,
        /// The note without its timestamp and category, e.g. `SENT WILL TN3270E`.
        text: String,
    },
}

/// How an [`TraceEvent::Action`] was recorded, which decides whether a replay should run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionOrigin {
    /// `SOURCE -> Name(...)`: x3270 ran the action at this point.
    Run,
    /// Run, but the keyboard was locked, so the action waited and is recorded again with
    /// source `typeahead` when it really took effect.
    Queued,
    /// The indented `default -> Key(...)` expansion of an X11 key event (x3270 traces).
    KeyEvent,
    /// A b3270 front-end request `ui< <run actions="...">`.
    Requested,
}

/// Why a trace could not be read. Every variant that comes from the text names its line.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// A `<`/`>` data line whose offset or hex digits do not parse.
    #[error("line {line}: malformed data line: {reason}")]
    BadDataLine {
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A data line whose offset is neither 0 nor the length of the burst it continues.
    #[error(
        "line {line}: offset {found:#x} does not continue the burst, which holds {expected:#x} bytes"
    )]
    OffsetMismatch {
        /// The 1-based line number.
        line: usize,
        /// The number of bytes the current burst of that direction holds.
        expected: usize,
        /// The offset written on the line.
        found: usize,
    },
    /// A `// rows` or `// columns` line without a usable number.
    #[error("line {line}: bad screen size line")]
    BadScreenSize {
        /// The 1-based line number.
        line: usize,
    },
    /// The text holds no host data (no `< 0x...` line), so there is nothing to replay: most
    /// likely not a trace at all. The first foreign line, if any, is named as a hint.
    #[error("not an x3270 trace: no line holds host data (`< 0x0   ...`){}", first_foreign_hint(.first_foreign_line.as_ref()))]
    NoHostData {
        /// [`Trace::first_foreign_line`].
        first_foreign_line: Option<(usize, String)>,
    },
    /// [`Trace::from_path`] could not read the file.
    #[error("cannot read trace {path}: {source}")]
    Io {
        /// The file that was asked for.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn first_foreign_hint(line: Option<&(usize, String)>) -> String {
    line.map_or_else(String::new, |(n, text)| {
        format!("; line {n} is not trace text: `{text}`")
    })
}

/// Which way a burst went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Host,
    Client,
}

/// The burst being assembled: its direction and its index in `Trace::events`.
#[derive(Debug, Clone, Copy)]
struct OpenBurst {
    direction: Direction,
    index: usize,
}

/// Parser state that spans lines.
#[derive(Debug, Default)]
struct Parser {
    trace: Trace,
    burst: Option<OpenBurst>,
    /// True while the lines after ` Settings:` are its continuation.
    in_settings: bool,
    /// The last settings key, so that a value split by a space can be rejoined.
    last_setting: Option<String>,
    /// Set after an X11 `Event ... -> Default()` line: its indented expansion is the key.
    expect_default_expansion: bool,
    /// The index of the action on the previous note, which an `action queued` note amends.
    last_run_action: Option<usize>,
    rows: Option<u16>,
    columns: Option<u16>,
}

impl Trace {
    /// Reads a trace from text. Never panics; see the module documentation for the format.
    pub fn parse(text: &str) -> Result<Trace, TraceError> {
        let mut parser = Parser::default();
        for (index, raw) in text.lines().enumerate() {
            parser.line(index + 1, raw.trim_end_matches('\r'))?;
        }
        if parser.trace.header.rows_cols.is_none() {
            if let (Some(rows), Some(columns)) = (parser.rows, parser.columns) {
                parser.trace.header.rows_cols = Some((rows, columns));
            }
        }
        Ok(parser.trace)
    }

    /// Reads and parses a trace file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Trace, TraceError> {
        let path = path.as_ref();
        // Traces written on Windows may hold bytes that are not UTF-8 in their notes; the
        // data lines are ASCII, so a lossy conversion loses nothing a replay needs.
        let bytes = std::fs::read(path).map_err(|source| TraceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Trace::parse(&String::from_utf8_lossy(&bytes))
    }

    /// [`TraceError::NoHostData`] unless the trace holds host data to replay: a lenient
    /// reader takes any text, so a program that replays checks this first.
    pub fn require_host_data(&self) -> Result<(), TraceError> {
        if self.host_bytes().next().is_some() {
            Ok(())
        } else {
            Err(TraceError::NoHostData {
                first_foreign_line: self.first_foreign_line.clone(),
            })
        }
    }

    /// The host bursts in order.
    pub fn host_bytes(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.events.iter().filter_map(|event| match event {
            TraceEvent::Host(bytes) => Some(bytes.as_slice()),
            _ => None,
        })
    }

    /// The client bursts in order.
    pub fn client_bytes(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.events.iter().filter_map(|event| match event {
            TraceEvent::Client(bytes) => Some(bytes.as_slice()),
            _ => None,
        })
    }

    /// The kept notes (`SENT ...`, `RCVD ...`) as `(line, text)`.
    pub fn notes(&self) -> impl Iterator<Item = (usize, &str)> + '_ {
        self.events.iter().filter_map(|event| match event {
            TraceEvent::Note { line, text } => Some((*line, text.as_str())),
            _ => None,
        })
    }

    /// Every action event, whatever its origin, as `(source, name, args, origin)`.
    pub fn actions(&self) -> impl Iterator<Item = (&str, &str, &[String], ActionOrigin)> + '_ {
        self.events.iter().filter_map(|event| match event {
            TraceEvent::Action {
                source,
                name,
                args,
                origin,
                ..
            } => Some((source.as_str(), name.as_str(), args.as_slice(), *origin)),
            _ => None,
        })
    }

    /// The events a replay should act on, in order: every burst, and each action once.
    ///
    /// Queued actions are dropped because their `typeahead` run follows. Requests are dropped
    /// when the trace also records actions run for `ui`, since those are the same actions;
    /// a hand-edited trace that holds only requests keeps them.
    pub fn replay_actions(&self) -> Vec<&TraceEvent> {
        let ui_runs = self.events.iter().any(|event| {
            matches!(event, TraceEvent::Action { source, origin: ActionOrigin::Run, .. } if source == "ui")
        });
        self.events
            .iter()
            .filter(|event| match event {
                TraceEvent::Action { origin, .. } => match origin {
                    ActionOrigin::Run | ActionOrigin::KeyEvent => true,
                    ActionOrigin::Queued => false,
                    ActionOrigin::Requested => !ui_runs,
                },
                TraceEvent::Note { .. } => false,
                TraceEvent::Host(_) | TraceEvent::Client(_) => true,
            })
            .collect()
    }

    /// The screen size the client must have.
    pub fn rows_cols(&self) -> Option<(u16, u16)> {
        self.header.rows_cols
    }

    /// The model the client emulated, e.g. `3279-4-E`.
    pub fn model(&self) -> Option<&str> {
        self.header.model.as_deref()
    }

    /// The argument of the first `Connect()` (or `Open()`) action, e.g. `l:y:204.146.168.209`.
    ///
    /// Traces of an emulator started with the host on its command line hold no such action;
    /// the command line is in [`TraceHeader::command`].
    pub fn connect_target(&self) -> Option<String> {
        self.actions()
            .find(|(_, name, args, _)| {
                (name.eq_ignore_ascii_case("Connect") || name.eq_ignore_ascii_case("Open"))
                    && !args.is_empty()
            })
            .and_then(|(_, _, args, _)| args.first().cloned())
    }

    /// The terminal type the client sent, from `SENT SB TERMINAL TYPE IS X SE` or
    /// `SENT SB TN3270E DEVICE-TYPE REQUEST X ... SE`, whichever comes first.
    pub fn sent_terminal_type(&self) -> Option<String> {
        self.notes().find_map(|(_, text)| {
            let rest = text
                .strip_prefix("SENT SB TERMINAL TYPE IS ")
                .or_else(|| text.strip_prefix("SENT SB TN3270E DEVICE-TYPE REQUEST "))?;
            rest.split_whitespace()
                .next()
                .filter(|word| *word != "SE")
                .map(str::to_owned)
        })
    }
}

impl Parser {
    fn line(&mut self, number: usize, line: &str) -> Result<(), TraceError> {
        if let Some(rest) = line.strip_prefix('<') {
            self.settings_end();
            return self.data_line(number, Direction::Host, rest);
        }
        if let Some(rest) = line.strip_prefix('>') {
            self.settings_end();
            return self.data_line(number, Direction::Client, rest);
        }
        if let Some(rest) = line.strip_prefix("//") {
            self.settings_end();
            return self.source_line(number, rest);
        }
        if let Some(message) = timestamped(line) {
            self.settings_end();
            self.note(number, message);
            return Ok(());
        }
        if line.starts_with(' ') {
            self.header_line(line);
            return Ok(());
        }
        // `... ` continuations, `#` comments and blank lines carry nothing a replay needs.
        self.settings_end();
        let known = line.trim().is_empty() || line.starts_with('#') || line.starts_with("...");
        if !known && self.trace.first_foreign_line.is_none() {
            // Quoted in a message: control characters (a binary file) would upset a terminal.
            let start: String = line
                .chars()
                .take(40)
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            self.trace.first_foreign_line = Some((number, start));
        }
        Ok(())
    }

    fn settings_end(&mut self) {
        self.in_settings = false;
        self.last_setting = None;
    }

    /// A `<` or `>` line, without its direction character.
    fn data_line(
        &mut self,
        number: usize,
        direction: Direction,
        rest: &str,
    ) -> Result<(), TraceError> {
        // Only `< 0x...` is data; every other text after the direction is a decoding.
        let Some(rest) = rest.strip_prefix(" 0x") else {
            return Ok(());
        };
        let bad = |reason| TraceError::BadDataLine {
            line: number,
            reason,
        };
        let mut parts = rest.split_whitespace();
        let offset_text = parts.next().ok_or_else(|| bad("no offset"))?;
        let offset =
            usize::from_str_radix(offset_text, 16).map_err(|_| bad("offset is not hexadecimal"))?;
        let hex = parts
            .next()
            .ok_or_else(|| bad("no data after the offset"))?;
        if parts.next().is_some() {
            return Err(bad("more than one field after the offset"));
        }
        let bytes =
            decode_hex(hex).ok_or_else(|| bad("data is not an even number of hex digits"))?;

        let continues = self
            .burst
            .filter(|burst| burst.direction == direction)
            .and_then(|burst| match self.trace.events.get_mut(burst.index) {
                Some(TraceEvent::Host(held) | TraceEvent::Client(held)) => Some(held),
                _ => None,
            });
        match continues {
            Some(held) if offset == held.len() && offset != 0 => {
                held.extend_from_slice(&bytes);
            }
            _ if offset == 0 => {
                let index = self.trace.events.len();
                self.trace.events.push(match direction {
                    Direction::Host => TraceEvent::Host(bytes),
                    Direction::Client => TraceEvent::Client(bytes),
                });
                self.burst = Some(OpenBurst { direction, index });
            }
            held => {
                return Err(TraceError::OffsetMismatch {
                    line: number,
                    expected: held.map_or(0, |held| held.len()),
                    found: offset,
                });
            }
        }
        Ok(())
    }

    /// A `//` line of a generated trace, without the slashes.
    fn source_line(&mut self, number: usize, rest: &str) -> Result<(), TraceError> {
        let mut words = rest.split_whitespace();
        let slot = match words.next() {
            Some("rows") => &mut self.rows,
            Some("columns") => &mut self.columns,
            _ => return Ok(()),
        };
        let value = words
            .next()
            .and_then(|word| word.parse::<u16>().ok())
            .filter(|value| *value > 0)
            .ok_or(TraceError::BadScreenSize { line: number })?;
        *slot = Some(value);
        Ok(())
    }

    /// A line indented by a space: the header, or the tail of a decoded note.
    fn header_line(&mut self, line: &str) {
        // Settings continue on lines indented by two spaces; a line indented by one space is
        // the next header item.
        if self.in_settings && line.starts_with("  ") && line.contains('=') {
            self.settings(line);
            return;
        }
        self.settings_end();
        let header = &mut self.trace.header;
        let text = line.trim_start();
        if let Some(rest) = text.strip_prefix("Model ") {
            if header.model.is_none() {
                parse_model_line(header, rest);
            }
        } else if let Some(rest) = text.strip_prefix("Host codepage:") {
            header
                .host_code_page
                .get_or_insert_with(|| rest.trim().to_owned());
        } else if let Some(rest) = text.strip_prefix("Command:") {
            header.command.get_or_insert_with(|| rest.trim().to_owned());
        } else if let Some(rest) = text.strip_prefix("Settings:") {
            // A second header (tracing restarted) repeats the settings; the first one wins,
            // like the other header fields.
            if header.settings.is_empty() {
                self.in_settings = true;
                self.settings(rest);
            }
        }
    }

    /// Adds the `k=v` words of a settings line.
    fn settings(&mut self, text: &str) {
        for word in text.split_whitespace() {
            if let Some((key, value)) = word.split_once('=') {
                self.trace
                    .header
                    .settings
                    .insert(key.to_owned(), value.to_owned());
                self.last_setting = Some(key.to_owned());
            } else if let Some(value) = self
                .last_setting
                .as_ref()
                .and_then(|key| self.trace.header.settings.get_mut(key))
            {
                // A word without `=` is the rest of a value that held a space.
                value.push(' ');
                value.push_str(word);
            }
        }
    }

    /// A timestamped note, without its timestamp.
    fn note(&mut self, number: usize, message: &str) {
        let expect_default = std::mem::take(&mut self.expect_default_expansion);
        let last_run = self.last_run_action.take();
        let message = without_category(message);

        if message.trim_start().starts_with("action queued") {
            if let Some(TraceEvent::Action { origin, .. }) =
                last_run.and_then(|index| self.trace.events.get_mut(index))
            {
                *origin = ActionOrigin::Queued;
            }
            return;
        }
        if let Some(rest) = message.strip_prefix("ui< <run ") {
            self.requested(number, rest);
            return;
        }
        if message.starts_with("SENT ") || message.starts_with("RCVD ") {
            self.trace.events.push(TraceEvent::Note {
                line: number,
                text: message.to_owned(),
            });
            return;
        }
        if message.starts_with(' ') {
            // An inner step of an action already recorded, except for the key that an X11
            // `Default()` expands to, which is recorded nowhere else.
            if expect_default {
                if let Some((source, name, args)) = action_line(message.trim_start()) {
                    self.push_action(number, source, name, args, ActionOrigin::KeyEvent);
                }
            }
            return;
        }
        if let Some((source, name, args)) = action_line(message) {
            // `PA-` actions are X11 window-system plumbing (focus, keymap notify), not input.
            if !name.starts_with("PA-") {
                self.last_run_action = Some(self.trace.events.len());
                self.push_action(number, source, name, args, ActionOrigin::Run);
            }
            return;
        }
        if message.starts_with("Event ") && message.ends_with(" -> Default()") {
            self.expect_default_expansion = true;
        }
    }

    /// A b3270 `ui< <run actions="..." .../>` request, from after `<run `.
    fn requested(&mut self, number: usize, rest: &str) {
        let Some(start) = rest.find("actions=\"") else {
            return;
        };
        let value = &rest[start + "actions=\"".len()..];
        let Some(end) = value.find('"') else {
            return;
        };
        let actions = unescape_xml(&value[..end]);
        for (name, args) in parse_action_list(&actions) {
            self.push_action(number, "ui", &name, args, ActionOrigin::Requested);
        }
    }

    fn push_action(
        &mut self,
        line: usize,
        source: &str,
        name: &str,
        args: Vec<String>,
        origin: ActionOrigin,
    ) {
        self.trace.events.push(TraceEvent::Action {
            line,
            source: source.to_owned(),
            name: name.to_owned(),
            args,
            origin,
        });
    }
}

/// The text after the timestamp of a note line, or `None` if the line has no timestamp.
fn timestamped(line: &str) -> Option<&str> {
    // `YYYYMMDD.HHMMSS.mmm` followed by a space.
    let stamp = line.get(..19)?;
    let shaped = stamp.bytes().enumerate().all(|(index, byte)| match index {
        8 | 15 => byte == b'.',
        _ => byte.is_ascii_digit(),
    });
    if !shaped {
        return None;
    }
    let rest = line.get(19..)?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

/// Strips the seven-character category column (`infra  `, `tn3270 `) of x3270 4.6 notes.
fn without_category(message: &str) -> &str {
    // Older notes have no such column; they never start with a lowercase word padded by
    // spaces to exactly seven characters and followed by more text, except action lines like
    // `script -> Wait(...)`, which are tried as they are first.
    if action_line(message).is_some() {
        return message;
    }
    match (message.get(..7), message.get(7..)) {
        (Some(column), Some(rest)) if !rest.is_empty() => {
            let word = column.trim_end();
            let is_category = !word.is_empty()
                && word
                    .bytes()
                    .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit())
                && column.ends_with(' ');
            if is_category { rest } else { message }
        }
        _ => message,
    }
}

/// Splits `SOURCE -> Name(args)` when `SOURCE` is one word and the action is well formed.
fn action_line(message: &str) -> Option<(&str, &str, Vec<String>)> {
    let (source, call) = message.split_once(" -> ")?;
    let simple_source = !source.is_empty()
        && source
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"_.:".contains(&byte));
    if !simple_source {
        return None;
    }
    let (name, inside) = call.split_once('(')?;
    let inside = inside.strip_suffix(')')?;
    if !is_action_name(name) {
        return None;
    }
    Some((source, name, parse_args(inside)))
}

fn is_action_name(name: &str) -> bool {
    name.bytes()
        .next()
        .is_some_and(|byte| byte.is_ascii_alphabetic())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
}

/// Splits an argument list like `"a", "b"` or `U+006c` or `3,"x,y"`.
///
/// Quoted arguments lose their quotes; inside them `\"` is a quote and `\\` a backslash, and
/// any other backslash is kept, because Windows paths are traced unescaped.
fn parse_args(inside: &str) -> Vec<String> {
    let mut args = Vec::new();
    if inside.trim().is_empty() {
        return args;
    }
    let mut chars = inside.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut arg = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next_if(|next| *next == '"' || *next == '\\') {
                        Some(escaped) => arg.push(escaped),
                        None => arg.push('\\'),
                    },
                    _ => arg.push(c),
                }
            }
            // Anything between the closing quote and the comma is not part of the value.
            while chars.next_if(|c| *c != ',').is_some() {}
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',') {
                arg.push(c);
            }
            arg.truncate(arg.trim_end().len());
        }
        args.push(arg);
        if chars.next().is_none() {
            return args;
        }
    }
}

/// Splits an x3270 action list like `Set(a,"") Connect(host)` into names and arguments.
fn parse_action_list(text: &str) -> Vec<(String, Vec<String>)> {
    let mut actions = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let name_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        if !is_action_name(name) {
            // Not an action list this reader understands; keep what was read so far.
            break;
        }
        rest = &rest[name_end..];
        let mut args = Vec::new();
        if let Some(after) = rest.strip_prefix('(') {
            let close = closing_paren(after).unwrap_or(after.len());
            args = parse_args(&after[..close]);
            rest = after.get(close + 1..).unwrap_or("");
        }
        actions.push((name.to_owned(), args));
        rest = rest.trim_start();
    }
    actions
}

/// The byte index of the `)` that closes an argument list, skipping quoted text.
fn closing_paren(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ')' if !quoted => return Some(index),
            _ => {}
        }
    }
    None
}

fn unescape_xml(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() % 2 != 0 {
        return None;
    }
    hex.as_bytes()
        .chunks(2)
        .map(|pair| {
            let digit = |byte: u8| char::from(byte).to_digit(16);
            let high = digit(*pair.first()?)?;
            let low = digit(*pair.get(1)?)?;
            u8::try_from(high * 16 + low).ok()
        })
        .collect()
}

/// Reads `3279-4-E, 43 rows x 80 cols, ..., code page bracket` (the text after `Model `).
fn parse_model_line(header: &mut TraceHeader, rest: &str) {
    let mut items = rest.split(',').map(str::trim);
    header.model = items
        .next()
        .filter(|model| !model.is_empty())
        .map(str::to_owned);
    for item in items {
        let words: Vec<&str> = item.split_whitespace().collect();
        match words.as_slice() {
            [rows, "rows", "x", cols, "cols"] => {
                if let (Ok(rows), Ok(cols)) = (rows.parse(), cols.parse()) {
                    header.rows_cols = Some((rows, cols));
                }
            }
            ["code", "page", name] | [name, "charset"] => {
                header.code_page = Some((*name).to_owned());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
