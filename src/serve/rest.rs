//! r3270's own REST API (JSON): sessions (list, open from a profile or host, inspect,
//! close) and each session's screen. docs/API.md describes every call.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::http::Api;
use super::pool::{PoolError, SessionHandle};

pub fn routes() -> Router<Api> {
    Router::new()
        .route("/api/v1/sessions", get(list).post(create))
        .route("/api/v1/sessions/{name}", get(inspect).delete(close))
}

/// An error reply: `{"error": "..."}` with the status that fits.
pub fn error(code: StatusCode, message: &str) -> Response {
    (code, Json(json!({ "error": message }))).into_response()
}

pub fn pool_error(e: &PoolError) -> Response {
    let code = match e {
        PoolError::NoSuchSession(_) | PoolError::Gone => StatusCode::NOT_FOUND,
        PoolError::Exists(_) | PoolError::TooMany(_) => StatusCode::CONFLICT,
        PoolError::BadTarget(_) => StatusCode::BAD_REQUEST,
    };
    error(code, &e.to_string())
}

/// One session's summary: name, profile, state, endpoint and headline figures.
pub fn summary(s: &SessionHandle) -> Value {
    let meta = s.meta();
    let live = s.live();
    let st = &live.stats.session;
    json!({
        "name": s.name,
        "profile": s.profile,
        "state": meta.state.word(),
        "endpoint": meta.endpoint,
        "last-error": meta.last_error,
        "keyboard-locked": live.locked,
        "screens": live.screens,
        "bytes-in": st.bytes_in,
        "bytes-out": st.bytes_out,
        "records-in": st.records_in,
        "records-out": st.records_out,
        "lu": live.stats.link.lu,
        "terminal-type": live.stats.link.terminal_type,
    })
}

async fn list(State(api): State<Api>) -> Response {
    let sessions: Vec<Value> = api.pool.sessions().iter().map(|s| summary(s)).collect();
    Json(json!({ "sessions": sessions })).into_response()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Create {
    /// A profile's name or `[L:][LU@]host[:port]`.
    target: String,
    name: Option<String>,
}

async fn create(
    State(api): State<Api>,
    body: Result<Json<Create>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    match api.pool.open(&req.target, req.name).await {
        Ok(s) => {
            let code = if s.meta().state == super::pool::SessionState::Connected {
                StatusCode::CREATED
            } else {
                StatusCode::BAD_GATEWAY
            };
            (code, Json(summary(&s))).into_response()
        }
        Err(e) => pool_error(&e),
    }
}

async fn inspect(State(api): State<Api>, Path(name): Path<String>) -> Response {
    match api.pool.get(&name) {
        Ok(s) => Json(summary(&s)).into_response(),
        Err(e) => pool_error(&e),
    }
}

async fn close(State(api): State<Api>, Path(name): Path<String>) -> Response {
    match api.pool.close(&name).await {
        Ok(()) => super::http::empty(StatusCode::NO_CONTENT),
        Err(e) => pool_error(&e),
    }
}

#[allow(dead_code)]
fn _uses(_: Arc<SessionHandle>) {}
