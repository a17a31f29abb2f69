//! Which endpoint a new tab on a profile starts with: the profile's `balance` strategy over
//! its endpoints (its `host`, then its `alternates`), skipping those the health probes
//! found down.
//!
//! The chosen endpoint becomes the tab's profile's host and the others follow as its
//! alternates (down ones last), so the connection task and every reconnect fail over along
//! the same list without knowing about balancing. Part of `impl App`; no I/O.

use crate::app::App;
use crate::app::health::endpoint_of;
use crate::config::Profile;

impl App {
    /// `profile` with its endpoints in the order a new tab should try them, and a note of
    /// the choice when one was made (`round-robin: 127.0.0.1:3271, 2 of 3`).
    pub(crate) fn balanced(&mut self, profile: Profile) -> (Profile, Option<String>) {
        let tabs = &self.tabs;
        let name = profile.name.clone();
        let on = |endpoint: &str| {
            tabs.iter()
                .filter(|t| t.profile.name == name && endpoint_of(t) == endpoint)
                .count()
        };
        self.health.balanced(profile, &mut self.round_robin, &on)
    }
}
