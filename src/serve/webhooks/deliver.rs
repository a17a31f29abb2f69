//! Delivery: one task per webhook takes the due events of its queue one at a time, signs
//! each attempt by the Standard Webhooks scheme and POSTs it; a failure is retried with
//! exponential backoff and jitter, until `max-attempts` or `give-up-seconds`. Each final
//! outcome is written to the outbox, counted, and recorded in the audit log.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio::sync::{Notify, watch};

use super::outbox::{Outbox, Pending};
use super::settings::WebhookSettings;
use crate::serve::pool::Pool;

/// `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")): the `webhook-signature`
/// header of the Standard Webhooks scheme.
pub fn signature(key: &[u8], id: &str, timestamp: u64, body: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| {
        // HMAC takes keys of any length; this arm is never taken.
        <Hmac<Sha256> as KeyInit>::new(&hmac::digest::Key::<Hmac<Sha256>>::default())
    });
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag)
    )
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A number in 0..=1 from the OS's random source (for the jitter).
fn jitter() -> f64 {
    // 53 random bits make an exact f64 fraction.
    #[allow(clippy::cast_precision_loss)]
    getrandom::u64().map_or(0.5, |r| (r >> 11) as f64 / (1u64 << 53) as f64)
}

/// One event in a webhook's queue.
#[derive(Debug)]
struct Item {
    pending: Pending,
    attempts: u32,
    due: Instant,
    busy: bool,
}

/// What one webhook has done, for `GET /api/v1/webhooks`.
#[derive(Debug, Default)]
pub struct HookStats {
    pub delivered: AtomicU64,
    /// Attempts that failed (each retry counts).
    pub failed: AtomicU64,
    pub gave_up: AtomicU64,
    /// Events dropped because `max-pending` were already waiting.
    pub dropped: AtomicU64,
    /// The last failure (when, why) and the last delivery (when).
    pub last_error: Mutex<Option<(String, String)>>,
    pub last_delivered: Mutex<Option<String>>,
}

/// One configured webhook: its settings, key, queue and figures.
pub struct Hook {
    pub settings: WebhookSettings,
    pub name: String,
    key: Vec<u8>,
    queue: Mutex<BTreeMap<u64, Item>>,
    next: AtomicU64,
    wake: Notify,
    pub stats: HookStats,
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl Hook {
    pub fn new(settings: WebhookSettings) -> Result<Hook, String> {
        let name = settings.display_name();
        let key = settings
            .key()
            .map_err(|why| format!("webhook `{name}`: {why}"))?;
        Ok(Hook {
            settings,
            name,
            key,
            queue: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(0),
            wake: Notify::new(),
            stats: HookStats::default(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Item>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Events waiting (in flight included).
    pub fn pending(&self) -> usize {
        self.lock().len()
    }

    /// Queues `p`, due now; returns the oldest waiting event when that made more than
    /// `max-pending` (it is dropped from the queue).
    pub fn push(&self, p: Pending) -> Option<Pending> {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        let mut q = self.lock();
        q.insert(
            seq,
            Item {
                pending: p,
                attempts: 0,
                due: Instant::now(),
                busy: false,
            },
        );
        let dropped = if q.len() > self.settings.max_pending {
            let oldest = q.iter().find(|(_, i)| !i.busy).map(|(s, _)| *s);
            oldest.and_then(|s| q.remove(&s)).map(|i| i.pending)
        } else {
            None
        };
        drop(q);
        self.wake.notify_one();
        dropped
    }

    /// The next due event (marked busy) with its attempts so far, or when the next one
    /// falls due.
    fn take_due(&self, now: Instant) -> Result<(u64, Pending, u32), Option<Instant>> {
        let mut q = self.lock();
        let next = q
            .iter()
            .filter(|(_, i)| !i.busy)
            .min_by_key(|(seq, i)| (i.due, **seq))
            .map(|(seq, i)| (*seq, i.due));
        match next {
            Some((seq, due)) if due <= now => match q.get_mut(&seq) {
                Some(i) => {
                    i.busy = true;
                    Ok((seq, i.pending.clone(), i.attempts))
                }
                None => Err(None),
            },
            Some((_, due)) => Err(Some(due)),
            None => Err(None),
        }
    }
}

/// What the delivery tasks share.
pub struct Shared {
    pub pool: Arc<Pool>,
    pub outbox: Arc<Mutex<Outbox>>,
    pub client: reqwest::Client,
}

/// The HTTP client for deliveries: no redirects (a signed event goes where it was
/// configured to go, or fails).
pub fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("r3270/", env!("CARGO_PKG_VERSION"), " (webhooks)"))
        .build()
        .map_err(|e| format!("cannot set up the webhook HTTP client: {e}"))
}

/// Writes an outcome to the outbox off the async threads (it fsyncs).
pub async fn record_done(outbox: &Arc<Mutex<Outbox>>, webhook: &str, id: &str, outcome: &str) {
    let ob = outbox.clone();
    let (w, i, o) = (webhook.to_owned(), id.to_owned(), outcome.to_owned());
    let done = tokio::task::spawn_blocking(move || {
        ob.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .done(&w, &i, &o)
    })
    .await;
    match done {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "webhook outbox"),
        Err(e) => tracing::error!(error = %e, "webhook outbox task"),
    }
}

/// Delivers `hook`'s queue; once `stop` turns true, only what is due now (the events
/// announced while stopping included), then returns.
pub async fn run(hook: Arc<Hook>, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let stopping = *stop.borrow();
        let wake = hook.wake.notified();
        match hook.take_due(Instant::now()) {
            Ok((seq, pending, attempts)) => {
                let result = attempt(&shared.client, &hook, &pending).await;
                settle(&hook, &shared, seq, &pending, attempts + 1, result).await;
            }
            Err(_) if stopping => return,
            Err(when) => {
                let sleep = async {
                    match when {
                        Some(t) => tokio::time::sleep_until(t.into()).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    () = wake => {}
                    () = sleep => {}
                    changed = stop.changed() => {
                        // The service was dropped without a shutdown: nothing to wait for.
                        if changed.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
}

/// One signed POST; the HTTP status on a 2xx, else why not.
async fn attempt(client: &reqwest::Client, hook: &Hook, p: &Pending) -> Result<u16, String> {
    let ts = unix_now();
    let sig = signature(&hook.key, &p.id, ts, &p.body);
    let sent = client
        .post(&hook.settings.url)
        .timeout(Duration::from_secs(hook.settings.timeout_seconds))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &p.id)
        .header("webhook-timestamp", ts.to_string())
        .header("webhook-signature", sig)
        .body(p.body.clone())
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => Ok(r.status().as_u16()),
        Ok(r) => Err(format!("the receiver answered HTTP {}", r.status())),
        Err(e) => Err(describe(&e)),
    }
}

/// A reqwest error in a few words, without the URL (it may carry credentials).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else {
        "failed"
    };
    let mut why = String::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = src {
        why = s.to_string();
        src = s.source();
    }
    if why.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {why}")
    }
}

/// After an attempt: delivered, retried later, or given up.
async fn settle(
    hook: &Hook,
    shared: &Shared,
    seq: u64,
    p: &Pending,
    attempts: u32,
    result: Result<u16, String>,
) {
    let counters = &shared.pool.counters;
    let now_text = crate::audit::time::now();
    match result {
        Ok(status) => {
            hook.lock().remove(&seq);
            counters.webhook_delivered.fetch_add(1, Ordering::Relaxed);
            hook.stats.delivered.fetch_add(1, Ordering::Relaxed);
            *hook
                .stats
                .last_delivered
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(now_text);
            record_done(&shared.outbox, &hook.name, &p.id, "delivered").await;
            audit(shared, hook, p, "delivered", attempts, Some(status), None);
        }
        Err(why) => {
            counters.webhook_failed.fetch_add(1, Ordering::Relaxed);
            hook.stats.failed.fetch_add(1, Ordering::Relaxed);
            *hook
                .stats
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some((now_text, why.clone()));
            let age = unix_now().saturating_sub(p.created);
            if attempts >= hook.settings.max_attempts || age >= hook.settings.give_up_seconds {
                hook.lock().remove(&seq);
                hook.stats.gave_up.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    webhook = %hook.name, id = %p.id, event = %p.kind, attempts, error = %why,
                    "webhook: gave up on an event"
                );
                record_done(&shared.outbox, &hook.name, &p.id, "gave-up").await;
                audit(shared, hook, p, "gave-up", attempts, None, Some(&why));
            } else {
                let delay = hook.settings.backoff(attempts, jitter());
                tracing::debug!(
                    webhook = %hook.name, id = %p.id, attempts, error = %why,
                    retry_in_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                    "webhook: delivery failed, will retry"
                );
                if let Some(i) = hook.lock().get_mut(&seq) {
                    i.attempts = attempts;
                    i.due = Instant::now() + delay;
                    i.busy = false;
                }
            }
        }
    }
}

/// The `webhook` audit record of a final outcome (never the secret, nor the URL's user,
/// query or fragment).
fn audit(
    shared: &Shared,
    hook: &Hook,
    p: &Pending,
    outcome: &str,
    attempts: u32,
    status: Option<u16>,
    error: Option<&str>,
) {
    let Some(w) = shared.pool.audit_writer() else {
        return;
    };
    let body = serde_json::json!({
        "webhook": hook.name,
        "url": super::settings::bare_url(&hook.settings.url),
        "id": p.id,
        "event": p.kind,
        "outcome": outcome,
        "attempts": attempts,
        "status": status,
        "error": error,
    });
    if let Err(e) = w.append_json("webhook", &body.to_string()) {
        shared
            .pool
            .counters
            .audit_write_failures
            .fetch_add(1, Ordering::Relaxed);
        tracing::warn!(error = %e, "cannot record a webhook delivery in the audit log");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The value the `standardwebhooks` Python package computes for these inputs.
        let key = super::super::settings::decode_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        let sig = signature(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    fn settings(max_pending: usize) -> WebhookSettings {
        WebhookSettings {
            url: "http://127.0.0.1:9/x".to_owned(),
            secret: Some(super::super::settings::Secret::new(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            )),
            max_pending,
            ..WebhookSettings::default()
        }
    }

    fn p(id: &str) -> Pending {
        Pending {
            webhook: "w".to_owned(),
            id: id.to_owned(),
            kind: "session.connected".to_owned(),
            body: "{}".to_owned(),
            created: 0,
        }
    }

    #[test]
    fn a_full_queue_drops_its_oldest_waiting_event() {
        let h = Hook::new(settings(2)).unwrap();
        assert_eq!(h.push(p("1")), None);
        assert_eq!(h.push(p("2")), None);
        // The oldest is in flight: the next oldest goes.
        let (_, first, _) = h.take_due(Instant::now() + Duration::from_secs(1)).unwrap();
        assert_eq!(first.id, "1");
        assert_eq!(h.push(p("3")).map(|x| x.id), Some("2".to_owned()));
        assert_eq!(h.pending(), 2);
    }

    #[test]
    fn events_are_taken_in_order_of_due_time() {
        let h = Hook::new(settings(10)).unwrap();
        h.push(p("1"));
        h.push(p("2"));
        let later = Instant::now() + Duration::from_secs(1);
        let (s1, a, _) = h.take_due(later).unwrap();
        assert_eq!(a.id, "1");
        // Pushed back by a failure: the other goes first.
        h.lock().get_mut(&s1).unwrap().due = later + Duration::from_secs(60);
        h.lock().get_mut(&s1).unwrap().busy = false;
        assert_eq!(h.take_due(later).unwrap().1.id, "2");
        assert!(matches!(h.take_due(later), Err(Some(_))));
    }
}
