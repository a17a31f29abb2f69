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
//! The table itself is [`crate::endpoints::HealthTable`] (shared with `r3270 serve`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::app::{App, Effect, Tab};
use crate::config::Profile;

pub use crate::endpoints::{EndpointHealth, Health};

/// The endpoint a tab is on: the one its connection named, else the first it will try.
pub(crate) fn endpoint_of(tab: &Tab) -> String {
    tab.driver()
        .stats()
        .link
        .endpoint
        .unwrap_or_else(|| tab.profile.host_spec().to_string())
}

impl App {
    /// Every endpoint of the profiles in use, with what the probes found.
    pub fn endpoint_health(&self) -> &BTreeMap<String, EndpointHealth> {
        self.health.endpoints()
    }

    /// The endpoints table follows the tabs: endpoints of profiles no tab uses are
    /// forgotten, new ones are probed at once.
    pub(crate) fn sync_endpoints(&mut self, now: Instant) {
        self.health.sync(self.tabs.iter().map(|t| &t.profile), now);
    }

    /// The next probe due, for [`App::next_deadline`].
    pub(crate) fn next_probe(&self) -> Option<Instant> {
        self.health.next_probe()
    }

    /// Probes due at `now`, as effects.
    pub(crate) fn due_probes(&mut self, now: Instant, effects: &mut Vec<Effect>) {
        for p in self.health.due(now) {
            effects.push(Effect::Probe {
                endpoint: p.endpoint,
                spec: p.spec,
                profile: Box::new(p.profile),
                timeout: p.timeout,
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
        // A probe of an endpoint whose profile's last tab closed while it ran is dropped.
        let _ = self.health.probed(endpoint, result, now);
    }

    /// `profile` with the endpoint at `start` first, the others after it in their order,
    /// and the endpoints known to be down last (all of them as they were when every one is
    /// down: something must be tried).
    pub(crate) fn order_endpoints(&self, profile: Profile, start: usize) -> Profile {
        self.health.order(profile, start)
    }
}
