//! A session's lifecycle beyond connect and disconnect: `pause-session`, `resume-session`
//! and `migrate-session`.
//!
//! A paused tab keeps its last screen (drawn dimmed) and its figures; its connection is
//! closed cleanly and nothing reconnects it until `resume-session` (or `reconnect`).
//! A migration opens the new connection under a tab of its own that is not shown (the
//! pending tab, with a fresh [`TabId`], so the loop keeps both connections apart); once the
//! host on it has drawn its first screen, it takes the old tab's place, name and position,
//! and only then is the old connection closed. A host application's state does not move
//! between hosts: the new host starts from its own first screen, and the profile's logon
//! macro plays again there. Part of `impl App`; no I/O.

use std::time::Instant;

use crate::app::{App, ConnState, Effect, HostEvent, Tab, TabId};
use crate::runtime::host::HostSpec;

/// A tab as the list of open tabs keeps it: the target it was opened with, and its name.
pub type SavedTab = (String, String);

/// A migration in progress: the tab it moves and the pending tab with the new connection.
#[derive(Debug)]
pub(crate) struct Migration {
    pub from: TabId,
    pub tab: Tab,
}

impl App {
    /// Whether the open tabs are `saved` (same targets and names, same order). While tabs
    /// are offered for restoring and none is open yet, the old list counts as saved: a kill
    /// before the answer must not lose it.
    pub fn tabs_saved_as(&self, saved: &[SavedTab]) -> bool {
        if !self.restorable.is_empty() && self.tabs.is_empty() {
            return true;
        }
        saved.len() == self.tabs.len()
            && self
                .tabs
                .iter()
                .zip(saved)
                .all(|(t, (target, name))| t.profile.name == *target && t.name == *name)
    }

    /// The open tabs as the list keeps them: the target (a profile's name, or the host
    /// spec a bare host's profile is named after) and the tab's name.
    pub fn saved_tabs(&self) -> Vec<SavedTab> {
        self.tabs
            .iter()
            .map(|t| (t.profile.name.clone(), t.name.clone()))
            .collect()
    }

    /// Tabs a run that did not quit left open: opened at once (`always`), or offered
    /// (`ask`: a confirmation; `restore-tabs` also opens them).
    pub fn offer_restore(&mut self, tabs: Vec<SavedTab>, now: Instant) -> Vec<Effect> {
        if tabs.is_empty() {
            return Vec::new();
        }
        self.restorable = tabs;
        match self.config.ui.restore_tabs {
            crate::config::RestoreTabs::Never => {
                self.restorable.clear();
                Vec::new()
            }
            crate::config::RestoreTabs::Always => self.restore_tabs(now),
            crate::config::RestoreTabs::Ask => {
                let n = self.restorable.len();
                let names: Vec<&str> = self.restorable.iter().map(|(_, n)| n.as_str()).collect();
                let s = if n == 1 { "" } else { "s" };
                self.open_pane(Box::new(crate::app::pane::Confirm {
                    question: format!(
                        "The last run ended with {n} tab{s} open ({}). Open {} again?",
                        names.join(", "),
                        if n == 1 { "it" } else { "them" }
                    ),
                    on_yes: crate::action::Action::RestoreTabs,
                }));
                Vec::new()
            }
        }
    }

    /// `restore-tabs`: open the offered tabs, in order, with their names.
    pub(crate) fn restore_tabs(&mut self, now: Instant) -> Vec<Effect> {
        let tabs = std::mem::take(&mut self.restorable);
        if tabs.is_empty() {
            self.set_status("no tabs to restore");
            return Vec::new();
        }
        let mut effects = Vec::new();
        for (target, name) in tabs {
            let before = self.tabs.len();
            effects.extend(self.apply(crate::action::Action::Connect(target), now, true));
            if self.tabs.len() > before {
                self.rename(Some(name));
            } else {
                // Refused (the session limit) or unknown now: the rest would be too.
                break;
            }
        }
        effects
    }

    pub(crate) fn pause_session(&mut self) -> Vec<Effect> {
        let Some(tab) = self.active_tab_mut() else {
            return Vec::new();
        };
        if tab.paused {
            let msg = format!(
                "`{}` is already paused (resume-session connects it)",
                tab.name
            );
            self.set_status(msg);
            return Vec::new();
        }
        let live = !matches!(tab.conn, ConnState::Disconnected(_));
        tab.cancel_reconnect();
        tab.disconnect();
        tab.paused = true;
        tab.conn = ConnState::Disconnected(Some("paused".to_owned()));
        let (id, name) = (tab.id, tab.name.clone());
        self.set_status(format!(
            "`{name}` paused: its connection is closed and its last screen kept; \
             resume-session connects it again"
        ));
        if live {
            vec![Effect::Disconnect { tab: id }]
        } else {
            Vec::new()
        }
    }

    pub(crate) fn resume_session(&mut self) -> Vec<Effect> {
        let Some(tab) = self.active_tab_mut() else {
            return Vec::new();
        };
        if !tab.paused {
            let msg = format!("`{}` is not paused", tab.name);
            self.set_status(msg);
            return Vec::new();
        }
        tab.paused = false;
        tab.conn = ConnState::Connecting;
        let effect = Effect::Connect {
            tab: tab.id,
            profile: Box::new(tab.profile.clone()),
        };
        let name = tab.name.clone();
        self.set_status(format!("resuming `{name}`"));
        vec![effect]
    }

    /// `migrate-session [ENDPOINT]`: to the host named, or to the profile's endpoint after
    /// the one in use.
    pub(crate) fn migrate_session(&mut self, to: Option<&str>) -> Vec<Effect> {
        let Some(tab) = self.active_tab() else {
            return Vec::new();
        };
        if self.migrations.iter().any(|m| m.from == tab.id) {
            let msg = format!("`{}` is already moving to another host", tab.name);
            self.set_status(msg);
            return Vec::new();
        }
        let target = match to.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => t.parse::<HostSpec>().map_err(|e| {
                format!("migrate-session `{t}`: {e} (expected [L:][N:][LU@]host[:port])")
            }),
            None => next_endpoint(tab),
        };
        let spec = match target {
            Ok(spec) => spec,
            Err(e) => {
                self.set_status(e.clone());
                self.show_message(vec![e]);
                return Vec::new();
            }
        };
        let from = tab.id;
        let name = tab.name.clone();
        let old = current_endpoint(tab);
        let profile = crate::endpoints::moved_to(&tab.profile, &spec);
        let id = TabId(self.next_id);
        self.next_id += 1;
        let pending = Tab::new(id, name.clone(), profile.clone(), &self.config.limits);
        self.migrations.push(Migration { from, tab: pending });
        self.set_status(format!(
            "moving `{name}` from {old} to {spec}: the old connection stays until the new \
             host shows its first screen (the host application's state does not move; the \
             logon macro plays again)"
        ));
        vec![Effect::Connect {
            tab: id,
            profile: Box::new(profile),
        }]
    }

    /// Whether `id` is a pending migration's tab.
    pub(crate) fn is_migrating(&self, id: TabId) -> bool {
        self.migrations.iter().any(|m| m.tab.id == id)
    }

    /// A host event for a pending migration's tab: once its host has drawn, it replaces the
    /// tab it moves; if its connection ends first, the move is given up and said so.
    pub(crate) fn migration_event(
        &mut self,
        id: TabId,
        event: HostEvent,
        now: Instant,
    ) -> Vec<Effect> {
        let Some(m) = self.migrations.iter().position(|m| m.tab.id == id) else {
            return Vec::new();
        };
        let long_aid = self.config.ui.long_aid;
        let limits = self.config.limits.clone();
        let mut effects = Vec::new();
        self.migrations[m]
            .tab
            .host_event(event, now, &limits, long_aid, &mut effects);
        let pending = &self.migrations[m].tab;
        if pending.driver().drawn() {
            let Migration { from, mut tab } = self.migrations.remove(m);
            let Some(i) = self.tab_index(from) else {
                // The tab was closed meanwhile: the new connection has nowhere to go.
                effects.push(Effect::Disconnect { tab: tab.id });
                return effects;
            };
            let old = current_endpoint(&self.tabs[i]);
            let new = current_endpoint(&tab);
            tab.stamp_state(now);
            if i == self.active {
                tab.bring_forward();
            }
            let name = tab.name.clone();
            // The old connection closes only now that the new host has drawn.
            self.tabs[i] = tab;
            effects.push(Effect::Disconnect { tab: from });
            if let Some(logon) = self.tabs[i].take_logon() {
                let id = self.tabs[i].id;
                effects.extend(self.start_macro(id, &logon, now));
            }
            // Said last, so that the logon macro's own message does not hide it.
            self.set_status(format!(
                "`{name}` moved from {old} to {new}; the host application's state did not \
                 move with it"
            ));
        } else if let ConnState::Disconnected(why) = &pending.conn {
            let why = why
                .clone()
                .unwrap_or_else(|| "the connection ended".to_owned());
            let Migration { from, tab } = self.migrations.remove(m);
            effects.push(Effect::Disconnect { tab: tab.id });
            let stays = self.tab(from).map(current_endpoint).unwrap_or_default();
            self.set_status(format!(
                "`{}` did not move to {}: {why}; it stays on {stays}",
                tab.name,
                tab.profile.host_spec()
            ));
        }
        effects
    }
}

/// The endpoint a tab uses (or last used), else its profile's host.
fn current_endpoint(tab: &Tab) -> String {
    tab.driver()
        .stats()
        .link
        .endpoint
        .unwrap_or_else(|| tab.profile.host_spec().to_string())
}

/// The profile's endpoint after the one in use (its host, then its alternates, round).
fn next_endpoint(tab: &Tab) -> Result<HostSpec, String> {
    crate::endpoints::next_endpoint(&tab.profile, &current_endpoint(tab)).ok_or_else(|| {
        format!(
            "`{}` has no other endpoint in its profile: name one, \
             `migrate-session [L:][N:][LU@]host[:port]`",
            tab.name
        )
    })
}
