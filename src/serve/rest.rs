//! r3270's own REST API (JSON, under `/api/v1`): sessions (list, open from a profile or
//! host, inspect, close), a session's screen, steps with waits, macros, the audit log and a
//! server-sent-events stream. docs/API.md describes every call, docs/openapi.json is the
//! machine-readable form (served at `/api/v1/openapi.json`, checked against the running
//! server by `tests/api_rest.rs`).
//!
//! Every route is in one table ([`ROUTES`]): the router is built from it and `GET /api/v1`
//! lists it, so the index and the OpenAPI document can be compared with what is served.
//! Errors are `{"error": "..."}` with the status that fits: 400 bad input, 404 no such
//! session or macro, 409 a conflict with the session's state, 502 the host is unreachable
//! or went away, 504 a wait timed out.

mod audit;
pub mod events;
mod macros;
mod screen;
mod steps;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use serde_json::{Value, json};

use super::http::Api;
use super::pool::{PoolError, SessionHandle, SessionState};

/// The OpenAPI document of this API, as shipped in docs/.
const OPENAPI: &str = include_str!("../../docs/openapi.json");

/// One route: method, path (axum's `{param}` syntax, as OpenAPI writes it) and handler.
type Route = (&'static str, &'static str, fn() -> MethodRouter<Api>);

/// Every REST route, in documentation order.
pub static ROUTES: &[Route] = &[
    ("GET", "/api/v1", || get(index)),
    ("GET", "/api/v1/openapi.json", || get(openapi)),
    ("GET", "/api/v1/sessions", || get(list)),
    ("POST", "/api/v1/sessions", || post(create)),
    ("GET", "/api/v1/sessions/{name}", || get(inspect)),
    ("DELETE", "/api/v1/sessions/{name}", || delete(close)),
    ("GET", "/api/v1/sessions/{name}/screen", || get(screen::get)),
    ("POST", "/api/v1/sessions/{name}/steps", || post(steps::run)),
    ("GET", "/api/v1/macros", || get(macros::list)),
    ("POST", "/api/v1/sessions/{name}/macros/{macro}", || {
        post(macros::run)
    }),
    ("POST", "/api/v1/sessions/{name}/pause", || {
        post(super::rest_ops::pause)
    }),
    ("POST", "/api/v1/sessions/{name}/resume", || {
        post(super::rest_ops::resume)
    }),
    ("POST", "/api/v1/sessions/{name}/migrate", || {
        post(super::rest_ops::migrate)
    }),
    ("GET", "/api/v1/endpoints", || {
        get(super::rest_ops::endpoints)
    }),
    ("GET", "/api/v1/audit", || get(audit::list)),
    ("GET", "/api/v1/webhooks", || get(super::webhooks::list)),
    ("GET", "/api/v1/events", || get(events::stream)),
];

pub fn routes() -> Router<Api> {
    let mut router = Router::new();
    let mut paths: Vec<&str> = ROUTES.iter().map(|r| r.1).collect();
    paths.sort_unstable();
    paths.dedup();
    for path in paths {
        let mut methods: Option<MethodRouter<Api>> = None;
        for (_, p, make) in ROUTES {
            if *p == path {
                methods = Some(match methods {
                    None => make(),
                    Some(m) => m.merge(make()),
                });
            }
        }
        if let Some(m) = methods {
            router = router.route(path, m);
        }
    }
    router
}

/// `GET /api/v1`: the routes served and where the OpenAPI document is.
async fn index() -> Response {
    let routes: Vec<Value> = ROUTES
        .iter()
        .map(|(m, p, _)| json!({ "method": m, "path": p }))
        .collect();
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "openapi": "/api/v1/openapi.json",
        "routes": routes,
    }))
    .into_response()
}

async fn openapi() -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        OPENAPI,
    )
        .into_response()
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

/// A JSON body, or the status and what is wrong with it: 413 for a body over
/// `[api] max-body-bytes`, else 400.
fn body<T>(b: Result<Json<T>, JsonRejection>) -> Result<T, (StatusCode, String)> {
    b.map(|Json(t)| t).map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::BAD_REQUEST
        };
        (code, e.body_text())
    })
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
        "last_error": meta.last_error,
        "keyboard_locked": live.locked,
        "screens": live.screens,
        "bytes_in": st.bytes_in,
        "bytes_out": st.bytes_out,
        "records_in": st.records_in,
        "records_out": st.records_out,
        "lu": live.stats.link.lu,
        "terminal_type": live.stats.link.terminal_type,
    })
}

/// A session in full: the summary, when it was made, the endpoints it failed over from,
/// and every figure its connection published (`r3270 screen --json`'s `stats`: link, TLS,
/// response-time buckets, AIDs by key, ...), with the host's certificate.
pub fn details(s: &SessionHandle) -> Value {
    let meta = s.meta();
    let live = s.live();
    let mut out = summary(s);
    let cert = live.stats.link.cert.as_ref().map(|c| {
        json!({
            "names": c.names,
            "not_after": c.not_after,
            "sha256": c.sha256,
        })
    });
    let failed_over: Vec<Value> = meta
        .failed_over
        .iter()
        .map(|(endpoint, reason)| json!({ "endpoint": endpoint, "reason": reason }))
        .collect();
    if let Value::Object(o) = &mut out {
        o.insert(
            "created".into(),
            json!(crate::audit::time::format(s.created)),
        );
        o.insert("connected".into(), json!(live.connected));
        o.insert("ended".into(), json!(live.ended));
        o.insert("failed_over".into(), json!(failed_over));
        o.insert("certificate".into(), json!(cert));
        o.insert(
            "stats".into(),
            serde_json::to_value(crate::headless::stats_of(&live.stats)).unwrap_or(Value::Null),
        );
    }
    out
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

/// `POST /api/v1/sessions`: 201 once connected; 502 when no endpoint answered (the
/// session is kept, in state `failed`, so that it can be inspected and closed).
async fn create(State(api): State<Api>, b: Result<Json<Create>, JsonRejection>) -> Response {
    let req = match body(b) {
        Ok(r) => r,
        Err((code, why)) => return error(code, &why),
    };
    match api.pool.open(&req.target, req.name).await {
        Ok(s) => {
            let code = if s.meta().state == SessionState::Connected {
                StatusCode::CREATED
            } else {
                StatusCode::BAD_GATEWAY
            };
            (code, Json(details(&s))).into_response()
        }
        Err(e) => pool_error(&e),
    }
}

async fn inspect(State(api): State<Api>, Path(name): Path<String>) -> Response {
    match api.pool.get(&name) {
        Ok(s) => Json(details(&s)).into_response(),
        Err(e) => pool_error(&e),
    }
}

async fn close(State(api): State<Api>, Path(name): Path<String>) -> Response {
    match api.pool.close(&name).await {
        Ok(()) => super::http::empty(StatusCode::NO_CONTENT),
        Err(e) => pool_error(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_table_builds_a_router_and_the_openapi_document_lists_it() {
        let _ = routes();
        let doc: Value = serde_json::from_str(OPENAPI).unwrap_or(Value::Null);
        let paths = doc.get("paths").and_then(Value::as_object);
        assert!(paths.is_some(), "docs/openapi.json has no paths");
        for (method, path, _) in ROUTES {
            let op = paths
                .and_then(|p| p.get(*path))
                .and_then(|p| p.get(method.to_ascii_lowercase()));
            assert!(op.is_some(), "{method} {path} is not in docs/openapi.json");
        }
    }
}
