//! The HTTP side: the router (the s3270-compatible paths, the REST API, `/metrics`), the
//! token check, the rate limit and the request timeout, and the listener (TCP, or TLS with
//! the `[api]` section's certificate).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::compat::{self, Mode};
use super::pool::{Pool, SessionHandle};
use super::token::Token;

/// The client's address, for the audit log (plain TCP and TLS alike).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for Peer
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, super::TlsListener>>
    for Peer
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, super::TlsListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct Api {
    pub pool: Arc<Pool>,
    pub token: Token,
    pub limiter: Arc<Limiter>,
    pub request_timeout: Duration,
    pub started: std::time::SystemTime,
}

/// A token bucket for all clients together: `rate` requests a second, bursts of twice that.
#[derive(Debug)]
pub struct Limiter {
    rate: f64,
    state: Mutex<(f64, Instant)>,
}

impl Limiter {
    pub fn new(rate: u32) -> Limiter {
        let rate = f64::from(rate);
        Limiter {
            rate,
            state: Mutex::new((rate * 2.0, Instant::now())),
        }
    }

    /// Takes one request's token, if there is one.
    pub fn take(&self) -> bool {
        let mut g = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let refill = now.duration_since(g.1).as_secs_f64() * self.rate;
        g.0 = (g.0 + refill).min(self.rate * 2.0);
        g.1 = now;
        if g.0 >= 1.0 {
            g.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The whole API.
pub fn router(api: Api, max_body: usize) -> Router {
    let compat = Router::new()
        .route("/3270/rest/post", post(compat_post))
        .route("/3270/rest/{mode}/", get(compat::missing))
        .route("/3270/rest/{mode}", get(compat::missing))
        .route("/3270/rest/{mode}/{*actions}", get(compat_get))
        .route("/session/{name}/3270/rest/post", post(compat_post_named))
        .route(
            "/session/{name}/3270/rest/{mode}/{*actions}",
            get(compat_get_named),
        );
    Router::new()
        .merge(compat)
        .merge(super::rest::routes())
        .merge(super::metrics::routes())
        .layer(middleware::from_fn_with_state(api.clone(), guard))
        .layer(middleware::from_fn_with_state(
            api.clone(),
            super::metrics::count_responses,
        ))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(api)
}

/// Every request: the rate limit, then the token (401 when none is given, 403 when it is
/// wrong, with no detail either way), then the request timeout; calls that change
/// something are recorded in the audit log.
async fn guard(State(api): State<Api>, req: Request, next: Next) -> Response {
    let gate = Gate {
        limiter: &api.limiter,
        token: &api.token,
        request_timeout: api.request_timeout,
        audit: api.pool.audit_writer(),
        client: None,
    };
    let (response, recorded) = gate.run(req, next).await;
    match recorded {
        Some(Ok(())) => {
            api.pool
                .counters
                .audit_api_records
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Some(Err(e)) => {
            api.pool
                .counters
                .audit_write_failures
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            api.pool.announce(super::pool::PoolEvent::AuditFailure {
                session: None,
                reason: e,
            });
        }
        None => {}
    }
    response
}

/// What every API request passes, in `r3270 serve` and in the interactive client alike.
pub struct Gate<'a> {
    pub limiter: &'a Limiter,
    pub token: &'a Token,
    pub request_timeout: Duration,
    /// Where `api-call` records go (none: not recorded).
    pub audit: Option<&'a crate::audit::SharedWriter>,
    /// Named in the records (`"tui"` for the interactive client).
    pub client: Option<&'static str>,
}

impl Gate<'_> {
    /// The rate limit, the token, the request under its timeout, then its `api-call`
    /// record when it may have changed something: the response, and whether the record
    /// was written (`None` when there was none to write).
    pub async fn run(&self, req: Request, next: Next) -> (Response, Option<Result<(), String>>) {
        if !self.limiter.take() {
            return ((StatusCode::TOO_MANY_REQUESTS, "").into_response(), None);
        }
        match presented_token(req.headers()) {
            None => {
                let mut r = (StatusCode::UNAUTHORIZED, "").into_response();
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    header::HeaderValue::from_static("Bearer"),
                );
                return (r, None);
            }
            Some(t) if !self.token.matches(&t) => {
                return ((StatusCode::FORBIDDEN, "").into_response(), None);
            }
            Some(_) => {}
        }
        let record = audit_line(&req);
        let peer = req
            .extensions()
            .get::<ConnectInfo<Peer>>()
            .map(|c| c.0.0.to_string());
        let caller = req
            .headers()
            .get("x-r3270-caller")
            .or_else(|| req.headers().get(header::USER_AGENT))
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(80).collect::<String>());
        let response = match tokio::time::timeout(self.request_timeout, next.run(req)).await {
            Ok(r) => r,
            Err(_) => (
                StatusCode::GATEWAY_TIMEOUT,
                "the request ran past api.request-timeout\n",
            )
                .into_response(),
        };
        let (Some((method, path)), Some(w)) = (record, self.audit) else {
            return (response, None);
        };
        let mut body = serde_json::json!({
            "method": method,
            "path": path,
            "peer": peer,
            "caller": caller,
            "status": response.status().as_u16(),
        });
        if let Some(c) = self.client {
            body["client"] = serde_json::Value::from(c);
        }
        let written = w
            .append_json("api-call", &body.to_string())
            .map(|_| ())
            .map_err(|e| {
                tracing::warn!(error = %e, "cannot record an API call in the audit log");
                e.to_string()
            });
        (response, Some(written))
    }
}

/// The token a request carries: `Authorization: Bearer T`, or x3270's `x3270-security`
/// cookie.
pub fn presented_token(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        if let Some(t) = v.strip_prefix("Bearer ") {
            return Some(t.trim().to_owned());
        }
    }
    for v in headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(';') {
            if let Some((k, val)) = part.split_once('=') {
                if k.trim() == "x3270-security" {
                    return Some(val.trim().to_owned());
                }
            }
        }
    }
    None
}

/// What the audit log records of a call that may change something: the method and the
/// path, with an s3270 action line cut to its action names (arguments may be typed text,
/// a password among them).
pub fn audit_line(req: &Request) -> Option<(String, String)> {
    let path = req.uri().path();
    let reads = req.method() == Method::GET || req.method() == Method::HEAD;
    if let Some(i) = path.find("/3270/rest/") {
        let rest = &path[i + "/3270/rest/".len()..];
        let actions = rest.split_once('/').map_or("", |(_, a)| a);
        let decoded = percent_decode(actions);
        let names: Vec<&str> = decoded
            .split(')')
            .filter_map(|p| p.split('(').next())
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .collect();
        let pure_read = names
            .iter()
            .all(|n| READ_ONLY.contains(&n.to_ascii_lowercase().as_str()));
        if reads && pure_read && !names.is_empty() {
            return None;
        }
        let shown = format!(
            "{}{}",
            &path[..i + "/3270/rest/".len()],
            rest.split('/').next().unwrap_or("")
        );
        return Some((
            req.method().to_string(),
            format!("{shown} {}", names.join(" ")),
        ));
    }
    if reads {
        return None;
    }
    Some((req.method().to_string(), path.to_owned()))
}

/// s3270 actions that change nothing.
const READ_ONLY: &[&str] = &[
    "ascii",
    "ascii1",
    "asciifield",
    "ebcdic",
    "ebcdic1",
    "ebcdicfield",
    "readbuffer",
    "query",
    "printtext",
    "snap",
    "wait",
];

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn run_compat(
    session: Result<Arc<SessionHandle>, super::pool::PoolError>,
    mode: Mode,
    line: &str,
) -> Response {
    let session = match session {
        Ok(s) => s,
        Err(e) => return compat::error(mode, StatusCode::NOT_FOUND, &e.to_string()),
    };
    match session.line(line).await {
        Ok(answer) => compat::reply(mode, &answer),
        Err(e) => compat::error(mode, StatusCode::NOT_FOUND, &e.to_string()),
    }
}

async fn compat_get(
    State(api): State<Api>,
    Path((mode, actions)): Path<(String, String)>,
) -> Response {
    let Some(mode) = Mode::parse(&mode) else {
        return compat::error(Mode::Html, StatusCode::NOT_FOUND, "Not found");
    };
    if actions.trim().is_empty() {
        return compat::error(mode, StatusCode::BAD_REQUEST, "Missing 3270 action.");
    }
    run_compat(api.pool.default_session(), mode, &actions).await
}

async fn compat_get_named(
    State(api): State<Api>,
    Path((name, mode, actions)): Path<(String, String, String)>,
) -> Response {
    let Some(mode) = Mode::parse(&mode) else {
        return compat::error(Mode::Html, StatusCode::NOT_FOUND, "Not found");
    };
    if actions.trim().is_empty() {
        return compat::error(mode, StatusCode::BAD_REQUEST, "Missing 3270 action.");
    }
    run_compat(api.pool.get(&name), mode, &actions).await
}

async fn compat_post(State(api): State<Api>, headers: HeaderMap, body: Bytes) -> Response {
    match compat::post_line(&headers, &body) {
        Ok(line) => run_compat(api.pool.default_session(), Mode::Json, &line).await,
        Err(e) => compat::error(Mode::Json, StatusCode::BAD_REQUEST, &e),
    }
}

async fn compat_post_named(
    State(api): State<Api>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match compat::post_line(&headers, &body) {
        Ok(line) => run_compat(api.pool.get(&name), Mode::Json, &line).await,
        Err(e) => compat::error(Mode::Json, StatusCode::BAD_REQUEST, &e),
    }
}

/// An empty body (for handlers that answer with a status alone).
pub fn empty(code: StatusCode) -> Response {
    (code, Body::empty()).into_response()
}
