//! The steps of an API request (`POST .../steps`, in `r3270 serve` and in the TUI's API), from
//! JSON: each an s3270 action line (a string) or an object with one of `text`, `key`,
//! `cursor` (`[row, col]`, 0-based) or `wait` (`"unlock"`, `"ready"`, `"connected"`,
//! `"input-field"`, `"output"`, `"disconnect"`, `"nvt-mode"`, `"3270-mode"`,
//! `{"text": T, "at": [row, col]}`, `{"cursor": [row, col]}`, `{"input-field": [row, col]}`,
//! `{"seconds": N}`), with an optional `timeout`. They are the one script vocabulary
//! ([`Step`]) or lines for the s3270 engine: no second interpreter.

use std::time::Duration;

use serde_json::Value;

use crate::proto::Key;
use crate::script::{Step, Until, Wait};

/// At most this many steps in one request.
pub const MAX_STEPS: usize = 1000;

/// How a run of steps stopped early, and the HTTP status it answers with (`r3270 serve`
/// and the TUI's API alike).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepFailure {
    /// A wait (or the request) ran out of time: 504.
    Timeout,
    /// The connection ended: 502.
    Ended,
    /// There is no connection to run the step on: 409.
    NotConnected,
    /// A key was refused under field rules (typing into a protected field): 409.
    Refused,
    /// An s3270 action failed otherwise (a bad argument, one not served there): 400.
    Action,
}

impl StepFailure {
    /// The word replies name it by (`"failed": {"kind": ...}`).
    pub fn word(self) -> &'static str {
        match self {
            StepFailure::Timeout => "timeout",
            StepFailure::Ended => "ended",
            StepFailure::NotConnected => "not-connected",
            StepFailure::Refused => "refused",
            StepFailure::Action => "action",
        }
    }

    /// The HTTP status of a reply whose run stopped so.
    pub fn code(self) -> u16 {
        match self {
            StepFailure::Timeout => 504,
            StepFailure::Ended => 502,
            StepFailure::NotConnected | StepFailure::Refused => 409,
            StepFailure::Action => 400,
        }
    }
}

/// The reason given when the request's own time ran out.
pub const OUT_OF_TIME: &str = "the request's timeout ran out";

/// One step as asked for.
#[derive(Clone, PartialEq, Eq)]
pub enum ApiStep {
    /// An s3270 action line.
    Line(String),
    /// A step of the script vocabulary, with its own timeout (a wait's, or an AID's wait
    /// for the unlock).
    Step(Step, Option<Duration>),
}

impl ApiStep {
    /// How the step is named in replies: never with the text it types.
    pub fn label(&self) -> String {
        match self {
            ApiStep::Line(text) => crate::script::s3270::parse_line(text)
                .map(|calls| {
                    calls
                        .iter()
                        .map(|c| format!("{}()", c.name))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .unwrap_or_default(),
            ApiStep::Step(Step::Text(_), _) => "text".to_owned(),
            ApiStep::Step(Step::Key(Key::MoveCursor { row, col }), _) => {
                format!("cursor {row},{col}")
            }
            ApiStep::Step(Step::Key(k), _) => format!("key {k:?}"),
            ApiStep::Step(Step::Wait(w), _) => format!("wait for {}", w.until),
        }
    }
}

impl std::fmt::Debug for ApiStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// One step from its JSON.
pub fn parse_item(v: &Value) -> Result<ApiStep, String> {
    match v {
        Value::String(line) => {
            let calls = crate::script::s3270::parse_line(line).map_err(|e| format!("{e}"))?;
            if calls.is_empty() {
                return Err("an empty action line".to_owned());
            }
            Ok(ApiStep::Line(line.clone()))
        }
        Value::Object(o) => {
            let timeout = match o.get("timeout") {
                None => None,
                Some(t) => Some(seconds(t).ok_or("timeout: a number of seconds > 0")?),
            };
            let kinds: Vec<&str> = ["text", "key", "cursor", "wait"]
                .into_iter()
                .filter(|k| o.contains_key(*k))
                .collect();
            if let Some(other) = o
                .keys()
                .find(|k| !matches!(k.as_str(), "text" | "key" | "cursor" | "wait" | "timeout"))
            {
                return Err(format!(
                    "unknown key `{other}` (a step is text, key, cursor or wait, with timeout)"
                ));
            }
            let [kind] = kinds.as_slice() else {
                return Err("a step has exactly one of text, key, cursor, wait".to_owned());
            };
            let arg = &o[*kind];
            let step = match *kind {
                "text" => Step::Text(arg.as_str().ok_or("text: a string")?.to_owned()),
                "key" => Step::Key(key(arg)?),
                "cursor" => {
                    let (row, col) = position(arg).ok_or("cursor: [row, col] (0-based)")?;
                    Step::Key(Key::MoveCursor { row, col })
                }
                _ => Step::Wait(Wait::new(until(arg)?)),
            };
            Ok(ApiStep::Step(step, timeout))
        }
        _ => Err("a step is an s3270 action line (a string) or an object".to_owned()),
    }
}

/// A number of seconds, more than 0.
pub fn seconds(v: &Value) -> Option<Duration> {
    v.as_f64()
        .filter(|t| *t > 0.0 && t.is_finite())
        .map(|t| Duration::from_secs_f64(t.min(1e6)))
}

fn key(v: &Value) -> Result<Key, String> {
    let name = v.as_str().ok_or("key: a key name such as \"Enter\"")?;
    match name.parse::<Key>() {
        Ok(Key::Char(_) | Key::MoveCursor { .. }) | Err(_) => Err(format!(
            "unknown key `{name}` (Enter, Tab, PF3, PA1, Clear, EraseEOF, ...; type text with \
             {{\"text\": ...}})"
        )),
        Ok(k) => Ok(k),
    }
}

/// `[row, col]` or `{"row": R, "col": C}`, 0-based.
fn position(v: &Value) -> Option<(u16, u16)> {
    let n = |x: Option<&Value>| {
        x.and_then(Value::as_u64)
            .and_then(|n| u16::try_from(n).ok())
    };
    match v {
        Value::Array(a) if a.len() == 2 => Some((n(a.first())?, n(a.get(1))?)),
        Value::Object(o) if o.len() == 2 => Some((n(o.get("row"))?, n(o.get("col"))?)),
        _ => None,
    }
}

const WAITS: &str = "wait: \"unlock\", \"ready\", \"connected\", \"input-field\", \"output\", \
                     \"disconnect\", \"nvt-mode\", \"3270-mode\", {\"text\": T, \"at\": [row, \
                     col]}, {\"cursor\": [row, col]}, {\"input-field\": [row, col]} or \
                     {\"seconds\": N}";

fn until(v: &Value) -> Result<Until, String> {
    if let Some(word) = v.as_str() {
        return Ok(match word.to_ascii_lowercase().replace('_', "-").as_str() {
            "unlock" => Until::Unlock,
            "ready" => Until::Ready,
            "connected" => Until::Connected,
            "input-field" | "inputfield" => Until::InputField,
            "output" | "change" => Until::Output { after: None },
            "disconnect" => Until::Disconnect,
            "nvt-mode" | "nvt" => Until::NvtMode,
            "3270-mode" | "3270" => Until::Mode3270,
            _ => return Err(format!("unknown wait `{word}`; {WAITS}")),
        });
    }
    let Some(o) = v.as_object() else {
        return Err(WAITS.to_owned());
    };
    if let Some(t) = o.get("text") {
        let text = t.as_str().ok_or("wait text: a string")?.to_owned();
        if text.is_empty() {
            return Err("wait text: not empty".to_owned());
        }
        let at = match o.get("at") {
            None => None,
            Some(p) => Some(position(p).ok_or("wait at: [row, col] (0-based)")?),
        };
        if o.len() > 1 + usize::from(at.is_some()) {
            return Err(WAITS.to_owned());
        }
        return Ok(Until::Text { text, at });
    }
    if o.len() != 1 {
        return Err(WAITS.to_owned());
    }
    if let Some(p) = o.get("cursor") {
        let (row, col) = position(p).ok_or("wait cursor: [row, col] (0-based)")?;
        return Ok(Until::CursorAt { row, col });
    }
    if let Some(p) = o.get("input-field") {
        let (row, col) = position(p).ok_or("wait input-field: [row, col] (0-based)")?;
        return Ok(Until::InputFieldAt { row, col });
    }
    if let Some(s) = o.get("seconds") {
        return Ok(Until::Seconds(
            seconds(s).ok_or("wait seconds: a number > 0")?,
        ));
    }
    Err(WAITS.to_owned())
}
