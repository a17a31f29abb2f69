//! Keyboard macros: the macro language, and its playback on the script runner.
//!
//! A [`Macro`] is a list of [`MacroStep`]s written one a line in TOML strings (the config's
//! `[macros]`, or one file a macro under the data directory's `macros/`): actions by their
//! keymap names (`type TEXT`, `send-aid pf3`, `tab`, `erase-eof`), `cursor ROW COL`, waits
//! (`wait unlock`, `wait text "X" [at ROW COL]`, `wait cursor ROW COL`, `wait input-field`,
//! `wait change`, `pause SECS`, each with an optional `timeout SECS`), values typed at the
//! cursor (`prompt NAME [secret]`, `env NAME`) and `play-macro NAME`. Rows and columns are
//! 1-based, as the OIA shows the cursor. [`parse_step`] reads one line; [`plan`] expands a
//! macro (and those it plays, [`MAX_DEPTH`] deep) into [`crate::script::Step`]s with the
//! values filled in; [`Playback`] carries a plan out, one step at a time, on the one script
//! runner ([`crate::script::Runner`]): every AID waits for the unlock by itself, a wait that
//! does not hold in time stops the macro with a [`Stopped`] that names the step, and a key
//! refused under field rules (typing into a protected field) stops it too.
//!
//! What it must not do: I/O, read the clock, or keep a value anywhere it could be written.
//! A value's text lives only in [`Values`] (its `Debug` prints names, never text) and in the
//! `script::Step::Text` handed to the runner; a step's label ([`Planned::label`]) says
//! `prompt password (secret)`, never what was typed.

pub mod record;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::action::Action;
use crate::driver::Driver;
use crate::proto::{Key, LockReason};
use crate::script::{self, Failure, Options, Progress, Runner, Until, Wait};

/// How deep macros may play macros (cycles are refused when the config is checked; this
/// bounds a cycle that slipped through, such as a hand-built config).
pub const MAX_DEPTH: usize = 8;

/// A wait's timeout when neither the step nor the macro sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A named macro.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Macro {
    pub name: String,
    pub steps: Vec<MacroStep>,
    /// The macro-wide timeout of its waits and of its AIDs' unlock waits.
    pub timeout: Option<Duration>,
    /// The file it came from, when it has one of its own (`DATA/macros/NAME.toml`).
    pub file: Option<PathBuf>,
    /// Keep the prompts' answers for the tab's life (`remember-values`, on by default); off,
    /// they are forgotten when the playback ends and asked again next time.
    pub remember_values: bool,
    /// What the macro is for, in a line (`description`; listed by the REST API).
    pub description: Option<String>,
}

impl Macro {
    /// A macro of plain actions (today's `[macros]` lists).
    pub fn from_actions(name: &str, actions: impl IntoIterator<Item = Action>) -> Macro {
        Macro {
            name: name.to_owned(),
            steps: actions.into_iter().map(MacroStep::Action).collect(),
            timeout: None,
            file: None,
            remember_values: true,
            description: None,
        }
    }

    /// The macros this one plays, in order.
    pub fn calls(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().filter_map(|s| match s {
            MacroStep::Action(Action::PlayMacro(n)) => Some(n.as_str()),
            _ => None,
        })
    }
}

/// A value typed at the cursor at playback.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// Asked of the operator (masked when `secret`); kept in memory for the tab's life.
    Prompt { name: String, secret: bool },
    /// An environment variable of the r3270 process.
    Env(String),
}

/// One line of a macro.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MacroStep {
    /// A 3270 key, typed text or `play-macro NAME`.
    Action(Action),
    /// Wait for a condition (`timeout` of its own, else the macro's).
    Wait(Wait),
    /// Type a value.
    Value(Value),
}

/// Rows and columns in macro text are 1-based.
fn one_based(v: u16) -> u16 {
    v + 1
}

fn fmt_timeout(f: &mut fmt::Formatter<'_>, t: Option<Duration>) -> fmt::Result {
    match t {
        Some(t) => write!(f, " timeout {}", t.as_secs_f64()),
        None => Ok(()),
    }
}

/// `text` in double quotes with `"` and `\` escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl fmt::Display for MacroStep {
    /// The step as written in a macro; [`parse_step`] reads it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MacroStep::Action(Action::Key(Key::MoveCursor { row, col })) => {
                write!(f, "cursor {} {}", one_based(*row), one_based(*col))
            }
            MacroStep::Action(Action::Type(t)) => write!(f, "type {}", quote(t)),
            MacroStep::Action(a) => write!(f, "{a}"),
            MacroStep::Value(Value::Prompt { name, secret }) => {
                write!(f, "prompt {name}{}", if *secret { " secret" } else { "" })
            }
            MacroStep::Value(Value::Env(name)) => write!(f, "env {name}"),
            MacroStep::Wait(w) => {
                match &w.until {
                    Until::Seconds(d) => return write!(f, "pause {}", d.as_secs_f64()),
                    Until::Unlock => f.write_str("wait unlock")?,
                    Until::InputField => f.write_str("wait input-field")?,
                    Until::InputFieldAt { row, col } => write!(
                        f,
                        "wait input-field at {} {}",
                        one_based(*row),
                        one_based(*col)
                    )?,
                    Until::Output { .. } => f.write_str("wait change")?,
                    Until::Text { text, at } => {
                        write!(f, "wait text {}", quote(text))?;
                        if let Some((r, c)) = at {
                            write!(f, " at {} {}", one_based(*r), one_based(*c))?;
                        }
                    }
                    Until::CursorAt { row, col } => {
                        write!(f, "wait cursor {} {}", one_based(*row), one_based(*col))?;
                    }
                    Until::Disconnect => f.write_str("wait disconnect")?,
                    Until::Connected | Until::Ready => f.write_str("wait ready")?,
                    Until::NvtMode => f.write_str("wait nvt-mode")?,
                    Until::Mode3270 => f.write_str("wait 3270-mode")?,
                }
                fmt_timeout(f, w.timeout)
            }
        }
    }
}

/// The words of a step line: bare words and double-quoted strings (`\"`, `\\` escapes).
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        if c == '"' {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some(e @ ('"' | '\\')) => word.push(e),
                        Some(e) => {
                            return Err(format!("unknown escape `\\{e}` (use \\\" or \\\\)"));
                        }
                        None => break,
                    },
                    c => word.push(c),
                }
            }
            if !closed {
                return Err("a quoted string is not closed".to_owned());
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
        }
        out.push(word);
    }
    Ok(out)
}

/// A 1-based row or column as the 0-based value.
fn position(word: Option<&String>, what: &str) -> Result<u16, String> {
    word.and_then(|w| w.parse::<u16>().ok())
        .filter(|v| *v >= 1)
        .map(|v| v - 1)
        .ok_or_else(|| format!("expected {what} (a number from 1)"))
}

fn seconds(word: Option<&String>) -> Result<Duration, String> {
    word.and_then(|w| w.parse::<f64>().ok())
        .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| "expected a number of seconds (0-86400)".to_owned())
}

/// A name for a value: letters, digits, `-` and `_`.
fn value_name(word: Option<&String>) -> Result<String, String> {
    let name = word.ok_or("expected a name")?;
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(name.clone())
    } else {
        Err(format!(
            "`{name}` is not a name: use letters, digits, - and _"
        ))
    }
}

/// The wait words after `wait`: the condition, then an optional `timeout SECS`.
fn parse_wait(w: &[String]) -> Result<Wait, String> {
    let (body, timeout) = match w.iter().position(|x| x == "timeout") {
        Some(i) => {
            if i + 2 != w.len() {
                return Err("`timeout SECS` comes last".to_owned());
            }
            (&w[..i], Some(seconds(w.get(i + 1))?))
        }
        None => (w, None),
    };
    let at = |rest: &[String]| -> Result<Option<(u16, u16)>, String> {
        match rest {
            [] => Ok(None),
            [a, ..] if a == "at" && rest.len() == 3 => Ok(Some((
                position(rest.get(1), "ROW")?,
                position(rest.get(2), "COL")?,
            ))),
            _ => Err(format!(
                "unexpected `{}` (expected `at ROW COL`)",
                rest.join(" ")
            )),
        }
    };
    let what = body.first().map_or("", String::as_str);
    let rest = body.get(1..).unwrap_or_default();
    let until = match what {
        "unlock" | "change" | "ready" | "disconnect" | "nvt-mode" | "3270-mode"
            if !rest.is_empty() =>
        {
            return Err(format!("`wait {what}` takes no argument"));
        }
        "unlock" => Until::Unlock,
        "change" => Until::Output { after: None },
        "ready" => Until::Ready,
        "disconnect" => Until::Disconnect,
        "nvt-mode" => Until::NvtMode,
        "3270-mode" => Until::Mode3270,
        "input-field" => match at(rest)? {
            Some((row, col)) => Until::InputFieldAt { row, col },
            None => Until::InputField,
        },
        "text" => {
            let text = rest
                .first()
                .ok_or("expected the text: wait text \"TEXT\"")?;
            if text.is_empty() {
                return Err("the text to wait for is empty".to_owned());
            }
            Until::Text {
                text: text.clone(),
                at: at(&rest[1..])?,
            }
        }
        "cursor" => {
            if rest.len() != 2 {
                return Err("expected `wait cursor ROW COL`".to_owned());
            }
            Until::CursorAt {
                row: position(rest.first(), "ROW")?,
                col: position(rest.get(1), "COL")?,
            }
        }
        other => {
            const KINDS: &[&str] = &[
                "unlock",
                "text",
                "cursor",
                "input-field",
                "change",
                "ready",
                "disconnect",
            ];
            let hint = crate::suggest::nearest(other, KINDS.iter().copied())
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "unknown wait `{other}`{hint}: use wait {}",
                KINDS.join(", wait ")
            ));
        }
    };
    Ok(Wait { until, timeout })
}

/// The macro words that are not action names, for "did you mean".
const MACRO_WORDS: &[&str] = &["wait", "pause", "cursor", "prompt", "env"];

/// One macro line.
///
/// # Errors
/// What is wrong with the line, in words (with the nearest name for a misspelt one).
pub fn parse_step(line: &str) -> Result<MacroStep, String> {
    let Some(first) = line.split_whitespace().next() else {
        return Err("an empty step".to_owned());
    };
    // Action lines keep the action's own syntax (`type a "b` types the rest of the line).
    let quoted_type = first == "type" && line.trim_start()[4..].trim_start().starts_with('"');
    if !MACRO_WORDS.contains(&first) && !quoted_type {
        return parse_action(line);
    }
    let w = words(line)?;
    let head = first;
    let args = &w[1..];
    match head {
        "wait" => parse_wait(args).map(MacroStep::Wait),
        "pause" => {
            if args.len() != 1 {
                return Err("expected `pause SECS`".to_owned());
            }
            Ok(MacroStep::Wait(Wait::new(Until::Seconds(seconds(
                args.first(),
            )?))))
        }
        "cursor" => {
            if args.len() != 2 {
                return Err("expected `cursor ROW COL` (1-based)".to_owned());
            }
            Ok(MacroStep::Action(Action::Key(Key::MoveCursor {
                row: position(args.first(), "ROW")?,
                col: position(args.get(1), "COL")?,
            })))
        }
        "prompt" => {
            let secret = match args.get(1).map(String::as_str) {
                None => false,
                Some("secret") if args.len() == 2 => true,
                Some(_) => return Err("expected `prompt NAME` or `prompt NAME secret`".into()),
            };
            Ok(MacroStep::Value(Value::Prompt {
                name: value_name(args.first())?,
                secret,
            }))
        }
        "env" => {
            if args.len() != 1 {
                return Err("expected `env NAME`".to_owned());
            }
            Ok(MacroStep::Value(Value::Env(value_name(args.first())?)))
        }
        // `type "  padded  "` keeps its spaces (`type a b` went to parse_action above).
        "type" => match args {
            [text] => Ok(MacroStep::Action(Action::Type(text.clone()))),
            _ => Err("expected `type \"TEXT\"` (one quoted string)".to_owned()),
        },
        _ => parse_action(line),
    }
}

/// A line that names an action: only what a macro can play into one session.
fn parse_action(line: &str) -> Result<MacroStep, String> {
    let action = line.parse::<Action>().map_err(|e| {
        let name = line.split_whitespace().next().unwrap_or_default();
        match (
            &e,
            crate::suggest::nearest(name, MACRO_WORDS.iter().copied()),
        ) {
            (crate::action::ActionError::Unknown { .. }, Some(s)) => {
                format!("unknown step `{name}` (did you mean `{s}`?)")
            }
            _ => e.to_string(),
        }
    })?;
    match action {
        Action::Key(_) | Action::Type(_) | Action::PlayMacro(_) | Action::None => {
            Ok(MacroStep::Action(action))
        }
        other => Err(format!(
            "`{other}` cannot be a macro step: a macro plays keys, text, waits and values \
             into its session (and `play-macro NAME`)"
        )),
    }
}

/// A value's text on its way from a prompt to [`Values`]: its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Whether `name` can name a macro (and its file): letters, digits, `-`, `_` and `.`,
/// not starting with `.`.
pub fn valid_macro_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Values for one playback: prompt answers and environment variables, by name. Its `Debug`
/// shows names only.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Values {
    prompts: HashMap<String, String>,
    env: HashMap<String, String>,
}

impl fmt::Debug for Values {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&String> = self.prompts.keys().chain(self.env.keys()).collect();
        names.sort();
        write!(f, "Values({names:?})")
    }
}

impl Values {
    pub fn set_prompt(&mut self, name: &str, text: String) {
        self.prompts.insert(name.to_owned(), text);
    }

    pub fn set_env(&mut self, name: &str, text: String) {
        self.env.insert(name.to_owned(), text);
    }

    pub fn has(&self, v: &Value) -> bool {
        self.get(v).is_some()
    }

    fn get(&self, v: &Value) -> Option<&str> {
        match v {
            Value::Prompt { name, .. } => self.prompts.get(name),
            Value::Env(name) => self.env.get(name),
        }
        .map(String::as_str)
    }

    /// Forget these values (a macro with `remember-values = false`, once played).
    pub fn forget(&mut self, values: &[Value]) {
        for v in values {
            match v {
                Value::Prompt { name, .. } => self.prompts.remove(name),
                Value::Env(name) => self.env.remove(name),
            };
        }
    }
}

/// Every value macro `name` (and those it plays) types, in order of first use, each once.
pub fn values_needed(macros: &BTreeMap<String, Macro>, name: &str) -> Vec<Value> {
    fn walk(macros: &BTreeMap<String, Macro>, name: &str, depth: usize, out: &mut Vec<Value>) {
        let Some(m) = macros.get(name).filter(|_| depth <= MAX_DEPTH) else {
            return;
        };
        for s in &m.steps {
            match s {
                MacroStep::Value(v) if !out.contains(v) => out.push(v.clone()),
                MacroStep::Action(Action::PlayMacro(inner)) => walk(macros, inner, depth + 1, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(macros, name, 0, &mut out);
    out
}

/// One step of a plan: what the runner does, how the step is named, its timeout.
#[derive(Clone, PartialEq, Eq)]
pub struct Planned {
    pub step: script::Step,
    /// The step as written (a value's name, never its text).
    pub label: String,
    pub timeout: Duration,
}

impl fmt::Debug for Planned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Planned({:?}, {:?})", self.label, self.timeout)
    }
}

/// A macro expanded for playback.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub name: String,
    pub steps: Vec<Planned>,
}

/// Expands macro `name` (and those it plays) into runner steps with `values` filled in.
///
/// # Errors
/// An unknown macro (with the nearest name), nesting deeper than [`MAX_DEPTH`], or a value
/// that `values` does not hold (an unset environment variable, a prompt not answered).
pub fn plan(macros: &BTreeMap<String, Macro>, name: &str, values: &Values) -> Result<Plan, String> {
    let mut steps = Vec::new();
    expand(macros, name, values, 0, &mut steps)?;
    Ok(Plan {
        name: name.to_owned(),
        steps,
    })
}

fn expand(
    macros: &BTreeMap<String, Macro>,
    name: &str,
    values: &Values,
    depth: usize,
    out: &mut Vec<Planned>,
) -> Result<(), String> {
    let Some(m) = macros.get(name) else {
        let hint = crate::suggest::nearest(name, macros.keys().map(String::as_str))
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(format!("no macro named `{name}`{hint}"));
    };
    if depth > MAX_DEPTH {
        return Err(format!(
            "macro `{name}` not played: macros nest deeper than {MAX_DEPTH}"
        ));
    }
    let timeout = m.timeout.unwrap_or(DEFAULT_TIMEOUT);
    for s in &m.steps {
        let label = s.to_string();
        let step = match s {
            MacroStep::Action(Action::PlayMacro(inner)) => {
                expand(macros, inner, values, depth + 1, out)?;
                continue;
            }
            MacroStep::Action(Action::Key(k)) => script::Step::Key(*k),
            MacroStep::Action(Action::Type(t)) => script::Step::Text(t.clone()),
            MacroStep::Action(_) => continue,
            MacroStep::Wait(w) => {
                let own = w.timeout.unwrap_or(timeout);
                out.push(Planned {
                    step: script::Step::Wait(Wait {
                        until: w.until.clone(),
                        timeout: Some(own),
                    }),
                    label,
                    timeout: own,
                });
                continue;
            }
            MacroStep::Value(v) => match values.get(v) {
                Some(text) => script::Step::Text(text.to_owned()),
                None => {
                    return Err(match v {
                        Value::Env(n) => format!("the environment variable {n} is not set"),
                        Value::Prompt { name: n, .. } => format!("no value for prompt `{n}`"),
                    });
                }
            },
        };
        out.push(Planned {
            step,
            label,
            timeout,
        });
    }
    Ok(())
}

/// Why a playback stopped before its last step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// A wait did not hold in time, the connection ended, or there was none.
    Failed(Failure),
    /// A key was refused under field rules (typing into a protected field, say).
    Refused(String),
    /// The operator stopped it.
    Cancelled,
}

/// Where and why a playback stopped, with what the screen showed then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stopped {
    pub macro_name: String,
    /// 0-based index of the step.
    pub index: usize,
    pub total: usize,
    pub label: String,
    pub timeout: Duration,
    pub why: Why,
    /// The screen's non-blank rows (as `Session::text_rows` reads them: non-display fields
    /// are blank), at most [`SCREEN_ROWS`], and the cursor (1-based).
    pub screen: Vec<String>,
    pub cursor: (u16, u16),
}

/// How many non-blank rows a stop message quotes.
pub const SCREEN_ROWS: usize = 6;

impl Stopped {
    /// What stopped, in one line: the step, what it waited for.
    pub fn headline(&self) -> String {
        let at = format!(
            "macro `{}` stopped at step {}/{} `{}`",
            self.macro_name,
            self.index + 1,
            self.total,
            self.label
        );
        let secs = self.timeout.as_secs_f64();
        match &self.why {
            Why::Failed(Failure::TimedOut { implicit: true, .. }) => {
                format!("{at}: the host did not unlock the keyboard within {secs} s")
            }
            Why::Failed(Failure::TimedOut { .. }) => {
                format!("{at}: it did not hold within {secs} s")
            }
            Why::Failed(Failure::Ended { .. }) => format!("{at}: the connection ended"),
            Why::Failed(Failure::NotConnected { .. }) => format!("{at}: not connected"),
            Why::Refused(lock) => format!("{at}: the key was refused ({lock})"),
            Why::Cancelled => format!("{at}: stopped by the operator"),
        }
    }

    /// The headline, then what the screen showed.
    pub fn lines(&self) -> Vec<String> {
        let mut out = vec![self.headline()];
        if matches!(self.why, Why::Cancelled) {
            return out;
        }
        out.push(format!(
            "the screen showed (cursor at {} {}):",
            self.cursor.0, self.cursor.1
        ));
        out.extend(self.screen.iter().map(|r| format!("  {r}")));
        out
    }
}

/// A macro being played: its plan, the step it is at and the runner carrying that step out.
#[derive(Clone, Debug)]
pub struct Playback {
    plan: Plan,
    index: usize,
    runner: Option<Runner>,
    started: bool,
}

/// What a playback is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Played {
    /// Waiting: poll again on any host event, or at this time.
    Pending(Option<Instant>),
    Done,
    Stopped(Box<Stopped>),
}

impl Playback {
    pub fn new(plan: Plan) -> Self {
        Playback {
            plan,
            index: 0,
            runner: None,
            started: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.plan.name
    }

    /// The step playing now, 1-based, and how many there are (`▶ logon 3/7`).
    pub fn progress(&self) -> (usize, usize) {
        (
            (self.index + 1).min(self.plan.steps.len()),
            self.plan.steps.len(),
        )
    }

    /// Runs steps until one must wait, the last is done, or one fails. One runner a step,
    /// so a refused key is seen before the next step goes on blind.
    pub fn poll(&mut self, driver: &mut Driver, now: Instant) -> Played {
        if !self.started {
            self.started = true;
            if let Some(lock @ LockReason::Operator(_)) = driver.session().oia().lock {
                return Played::Stopped(self.stopped(driver, Why::Refused(lock.to_string())));
            }
        }
        loop {
            let Some(planned) = self.plan.steps.get(self.index) else {
                return Played::Done;
            };
            let types = matches!(planned.step, script::Step::Key(_) | script::Step::Text(_));
            if self.runner.is_none() && types && !driver.is_connected() {
                // Keys into a session that has ended would go nowhere: stop here.
                let ended = Failure::Ended {
                    step: self.index,
                    until: None,
                };
                return Played::Stopped(self.stopped(driver, Why::Failed(ended)));
            }
            let runner = self.runner.get_or_insert_with(|| {
                Runner::new(
                    [planned.step.clone()],
                    Options {
                        aid_wait: true,
                        timeout: Some(planned.timeout),
                        settle: Duration::ZERO,
                    },
                )
            });
            match runner.poll(driver, now) {
                Progress::Pending(at) => return Played::Pending(at),
                Progress::Failed(f) => {
                    return Played::Stopped(self.stopped(driver, Why::Failed(f)));
                }
                Progress::Done => {
                    self.runner = None;
                    let reset = planned.step == script::Step::Key(Key::Reset);
                    if let (false, Some(lock @ LockReason::Operator(_))) =
                        (reset, driver.session().oia().lock)
                    {
                        return Played::Stopped(
                            self.stopped(driver, Why::Refused(lock.to_string())),
                        );
                    }
                    self.index += 1;
                }
            }
        }
    }

    /// The operator stopped it.
    pub fn cancel(&self, driver: &Driver) -> Stopped {
        *self.stopped(driver, Why::Cancelled)
    }

    fn stopped(&self, driver: &Driver, why: Why) -> Box<Stopped> {
        let planned = self.plan.steps.get(self.index);
        let session = driver.session();
        let p = session.screen().cursor_position();
        let screen = session
            .text_rows()
            .into_iter()
            .map(|r| r.trim_end().to_owned())
            .filter(|r| !r.trim().is_empty())
            .take(SCREEN_ROWS)
            .collect();
        Box::new(Stopped {
            macro_name: self.plan.name.clone(),
            index: self.index,
            total: self.plan.steps.len(),
            label: planned.map(|p| p.label.clone()).unwrap_or_default(),
            timeout: planned.map_or(DEFAULT_TIMEOUT, |p| p.timeout),
            why,
            screen,
            cursor: (one_based(p.row), one_based(p.col)),
        })
    }
}

#[cfg(test)]
mod tests;
