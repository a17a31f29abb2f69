//! Which endpoint a new tab on a profile starts with: the profile's `balance` strategy over
//! its endpoints (its `host`, then its `alternates`), skipping those the health probes
//! found down.
//!
//! The chosen endpoint becomes the tab's profile's host and the others follow as its
//! alternates (down ones last), so the connection task and every reconnect fail over along
//! the same list without knowing about balancing. Part of `impl App`; no I/O.

use std::fmt::Write as _;

use crate::app::App;
use crate::app::health::{endpoint_of, endpoints};
use crate::config::{Balance, Profile};

impl App {
    /// `profile` with its endpoints in the order a new tab should try them, and a note of
    /// the choice when one was made (`round-robin: 127.0.0.1:3271, 2 of 3`).
    pub(crate) fn balanced(&mut self, profile: Profile) -> (Profile, Option<String>) {
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
                let next = self.round_robin.get(&profile.name).copied().unwrap_or(0) % n;
                let start = (0..n)
                    .map(|k| (next + k) % n)
                    .find(|i| candidates.contains(i))
                    .unwrap_or(next);
                self.round_robin
                    .insert(profile.name.clone(), (start + 1) % n);
                start
            }
            Balance::LeastSessions => {
                let mut counts = vec![0usize; n];
                for tab in self.tabs.iter().filter(|t| t.profile.name == profile.name) {
                    let on = endpoint_of(tab);
                    if let Some(i) = names.iter().position(|e| *e == on) {
                        counts[i] += 1;
                    }
                }
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
        (self.order_endpoints(profile, start), Some(note))
    }
}
