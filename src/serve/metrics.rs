//! `/metrics`: the Prometheus text format, every figure read at scrape time from what the
//! sessions published (measured in the engine and the driver), labels bounded to profile,
//! endpoint and state.

use std::fmt::Write as _;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::http::Api;
use super::pool::SessionState;

pub fn routes() -> Router<Api> {
    Router::new().route("/metrics", get(scrape))
}

async fn scrape(State(api): State<Api>) -> Response {
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
    let sessions = api.pool.sessions();
    for state in SessionState::ALL {
        let n = sessions.iter().filter(|s| s.meta().state == state).count();
        let _ = writeln!(out, "r3270_sessions{{state=\"{}\"}} {n}", state.word());
    }
    let mut r = out.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}
