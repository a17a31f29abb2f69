//! `POST /api/v1/sessions/{name}/steps`: a list of steps with waits, run in order on one
//! session, answered with the resulting screen and the step that failed, if one did.
//!
//! There is no second interpreter here. A step is either an s3270 action line (a JSON
//! string, `"String(demo) Tab()"`), run by the script-mode engine exactly as the
//! s3270-compatible paths run it, or an object that becomes one step of the one script
//! vocabulary ([`crate::script::Step`]: a key, typed text or a wait) run by the script
//! [`Runner`] on the session's connection:
//!
//! - `{"text": "..."}` types at the cursor; `{"key": "Enter"}` presses a key (an AID then
//!   waits for the host to unlock the keyboard); `{"cursor": [row, col]}` moves the cursor
//!   (0-based);
//! - `{"wait": W, "timeout": SECONDS}` waits, W being `"unlock"`, `"ready"`, `"connected"`,
//!   `"input-field"`, `"output"`, `"disconnect"`, `"nvt-mode"`, `"3270-mode"`,
//!   `{"text": "...", "at": [row, col]}`, `{"cursor": [row, col]}`,
//!   `{"input-field": [row, col]}` or `{"seconds": N}`.
//!
//! The whole request has a timeout (`"timeout"`, default 30 s, at most the API's request
//! timeout less a second); every wait is cut to what is left of it. Nothing typed is ever
//! repeated: a step is named by its action names, `text`, its key or its wait, and the data
//! lines s3270 actions answer with are not returned (read the screen, whose non-display
//! fields are blank).

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::proto::LockReason;
use crate::script::api_steps::{OUT_OF_TIME, StepFailure as Kind};
use crate::script::{Failure, Options, Progress, Runner, Step, Wait};
use crate::script_mode::{Line, State as ScriptState};

use super::super::http::Api;
use super::{body, error, pool_error};

/// The request's timeout when it gives none.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

use crate::script::api_steps::{ApiStep as Item, MAX_STEPS, parse_item};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    steps: Vec<Value>,
    /// Seconds the whole list may take.
    timeout: Option<f64>,
}

/// The step that failed.
#[derive(Debug)]
struct Failed {
    index: usize,
    kind: Kind,
    reason: String,
}

/// What a run did.
struct Outcome {
    completed: usize,
    failed: Option<Failed>,
    screen: Result<Value, String>,
}

pub async fn run(
    State(api): State<Api>,
    Path(name): Path<String>,
    b: Result<Json<Request>, JsonRejection>,
) -> Response {
    let req = match body(b) {
        Ok(r) => r,
        Err((code, why)) => return error(code, &why),
    };
    let session = match api.pool.get(&name) {
        Ok(s) => s,
        Err(e) => return pool_error(&e),
    };
    let limit = api
        .request_timeout
        .saturating_sub(Duration::from_secs(1))
        .max(Duration::from_secs(1));
    let timeout = match req.timeout {
        None => DEFAULT_TIMEOUT.min(limit),
        Some(t) if t > 0.0 && t.is_finite() => Duration::from_secs_f64(t.min(1e6)).min(limit),
        Some(_) => return error(StatusCode::BAD_REQUEST, "timeout: a number of seconds > 0"),
    };
    if req.steps.len() > MAX_STEPS {
        return error(
            StatusCode::BAD_REQUEST,
            &format!("at most {MAX_STEPS} steps in one request"),
        );
    }
    let mut items = Vec::with_capacity(req.steps.len());
    let mut labels = Vec::with_capacity(req.steps.len());
    for (i, v) in req.steps.iter().enumerate() {
        match parse_item(v) {
            Ok(item) => {
                labels.push(label(&item));
                items.push(item);
            }
            Err(why) => return error(StatusCode::BAD_REQUEST, &format!("steps[{i}]: {why}")),
        }
    }
    let deadline = Instant::now() + timeout;
    let outcome = session
        .with(move |state| Box::pin(async move { run_items(state, items, deadline).await }))
        .await;
    match outcome {
        Ok(o) => reply(&o, &labels),
        Err(e) => pool_error(&e),
    }
}

fn reply(o: &Outcome, labels: &[String]) -> Response {
    let failed = o.failed.as_ref().map(|f| {
        json!({
            "index": f.index,
            "step": labels.get(f.index),
            "kind": f.kind.word(),
            "reason": f.reason,
        })
    });
    let (screen, screen_error) = match &o.screen {
        Ok(v) => (v.clone(), None),
        Err(why) => (Value::Null, Some(why.clone())),
    };
    let code = o.failed.as_ref().map_or(StatusCode::OK, |f| {
        StatusCode::from_u16(f.kind.code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    });
    let mut out = json!({
        "ok": o.failed.is_none(),
        "completed": o.completed,
        "failed": failed,
        "screen": screen,
    });
    if let (Some(why), Value::Object(m)) = (screen_error, &mut out) {
        m.insert("screen_error".into(), json!(why));
    }
    if let (Some(f), Value::Object(m)) = (&o.failed, &mut out) {
        m.insert(
            "error".into(),
            json!(format!(
                "step {} ({}): {}",
                f.index,
                labels.get(f.index).map_or("?", String::as_str),
                f.reason
            )),
        );
    }
    (code, Json(out)).into_response()
}

/// Runs the steps in order until one fails or the deadline passes; then reads the screen.
async fn run_items(state: &mut ScriptState, items: Vec<Item>, deadline: Instant) -> Outcome {
    let mut failed = None;
    let mut completed = 0;
    for (index, item) in items.into_iter().enumerate() {
        let result = match item {
            Item::Line(text) => run_line(state, text, deadline).await,
            Item::Step(step, timeout) => run_step(state, step, timeout, deadline).await,
        };
        if let Err((kind, reason)) = result {
            failed = Some(Failed {
                index,
                kind,
                reason,
            });
            break;
        }
        completed += 1;
    }
    Outcome {
        completed,
        failed,
        screen: super::screen::of_state(state),
    }
}

type StepResult = Result<(), (Kind, String)>;

fn ran_out(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then_some(left)
}

/// One s3270 action line, on the script-mode engine.
async fn run_line(state: &mut ScriptState, text: String, deadline: Instant) -> StepResult {
    let Some(left) = ran_out(deadline) else {
        return Err((Kind::Timeout, OUT_OF_TIME.to_owned()));
    };
    // An action may read further script lines while it waits; a request brings none.
    let (_keep, mut lines) = mpsc::channel::<Line>(1);
    let Ok(answer) = tokio::time::timeout(left, state.answer(Line::Text(text), &mut lines)).await
    else {
        return Err((Kind::Timeout, OUT_OF_TIME.to_owned()));
    };
    if answer.ok {
        return Ok(());
    }
    let why = answer.data.join(" ");
    let kind = if why.contains("Timed out") {
        Kind::Timeout
    } else if why.contains("Not connected") || why.contains("Connection failed") {
        if state.client().is_some() || state.ended_reason().is_some() {
            Kind::Ended
        } else {
            Kind::NotConnected
        }
    } else if why.contains("Keyboard locked") {
        Kind::Refused
    } else {
        Kind::Action
    };
    Err((kind, why))
}

/// One step of the script vocabulary, on the session's connection.
async fn run_step(
    state: &mut ScriptState,
    step: Step,
    timeout: Option<Duration>,
    deadline: Instant,
) -> StepResult {
    let Some(client) = state.client_mut() else {
        return Err((
            Kind::NotConnected,
            "the session is not connected".to_owned(),
        ));
    };
    if let Some(why) = client.ended() {
        return Err((Kind::Ended, format!("the connection ended: {why}")));
    }
    let Some(left) = ran_out(deadline) else {
        return Err((Kind::Timeout, OUT_OF_TIME.to_owned()));
    };
    let wait_for = timeout.map_or(left, |t| t.min(left));
    let cut = timeout.is_none_or(|t| t > left);
    let step = match step {
        Step::Wait(w) => Step::Wait(Wait {
            until: w.until,
            timeout: Some(wait_for),
        }),
        other => other,
    };
    let before = client.session().oia().lock;
    let mut runner = Runner::new(
        [step],
        Options {
            timeout: Some(wait_for),
            ..client.options()
        },
    );
    let Ok(progress) = tokio::time::timeout(left, client.run(&mut runner)).await else {
        return Err((Kind::Timeout, OUT_OF_TIME.to_owned()));
    };
    match progress {
        Progress::Done | Progress::Pending(_) => {
            let after = client.session().oia().lock;
            match after {
                Some(lock @ LockReason::Operator(_)) if after != before => Err((
                    Kind::Refused,
                    format!("the key was refused ({})", lock.label()),
                )),
                _ => Ok(()),
            }
        }
        Progress::Failed(Failure::TimedOut {
            until, implicit, ..
        }) => {
            let secs = wait_for.as_secs_f64();
            let what = if implicit {
                format!("the host did not unlock the keyboard within {secs} s")
            } else {
                format!("{until} did not happen within {secs} s")
            };
            Err((
                Kind::Timeout,
                if cut {
                    format!("{what} ({OUT_OF_TIME})")
                } else {
                    what
                },
            ))
        }
        Progress::Failed(Failure::Ended { .. }) => Err((
            Kind::Ended,
            client.ended().map_or_else(
                || "the connection ended".to_owned(),
                |e| format!("the connection ended: {e}"),
            ),
        )),
        Progress::Failed(Failure::NotConnected { .. }) => Err((
            Kind::NotConnected,
            "the session is not connected".to_owned(),
        )),
    }
}

/// How a step is named in replies: never with the text it types.
fn label(item: &Item) -> String {
    item.label()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Key;
    use crate::script::Until;

    #[test]
    fn steps_parse_into_the_script_vocabulary() {
        let item = |v: Value| parse_item(&v);
        assert!(matches!(
            item(json!("String(demo) Tab()")),
            Ok(Item::Line(_))
        ));
        assert!(matches!(
            item(json!({"text": "x"})),
            Ok(Item::Step(Step::Text(t), None)) if t == "x"
        ));
        assert!(matches!(
            item(json!({"key": "Enter", "timeout": 5})),
            Ok(Item::Step(Step::Key(Key::Aid(_)), Some(d))) if d == Duration::from_secs(5)
        ));
        assert!(matches!(
            item(json!({"wait": {"text": "Main menu", "at": [1, 2]}})),
            Ok(Item::Step(
                Step::Wait(Wait {
                    until: Until::Text {
                        at: Some((1, 2)),
                        ..
                    },
                    ..
                }),
                None
            ))
        ));
        assert!(matches!(
            item(json!({"wait": "unlock"})),
            Ok(Item::Step(
                Step::Wait(Wait {
                    until: Until::Unlock,
                    ..
                }),
                None
            ))
        ));
        assert!(matches!(
            item(json!({"cursor": {"row": 3, "col": 4}})),
            Ok(Item::Step(
                Step::Key(Key::MoveCursor { row: 3, col: 4 }),
                None
            ))
        ));
        for bad in [
            json!({"text": "x", "key": "Enter"}),
            json!({"key": "Nope"}),
            json!({"key": "a"}),
            json!({"wait": "soon"}),
            json!({"wait": {"text": ""}}),
            json!({"wait": "unlock", "timeout": -1}),
            json!({"wait": "unlock", "extra": 1}),
            json!("String(\"unterminated"),
            json!(""),
            json!(3),
        ] {
            assert!(item(bad.clone()).is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn a_label_never_holds_typed_text() {
        for v in [
            json!({"text": "hunter2"}),
            json!("String(hunter2) Enter()"),
            json!("String(\"hunter2\")"),
        ] {
            let l = label(&parse_item(&v).unwrap());
            assert!(!l.contains("hunter2"), "{l}");
        }
        assert_eq!(
            label(&parse_item(&json!("String(x) Enter")).unwrap()),
            "String() Enter()"
        );
    }
}
