//! A profile's endpoints (its `host`, then its `alternates`): their health as the probes of
//! `health-check` profiles found it, the probe schedule, and the orders that balancing,
//! failover, reconnects and migrations try them in.
//!
//! Pure: no I/O and no clock (`now` is passed in). The TUI's App and `r3270 serve`'s pool
//! each keep one [`HealthTable`] and run the probes it asks for (`runtime::probe`) their own
//! way. At most one probe per endpoint is in flight; the next is due an interval later plus
//! up to a tenth of jitter, so the probes of many endpoints spread out and a host that flaps
//! costs no more traffic.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use crate::config::{Balance, HealthCheck, Profile, ReconnectPolicy, TlsMode};
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

/// A probe to run now: the endpoint, how to reach it, and its timeout.
#[derive(Clone, Debug)]
pub struct ProbeRequest {
    pub endpoint: String,
    pub spec: HostSpec,
    /// The endpoint's profile pointed at it (its connection settings).
    pub profile: Profile,
    pub timeout: Duration,
}

/// How a probe's result changed an endpoint's health.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// It was not known to be down, and now is (why).
    Down(String),
    /// It was down, and is up again.
    Up,
}

/// Every endpoint of the profiles in use, with what the probes found.
#[derive(Clone, Debug, Default)]
pub struct HealthTable {
    map: BTreeMap<String, EndpointHealth>,
}

/// A profile's endpoints: its host, then each alternate that parses.
pub fn endpoints(profile: &Profile) -> Vec<HostSpec> {
    let mut all = vec![profile.host_spec()];
    all.extend(profile.alternates.iter().filter_map(|a| a.parse().ok()));
    all
}

/// Up to a tenth of `interval`, spread by the endpoint's name and the probe's number (no
/// random source is needed: the point is that endpoints drift apart).
fn jitter(endpoint: &str, n: u64, interval: Duration) -> Duration {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in endpoint.bytes().chain(n.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let per_mille = u32::try_from(h % 1000).unwrap_or(0);
    interval / 10 * per_mille / 1000
}

impl HealthTable {
    /// Every endpoint, by name.
    pub fn endpoints(&self) -> &BTreeMap<String, EndpointHealth> {
        &self.map
    }

    /// Whether probes found `endpoint` down.
    pub fn is_down(&self, endpoint: &str) -> bool {
        self.map
            .get(endpoint)
            .is_some_and(|e| e.health == Health::Down)
    }

    /// The table follows the profiles in use (one per session, repeats welcome): endpoints
    /// of profiles no longer used are forgotten, new ones are probed at once.
    pub fn sync<'a>(&mut self, profiles: impl IntoIterator<Item = &'a Profile>, now: Instant) {
        let mut wanted: BTreeMap<String, (Vec<String>, Option<HealthCheck>, &Profile)> =
            BTreeMap::new();
        for profile in profiles {
            for spec in endpoints(profile) {
                let entry = wanted
                    .entry(spec.to_string())
                    .or_insert_with(|| (Vec::new(), None, profile));
                if !entry.0.contains(&profile.name) {
                    entry.0.push(profile.name.clone());
                }
                if entry.1.is_none() {
                    entry.1 = profile.health_check;
                    entry.2 = profile;
                }
            }
        }
        self.map.retain(|k, _| wanted.contains_key(k));
        for (endpoint, (profiles, check, profile)) in wanted {
            let e = self.map.entry(endpoint).or_insert_with(|| EndpointHealth {
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

    /// When the next probe is due (none while every due one is in flight).
    pub fn next_probe(&self) -> Option<Instant> {
        self.map
            .values()
            .filter(|e| !e.in_flight)
            .filter_map(|e| e.next_at)
            .min()
    }

    /// The probes due at `now`; each is in flight until [`HealthTable::probed`].
    pub fn due(&mut self, now: Instant) -> Vec<ProbeRequest> {
        let mut out = Vec::new();
        for (endpoint, e) in &mut self.map {
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
            out.push(ProbeRequest {
                endpoint: endpoint.clone(),
                spec,
                profile,
                timeout: check.timeout,
            });
        }
        out
    }

    /// A probe's result; says when the endpoint went down, or came up after being down.
    pub fn probed(
        &mut self,
        endpoint: &str,
        result: Result<Duration, String>,
        now: Instant,
    ) -> Option<Change> {
        // Absent: its profile went out of use while the probe ran.
        let e = self.map.get_mut(endpoint)?;
        e.in_flight = false;
        let change = match result {
            Ok(latency) => {
                let change = (e.health == Health::Down).then_some(Change::Up);
                if change.is_some() {
                    tracing::info!(endpoint, "endpoint up again");
                }
                e.health = Health::Up;
                e.last_probe = Some((now, Some(latency)));
                change
            }
            Err(why) => {
                let change = (e.health != Health::Down).then(|| Change::Down(why.clone()));
                if change.is_some() {
                    tracing::info!(endpoint, error = %why, "endpoint down");
                }
                let since = match (&e.last_error, e.health) {
                    (Some((_, since)), Health::Down) => *since,
                    _ => now,
                };
                e.health = Health::Down;
                e.last_probe = Some((now, None));
                e.last_error = Some((why, since));
                change
            }
        };
        if let Some(check) = e.check {
            e.next_at = Some(now + check.interval + jitter(endpoint, e.probes, check.interval));
        }
        change
    }

    /// `profile` with the endpoint at `start` first, the others after it in their order,
    /// and the endpoints known to be down last (all of them as they were when every one is
    /// down: something must be tried).
    pub fn order(&self, profile: Profile, start: usize) -> Profile {
        let all = endpoints(&profile);
        let n = all.len();
        if n < 2 {
            return profile;
        }
        let mut order: Vec<&HostSpec> = (0..n).map(|i| &all[(start + i) % n]).collect();
        if order.iter().any(|s| !self.is_down(&s.to_string())) {
            order.sort_by_key(|s| self.is_down(&s.to_string()));
        }
        let mut p = moved_to(&profile, order[0]);
        p.alternates = order[1..].iter().map(ToString::to_string).collect();
        p
    }

    /// `profile` with its endpoints in the order a new session should try them, by the
    /// profile's `balance` (down ones skipped), and a note of the choice when one was made
    /// (`round-robin: 127.0.0.1:3271, 2 of 3`). `round_robin` keeps where each profile's
    /// next session starts; `on(endpoint)` is how many of the profile's sessions are on
    /// an endpoint now.
    pub fn balanced(
        &self,
        profile: Profile,
        round_robin: &mut HashMap<String, usize>,
        on: &dyn Fn(&str) -> usize,
    ) -> (Profile, Option<String>) {
        let all = endpoints(&profile);
        let n = all.len();
        if n < 2 {
            return (profile, None);
        }
        let names: Vec<String> = all.iter().map(ToString::to_string).collect();
        let down: Vec<&str> = names
            .iter()
            .filter(|e| self.is_down(e))
            .map(String::as_str)
            .collect();
        if profile.balance == Balance::First && down.is_empty() {
            return (profile, None);
        }
        let mut candidates: Vec<usize> = (0..n)
            .filter(|&i| !down.contains(&names[i].as_str()))
            .collect();
        if candidates.is_empty() {
            // Every endpoint is down: try them all, in the strategy's order.
            candidates = (0..n).collect();
        }
        let start = match profile.balance {
            Balance::First => candidates[0],
            Balance::RoundRobin => {
                let next = round_robin.get(&profile.name).copied().unwrap_or(0) % n;
                let start = (0..n)
                    .map(|k| (next + k) % n)
                    .find(|i| candidates.contains(i))
                    .unwrap_or(next);
                round_robin.insert(profile.name.clone(), (start + 1) % n);
                start
            }
            Balance::LeastSessions => {
                let counts: Vec<usize> = names.iter().map(|e| on(e)).collect();
                // The first of the least loaded.
                candidates
                    .iter()
                    .copied()
                    .min_by_key(|&i| (counts[i], i))
                    .unwrap_or(0)
            }
        };
        let mut note = format!(
            "{}: {}, {} of {n}",
            profile.balance,
            names[start],
            start + 1
        );
        if !down.is_empty() {
            let _ = write!(note, " (down: {})", down.join(", "));
        }
        (self.order(profile, start), Some(note))
    }
}

/// `profile` pointed at `spec` alone: everything else (model, code page, logon macro,
/// theme, reconnect policy) stays the profile's.
pub fn moved_to(profile: &Profile, spec: &HostSpec) -> Profile {
    let mut p = profile.clone();
    p.host.clone_from(&spec.host);
    p.port = Some(spec.port);
    p.tls = if spec.tls {
        TlsMode::Direct
    } else if profile.tls == TlsMode::Direct {
        TlsMode::Off
    } else {
        profile.tls
    };
    p.tn3270e = spec.tn3270e;
    p.lu.clone_from(&spec.lu);
    p.alternates = Vec::new();
    p
}

/// The profile's endpoint after `current` (its host, then its alternates, round); `None`
/// when it has no other.
pub fn next_endpoint(profile: &Profile, current: &str) -> Option<HostSpec> {
    let mut all = vec![profile.host_spec()];
    for a in &profile.alternates {
        match a.parse::<HostSpec>() {
            Ok(spec) => all.push(spec),
            Err(e) => tracing::info!(alternate = %a, error = %e, "not a migration target"),
        }
    }
    if all.len() < 2 {
        return None;
    }
    let at = all.iter().position(|s| s.to_string() == current);
    let next = at.map_or(1, |i| (i + 1) % all.len());
    Some(all.swap_remove(next))
}

/// How long to wait before the next automatic reconnect after `failed` failed attempts in
/// a row (0 right after a drop): the policy's delay, doubled after each failure up to its
/// `max-delay`; `None` when the policy is off or its `max-attempts` are used up.
pub fn reconnect_wait(policy: &ReconnectPolicy, failed: u32) -> Option<Duration> {
    let exhausted = policy.max_attempts > 0 && failed >= policy.max_attempts;
    if !policy.enabled || exhausted {
        return None;
    }
    let factor = 2u32.saturating_pow(failed.min(16));
    Some(policy.delay.saturating_mul(factor).min(policy.max_delay))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(balance: Balance) -> Profile {
        let spec: HostSpec = "127.0.0.1:3270".parse().unwrap();
        Profile {
            name: "p".to_owned(),
            alternates: vec!["127.0.0.1:3271".to_owned(), "127.0.0.1:3272".to_owned()],
            balance,
            health_check: Some(HealthCheck {
                interval: Duration::from_secs(10),
                timeout: Duration::from_secs(1),
            }),
            ..Profile::for_host(&spec)
        }
    }

    #[test]
    fn round_robin_skips_a_down_endpoint_and_orders_it_last() {
        let p = profile(Balance::RoundRobin);
        let now = Instant::now();
        let mut t = HealthTable::default();
        t.sync([&p], now);
        assert_eq!(t.due(now).len(), 3);
        assert_eq!(
            t.probed("127.0.0.1:3271", Err("refused".into()), now),
            Some(Change::Down("refused".into()))
        );
        // Still down: no second announcement.
        assert_eq!(t.probed("127.0.0.1:3271", Err("refused".into()), now), None);
        let mut rr = HashMap::new();
        let starts: Vec<String> = (0..4)
            .map(|_| {
                t.balanced(p.clone(), &mut rr, &|_| 0)
                    .0
                    .host_spec()
                    .to_string()
            })
            .collect();
        assert_eq!(
            starts,
            [
                "127.0.0.1:3270",
                "127.0.0.1:3272",
                "127.0.0.1:3270",
                "127.0.0.1:3272"
            ]
        );
        let (ordered, note) = t.balanced(p.clone(), &mut rr, &|_| 0);
        assert_eq!(ordered.alternates.last().unwrap(), "127.0.0.1:3271");
        assert!(note.unwrap().contains("(down: 127.0.0.1:3271)"));
        assert_eq!(
            t.probed("127.0.0.1:3271", Ok(Duration::ZERO), now),
            Some(Change::Up)
        );
    }

    #[test]
    fn least_sessions_takes_the_first_of_the_least_loaded() {
        let p = profile(Balance::LeastSessions);
        let t = HealthTable::default();
        let on = |e: &str| usize::from(e != "127.0.0.1:3272") * 2;
        let (ordered, _) = t.balanced(p, &mut HashMap::new(), &on);
        assert_eq!(ordered.host_spec().to_string(), "127.0.0.1:3272");
        assert_eq!(ordered.alternates, ["127.0.0.1:3270", "127.0.0.1:3271"]);
    }

    #[test]
    fn the_reconnect_wait_doubles_up_to_the_most_and_stops_after_the_attempts() {
        let policy = ReconnectPolicy {
            enabled: true,
            delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(5),
            max_attempts: 3,
        };
        let waits: Vec<Option<u64>> = (0..4)
            .map(|n| reconnect_wait(&policy, n).map(|d| d.as_secs()))
            .collect();
        assert_eq!(waits, [Some(2), Some(4), Some(5), None]);
        let off = ReconnectPolicy::default();
        assert_eq!(reconnect_wait(&off, 0), None);
    }

    #[test]
    fn the_next_endpoint_goes_round_and_a_lone_host_has_none() {
        let p = profile(Balance::First);
        let next = |cur: &str| next_endpoint(&p, cur).map(|s| s.to_string());
        assert_eq!(next("127.0.0.1:3270").as_deref(), Some("127.0.0.1:3271"));
        assert_eq!(next("127.0.0.1:3272").as_deref(), Some("127.0.0.1:3270"));
        let lone = Profile::for_host(&"127.0.0.1:3270".parse().unwrap());
        assert!(next_endpoint(&lone, "127.0.0.1:3270").is_none());
    }
}
