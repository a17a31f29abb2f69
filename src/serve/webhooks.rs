//! Webhooks (docs/WEBHOOKS.md): what happens to sessions and endpoints, POSTed to the
//! `[[webhooks]]` receivers as thin JSON bodies signed by the Standard Webhooks scheme.
//!
//! A separate task takes the pool's events from its broadcast channel (a session never
//! waits for a webhook; a receiver that falls behind counts the events it lost), writes
//! each to the durable outbox ([`outbox`]) and queues it for every webhook that takes it;
//! one delivery task per webhook ([`deliver`]) sends, retries with backoff and jitter, and
//! records the outcome. [`Watch`] runs on each session's task and announces slow host
//! responses and audit failures. `GET /api/v1/webhooks` ([`routes`]) shows the figures.

pub mod deliver;
pub mod outbox;
pub mod settings;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::Extension;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::runtime::client::Client;
use crate::serve::http::Api;
use crate::serve::pool::{Pool, PoolEvent};
use deliver::Hook;
use outbox::{Outbox, Pending};
pub use settings::WebhookSettings;

/// The longest `reason` a body carries.
const MAX_REASON: usize = 300;
/// How long shutdown waits for deliveries in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// The event's type name, for the events webhooks carry.
pub fn event_type(ev: &PoolEvent) -> Option<&'static str> {
    Some(match ev {
        PoolEvent::Connected { .. } => "session.connected",
        PoolEvent::Disconnected { .. } => "session.disconnected",
        PoolEvent::FailedOver { .. } => "session.failed-over",
        PoolEvent::EndpointDown { .. } => "endpoint.down",
        PoolEvent::EndpointUp { .. } => "endpoint.up",
        PoolEvent::ResponseSlow { .. } => "session.response-slow",
        PoolEvent::MacroFailed { .. } => "macro.failed",
        PoolEvent::AuditFailure { .. } => "audit.failure",
        PoolEvent::Failed { .. } | PoolEvent::Created { .. } | PoolEvent::Closed { .. } => {
            return None;
        }
    })
}

fn reason(r: &str) -> String {
    r.chars().take(MAX_REASON).collect()
}

/// The body's `data`: names, endpoints and reasons, never screen text.
pub fn event_data(ev: &PoolEvent) -> Value {
    match ev {
        PoolEvent::Connected {
            session,
            profile,
            endpoint,
        } => json!({ "session": session, "profile": profile, "endpoint": endpoint }),
        PoolEvent::Disconnected {
            session,
            profile,
            reason: r,
        }
        | PoolEvent::Failed {
            session,
            profile,
            reason: r,
        } => json!({ "session": session, "profile": profile, "reason": reason(r) }),
        PoolEvent::FailedOver {
            session,
            profile,
            from,
            to,
            reason: r,
        } => json!({
            "session": session, "profile": profile, "from": from, "endpoint": to,
            "reason": reason(r),
        }),
        PoolEvent::Created { session, profile } | PoolEvent::Closed { session, profile } => {
            json!({ "session": session, "profile": profile })
        }
        PoolEvent::EndpointDown {
            endpoint,
            reason: r,
        } => json!({ "endpoint": endpoint, "reason": reason(r) }),
        PoolEvent::EndpointUp { endpoint } => json!({ "endpoint": endpoint }),
        PoolEvent::ResponseSlow {
            session,
            profile,
            millis,
        } => json!({ "session": session, "profile": profile, "response-ms": millis }),
        PoolEvent::MacroFailed {
            session,
            profile,
            name,
            reason: r,
        } => json!({
            "session": session, "profile": profile, "macro": name, "reason": reason(r),
        }),
        PoolEvent::AuditFailure { session, reason: r } => {
            json!({ "session": session, "reason": reason(r) })
        }
    }
}

/// The whole body: `{"type", "timestamp", "data"}`, in that order.
pub fn event_body(kind: &str, ev: &PoolEvent) -> String {
    format!(
        "{{\"type\":{},\"timestamp\":{},\"data\":{}}}",
        Value::from(kind),
        Value::from(crate::audit::time::now()),
        event_data(ev)
    )
}

/// A fresh `webhook-id`: `msg_` and 128 random bits in hex.
fn new_id() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No random source: the time and a counter still make ids unique in this process.
        static N: AtomicU64 = AtomicU64::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        return format!("msg_{t:x}{n:x}");
    }
    format!("msg_{}", hex::encode(b))
}

/// Whether `hook` takes `ev` (of type `kind`): it names the type, and a slow response is
/// slower than its own threshold.
fn takes(hook: &WebhookSettings, kind: &str, ev: &PoolEvent) -> bool {
    if !hook.wants(kind) {
        return false;
    }
    match ev {
        PoolEvent::ResponseSlow { millis, .. } => {
            u128::from(*millis) >= hook.slow_after().as_millis()
        }
        _ => true,
    }
}

/// Watches one session for what webhooks announce but the pool does not see: host
/// responses slower than the lowest `response-slow-seconds`, and the audit sink failing.
/// Checked on the session's task after each command (no locks shared with anyone).
#[derive(Debug)]
pub struct Watch {
    slow_after: Option<Duration>,
    state: Mutex<WatchState>,
}

#[derive(Debug, Default)]
struct WatchState {
    /// The connection whose responses were counted (its start), and how many.
    conn: Option<Instant>,
    seen: u64,
    audit_failing: bool,
}

impl Watch {
    pub fn new(config: &Config) -> Watch {
        let slow_after = config
            .webhooks
            .iter()
            .filter(|w| w.wants("session.response-slow"))
            .map(WebhookSettings::slow_after)
            .min();
        Watch {
            slow_after,
            state: Mutex::new(WatchState::default()),
        }
    }

    /// The events since the last check.
    pub fn check(&self, client: Option<&Client>, session: &str, profile: &str) -> Vec<PoolEvent> {
        let Some(c) = client else {
            return Vec::new();
        };
        let d = c.driver();
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut out = Vec::new();
        match (d.audit_failure(), st.audit_failing) {
            (Some(why), false) => {
                st.audit_failing = true;
                out.push(PoolEvent::AuditFailure {
                    session: Some(session.to_owned()),
                    reason: why.to_owned(),
                });
            }
            (None, true) => st.audit_failing = false,
            _ => {}
        }
        if let Some(limit) = self.slow_after {
            let stats = d.stats();
            if stats.link.connected_at != st.conn {
                st.conn = stats.link.connected_at;
                st.seen = 0;
            }
            let count = stats.session.response.count();
            let recent: Vec<Duration> = d.recent_responses().collect();
            if let Some(slowest) = slowest_new(&mut st.seen, count, &recent, limit) {
                out.push(PoolEvent::ResponseSlow {
                    session: session.to_owned(),
                    profile: profile.to_owned(),
                    millis: u64::try_from(slowest.as_millis()).unwrap_or(u64::MAX),
                });
            }
        }
        out
    }
}

/// Of the responses counted since `seen` (now `count`; `recent` holds the newest, oldest
/// first), the slowest if it reached `limit`.
fn slowest_new(
    seen: &mut u64,
    count: u64,
    recent: &[Duration],
    limit: Duration,
) -> Option<Duration> {
    if count < *seen {
        *seen = 0;
    }
    let new = usize::try_from(count - *seen).unwrap_or(usize::MAX);
    *seen = count;
    recent
        .iter()
        .rev()
        .take(new)
        .copied()
        .filter(|d| *d >= limit)
        .max()
}

/// The figures `GET /api/v1/webhooks` shows.
#[derive(Debug)]
pub struct Status {
    hooks: Vec<Arc<Hook>>,
    /// Events the intake task missed because it fell behind the pool's channel.
    lost: AtomicU64,
    outbox: Option<Arc<Mutex<Outbox>>>,
}

impl Status {
    pub fn json(&self) -> Value {
        let hooks: Vec<Value> = self
            .hooks
            .iter()
            .map(|h| {
                let s = &h.stats;
                let last_error = s
                    .last_error
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let last_delivered = s
                    .last_delivered
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                json!({
                    "name": h.name,
                    "url": settings::bare_url(&h.settings.url),
                    "events": h.settings.events,
                    "delivered": s.delivered.load(Ordering::Relaxed),
                    "failed": s.failed.load(Ordering::Relaxed),
                    "gave-up": s.gave_up.load(Ordering::Relaxed),
                    "dropped": s.dropped.load(Ordering::Relaxed),
                    "pending": h.pending(),
                    "last-delivered": last_delivered,
                    "last-error": last_error.as_ref().map(|(_, why)| why),
                    "last-error-at": last_error.as_ref().map(|(at, _)| at),
                })
            })
            .collect();
        let outbox = self
            .outbox
            .as_ref()
            .map(|o| o.lock().unwrap_or_else(PoisonError::into_inner).len());
        json!({
            "webhooks": hooks,
            "lost": self.lost.load(Ordering::Relaxed),
            "outbox-pending": outbox,
        })
    }
}

/// `GET /api/v1/webhooks`: each webhook's deliveries, failures and queue (no secrets).
pub fn routes() -> Router<Api> {
    Router::new().route("/api/v1/webhooks", get(list))
}

pub(super) async fn list(status: Option<Extension<Arc<Status>>>) -> Response {
    match status {
        Some(Extension(s)) => Json(s.json()).into_response(),
        None => Json(json!({ "webhooks": [], "lost": 0, "outbox-pending": null })).into_response(),
    }
}

/// The running webhook tasks of `r3270 serve`.
pub struct Service {
    status: Arc<Status>,
    stop_intake: watch::Sender<bool>,
    stop: watch::Sender<bool>,
    intake: Option<JoinHandle<()>>,
    workers: Vec<JoinHandle<()>>,
}

impl Service {
    /// Subscribes to `pool`'s events (call before any session opens), opens the outbox in
    /// the data directory, and starts delivering — what the outbox held first.
    pub async fn start(pool: &Arc<Pool>) -> Result<Service, String> {
        let (stop_intake, intake_rx) = watch::channel(false);
        let (stop, stop_rx) = watch::channel(false);
        let config = pool.config();
        if config.webhooks.is_empty() {
            return Ok(Service {
                status: Arc::new(Status {
                    hooks: Vec::new(),
                    lost: AtomicU64::new(0),
                    outbox: None,
                }),
                stop_intake,
                stop,
                intake: None,
                workers: Vec::new(),
            });
        }
        let rx = pool.subscribe();
        for warning in config
            .webhooks
            .iter()
            .filter_map(WebhookSettings::secret_file_warning)
        {
            eprintln!("r3270 serve: warning: {warning}");
            tracing::warn!("{warning}");
        }
        let hooks = config
            .webhooks
            .iter()
            .map(|w| Hook::new(w.clone()).map(Arc::new))
            .collect::<Result<Vec<_>, String>>()?;
        let dir = config.paths.data_dir.join("webhooks");
        let (outbox, pending) = tokio::task::spawn_blocking(move || Outbox::open(&dir))
            .await
            .map_err(|e| format!("cannot open the webhook outbox: {e}"))??;
        let outbox = Arc::new(Mutex::new(outbox));
        let shared = Arc::new(deliver::Shared {
            pool: pool.clone(),
            outbox: outbox.clone(),
            client: deliver::client()?,
        });
        requeue(&hooks, &outbox, pending).await;
        let status = Arc::new(Status {
            hooks: hooks.clone(),
            lost: AtomicU64::new(0),
            outbox: Some(outbox.clone()),
        });
        let workers = hooks
            .iter()
            .map(|h| tokio::spawn(deliver::run(h.clone(), shared.clone(), stop_rx.clone())))
            .collect();
        let intake = Intake {
            hooks,
            outbox,
            status: status.clone(),
        };
        let intake = tokio::spawn(intake.run(rx, intake_rx));
        Ok(Service {
            status,
            stop_intake,
            stop,
            intake: Some(intake),
            workers,
        })
    }

    /// The figures, for `GET /api/v1/webhooks`.
    pub fn status(&self) -> Arc<Status> {
        self.status.clone()
    }

    /// Writes the events already announced to the outbox, makes one more attempt at each
    /// event due (for a few seconds at most), and stops. Call after the sessions are closed, so their
    /// last events are kept for the next start.
    pub async fn shutdown(mut self) {
        let _ = self.stop_intake.send(true);
        if let Some(intake) = self.intake.take() {
            let _ = intake.await;
        }
        let _ = self.stop.send(true);
        let workers = std::mem::take(&mut self.workers);
        let aborts: Vec<_> = workers.iter().map(JoinHandle::abort_handle).collect();
        let all = async {
            for w in workers {
                let _ = w.await;
            }
        };
        if tokio::time::timeout(SHUTDOWN_GRACE, all).await.is_err() {
            for a in aborts {
                a.abort();
            }
        }
    }
}

/// Queues what the outbox held at start (before anything new); events for a webhook no
/// longer configured are dropped, with a warning.
async fn requeue(hooks: &[Arc<Hook>], outbox: &Arc<Mutex<Outbox>>, pending: Vec<Pending>) {
    if !pending.is_empty() {
        tracing::info!(
            events = pending.len(),
            "webhooks: delivering what the outbox held"
        );
    }
    for p in pending {
        if let Some(h) = hooks.iter().find(|h| h.name == p.webhook) {
            if let Some(old) = h.push(p) {
                drop_event(h, outbox, &old).await;
            }
        } else {
            tracing::warn!(
                webhook = %p.webhook, id = %p.id,
                "webhooks: the outbox holds an event for a webhook that is no longer configured; dropped"
            );
            deliver::record_done(outbox, &p.webhook, &p.id, "dropped").await;
        }
    }
}

/// An event pushed out of a full queue.
async fn drop_event(hook: &Hook, outbox: &Arc<Mutex<Outbox>>, p: &Pending) {
    hook.stats.dropped.fetch_add(1, Ordering::Relaxed);
    tracing::warn!(
        webhook = %hook.name, id = %p.id, event = %p.kind, max_pending = hook.settings.max_pending,
        "webhooks: too many events waiting; dropped the oldest"
    );
    deliver::record_done(outbox, &hook.name, &p.id, "dropped").await;
}

/// The task that takes the pool's events into the outbox and the queues.
struct Intake {
    hooks: Vec<Arc<Hook>>,
    outbox: Arc<Mutex<Outbox>>,
    status: Arc<Status>,
}

impl Intake {
    async fn run(self, mut rx: broadcast::Receiver<PoolEvent>, mut stop: watch::Receiver<bool>) {
        loop {
            let first = tokio::select! {
                r = rx.recv() => r,
                _ = stop.changed() => {
                    // Shutting down: keep what was announced already.
                    let batch = self.drain(&mut rx, Vec::new());
                    self.take(batch).await;
                    return;
                }
            };
            match first {
                Ok(ev) => {
                    let batch = self.drain(&mut rx, vec![ev]);
                    self.take(batch).await;
                }
                Err(broadcast::error::RecvError::Lagged(n)) => self.lagged(n),
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    /// `batch` and whatever else is waiting in the channel.
    fn drain(
        &self,
        rx: &mut broadcast::Receiver<PoolEvent>,
        mut batch: Vec<PoolEvent>,
    ) -> Vec<PoolEvent> {
        loop {
            match rx.try_recv() {
                Ok(ev) => batch.push(ev),
                Err(broadcast::error::TryRecvError::Lagged(n)) => self.lagged(n),
                Err(_) => return batch,
            }
        }
    }

    fn lagged(&self, n: u64) {
        self.status.lost.fetch_add(n, Ordering::Relaxed);
        tracing::warn!(
            events = n,
            "webhooks: fell behind the sessions' events; these were not sent"
        );
    }

    /// Writes the events to the outbox (one fsync), then queues them.
    async fn take(&self, batch: Vec<PoolEvent>) {
        let created = deliver::unix_now();
        let mut items: Vec<Pending> = Vec::new();
        for ev in &batch {
            let Some(kind) = event_type(ev) else {
                continue;
            };
            let targets: Vec<&Arc<Hook>> = self
                .hooks
                .iter()
                .filter(|h| takes(&h.settings, kind, ev))
                .collect();
            if targets.is_empty() {
                continue;
            }
            let id = new_id();
            let body = event_body(kind, ev);
            for h in targets {
                items.push(Pending {
                    webhook: h.name.clone(),
                    id: id.clone(),
                    kind: kind.to_owned(),
                    body: body.clone(),
                    created,
                });
            }
        }
        if items.is_empty() {
            return;
        }
        let ob = self.outbox.clone();
        let to_write = items.clone();
        let written = tokio::task::spawn_blocking(move || {
            ob.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .add(&to_write)
        })
        .await;
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(
                error = %e,
                "webhooks: cannot write the outbox; these events are sent but would not survive a restart"
            ),
            Err(e) => tracing::error!(error = %e, "webhooks: outbox task"),
        }
        for p in items {
            let Some(h) = self.hooks.iter().find(|h| h.name == p.webhook) else {
                continue;
            };
            if let Some(old) = h.push(p) {
                drop_event(h, &self.outbox, &old).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn only_new_responses_over_the_limit_are_slow() {
        let mut seen = 0;
        let recent = [ms(10), ms(3000), ms(20)];
        assert_eq!(slowest_new(&mut seen, 3, &recent, ms(1000)), Some(ms(3000)));
        assert_eq!(seen, 3);
        // Nothing new.
        assert_eq!(slowest_new(&mut seen, 3, &recent, ms(1000)), None);
        let recent = [ms(10), ms(3000), ms(20), ms(50)];
        assert_eq!(slowest_new(&mut seen, 4, &recent, ms(1000)), None);
        // A new connection counts from 0.
        let recent = [ms(1500)];
        assert_eq!(slowest_new(&mut seen, 1, &recent, ms(1000)), Some(ms(1500)));
    }

    #[test]
    fn bodies_are_thin_and_typed() {
        let ev = PoolEvent::Disconnected {
            session: "s1".to_owned(),
            profile: "mvs".to_owned(),
            reason: "x".repeat(1000),
        };
        let kind = event_type(&ev).unwrap();
        let body: Value = serde_json::from_str(&event_body(kind, &ev)).unwrap();
        assert_eq!(body["type"], "session.disconnected");
        assert!(
            event_body(kind, &ev).starts_with(r#"{"type":"session.disconnected","timestamp":"#)
        );
        assert_eq!(body["data"]["session"], "s1");
        assert_eq!(body["data"]["reason"].as_str().unwrap().len(), MAX_REASON);
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(
            event_type(&PoolEvent::Created {
                session: "s".to_owned(),
                profile: "p".to_owned()
            }),
            None
        );
    }

    #[test]
    fn slow_responses_go_to_webhooks_whose_threshold_they_pass() {
        let hook = WebhookSettings {
            events: vec!["session.response-slow".to_owned()],
            response_slow_seconds: 2.0,
            ..WebhookSettings::default()
        };
        let slow = |millis| PoolEvent::ResponseSlow {
            session: "s".to_owned(),
            profile: "p".to_owned(),
            millis,
        };
        assert!(takes(&hook, "session.response-slow", &slow(2000)));
        assert!(!takes(&hook, "session.response-slow", &slow(1999)));
        let up = PoolEvent::EndpointUp {
            endpoint: "e".to_owned(),
        };
        assert!(!takes(&hook, "endpoint.up", &up));
        assert!(new_id().starts_with("msg_"));
        assert_ne!(new_id(), new_id());
    }
}
