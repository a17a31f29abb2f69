//! `GET /api/v1/sessions/{name}/screen`: a session's screen as JSON — its rows, the cursor,
//! the size, the field map and the operator information area — built by the code that
//! writes `r3270 screen --json` (`headless::fields`, `headless::status`).
//!
//! Non-display fields never show: the rows come from `Session::text_rows`, which blanks
//! them, and their entries in the field map have an empty text.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::headless;
use crate::runtime::client::Client;
use crate::script::keyboard_waits;
use crate::script_mode::State as ScriptState;

use super::super::http::Api;
use super::{error, pool_error};

/// The screen of `client` now.
pub fn of(client: &Client) -> Value {
    let session = client.session();
    let screen = session.screen();
    let rows = session.text_rows();
    let fields = headless::fields(session, &rows);
    let dims = screen.dims();
    let cursor = screen.cursor_position();
    let oia = session.oia();
    let status = headless::status(client);
    json!({
        "rows": rows,
        "cursor": { "row": cursor.row, "col": cursor.col },
        "size": { "rows": dims.rows, "cols": dims.cols },
        "formatted": screen.is_formatted(),
        "fields": fields,
        "oia": {
            "locked": oia.lock.is_some(),
            "lock_reason": oia.lock.map(crate::proto::LockReason::label),
            "waiting_for_host": keyboard_waits(client.driver()),
            "mode": headless::mode_name(session.mode()),
            "insert": oia.insert,
            "typeahead": oia.typeahead,
            "alarm": oia.alarm,
            "lu": oia.lu,
            "terminal_type": status.terminal_type,
            "tls": status.tls,
            "last_response_ms": oia.last_response_time.map(|d| d.as_secs_f64() * 1000.0),
        },
        "host": status.host,
        "ended": status.ended,
        "audit_session": client.driver().audit_session(),
    })
}

/// The screen of a session's state, or why there is none.
pub fn of_state(state: &ScriptState) -> Result<Value, String> {
    match state.client() {
        Some(c) => Ok(of(c)),
        None => Err(state.ended_reason().map_or_else(
            || "the session is not connected".to_owned(),
            |why| format!("the session is not connected ({why})"),
        )),
    }
}

pub async fn get(State(api): State<Api>, Path(name): Path<String>) -> Response {
    let session = match api.pool.get(&name) {
        Ok(s) => s,
        Err(e) => return pool_error(&e),
    };
    let screen = session
        .with(|state| Box::pin(async move { of_state(state) }))
        .await;
    match screen {
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err(why)) => error(StatusCode::CONFLICT, &why),
        Err(e) => pool_error(&e),
    }
}
