//! The tab list: opening (with the session limit), closing, switching, reordering and
//! renaming tabs, and routing host events to the tab they belong to.
//!
//! Part of `impl App`; it owns no state of its own and does no I/O (connections are
//! [`Effect::Connect`] / [`Effect::Disconnect`] for the loop to carry out).

use std::time::Instant;

use crate::action::Action;
use crate::app::pane::{Confirm, Picker, Rename};
use crate::app::{App, ConnState, Effect, HostEvent, Tab, TabId};
use crate::config::Profile;

impl App {
    /// `connect X`: a new tab on a profile or host.
    pub(crate) fn connect(&mut self, target: &str) -> Vec<Effect> {
        match self.config.resolve_target(target.trim()) {
            Ok(profile) => {
                if self.config.profile(target.trim()).is_none() {
                    self.remember(target.trim());
                }
                self.open_tab(profile)
            }
            Err(e) => {
                self.set_status(e.clone());
                if !self.show_error_in_pane(e.clone()) {
                    self.show_message(vec![e]);
                }
                Vec::new()
            }
        }
    }

    /// A new tab on `profile`, shown at once, its connection started.
    pub fn open_tab(&mut self, profile: Profile) -> Vec<Effect> {
        if self.refuse_new_tab() {
            return Vec::new();
        }
        let id = TabId(self.next_id);
        self.next_id += 1;
        let name = self.unique_name(&profile.name);
        let (profile, choice) = self.balanced(profile);
        let mut tab = Tab::new(id, name, profile.clone(), &self.config.limits);
        tab.balance_note = choice;
        if let Some(sink) = self.audit_sink(&profile) {
            tab.set_audit(Box::new(sink));
        }
        self.tabs.push(tab);
        self.pane = None;
        self.switch_to(self.tabs.len() - 1);
        vec![Effect::Connect {
            tab: id,
            profile: Box::new(profile),
        }]
    }

    /// `name`, or `name (2)`, `name (3)`... when a tab already has it.
    fn unique_name(&self, name: &str) -> String {
        let taken = |n: &str| self.tabs.iter().any(|t| t.name == n);
        if !taken(name) {
            return name.to_owned();
        }
        // One more candidate than there are tabs: at least one is free.
        (2..=self.tabs.len() + 2)
            .map(|i| format!("{name} ({i})"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| name.to_owned())
    }

    fn remember(&mut self, host: &str) {
        self.recent.retain(|h| h != host);
        self.recent.insert(0, host.to_owned());
        self.recent.truncate(self.config.ui.recent_hosts);
    }

    pub(crate) fn disconnect(&mut self) -> Vec<Effect> {
        let Some(tab) = self.active_tab_mut() else {
            return Vec::new();
        };
        tab.cancel_reconnect();
        if matches!(tab.conn, ConnState::Disconnected(_)) {
            return Vec::new();
        }
        tab.disconnect();
        tab.conn = ConnState::Disconnected(Some("disconnected".to_owned()));
        vec![Effect::Disconnect { tab: tab.id }]
    }

    pub(crate) fn reconnect(&mut self) -> Vec<Effect> {
        let Some(tab) = self.active_tab_mut() else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        tab.cancel_reconnect();
        tab.paused = false;
        if !matches!(tab.conn, ConnState::Disconnected(_)) {
            tab.disconnect();
            effects.push(Effect::Disconnect { tab: tab.id });
        }
        tab.conn = ConnState::Connecting;
        effects.push(Effect::Connect {
            tab: tab.id,
            profile: Box::new(tab.profile.clone()),
        });
        effects
    }

    pub(crate) fn close_tab(&mut self, confirmed: bool) -> Vec<Effect> {
        let Some(tab) = self.active_tab() else {
            return Vec::new();
        };
        let live = !matches!(tab.conn, ConnState::Disconnected(_));
        if !confirmed && tab.conn.is_connected() && self.config.ui.confirm_close {
            self.open_pane(Box::new(Confirm {
                question: format!("Close `{}` and its connection?", tab.name),
                on_yes: Action::CloseTab,
            }));
            return Vec::new();
        }
        let id = tab.id;
        self.tabs.remove(self.active);
        let active = self.active.min(self.tabs.len().saturating_sub(1));
        if !self.tabs.is_empty() {
            self.switch_to(active);
        }
        if self.tabs.is_empty() {
            self.open_pane(Box::<Picker>::default());
        }
        if live {
            vec![Effect::Disconnect { tab: id }]
        } else {
            Vec::new()
        }
    }

    /// Show tab `index` (0-based); out of range is a status message.
    pub(crate) fn switch_to(&mut self, index: usize) {
        if index >= self.tabs.len() {
            self.set_status(format!(
                "there is no tab {} ({} open)",
                index + 1,
                self.tabs.len()
            ));
            return;
        }
        for tab in &mut self.tabs {
            tab.foreground = false;
        }
        self.active = index;
        self.tabs[index].bring_forward();
    }

    pub(crate) fn cycle(&mut self, forward: bool) {
        let n = self.tabs.len();
        if n == 0 {
            return;
        }
        let next = if forward {
            (self.active + 1) % n
        } else {
            (self.active + n - 1) % n
        };
        self.switch_to(next);
    }

    pub(crate) fn move_tab(&mut self, right: bool) {
        let n = self.tabs.len();
        let i = self.active;
        let j = if right { i + 1 } else { i.wrapping_sub(1) };
        if n == 0 || j >= n {
            return;
        }
        self.tabs.swap(i, j);
        self.active = j;
    }

    pub(crate) fn rename(&mut self, name: Option<String>) {
        if self.tabs.is_empty() {
            return;
        }
        if let Some(name) = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
            if let Some(tab) = self.active_tab_mut() {
                tab.name = name;
            }
            self.pane = None;
        } else {
            let current = self
                .active_tab()
                .map(|t| t.name.clone())
                .unwrap_or_default();
            self.open_pane(Box::new(Rename::new(current)));
        }
    }

    /// Route a connection task's report to its tab (a closed tab's late events are dropped).
    pub(crate) fn host_event(&mut self, id: TabId, event: HostEvent, now: Instant) -> Vec<Effect> {
        if self.is_migrating(id) {
            return self.migration_event(id, event, now);
        }
        let long_aid = self.config.ui.long_aid;
        let limits = self.config.limits.clone();
        let Some(i) = self.tab_index(id) else {
            return Vec::new();
        };
        let mut effects = Vec::new();
        self.tabs[i].host_event(event, now, &limits, long_aid, &mut effects);
        if let Some(name) = self.tabs[i].take_logon() {
            effects.extend(self.start_macro(id, &name, now));
        }
        // A recording writes its synchronisation point once the host answered an AID.
        self.tabs[i].record_host(now);
        // A playing macro sees what the host sent (and a disconnect stops it).
        self.poll_playback(i, now, &mut effects);
        effects
    }
}
