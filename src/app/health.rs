//! Endpoint health: what the probes of `health-check` profiles found, which endpoint to
//! probe when, and the order that avoids endpoints known to be down.
//!
//! The App keeps one [`EndpointHealth`] per endpoint of every profile that has a tab open
//! (its host and its alternates), probed only when the profile has a `health-check`. The
//! schedule is sans-IO like everything in the App: [`App::next_deadline`] includes the next
//! probe, the timer arm asks for it with [`Effect::Probe`], and the loop runs it
//! (`runtime::probe`) and hands the result back as [`Event::Probe`]. At most one probe per
//! endpoint is in flight; the next is due an interval later plus up to a tenth of jitter, so
//! the probes of many endpoints spread out and a host that flaps costs no more traffic.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::app::{App, Effect, Tab};
use crate::config::{HealthCheck, Profile};
use crate::runtime::host::HostSpec;

/// What is known of an endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Not probed yet (or its profile has no `health-check`).
    Unknown,
    Up,
    Down,
}

impl Health {
    pub fn word(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Up => "up",
            Health::Down => "down",
        }
    }
}

/// One endpoint's health, as the monitor's endpoints table shows it.
#[derive(Clone, Debug)]
pub struct EndpointHealth {
    /// The profiles that name it.
    pub profiles: Vec<String>,
    pub health: Health,
    /// How it is probed (`None`: its profiles have no `health-check`).
    pub check: Option<HealthCheck>,
    /// When the last probe ended, and how long it took to hear the host when it did.
    pub last_probe: Option<(Instant, Option<Duration>)>,
    /// The last probe's error and since when the endpoint has been failing.
    pub last_error: Option<(String, Instant)>,
    /// A profile to open the probe's connection with (TLS settings, connect timeout).
    profile: Profile,
    next_at: Option<Instant>,
    in_flight: bool,
    probes: u64,
}

/// A profile's endpoints: its host, then each alternate that parses.
pub(crate) fn endpoints(profile: &Profile) -> Vec<HostSpec> {
    let mut all = vec![profile.host_spec()];
    all.extend(profile.alternates.iter().filter_map(|a| a.parse().ok()));
    all
}

/// The endpoint a tab is on: the one its connection named, else the first it will try.
pub(crate) fn endpoint_of(tab: &Tab) -> String {
    tab.driver()
        .stats()
        .link
        .endpoint
        .unwrap_or_else(|| tab.profile.host_spec().to_string())
}

/// Up to a tenth of `interval`, spread by the endpoint's name and the probe's number (the
/// App has no random source, and needs none: the point is that endpoints drift apart).
fn jitter(endpoint: &str, n: u64, interval: Duration) -> Duration {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in endpoint.bytes().chain(n.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let per_mille = u32::try_from(h % 1000).unwrap_or(0);
    interval / 10 * per_mille / 1000
}

impl App {
    /// Every endpoint of the profiles in use, with what the probes found.
    pub fn endpoint_health(&self) -> &BTreeMap<String, EndpointHealth> {
        &self.health
    }

    /// Whether probes found `endpoint` down.
    pub(crate) fn is_down(&self, endpoint: &str) -> bool {
        self.health
            .get(endpoint)
            .is_some_and(|e| e.health == Health::Down)
    }

    /// The endpoints table follows the tabs: endpoints of profiles no tab uses are
    /// forgotten, new ones are probed at once.
    pub(crate) fn sync_endpoints(&mut self, now: Instant) {
        let mut wanted: BTreeMap<String, (Vec<String>, Option<HealthCheck>, &Profile)> =
            BTreeMap::new();
        for tab in &self.tabs {
            for spec in endpoints(&tab.profile) {
                let entry = wanted
                    .entry(spec.to_string())
                    .or_insert_with(|| (Vec::new(), None, &tab.profile));
                if !entry.0.contains(&tab.profile.name) {
                    entry.0.push(tab.profile.name.clone());
                }
                if entry.1.is_none() {
                    entry.1 = tab.profile.health_check;
                    entry.2 = &tab.profile;
                }
            }
        }
        self.health.retain(|k, _| wanted.contains_key(k));
        for (endpoint, (profiles, check, profile)) in wanted {
            let e = self
                .health
                .entry(endpoint)
                .or_insert_with(|| EndpointHealth {
                    profiles: Vec::new(),
                    health: Health::Unknown,
                    check: None,
                    last_probe: None,
                    last_error: None,
                    profile: profile.clone(),
                    next_at: None,
                    in_flight: false,
                    probes: 0,
                });
            e.profiles = profiles;
            if e.check != check {
                e.check = check;
                e.profile = profile.clone();
                e.next_at = check.map(|_| now);
                if check.is_none() {
                    e.health = Health::Unknown;
                }
            }
        }
    }

    /// The next probe due, for [`App::next_deadline`].
    pub(crate) fn next_probe(&self) -> Option<Instant> {
        self.health
            .values()
            .filter(|e| !e.in_flight)
            .filter_map(|e| e.next_at)
            .min()
    }

    /// Probes due at `now`, as effects.
    pub(crate) fn due_probes(&mut self, now: Instant, effects: &mut Vec<Effect>) {
        for (endpoint, e) in &mut self.health {
            let (Some(check), Some(at)) = (e.check, e.next_at) else {
                continue;
            };
            if e.in_flight || at > now {
                continue;
            }
            let Ok(spec) = endpoint.parse::<HostSpec>() else {
                continue;
            };
            e.in_flight = true;
            e.probes += 1;
            let mut profile = e.profile.clone();
            profile.host.clone_from(&spec.host);
            profile.port = Some(spec.port);
            effects.push(Effect::Probe {
                endpoint: endpoint.clone(),
                spec,
                profile: Box::new(profile),
                timeout: check.timeout,
            });
        }
    }

    /// A probe's result.
    pub(crate) fn probed(
        &mut self,
        endpoint: &str,
        result: Result<Duration, String>,
        now: Instant,
    ) {
        let Some(e) = self.health.get_mut(endpoint) else {
            // Its profile's last tab closed while it ran.
            return;
        };
        e.in_flight = false;
        match result {
            Ok(latency) => {
                if e.health == Health::Down {
                    tracing::info!(endpoint, "endpoint up again");
                }
                e.health = Health::Up;
                e.last_probe = Some((now, Some(latency)));
            }
            Err(why) => {
                if e.health != Health::Down {
                    tracing::info!(endpoint, error = %why, "endpoint down");
                }
                let since = match (&e.last_error, e.health) {
                    (Some((_, since)), Health::Down) => *since,
                    _ => now,
                };
                e.health = Health::Down;
                e.last_probe = Some((now, None));
                e.last_error = Some((why, since));
            }
        }
        if let Some(check) = e.check {
            e.next_at = Some(now + check.interval + jitter(endpoint, e.probes, check.interval));
        }
    }

    /// `profile` with the endpoint at `start` first, the others after it in their order,
    /// and the endpoints known to be down last (all of them as they were when every one is
    /// down: something must be tried).
    pub(crate) fn order_endpoints(&self, profile: Profile, start: usize) -> Profile {
        let all = endpoints(&profile);
        let n = all.len();
        if n < 2 {
            return profile;
        }
        let mut order: Vec<&HostSpec> = (0..n).map(|i| &all[(start + i) % n]).collect();
        if order.iter().any(|s| !self.is_down(&s.to_string())) {
            order.sort_by_key(|s| self.is_down(&s.to_string()));
        }
        let first = order[0];
        let mut p = profile.clone();
        p.host.clone_from(&first.host);
        p.port = Some(first.port);
        p.lu.clone_from(&first.lu);
        p.tn3270e = first.tn3270e;
        p.tls = if first.tls {
            crate::config::TlsMode::Direct
        } else if p.tls == crate::config::TlsMode::Direct {
            crate::config::TlsMode::Off
        } else {
            p.tls
        };
        p.alternates = order[1..].iter().map(ToString::to_string).collect();
        p
    }
}
