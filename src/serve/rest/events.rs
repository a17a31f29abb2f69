//! `GET /api/v1/events`: a server-sent-events stream of what happens to the pool's sessions
//! ([`PoolEvent`]s, as JSON, named as the webhooks name them: `session.connected`,
//! `endpoint.down`, ...), so that monitors need not poll; with `?stats=SECONDS`, also a
//! `stats` event with every session's summary at that interval. The stream opens with a
//! `hello` event listing the sessions. Events carry no screen text.
//!
//! A stream ends when the server shuts down ([`close_streams`]), so that an open monitor
//! never holds up `r3270 serve`'s exit.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};

use super::super::http::Api;
use super::super::pool::{Pool, PoolEvent};
use super::{error, summary};

/// Set once the server is shutting down: every stream ends.
fn closing() -> &'static watch::Sender<bool> {
    static CLOSING: OnceLock<watch::Sender<bool>> = OnceLock::new();
    CLOSING.get_or_init(|| watch::channel(false).0)
}

/// Ends every event stream (at shutdown; streams opened later end at once).
pub fn close_streams() {
    closing().send_replace(true);
}

/// An event's name and body.
pub fn describe(e: &PoolEvent) -> (&'static str, Value) {
    match e {
        PoolEvent::Connected {
            session,
            profile,
            endpoint,
        } => (
            "session.connected",
            json!({ "session": session, "profile": profile, "endpoint": endpoint }),
        ),
        PoolEvent::Disconnected {
            session,
            profile,
            reason,
        } => (
            "session.disconnected",
            json!({ "session": session, "profile": profile, "reason": reason }),
        ),
        PoolEvent::FailedOver {
            session,
            profile,
            from,
            to,
            reason,
        } => (
            "session.failed-over",
            json!({ "session": session, "profile": profile, "from": from, "to": to, "reason": reason }),
        ),
        PoolEvent::Failed {
            session,
            profile,
            reason,
        } => (
            "session.failed",
            json!({ "session": session, "profile": profile, "reason": reason }),
        ),
        PoolEvent::Created { session, profile } => (
            "session.created",
            json!({ "session": session, "profile": profile }),
        ),
        PoolEvent::Closed { session, profile } => (
            "session.closed",
            json!({ "session": session, "profile": profile }),
        ),
        PoolEvent::EndpointDown { endpoint, reason } => (
            "endpoint.down",
            json!({ "endpoint": endpoint, "reason": reason }),
        ),
        PoolEvent::EndpointUp { endpoint } => ("endpoint.up", json!({ "endpoint": endpoint })),
        PoolEvent::ResponseSlow {
            session,
            profile,
            millis,
        } => (
            "session.response-slow",
            json!({ "session": session, "profile": profile, "millis": millis }),
        ),
        PoolEvent::MacroFailed {
            session,
            profile,
            name,
            reason,
        } => (
            "macro.failed",
            json!({ "session": session, "profile": profile, "macro": name, "reason": reason }),
        ),
        PoolEvent::AuditFailure { session, reason } => (
            "audit.failure",
            json!({ "session": session, "reason": reason }),
        ),
    }
}

#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Seconds between `stats` events (none when absent).
    stats: Option<f64>,
}

/// What a stream holds between two events.
struct Feed {
    pool: Arc<Pool>,
    rx: broadcast::Receiver<PoolEvent>,
    stop: watch::Receiver<bool>,
    tick: Option<tokio::time::Interval>,
    hello: bool,
}

fn sessions(pool: &Pool) -> Value {
    let list: Vec<Value> = pool.sessions().iter().map(|s| summary(s)).collect();
    json!({ "sessions": list })
}

async fn tick(t: &mut Option<tokio::time::Interval>) {
    match t {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// The next event of the stream, or `None` when it ends.
async fn next(mut f: Feed) -> Option<(Result<Event, Infallible>, Feed)> {
    if f.hello {
        f.hello = false;
        let ev = Event::default()
            .event("hello")
            .data(sessions(&f.pool).to_string());
        return Some((Ok(ev), f));
    }
    let ev = tokio::select! {
        _ = f.stop.wait_for(|c| *c) => return None,
        r = f.rx.recv() => match r {
            Ok(e) => {
                let (name, body) = describe(&e);
                Event::default().event(name).data(body.to_string())
            }
            Err(broadcast::error::RecvError::Lagged(n)) => Event::default()
                .event("lagged")
                .data(json!({ "missed": n }).to_string()),
            Err(broadcast::error::RecvError::Closed) => return None,
        },
        () = tick(&mut f.tick) => Event::default()
            .event("stats")
            .data(sessions(&f.pool).to_string()),
    };
    Some((Ok(ev), f))
}

pub async fn stream(State(api): State<Api>, q: Result<Query<Params>, QueryRejection>) -> Response {
    let p = match q {
        Ok(Query(p)) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let tick = match p.stats {
        None => None,
        Some(s) if (1.0..=86_400.0).contains(&s) => {
            let period = Duration::from_secs_f64(s);
            let mut i = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            i.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            Some(i)
        }
        Some(_) => return error(StatusCode::BAD_REQUEST, "stats: 1 to 86400 seconds"),
    };
    let feed = Feed {
        rx: api.pool.subscribe(),
        pool: api.pool.clone(),
        stop: closing().subscribe(),
        tick,
        hello: true,
    };
    Sse::new(futures_util::stream::unfold(feed, next))
        .keep_alive(KeepAlive::default())
        .into_response()
}
