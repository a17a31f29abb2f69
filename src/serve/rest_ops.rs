//! The REST calls on a session's lifecycle and on the pool's endpoints: pause, resume and
//! migrate a session; list every endpoint of the profiles in use with its health.
//! docs/API.md describes every call.

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::http::Api;
use super::pool::OpError;
use super::rest::{error, pool_error, summary};

pub fn routes() -> Router<Api> {
    Router::new()
        .route("/api/v1/sessions/{name}/pause", post(pause))
        .route("/api/v1/sessions/{name}/resume", post(resume))
        .route("/api/v1/sessions/{name}/migrate", post(migrate))
        .route("/api/v1/endpoints", get(endpoints))
}

/// The session's summary after the operation, or why it did not happen: 404 for no such
/// session, 409 when it is not in a state for it, 400 for a bad target, 502 when no
/// endpoint answered.
fn answer(api: &Api, name: &str, done: Result<(), OpError>) -> Response {
    match done {
        Ok(()) => match api.pool.get(name) {
            Ok(s) => Json(summary(&s)).into_response(),
            Err(e) => pool_error(&e),
        },
        Err(OpError::Pool(e)) => pool_error(&e),
        Err(OpError::Conflict(why)) => error(StatusCode::CONFLICT, &why),
        Err(OpError::Failed(why)) => error(StatusCode::BAD_GATEWAY, &why),
    }
}

pub(super) async fn pause(State(api): State<Api>, Path(name): Path<String>) -> Response {
    let done = api.pool.pause(&name).await;
    answer(&api, &name, done)
}

pub(super) async fn resume(State(api): State<Api>, Path(name): Path<String>) -> Response {
    let done = api.pool.resume(&name).await;
    answer(&api, &name, done)
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Migrate {
    /// A profile's name or `[L:][N:][LU@]host[:port]`; none: the profile's next endpoint.
    target: Option<String>,
}

pub(super) async fn migrate(
    State(api): State<Api>,
    Path(name): Path<String>,
    body: Bytes,
) -> Response {
    // An empty body moves the session to its profile's next endpoint.
    let req: Migrate = if body.iter().all(u8::is_ascii_whitespace) {
        Migrate::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    &format!("the body is not {{\"target\": \"PROFILE-OR-HOST\"}}: {e}"),
                );
            }
        }
    };
    let done = api.pool.migrate(&name, req.target.as_deref()).await;
    answer(&api, &name, done)
}

pub(super) async fn endpoints(State(api): State<Api>) -> Response {
    Json(json!({ "endpoints": api.pool.endpoint_report() })).into_response()
}
