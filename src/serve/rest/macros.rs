//! Macros over the API: `GET /api/v1/macros` lists the configured macros (names,
//! descriptions, the prompts they ask — never a value), and
//! `POST /api/v1/sessions/{name}/macros/{macro}` plays one on a session with the prompts'
//! values from the request, as `r3270 macro run` plays it (`macros::plan`, then a
//! [`Playback`] on the session's connection).
//!
//! Values, secret or not, are typed and forgotten: never answered, logged or recorded (the
//! audit log records the keys as it records any session's, with non-display fields
//! masked). A run that stops counts in `macro_failures` and is announced
//! ([`PoolEvent::MacroFailed`]) for webhooks.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::macros::{self as m, Playback, Played, Stopped, Values, Why};
use crate::script::Failure;
use crate::script_mode::State as ScriptState;

use super::super::http::Api;
use super::super::pool::PoolEvent;
use super::{body, error, pool_error};

pub async fn list(State(api): State<Api>) -> Response {
    let macros = &api.pool.config().macros;
    let out: Vec<Value> = macros
        .values()
        .map(|mac| {
            let mut prompts = Vec::new();
            let mut env = Vec::new();
            for v in m::values_needed(macros, &mac.name) {
                match v {
                    m::Value::Prompt { name, secret } => {
                        prompts.push(json!({ "name": name, "secret": secret }));
                    }
                    m::Value::Env(name) => env.push(name),
                }
            }
            json!({
                "name": mac.name,
                "description": mac.description,
                "steps": mac.steps.len(),
                "timeout": mac.timeout.map(|t| t.as_secs_f64()),
                "prompts": prompts,
                "env": env,
            })
        })
        .collect();
    Json(json!({ "macros": out })).into_response()
}

#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The prompts' answers, by prompt name.
    #[serde(default)]
    values: BTreeMap<String, String>,
}

/// A macro's values from the request (prompts) and the server's environment (`env NAME`
/// steps), or what is missing or wrong. Error messages name prompts, never values.
fn values(api: &Api, name: &str, given: BTreeMap<String, String>) -> Result<Values, String> {
    let macros = &api.pool.config().macros;
    let needed = m::values_needed(macros, name);
    let prompts: Vec<&str> = needed
        .iter()
        .filter_map(|v| match v {
            m::Value::Prompt { name, .. } => Some(name.as_str()),
            m::Value::Env(_) => None,
        })
        .collect();
    if let Some(unknown) = given.keys().find(|k| !prompts.contains(&k.as_str())) {
        return Err(format!(
            "macro `{name}` has no prompt `{unknown}` (its prompts: {})",
            if prompts.is_empty() {
                "none".to_owned()
            } else {
                prompts.join(", ")
            }
        ));
    }
    let mut out = Values::default();
    for (k, v) in given {
        out.set_prompt(&k, v);
    }
    for v in &needed {
        if let m::Value::Env(var) = v {
            if let Ok(text) = std::env::var(var) {
                out.set_env(var, text);
            }
        }
    }
    Ok(out)
}

pub async fn run(
    State(api): State<Api>,
    Path((name, macro_name)): Path<(String, String)>,
    b: Result<Json<RunRequest>, JsonRejection>,
) -> Response {
    let req = match b {
        // No body at all: a macro without prompts.
        Err(JsonRejection::MissingJsonContentType(_)) => RunRequest::default(),
        other => match body(other) {
            Ok(r) => r,
            Err((code, why)) => return error(code, &why),
        },
    };
    let session = match api.pool.get(&name) {
        Ok(s) => s,
        Err(e) => return pool_error(&e),
    };
    if !api.pool.config().macros.contains_key(&macro_name) {
        return error(
            StatusCode::NOT_FOUND,
            &format!("no macro named `{macro_name}`"),
        );
    }
    let plan = match values(&api, &macro_name, req.values)
        .and_then(|v| m::plan(&api.pool.config().macros, &macro_name, &v))
    {
        Ok(p) => p,
        Err(why) => return error(StatusCode::BAD_REQUEST, &why),
    };
    let total = plan.steps.len();
    let limit = api
        .request_timeout
        .saturating_sub(std::time::Duration::from_secs(1));
    let played = session
        .with(move |state| Box::pin(async move { play(state, plan, limit).await }))
        .await;
    let (stopped, screen) = match played {
        Ok(Ok(r)) => r,
        Ok(Err(why)) => return error(StatusCode::CONFLICT, &why),
        Err(e) => return pool_error(&e),
    };
    let counters = &api.pool.counters;
    counters.macro_runs.fetch_add(1, Ordering::Relaxed);
    let Some(s) = stopped else {
        return Json(json!({
            "ok": true,
            "macro": macro_name,
            "steps": total,
            "failed": null,
            "screen": screen,
        }))
        .into_response();
    };
    counters.macro_failures.fetch_add(1, Ordering::Relaxed);
    let reason = match s.why {
        // Only the request's own limit cancels a playback here.
        Why::Cancelled => format!(
            "macro `{}` stopped at step {}/{} `{}`: the request's timeout ran out",
            s.macro_name,
            s.index + 1,
            s.total,
            s.label
        ),
        _ => s.headline(),
    };
    api.pool.announce(PoolEvent::MacroFailed {
        session: session.name.clone(),
        profile: session.profile.clone(),
        name: macro_name.clone(),
        reason: reason.clone(),
    });
    stopped_reply(&s, &macro_name, total, &reason, &screen)
}

/// Plays the plan on the session's connection (for at most `limit`): where it stopped, if
/// it did, and the screen after.
async fn play(
    state: &mut ScriptState,
    plan: m::Plan,
    limit: std::time::Duration,
) -> Result<(Option<Stopped>, Value), String> {
    super::screen::of_state(state)?;
    let Some(client) = state.client_mut() else {
        return Err("the session is not connected".to_owned());
    };
    let mut playback = Playback::new(plan);
    let played = tokio::time::timeout(limit, client.play(&mut playback))
        .await
        .ok();
    let stopped = match played {
        Some(Played::Stopped(s)) => Some(*s),
        Some(Played::Done | Played::Pending(_)) => None,
        None => Some(playback.cancel(client.driver())),
    };
    Ok((stopped, super::screen::of(client)))
}

fn stopped_reply(
    s: &Stopped,
    macro_name: &str,
    total: usize,
    reason: &str,
    screen: &Value,
) -> Response {
    let (code, kind) = match &s.why {
        Why::Failed(Failure::TimedOut { .. }) | Why::Cancelled => {
            (StatusCode::GATEWAY_TIMEOUT, "timeout")
        }
        Why::Failed(Failure::Ended { .. }) => (StatusCode::BAD_GATEWAY, "ended"),
        Why::Failed(Failure::NotConnected { .. }) => (StatusCode::CONFLICT, "not-connected"),
        Why::Refused(_) => (StatusCode::CONFLICT, "refused"),
    };
    let body = json!({
        "ok": false,
        "macro": macro_name,
        "steps": total,
        "failed": {
            "index": s.index,
            "step": s.label,
            "kind": kind,
            "reason": reason,
        },
        "error": reason,
        "screen": screen,
    });
    (code, Json(body)).into_response()
}
