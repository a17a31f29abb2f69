//! The interactive client's router: `r3270 serve`'s guard (rate limit, token, request
//! timeout, `api-call` audit records) in front of the s3270-compatible paths, the tab list,
//! a tab's screen, steps and `/metrics`, each answered by the event loop.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use super::Inbound;
use crate::app::api::{ApiReply, ApiRequest, ApiTarget, STATE_WORDS};
use crate::serve::compat::{self, Mode};
use crate::serve::http::Limiter;
use crate::serve::token::Token;

/// What every handler shares.
#[derive(Clone)]
pub(super) struct Shared {
    pub tx: mpsc::Sender<Inbound>,
    pub token: Token,
    pub limiter: Arc<Limiter>,
    pub request_timeout: Duration,
    pub audit: Option<crate::audit::SharedWriter>,
}

pub(super) fn router(shared: Shared, max_body: usize) -> Router {
    Router::new()
        .route("/3270/rest/post", post(compat_post))
        .route("/3270/rest/{mode}/", get(compat::missing))
        .route("/3270/rest/{mode}", get(compat::missing))
        .route("/3270/rest/{mode}/{*actions}", get(compat_get))
        .route("/session/{name}/3270/rest/post", post(compat_post_named))
        .route(
            "/session/{name}/3270/rest/{mode}/{*actions}",
            get(compat_get_named),
        )
        .route("/api/v1/sessions", get(sessions))
        .route("/api/v1/sessions/{name}", get(session))
        .route("/api/v1/sessions/{name}/screen", get(screen))
        .route("/api/v1/sessions/{name}/steps", post(steps))
        .route("/metrics", get(metrics))
        .fallback(not_served)
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(shared)
}

/// Every request: the rate limit, then the token (401 when none is given, 403 when it is
/// wrong, with no detail either way), then the request timeout; calls that may change
/// something are recorded in the audit log, as `r3270 serve` records them.
async fn guard(State(api): State<Shared>, req: Request, next: Next) -> Response {
    let gate = crate::serve::http::Gate {
        limiter: &api.limiter,
        token: &api.token,
        request_timeout: api.request_timeout,
        audit: api.audit.as_ref(),
        client: Some("tui"),
    };
    gate.run(req, next).await.0
}

/// Hands a request to the event loop and waits for its answer.
async fn ask(api: &Shared, request: ApiRequest) -> ApiReply {
    let (reply, rx) = oneshot::channel();
    let gone = || ApiReply::Error {
        code: 503,
        message: "the interactive client is closing".to_owned(),
    };
    if api.tx.send(Inbound { request, reply }).await.is_err() {
        return gone();
    }
    rx.await.unwrap_or_else(|_| gone())
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A REST error: `{"error": "..."}`.
fn error(code: StatusCode, message: &str) -> Response {
    (code, Json(json!({ "error": message }))).into_response()
}

/// A REST reply.
fn rest(reply: ApiReply) -> Response {
    match reply {
        ApiReply::Json { code, body } => (status(code), Json(body)).into_response(),
        ApiReply::Error { code, message } => error(status(code), &message),
        ApiReply::Line(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "unexpected answer"),
    }
}

/// An s3270-compatible reply, in `mode`.
fn compat_reply(mode: Mode, reply: ApiReply) -> Response {
    match reply {
        ApiReply::Line(a) => compat::reply(
            mode,
            &crate::script_mode::Answer {
                data: a.data,
                status: a.status,
                ok: a.ok,
                quit: false,
            },
        ),
        ApiReply::Error { code, message } => compat::error(mode, status(code), &message),
        ApiReply::Json { .. } => {
            compat::error(mode, StatusCode::INTERNAL_SERVER_ERROR, "unexpected answer")
        }
    }
}

async fn run_line(api: &Shared, target: ApiTarget, mode: Mode, line: String) -> Response {
    compat_reply(mode, ask(api, ApiRequest::Line { target, line }).await)
}

async fn compat_get(
    State(api): State<Shared>,
    Path((mode, actions)): Path<(String, String)>,
) -> Response {
    let Some(mode) = Mode::parse(&mode) else {
        return compat::error(Mode::Html, StatusCode::NOT_FOUND, "Not found");
    };
    if actions.trim().is_empty() {
        return compat::error(mode, StatusCode::BAD_REQUEST, "Missing 3270 action.");
    }
    run_line(&api, ApiTarget::Focused, mode, actions).await
}

async fn compat_get_named(
    State(api): State<Shared>,
    Path((name, mode, actions)): Path<(String, String, String)>,
) -> Response {
    let Some(mode) = Mode::parse(&mode) else {
        return compat::error(Mode::Html, StatusCode::NOT_FOUND, "Not found");
    };
    if actions.trim().is_empty() {
        return compat::error(mode, StatusCode::BAD_REQUEST, "Missing 3270 action.");
    }
    run_line(&api, ApiTarget::Named(name), mode, actions).await
}

async fn compat_post(State(api): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    match compat::post_line(&headers, &body) {
        Ok(line) => run_line(&api, ApiTarget::Focused, Mode::Json, line).await,
        Err(e) => compat::error(Mode::Json, StatusCode::BAD_REQUEST, &e),
    }
}

async fn compat_post_named(
    State(api): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match compat::post_line(&headers, &body) {
        Ok(line) => run_line(&api, ApiTarget::Named(name), Mode::Json, line).await,
        Err(e) => compat::error(Mode::Json, StatusCode::BAD_REQUEST, &e),
    }
}

async fn sessions(State(api): State<Shared>) -> Response {
    rest(ask(&api, ApiRequest::Sessions).await)
}

async fn session(State(api): State<Shared>, Path(name): Path<String>) -> Response {
    let target = ApiTarget::Named(name);
    rest(ask(&api, ApiRequest::Session { target }).await)
}

async fn screen(State(api): State<Shared>, Path(name): Path<String>) -> Response {
    let target = ApiTarget::Named(name);
    rest(ask(&api, ApiRequest::Screen { target }).await)
}

async fn steps(
    State(api): State<Shared>,
    Path(name): Path<String>,
    body: Result<Json<Value>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let (steps, timeout) = match super::steps::parse(&body) {
        Ok(s) => s,
        Err(why) => return error(StatusCode::BAD_REQUEST, &why),
    };
    let target = ApiTarget::Named(name);
    rest(
        ask(
            &api,
            ApiRequest::Steps {
                target,
                steps,
                timeout,
            },
        )
        .await,
    )
}

/// `/metrics`: the build, and the tabs by state (`r3270 serve`'s names).
async fn metrics(State(api): State<Shared>) -> Response {
    let ApiReply::Json { body, .. } = ask(&api, ApiRequest::Sessions).await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "").into_response();
    };
    let sessions = body["sessions"].as_array().cloned().unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP r3270_build_info The r3270 build serving these figures."
    );
    let _ = writeln!(out, "# TYPE r3270_build_info gauge");
    let _ = writeln!(
        out,
        "r3270_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "# HELP r3270_sessions Sessions by state.");
    let _ = writeln!(out, "# TYPE r3270_sessions gauge");
    for state in STATE_WORDS {
        let n = sessions
            .iter()
            .filter(|s| s["state"].as_str() == Some(state))
            .count();
        let _ = writeln!(out, "r3270_sessions{{state=\"{state}\"}} {n}");
    }
    let mut r = out.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// A path `r3270 serve` has and the interactive client does not serve (opening and closing
/// sessions, macros, the audit log, ...).
async fn not_served() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not served by the interactive client's API (docs/TUI_API.md)",
    )
}
