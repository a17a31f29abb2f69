//! The body of `POST /api/v1/sessions/{name}/steps`, in `r3270 serve`'s shape:
//! `{"steps": [...], "timeout": SECONDS}`, each step an s3270 action line (a string) or an
//! object with one of `text`, `key`, `cursor` (`[row, col]`, 0-based) or `wait` (`"unlock"`,
//! `"ready"`, `"connected"`, `"input-field"`, `"output"`, `"disconnect"`, `"nvt-mode"`,
//! `"3270-mode"`, `{"text": T, "at": [row, col]}`, `{"cursor": [row, col]}`,
//! `{"input-field": [row, col]}`, `{"seconds": N}`), with an optional `timeout`.

use std::time::Duration;

use serde_json::Value;

use crate::app::api::ApiStep;
use crate::proto::Key;
use crate::script::{Step, Until, Wait};

/// At most this many steps in one request.
const MAX_STEPS: usize = 1000;

/// The steps and the list's timeout.
pub(super) fn parse(body: &Value) -> Result<(Vec<ApiStep>, Option<Duration>), String> {
    let Some(o) = body.as_object() else {
        return Err("the body is {\"steps\": [...], \"timeout\": SECONDS}".to_owned());
    };
    if let Some(other) = o
        .keys()
        .find(|k| !matches!(k.as_str(), "steps" | "timeout"))
    {
        return Err(format!("unknown field `{other}` (steps, timeout)"));
    }
    let steps = o
        .get("steps")
        .and_then(Value::as_array)
        .ok_or("missing field `steps` (an array)")?;
    if steps.len() > MAX_STEPS {
        return Err(format!("at most {MAX_STEPS} steps in one request"));
    }
    let timeout = match o.get("timeout") {
        None | Some(Value::Null) => None,
        Some(t) => Some(seconds(t).ok_or("timeout: a number of seconds > 0")?),
    };
    let items = steps
        .iter()
        .enumerate()
        .map(|(i, v)| item(v).map_err(|why| format!("steps[{i}]: {why}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((items, timeout))
}

fn item(v: &Value) -> Result<ApiStep, String> {
    match v {
        Value::String(line) => {
            let calls = crate::script::s3270::parse_line(line).map_err(|e| format!("{e}"))?;
            if calls.is_empty() {
                return Err("an empty action line".to_owned());
            }
            Ok(ApiStep::Line(line.clone()))
        }
        Value::Object(o) => {
            if let Some(other) = o
                .keys()
                .find(|k| !matches!(k.as_str(), "text" | "key" | "cursor" | "wait" | "timeout"))
            {
                return Err(format!(
                    "unknown key `{other}` (a step is text, key, cursor or wait, with timeout)"
                ));
            }
            let timeout = match o.get("timeout") {
                None => None,
                Some(t) => Some(seconds(t).ok_or("timeout: a number of seconds > 0")?),
            };
            let kinds: Vec<&str> = ["text", "key", "cursor", "wait"]
                .into_iter()
                .filter(|k| o.contains_key(*k))
                .collect();
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

fn seconds(v: &Value) -> Option<Duration> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn bodies_parse_into_the_script_vocabulary() {
        let (steps, timeout) = parse(&json!({
            "steps": [
                "String(demo) Tab()",
                {"text": "x"},
                {"key": "Enter", "timeout": 5},
                {"wait": {"text": "Main menu", "at": [1, 2]}},
                {"cursor": {"row": 3, "col": 4}},
            ],
            "timeout": 10,
        }))
        .unwrap();
        assert_eq!(timeout, Some(Duration::from_secs(10)));
        assert_eq!(steps.len(), 5);
        assert!(matches!(&steps[0], ApiStep::Line(l) if l == "String(demo) Tab()"));
        assert!(matches!(&steps[1], ApiStep::Step(Step::Text(t), None) if t == "x"));
        assert!(matches!(
            &steps[2],
            ApiStep::Step(Step::Key(Key::Aid(_)), Some(d)) if *d == Duration::from_secs(5)
        ));
        assert!(matches!(
            &steps[3],
            ApiStep::Step(
                Step::Wait(Wait {
                    until: Until::Text {
                        at: Some((1, 2)),
                        ..
                    },
                    ..
                }),
                None
            )
        ));
        assert!(matches!(
            &steps[4],
            ApiStep::Step(Step::Key(Key::MoveCursor { row: 3, col: 4 }), None)
        ));
        for bad in [
            json!({"steps": [{"text": "x", "key": "Enter"}]}),
            json!({"steps": [{"key": "Nope"}]}),
            json!({"steps": [{"key": "a"}]}),
            json!({"steps": [{"wait": "soon"}]}),
            json!({"steps": [{"wait": {"text": ""}}]}),
            json!({"steps": [{"wait": "unlock", "timeout": -1}]}),
            json!({"steps": ["String(\"unterminated"]}),
            json!({"steps": [""]}),
            json!({"steps": [3]}),
            json!({"steps": [], "extra": 1}),
            json!({"timeout": 3}),
            json!([]),
        ] {
            assert!(parse(&bad).is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn a_step_is_named_without_what_it_types() {
        let (steps, _) = parse(&json!({"steps": [
            {"text": "hunter2"},
            "String(hunter2) Enter()",
            "String(\"hunter2\")",
        ]}))
        .unwrap();
        for s in &steps {
            assert!(!s.label().contains("hunter2"), "{}", s.label());
            assert!(!format!("{s:?}").contains("hunter2"));
        }
        assert_eq!(steps[1].label(), "String() Enter()");
    }
}
