//! The pool's endpoints: their health (the probes of `health-check` profiles), where each
//! profile's next session starts (`balance`), and how often each endpoint was tried.
//!
//! The table is the TUI's ([`crate::endpoints::HealthTable`]): it follows the profiles of
//! the pool's sessions, and one task ([`run`]) runs the probes it asks for with
//! [`crate::runtime::probe::probe`] — never more than one in flight per endpoint, each
//! endpoint again an interval (plus jitter) after its last probe ended. A probe sends
//! nothing, so it never takes an LU. An endpoint found down, or up again after being down,
//! is announced ([`PoolEvent::EndpointDown`], [`PoolEvent::EndpointUp`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::{Notify, broadcast};

use super::pool::{Pool, PoolEvent};
use crate::config::Profile;
use crate::endpoints::{Change, HealthTable};

/// Connection attempts to one endpoint by the pool's sessions, and how many failed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tries {
    pub attempts: u64,
    pub failures: u64,
}

/// What the pool knows of its endpoints, shared by the sessions' tasks and the probe task.
#[derive(Debug, Default)]
pub struct Endpoints {
    table: Mutex<HealthTable>,
    round_robin: Mutex<HashMap<String, usize>>,
    tries: Mutex<BTreeMap<String, Tries>>,
    /// Wakes the probe task: the sessions changed, a probe ended, or the pool is gone.
    wake: Notify,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One endpoint as `GET /api/v1/endpoints` shows it.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct EndpointReport {
    pub endpoint: String,
    /// The profiles (of sessions in the pool) that name it.
    pub profiles: Vec<String>,
    /// `up`, `down`, or `unknown` (not probed yet, or no `health-check`).
    pub health: &'static str,
    /// Seconds between probes and a probe's timeout; absent without `health-check`.
    pub probe_interval: Option<f64>,
    pub probe_timeout: Option<f64>,
    /// When the last probe ended (UTC), and how long the host took to negotiate then.
    pub last_probe: Option<String>,
    pub latency_ms: Option<f64>,
    /// The last probe's error, and since when the endpoint has been failing.
    pub last_error: Option<String>,
    pub down_since: Option<String>,
    /// Sessions connected to it now.
    pub sessions: usize,
    /// Connection attempts the pool's sessions made to it, and how many failed.
    pub attempts: u64,
    pub failures: u64,
}

/// `at` (a monotonic instant in the past) as a UTC time.
fn wall(at: Instant, now: Instant, wall_now: SystemTime) -> String {
    let ago = now.saturating_duration_since(at);
    crate::audit::time::format(wall_now.checked_sub(ago).unwrap_or(wall_now))
}

impl Endpoints {
    /// The table follows `profiles` (those of the pool's sessions); new endpoints are
    /// probed at once.
    pub fn sync(&self, profiles: &[Profile]) {
        lock(&self.table).sync(profiles, Instant::now());
        self.wake.notify_one();
    }

    /// Wake the probe task (the pool is gone, say).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    pub fn is_down(&self, endpoint: &str) -> bool {
        lock(&self.table).is_down(endpoint)
    }

    /// `profile`'s endpoints ordered by its `balance` for a new session (down ones last),
    /// and a note of the choice; `on(endpoint)` counts the profile's sessions there.
    pub fn balanced(
        &self,
        profile: Profile,
        on: &dyn Fn(&str) -> usize,
    ) -> (Profile, Option<String>) {
        let table = lock(&self.table);
        table.balanced(profile, &mut lock(&self.round_robin), on)
    }

    /// `profile`'s endpoints from its host on, the ones found down last (a reconnect's and
    /// a resume's order).
    pub fn order(&self, profile: Profile) -> Profile {
        lock(&self.table).order(profile, 0)
    }

    /// A session tried `endpoint`.
    pub fn tried(&self, endpoint: &str, ok: bool) {
        let mut tries = lock(&self.tries);
        let t = tries.entry(endpoint.to_owned()).or_default();
        t.attempts += 1;
        t.failures += u64::from(!ok);
    }

    /// Every endpoint of the profiles in use; `on(endpoint)` counts the sessions connected
    /// to it.
    pub fn report(&self, on: &dyn Fn(&str) -> usize) -> Vec<EndpointReport> {
        let table = lock(&self.table);
        let tries = lock(&self.tries);
        let (now, wall_now) = (Instant::now(), SystemTime::now());
        table
            .endpoints()
            .iter()
            .map(|(endpoint, e)| {
                let t = tries.get(endpoint).copied().unwrap_or_default();
                EndpointReport {
                    endpoint: endpoint.clone(),
                    profiles: e.profiles.clone(),
                    health: e.health.word(),
                    probe_interval: e.check.map(|c| c.interval.as_secs_f64()),
                    probe_timeout: e.check.map(|c| c.timeout.as_secs_f64()),
                    last_probe: e.last_probe.map(|(at, _)| wall(at, now, wall_now)),
                    latency_ms: e
                        .last_probe
                        .and_then(|(_, l)| l)
                        .map(|l| l.as_secs_f64() * 1000.0),
                    last_error: e.last_error.as_ref().map(|(why, _)| why.clone()),
                    down_since: e
                        .last_error
                        .as_ref()
                        .filter(|_| e.health == crate::endpoints::Health::Down)
                        .map(|(_, since)| wall(*since, now, wall_now)),
                    sessions: on(endpoint),
                    attempts: t.attempts,
                    failures: t.failures,
                }
            })
            .collect()
    }
}

/// The probe task: runs the probes the table asks for until the pool is gone.
pub(super) async fn run(pool: Weak<Pool>, shared: std::sync::Arc<Endpoints>) {
    loop {
        let next = {
            let Some(pool) = pool.upgrade() else {
                return;
            };
            let profiles = pool.profiles_in_use();
            let events = pool.event_sender();
            drop(pool);
            let now = Instant::now();
            let due = {
                let mut table = lock(&shared.table);
                table.sync(&profiles, now);
                table.due(now)
            };
            for req in due {
                let shared = shared.clone();
                let events = events.clone();
                tokio::spawn(async move {
                    let opts = req.profile.connect_options();
                    let result = crate::runtime::probe::probe(&req.spec, &opts, req.timeout).await;
                    probed(&shared, &events, &req.endpoint, result);
                });
            }
            lock(&shared.table).next_probe()
        };
        match next {
            Some(at) => {
                tokio::select! {
                    () = shared.wake.notified() => {}
                    () = tokio::time::sleep_until(tokio::time::Instant::from_std(at)) => {}
                }
            }
            None => shared.wake.notified().await,
        }
    }
}

/// A probe's result into the table, announced when it changed the endpoint's health.
fn probed(
    shared: &Endpoints,
    events: &broadcast::Sender<PoolEvent>,
    endpoint: &str,
    result: Result<Duration, String>,
) {
    let change = lock(&shared.table).probed(endpoint, result, Instant::now());
    match change {
        Some(Change::Down(reason)) => {
            let _ = events.send(PoolEvent::EndpointDown {
                endpoint: endpoint.to_owned(),
                reason,
            });
        }
        Some(Change::Up) => {
            let _ = events.send(PoolEvent::EndpointUp {
                endpoint: endpoint.to_owned(),
            });
        }
        None => {}
    }
    shared.wake.notify_one();
}
