//! Which endpoint a new tab on a profile starts with: the profile's `balance` strategy over
//! its endpoints (its `host`, then its `alternates`).
//!
//! The chosen endpoint becomes the tab's profile's host and the others follow as its
//! alternates in their order after it, so the connection task and every reconnect fail
//! over along the same list without knowing about balancing. Part of `impl App`; no I/O.

use crate::app::{App, Tab};
use crate::config::{Balance, Profile};
use crate::runtime::host::HostSpec;

impl App {
    /// `profile` with its endpoints in the order a new tab should try them, and a note of
    /// the choice when the strategy made one (`round-robin: 127.0.0.1:3271, 2 of 3`).
    pub(crate) fn balanced(&mut self, profile: Profile) -> (Profile, Option<String>) {
        if profile.balance == Balance::First || profile.alternates.is_empty() {
            return (profile, None);
        }
        let endpoints = endpoints(&profile);
        let n = endpoints.len();
        let start = match profile.balance {
            Balance::First => 0,
            Balance::RoundRobin => {
                let next = self.round_robin.entry(profile.name.clone()).or_insert(0);
                let k = *next % n;
                *next = (k + 1) % n;
                k
            }
            Balance::LeastSessions => {
                let mut counts = vec![0usize; n];
                for tab in self.tabs.iter().filter(|t| t.profile.name == profile.name) {
                    let on = endpoint_of(tab);
                    if let Some(i) = endpoints.iter().position(|e| e.to_string() == on) {
                        counts[i] += 1;
                    }
                }
                // The first of the least loaded.
                (0..n).min_by_key(|&i| (counts[i], i)).unwrap_or(0)
            }
        };
        let chosen = endpoints[start].to_string();
        let note = format!("{}: {chosen}, {} of {n}", profile.balance, start + 1);
        let mut p = profile;
        let first = &endpoints[start];
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
        p.alternates = (1..n)
            .map(|i| endpoints[(start + i) % n].to_string())
            .collect();
        (p, Some(note))
    }
}

/// A profile's endpoints: its host, then each alternate that parses (the loader refuses
/// the others).
fn endpoints(profile: &Profile) -> Vec<HostSpec> {
    let mut all = vec![profile.host_spec()];
    all.extend(profile.alternates.iter().filter_map(|a| a.parse().ok()));
    all
}

/// The endpoint a tab is on: the one its connection named, else the first it will try.
fn endpoint_of(tab: &Tab) -> String {
    tab.driver()
        .stats()
        .link
        .endpoint
        .unwrap_or_else(|| tab.profile.host_spec().to_string())
}
