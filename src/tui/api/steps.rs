//! The body of `POST /api/v1/sessions/{name}/steps`, in `r3270 serve`'s shape:
//! `{"steps": [...], "timeout": SECONDS}`, each step an s3270 action line (a string) or an
//! object with one of `text`, `key`, `cursor` (`[row, col]`, 0-based) or `wait` (`"unlock"`,
//! `"ready"`, `"connected"`, `"input-field"`, `"output"`, `"disconnect"`, `"nvt-mode"`,
//! `"3270-mode"`, `{"text": T, "at": [row, col]}`, `{"cursor": [row, col]}`,
//! `{"input-field": [row, col]}`, `{"seconds": N}`), with an optional `timeout`.

use std::time::Duration;

use serde_json::Value;

use crate::app::api::ApiStep;

use crate::script::api_steps::{MAX_STEPS, parse_item as item, seconds};

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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;
    use crate::proto::Key;
    use crate::script::{Step, Until, Wait};

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
